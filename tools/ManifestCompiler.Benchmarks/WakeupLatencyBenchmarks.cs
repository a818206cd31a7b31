using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using ManifestCompiler.Runtime;
using ManifestCompiler.Runtime.PostgreSql;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Benchmarks;

/// <summary>
/// From a webhook's 202 on host A to its run starting on host B, over PostgreSQL <c>LISTEN/NOTIFY</c>. A and B are
/// two runtimes with stores of their own (two connection pools' worth of connections, B's own listening connection,
/// different host ids) in this process; A only receives webhooks (no worker loop), B runs two worker loops like
/// <c>mfc serve</c>'s, idle between webhooks, so every run starts because NOTIFY woke B (B's fallback poll is 500 ms).
/// One operation = one signed QuickBooks webhook (its <c>quickbooks-sync-v1</c> run fetches no invoice), measured from
/// the call until B publishes the run's "Starting execution" event; the 202-to-start part alone is printed as p50/p99
/// at the end of the run. Each iteration is one webhook, and waits (unmeasured) for B's run to end.
/// Graphile Worker reports about 4 ms from adding a job to its execution starting.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 10, iterationCount: 200, invocationCount: 1)]
[Config(typeof(PercentileConfig))]
public class WakeupLatencyBenchmarks
{
    private readonly List<double> _fromAccepted = [];
    private SyncSetup _setup = null!;
    private PostgresCluster _cluster = null!;
    private PostgresRuntimeStore _storeA = null!;
    private PostgresRuntimeStore _storeB = null!;
    private ManifestRuntime _hostA = null!;
    private CancellationTokenSource _stopB = new();
    private Task[] _loopsB = [];
    private readonly StartSignal _started = new();
    private string _instance = "";
    private byte[] _body = [];
    private JsonElement _headers;

    [GlobalSetup]
    public void Setup()
    {
        _setup = SyncSetup.Start(invoiceCount: 0, standInUrl: null);
        _cluster = new PostgresCluster();
        _cluster.InitializeAsync().GetAwaiter().GetResult();
        var database = _cluster.CreateDatabaseAsync().GetAwaiter().GetResult();
        _storeA = PostgresRuntimeStore.OpenAsync(database, SyncSetup.Protector()).GetAwaiter().GetResult();
        _storeB = PostgresRuntimeStore.OpenAsync(database, SyncSetup.Protector()).GetAwaiter().GetResult();
        _hostA = _setup.Runtime(_storeA, _storeA, _storeA, _storeA, concurrency: 1, hostId: "host-a");
        var hostB = _setup.Runtime(_storeB, _storeB, _storeB, _storeB, concurrency: 1, hostId: "host-b", events: _started);
        _instance = _hostA.ConnectAsync("quickbooks", "bench", SyncSetup.Tokens(), runTriggerSteps: false).GetAwaiter().GetResult().Id;
        _loopsB = [.. Enumerable.Range(0, 2).Select(_ => Task.Run(() => HostLoop.RunAsync(hostB, _storeB, _stopB.Token)))];

        _body = Encoding.UTF8.GetBytes("{\"eventNotifications\":[{\"realmId\":\"9130\",\"dataChangeEvent\":{\"entities\":[{\"name\":\"Invoice\",\"id\":\"1\"}]}}]}");
        var verifier = JsonNode.Parse(File.ReadAllText(Path.Combine(Documents.RepositoryRoot, "samples", "bossi", "quickbooks", "schema.json")))!["variables"]!["webhookVerifierToken"]!.GetValue<string>();
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(verifier), _body));
        _headers = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["intuit-signature"] = signature });
        // B's listening connection starts with its first wake-up: let it LISTEN before the first webhook.
        Thread.Sleep(TimeSpan.FromSeconds(1));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stopB.Cancel();
        Task.WaitAll(_loopsB);
        _storeA.Dispose();
        _storeB.Dispose();
        _cluster.DisposeAsync().GetAwaiter().GetResult();
        _setup.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _fromAccepted.Sort();
        if (_fromAccepted.Count > 0)
        {
            Console.WriteLine($"// 202 to run start on the other host over {_fromAccepted.Count} webhooks: p50 {Percentile(50):F3} ms, p99 {Percentile(99):F3} ms, max {_fromAccepted[^1]:F3} ms");
        }
    }

    private double Percentile(int p) => _fromAccepted[Math.Min(_fromAccepted.Count - 1, (int)Math.Ceiling(p / 100.0 * _fromAccepted.Count) - 1)];

    [IterationCleanup]
    public void WaitForTheRunToEnd() => _started.WaitForEnd();

    [Benchmark(Description = "webhook on host A → its run starting on host B (NOTIFY)")]
    public async Task<double> WebhookToStartOnOtherHost()
    {
        var started = _started.Arm();
        var response = await _hostA.ReceiveWebhookAsync(_instance, _body, _headers);
        var accepted = Stopwatch.GetTimestamp();
        if (response.StatusCode != 202)
        {
            throw new InvalidOperationException($"the webhook was answered {response.StatusCode}: {response.Error}");
        }
        var at = await started.WaitAsync(TimeSpan.FromSeconds(10));
        var latency = Stopwatch.GetElapsedTime(accepted, at).TotalMilliseconds;
        _fromAccepted.Add(latency);
        return latency;
    }

    /// <summary>Host B's debug events: when its run starts (the timestamp) and ends.</summary>
    private sealed class StartSignal : IDebugEventSink
    {
        private TaskCompletionSource<long> _start = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _ended = new(true);

        public Task<long> Arm()
        {
            _ended.Reset();
            _start = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            return _start.Task;
        }

        public void WaitForEnd()
        {
            if (!_ended.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new InvalidOperationException("host B's run did not end");
            }
        }

        public void Publish(DebugEvent debugEvent)
        {
            if (debugEvent.Message.StartsWith("Starting execution of action", StringComparison.Ordinal))
            {
                _start.TrySetResult(Stopwatch.GetTimestamp());
            }
            else if (debugEvent.Message.StartsWith("Finished execution of action", StringComparison.Ordinal) || debugEvent.Level == DebugLevel.Error)
            {
                _ended.Set();
            }
        }
    }
}

/// <summary>Adds the median and the 99th percentile of the measured operations to the summary.</summary>
public sealed class PercentileConfig : ManualConfig
{
    public PercentileConfig() => AddColumn(StatisticColumn.P50, new P99Column());

    private sealed class P99Column : IColumn
    {
        public string Id => "P99";
        public string ColumnName => "P99";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Statistics;
        public int PriorityInCategory => 10;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Time;
        public string Legend => "99th percentile of the measured operations";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
            summary[benchmarkCase]?.ResultStatistics is { } statistics
                ? $"{statistics.Percentiles.Percentile(99) / 1_000_000:F3} ms"
                : "NA";
    }
}
