using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using ManifestCompiler.Runtime.Python;

namespace ManifestCompiler.Benchmarks;

/// <summary>
/// Latency of one trivial <c>main</c> round trip: a warm sandboxed pool (each run in its own process, forked ahead
/// of time by the worker's zygote; docs/python-sandbox.md) against starting a fresh <c>python3</c> per run (the
/// baseline), and a fresh sandboxed worker per run (bubblewrap + set-up each time). One run per iteration, 200
/// iterations, so Median and P99 are over single runs.
/// </summary>
[Config(typeof(LatencyConfig))]
public class PythonPoolLatencyBenchmarks
{
    internal const string TrivialStep = "def main(storage):\n    return {'ok': True}\n";
    private static readonly IStepEffectHandler Handler = new StepEffectHandler();
    private PythonWorkerPool warm = null!;
    private PythonWorkerPool freshWorkers = null!;
    private string python = "python3";

    [GlobalSetup]
    public void Setup()
    {
        warm = PythonWorkerPool.StartAsync(new PythonWorkerPoolOptions { MaxWorkers = 2, SpareWorkers = 1 }).GetAwaiter().GetResult();
        freshWorkers = PythonWorkerPool.StartAsync(new PythonWorkerPoolOptions { MaxWorkers = 1, SpareWorkers = 0, MaxRunsPerWorker = 1 }).GetAwaiter().GetResult();
        python = warm.Sandbox.PythonExecutable;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        warm.DisposeAsync().AsTask().GetAwaiter().GetResult();
        freshWorkers.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "fresh python3 per run")]
    public string FreshPython3PerRun()
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, UseShellExecute = false, ArgumentList = { "-I", "-S", "-c", TrivialStep + "import json\nprint(json.dumps(main({})))\n" } };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    [Benchmark(Description = "fresh sandboxed worker per run")]
    public async Task<PythonStepResult> FreshSandboxedWorkerPerRun() =>
        Check(await freshWorkers.RunAsync(new PythonStepRequest { TenantId = "bench", Source = TrivialStep }, Handler));

    [Benchmark(Description = "warm sandboxed pool")]
    public async Task<PythonStepResult> WarmPool() =>
        Check(await warm.RunAsync(new PythonStepRequest { TenantId = "bench", Source = TrivialStep }, Handler));

    /// <summary>
    /// The previous run's process is torn down and the next one forked after each answer (docs/python-sandbox.md);
    /// back to back, the next run waits for both. A run that arrives at a host idle for a moment (a webhook, a
    /// scheduled sync) finds its process waiting at the gate: that is this figure.
    /// </summary>
    [IterationSetup(Target = nameof(WarmPoolIdleHost))]
    public void LetThePoolSettle() => Thread.Sleep(IdleGap);

    internal static readonly TimeSpan IdleGap = TimeSpan.FromMilliseconds(40);

    [Benchmark(Description = "warm sandboxed pool, host idle 40 ms before the run")]
    public async Task<PythonStepResult> WarmPoolIdleHost() =>
        Check(await warm.RunAsync(new PythonStepRequest { TenantId = "bench", Source = TrivialStep }, Handler));

    internal static PythonStepResult Check(PythonStepResult result) =>
        result.Succeeded ? result : throw new InvalidOperationException(result.Error!.ToString());

    private sealed class LatencyConfig : ManualConfig
    {
        public LatencyConfig()
        {
            AddJob(Job.Default.WithInvocationCount(1).WithUnrollFactor(1).WithWarmupCount(10).WithIterationCount(200).WithId("single-run"));
            AddColumn(StatisticColumn.Median, new PercentileColumn(99));
        }
    }
}

/// <summary>Throughput: 200 concurrent trivial runs on a pool of 2 workers; the time per operation is the
/// inverse of runs per second.</summary>
[Config(typeof(ThroughputConfig))]
public class PythonPoolThroughputBenchmarks
{
    private static readonly IStepEffectHandler Handler = new StepEffectHandler();
    private PythonWorkerPool pool = null!;

    [GlobalSetup]
    public void Setup() =>
        pool = PythonWorkerPool.StartAsync(new PythonWorkerPoolOptions { MaxWorkers = 2, SpareWorkers = 0 }).GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => pool.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = 200, Description = "200 concurrent runs on 2 workers")]
    public async Task Concurrent200()
    {
        var runs = new Task<PythonStepResult>[200];
        for (var i = 0; i < runs.Length; i++)
        {
            runs[i] = pool.RunAsync(new PythonStepRequest { TenantId = "bench", Source = PythonPoolLatencyBenchmarks.TrivialStep }, Handler);
        }
        foreach (var result in await Task.WhenAll(runs))
        {
            PythonPoolLatencyBenchmarks.Check(result);
        }
    }

    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig() => AddColumn(StatisticColumn.OperationsPerSecond);
    }
}

/// <summary>A percentile of the single-run times (BenchmarkDotNet ships P0…P100 in fixed steps, not P99).</summary>
internal sealed class PercentileColumn(int percentile) : IColumn
{
    public string Id => "P" + percentile;

    public string ColumnName => "P" + percentile;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Statistics;

    public int PriorityInCategory => 10;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Time;

    public string Legend => $"{percentile}th percentile of the measured iterations";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        return statistics is null ? "NA" : (statistics.Percentiles.Percentile(percentile) / 1e6).ToString("N3", System.Globalization.CultureInfo.InvariantCulture) + " ms";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
