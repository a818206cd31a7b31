using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using ManifestCompiler.Runtime;
using ManifestCompiler.Runtime.Hosting;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Workspace;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ManifestCompiler.Benchmarks;

/// <summary>
/// The QuickBooks sample's sync end to end over 10,000 invoices: <c>quickbooks-sync-v1</c> fetches them from a local
/// Kestrel stand-in and queues one <c>invoices-post-v1</c> run per invoice; each runs its Python step on a
/// 2-worker sandboxed pool and its record goes through the compiled mapper into the sink. (a) one run at a time,
/// in-memory stores (the baseline); (b) two runs at a time (one per worker), in memory; (c) two at a time with the
/// SQLite store (durable queue, encrypted tokens, idempotent record writes). One operation = the whole sync; each
/// checks that all 10,000 records landed. The pool allows 20,000 host calls per run: the sync makes one per invoice,
/// past the default cap of 10,000.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class SyncBenchmarks
{
    public const int InvoiceCount = 10_000;
    private WebApplication _standIn = null!;
    private PythonWorkerPool _pool = null!;
    private PlanCatalog _plans = null!;
    private OutboundRoutes _routes = null!;
    private string _directory = "";

    [GlobalSetup]
    public void Setup()
    {
        var invoices = new JsonArray();
        for (var i = 0; i < InvoiceCount; i++)
        {
            invoices.Add(new JsonObject { ["Id"] = $"{i}", ["TxnDate"] = "2024-11-14", ["TotalAmt"] = 10.5 + i, ["CustomerRef"] = new JsonObject { ["value"] = $"{i % 50}" } });
        }
        var answer = new JsonObject { ["QueryResponse"] = new JsonObject { ["Invoice"] = invoices } }.ToJsonString();
        (_standIn, var standInUrl) = LoopbackServer.StartAsync(app => app.MapGet("/v3/company/{realm}/query", () => Results.Text(answer, "application/json"))).GetAwaiter().GetResult();
        _routes = new OutboundRoutes();
        OutboundRoutes.TryAdd(_routes, "quickbooks.api.intuit.com=" + standInUrl);

        var built = PlanAssemblyBuilder.Build(ManifestWorkspace.Load([Path.Combine(Documents.RepositoryRoot, "samples", "bossi", "quickbooks")]), "SyncBenchmark");
        _plans = PlanCatalog.Load(Assembly.Load(built.Image ?? throw new InvalidOperationException("the QuickBooks sample must build")));
        _pool = PythonWorkerPool.StartAsync(new PythonWorkerPoolOptions { MaxWorkers = 2, SpareWorkers = 0, MaxSideEffectsPerRun = 20_000 }).GetAwaiter().GetResult();
        _directory = Directory.CreateTempSubdirectory("mc-sync-bench-").FullName;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _standIn.StopAsync().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "(a) 1 run at a time, in memory")]
    public Task<int> Sequential() => SyncAsync(concurrency: 1, sqlite: false);

    [Benchmark(Description = "(b) 2 runs at a time, in memory")]
    public Task<int> Concurrent() => SyncAsync(concurrency: 2, sqlite: false);

    [Benchmark(Description = "(c) 2 runs at a time, SQLite")]
    public Task<int> ConcurrentSqlite() => SyncAsync(concurrency: 2, sqlite: true);

    private async Task<int> SyncAsync(int concurrency, bool sqlite)
    {
        using var store = sqlite ? SqliteRuntimeStore.Open(Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".db"), new TokenProtector(new byte[32])) : null;
        var records = new InMemoryRecordSink();
        var runtime = new ManifestRuntime(
            _pool,
            store ?? (IInstanceStore)new InMemoryInstanceStore(),
            store ?? (IRunQueue)new InMemoryRunQueue(),
            store ?? (IRecordSink)records,
            new DebugEventLog(),
            new RuntimeOptions
            {
                Routes = _routes,
                HttpClient = new EgressPolicy { AllowedNetworks = [IPNetwork.Parse("127.0.0.1/32")] }.CreateHttpClient(),
                MaxConcurrentRuns = concurrency,
            });
        runtime.AddPlans(_plans);
        await runtime.ConnectAsync("quickbooks", "bench", new JsonObject { ["realmId"] = "9130", ["access_token"] = "bench-access-token" });
        var outcomes = await runtime.RunUntilIdleAsync();
        var landed = store is null ? records.Records.Count : (await store.ReadRecordsAsync("invoices-post-v1")).Count;
        if (outcomes.Count != InvoiceCount + 1 || outcomes.Any(o => !o.Succeeded) || landed != InvoiceCount)
        {
            throw new InvalidOperationException($"{outcomes.Count} runs, {outcomes.Count(o => !o.Succeeded)} failed, {landed} records");
        }
        return landed;
    }
}
