using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using ManifestCompiler.Runtime;
using ManifestCompiler.Runtime.Hosting;
using ManifestCompiler.Runtime.PostgreSql;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Testing;
using ManifestCompiler.Workspace;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ManifestCompiler.Benchmarks;

/// <summary>
/// The QuickBooks sample's sync end to end over 10,000 invoices: <c>quickbooks-sync-v1</c> fetches them from a local
/// Kestrel stand-in and queues one <c>invoices-post-v1</c> run per invoice; each runs its Python step on a
/// 2-worker sandboxed pool and its record goes through the compiled mapper into the sink. (a) one run at a time,
/// in-memory stores (the baseline); (b) two runs at a time (one per worker), in memory; (c) two at a time with the
/// SQLite store (durable queue, encrypted tokens, idempotent record writes); (d) two at a time on PostgreSQL, one
/// host; (e) PostgreSQL with two host processes, this one and a <see cref="SyncHost"/> child process with a pool of
/// its own (2 workers each), sharing the queue. One operation = the whole sync; each checks that all 10,000 records
/// landed and every run is done (<c>MC_BENCH_SYNC_INVOICES</c> sets another count). The pool allows 20,000 host calls per run: the sync makes one per invoice, past the
/// default cap of 10,000. PostgreSQL is the one <see cref="PostgresCluster"/> gives (MC_TEST_POSTGRES, or a throwaway
/// cluster from <c>pg_config --bindir</c>); each iteration gets a new database.
/// </summary>
// One invocation per iteration for all five (the PostgreSQL ones need it for their iteration setup), so they share one
// job and the summary's ratios cover all of them.
[Config(typeof(SyncJobConfig))]
public class SyncBenchmarks
{
    /// <summary>
    /// 1 warm-up and 3 measured iterations; <c>MC_BENCH_SYNC_ITERATIONS=N</c> makes it N measured and no warm-up, for the
    /// 10,000-invoice run on a machine where each run's forked process bounds the sync (one operation then takes minutes,
    /// and its first seconds of JIT are lost in them).
    /// </summary>
    private sealed class SyncJobConfig : ManualConfig
    {
        public SyncJobConfig()
        {
            var iterations = int.TryParse(Environment.GetEnvironmentVariable("MC_BENCH_SYNC_ITERATIONS"), out var count) && count > 0 ? count : (int?)null;
            AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(iterations is null ? 1 : 0)
                .WithIterationCount(iterations ?? 3).WithInvocationCount(1).WithUnrollFactor(1));
        }
    }

    /// <summary>10,000; <c>MC_BENCH_SYNC_INVOICES</c> sets fewer for a quick check on a busy machine (records/s is then not comparable).</summary>
    public static readonly int InvoiceCount = int.TryParse(Environment.GetEnvironmentVariable("MC_BENCH_SYNC_INVOICES"), out var count) && count > 0 ? count : 10_000;
    private SyncSetup _setup = null!;
    private string _directory = "";
    private PostgresCluster? _cluster;
    private string? _database;
    private Process? _secondHost;

    [GlobalSetup]
    public void Setup()
    {
        _setup = SyncSetup.Start(InvoiceCount, standInUrl: null);
        _directory = Directory.CreateTempSubdirectory("mc-sync-bench-").FullName;
    }

    [GlobalSetup(Targets = [nameof(PostgresOneHost), nameof(PostgresTwoHosts)])]
    public void SetupPostgres()
    {
        Setup();
        _cluster = new PostgresCluster();
        _cluster.InitializeAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _setup.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
        _cluster?.DisposeAsync().GetAwaiter().GetResult();
    }

    [IterationSetup(Target = nameof(PostgresOneHost))]
    public void NewDatabase() => _database = _cluster!.CreateDatabaseAsync().GetAwaiter().GetResult();

    [IterationSetup(Target = nameof(PostgresTwoHosts))]
    public void NewDatabaseAndSecondHost()
    {
        NewDatabase();
        // Migrated before the second host opens it, so the two never race to create the schema.
        PostgresRuntimeStore.OpenAsync(_database!, SyncSetup.Protector()).GetAwaiter().GetResult().Dispose();
        _secondHost = SyncHost.Start(_database!, _setup.StandInUrl);
    }

    [IterationCleanup(Targets = [nameof(PostgresOneHost), nameof(PostgresTwoHosts)])]
    public void DropDatabase()
    {
        SyncHost.Stop(_secondHost);
        _secondHost = null;
        _cluster!.DropDatabaseAsync(_database!).GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "(a) 1 run at a time, in memory")]
    public Task<int> Sequential() => InMemoryAsync(concurrency: 1);

    [Benchmark(Description = "(b) 2 runs at a time, in memory")]
    public Task<int> Concurrent() => InMemoryAsync(concurrency: 2);

    [Benchmark(Description = "(c) 2 runs at a time, SQLite")]
    public async Task<int> ConcurrentSqlite()
    {
        using var store = SqliteRuntimeStore.Open(Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".db"), SyncSetup.Protector());
        await SyncAsync(store, store, store, store, concurrency: 2);
        return Check((await store.ReadRecordsAsync("invoices-post-v1")).Count);
    }

    [Benchmark(Description = "(d) 2 runs at a time, PostgreSQL, 1 host")]
    public async Task<int> PostgresOneHost()
    {
        await using var store = await PostgresRuntimeStore.OpenAsync(_database!, SyncSetup.Protector());
        await SyncAsync(store, store, store, store, concurrency: 2);
        return Check((await store.ReadRecordsAsync("invoices-post-v1")).Count);
    }

    [Benchmark(Description = "(e) 2 runs at a time on each of 2 host processes, PostgreSQL")]
    public async Task<int> PostgresTwoHosts()
    {
        await using var store = await PostgresRuntimeStore.OpenAsync(_database!, SyncSetup.Protector());
        var runtime = _setup.Runtime(store, store, store, store, concurrency: 2);
        await runtime.ConnectAsync("quickbooks", "bench", SyncSetup.Tokens());
        // This host runs what it can take; the other host's loops are woken by NOTIFY and take the rest. Done when
        // every run is done on either host.
        await runtime.RunUntilIdleAsync();
        while (true)
        {
            var counts = await store.CountRunsAsync();
            if (counts.GetValueOrDefault("done") == InvoiceCount + 1)
            {
                break;
            }
            if (counts.Keys.Any(state => state is not ("done" or "queued" or "taken")) || _secondHost!.HasExited)
            {
                throw new InvalidOperationException($"the two-host sync went wrong: {string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"))}, second host exited: {_secondHost!.HasExited}");
            }
            await Task.Delay(10);
            await runtime.RunUntilIdleAsync();
        }
        return Check((await store.ReadRecordsAsync("invoices-post-v1")).Count);
    }

    private async Task<int> InMemoryAsync(int concurrency)
    {
        var records = new InMemoryRecordSink();
        var queue = new InMemoryRunQueue();
        var outcomes = await SyncAsync(new InMemoryInstanceStore(), queue, records, null, concurrency);
        return Check(records.Records.Count);
    }

    private async Task<IReadOnlyList<RunOutcome>> SyncAsync(IInstanceStore instances, IRunQueue queue, IRecordSink records, ICronJobStore? cronJobs, int concurrency)
    {
        var runtime = _setup.Runtime(instances, queue, records, cronJobs, concurrency);
        await runtime.ConnectAsync("quickbooks", "bench", SyncSetup.Tokens());
        var outcomes = await runtime.RunUntilIdleAsync();
        if (outcomes.Count != InvoiceCount + 1 || outcomes.Any(o => !o.Succeeded))
        {
            throw new InvalidOperationException($"{outcomes.Count} runs, {outcomes.Count(o => !o.Succeeded)} failed");
        }
        return outcomes;
    }

    private static int Check(int landed) =>
        landed == InvoiceCount ? landed : throw new InvalidOperationException($"{landed} records landed, not {InvoiceCount}");
}

/// <summary>
/// What the sync benchmark's hosts share: the stand-in API serving the invoices, the QuickBooks sample's plans, a
/// 2-worker step pool, and the runtime over given stores.
/// </summary>
public sealed class SyncSetup : IAsyncDisposable
{
    private WebApplication? _standIn;
    private PythonWorkerPool _pool = null!;
    private PlanCatalog _plans = null!;
    private OutboundRoutes _routes = null!;

    public string StandInUrl { get; private set; } = "";

    /// <summary>Starts the stand-in with <paramref name="invoiceCount"/> invoices (or routes to the one at <paramref name="standInUrl"/>), builds the plans, starts the pool.</summary>
    public static SyncSetup Start(int invoiceCount, string? standInUrl)
    {
        var setup = new SyncSetup();
        if (standInUrl is null)
        {
            var invoices = new JsonArray();
            for (var i = 0; i < invoiceCount; i++)
            {
                invoices.Add(new JsonObject { ["Id"] = $"{i}", ["TxnDate"] = "2024-11-14", ["TotalAmt"] = 10.5 + i, ["CustomerRef"] = new JsonObject { ["value"] = $"{i % 50}" } });
            }
            var answer = new JsonObject { ["QueryResponse"] = new JsonObject { ["Invoice"] = invoices } }.ToJsonString();
            (setup._standIn, standInUrl) = LoopbackServer.StartAsync(app => app.MapGet("/v3/company/{realm}/query", () => Results.Text(answer, "application/json"))).GetAwaiter().GetResult();
        }
        setup.StandInUrl = standInUrl;
        setup._routes = new OutboundRoutes();
        OutboundRoutes.TryAdd(setup._routes, "quickbooks.api.intuit.com=" + standInUrl);
        setup._plans = QuickBooksPlans();
        setup._pool = PythonWorkerPool.StartAsync(new PythonWorkerPoolOptions { MaxWorkers = 2, SpareWorkers = 0, MaxSideEffectsPerRun = 20_000 }).GetAwaiter().GetResult();
        return setup;
    }

    /// <summary>The QuickBooks sample's plans, compiled and loaded.</summary>
    public static PlanCatalog QuickBooksPlans()
    {
        var built = PlanAssemblyBuilder.Build(ManifestWorkspace.Load([Path.Combine(Documents.RepositoryRoot, "samples", "bossi", "quickbooks")]), "SyncBenchmark");
        return PlanCatalog.Load(Assembly.Load(built.Image ?? throw new InvalidOperationException("the QuickBooks sample must build")));
    }

    public static TokenProtector Protector() => new(new byte[32]);

    public static JsonObject Tokens() => new() { ["realmId"] = "9130", ["access_token"] = "bench-access-token" };

    public ManifestRuntime Runtime(IInstanceStore instances, IRunQueue queue, IRecordSink records, ICronJobStore? cronJobs, int concurrency, string? hostId = null, IDebugEventSink? events = null)
    {
        var runtime = new ManifestRuntime(_pool, instances, queue, records, events ?? new DebugEventLog(), new RuntimeOptions
        {
            Routes = _routes,
            HttpClient = new EgressPolicy { AllowedNetworks = [IPNetwork.Parse("127.0.0.1/32")] }.CreateHttpClient(),
            MaxConcurrentRuns = concurrency,
            CronJobs = cronJobs,
            HostId = hostId ?? RunLeaseTerms.NewHostId(),
        });
        runtime.AddPlans(_plans);
        return runtime;
    }

    public async ValueTask DisposeAsync()
    {
        await _pool.DisposeAsync();
        if (_standIn is not null)
        {
            await _standIn.StopAsync();
        }
    }
}

/// <summary>
/// The second host of <see cref="SyncBenchmarks.PostgresTwoHosts"/>: this assembly started again as a process
/// (<c>--sync-host &lt;connection string&gt; &lt;stand-in URL&gt;</c>) that runs the queue with two worker loops, woken by
/// NOTIFY like <c>mfc serve</c>'s, until its standard input closes. It prints "ready" once its pool has started.
/// </summary>
public static class SyncHost
{
    public const string Argument = "--sync-host";

    public static Process Start(string connectionString, string standInUrl)
    {
        // Under BenchmarkDotNet this assembly is a dependency of a generated program: run it with that program's runtime configuration.
        var entry = Assembly.GetEntryAssembly()!.GetName().Name;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "exec", "--runtimeconfig", Path.Combine(AppContext.BaseDirectory, entry + ".runtimeconfig.json"),
            "--depsfile", Path.Combine(AppContext.BaseDirectory, entry + ".deps.json"),
            typeof(SyncHost).Assembly.Location, Argument, connectionString, standInUrl,
        })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start)!;
        if (process.StandardOutput.ReadLine() != "ready")
        {
            process.Kill();
            throw new InvalidOperationException("the second sync host did not start");
        }
        _ = process.StandardOutput.ReadToEndAsync(); // drained, so whatever it prints never blocks it
        return process;
    }

    public static void Stop(Process? process)
    {
        if (process is null)
        {
            return;
        }
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
        }
        process.Dispose();
    }

    public static async Task<int> RunAsync(string connectionString, string standInUrl)
    {
        await using var setup = SyncSetup.Start(0, standInUrl);
        await using var store = await PostgresRuntimeStore.OpenAsync(connectionString, SyncSetup.Protector());
        var runtime = setup.Runtime(store, store, store, store, concurrency: 1);
        using var stop = new CancellationTokenSource();
        var loops = Enumerable.Range(0, 2).Select(_ => Task.Run(() => HostLoop.RunAsync(runtime, store, stop.Token))).ToArray();
        Console.WriteLine("ready");
        await Console.In.ReadToEndAsync();
        await stop.CancelAsync();
        await Task.WhenAll(loops);
        return 0;
    }
}

/// <summary>A host's worker loop as <c>mfc serve</c> runs it (<see cref="ManifestRuntime.RunWorkerAsync"/>); when no run is due, wait for a wake-up or the poll.</summary>
public static class HostLoop
{
    public static async Task RunAsync(ManifestRuntime runtime, IRunQueueWakeup wakeup, CancellationToken stop)
    {
        try
        {
            await runtime.RunWorkerAsync(
                (woken, token) => Task.WhenAny(woken ?? wakeup.NextWakeup(), Task.Delay(TimeSpan.FromMilliseconds(500), token)),
                (e, _) => Task.FromException(e),
                stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
