using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;

namespace ManifestCompiler.Runtime.Python.Tests;

/// <summary>Worker lifecycle on real processes: crashes, timeouts, cancellation, concurrency, tenants, caps,
/// recycling, and the isolation as the host can observe it in /proc.</summary>
public sealed class PoolTests
{
    private const string Ordinary = "def main(storage):\n    return {'n': payload['n'] * 2}\n";

    private static async Task AssertOrdinaryRunSucceeds(PythonWorkerPool pool, string tenant = "acme")
    {
        var result = await pool.RunAsync(Pools.Step(Ordinary, tenant, new JsonObject { ["n"] = 21 }), new RecordingHandler());
        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(42, (int?)result.ReturnValue!["n"]);
    }

    [Fact]
    public async Task A_worker_killed_with_SIGKILL_mid_run_fails_that_run_and_the_next_succeeds()
    {
        await using var pool = await Pools.StartAsync();
        var started = new TaskCompletionSource<StepCallContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new RecordingHandler { OnTrigger = context => { started.TrySetResult(context); return Task.CompletedTask; } };
        var run = pool.RunAsync(Pools.Step("def main(storage):\n    send_to_trigger('started', {})\n    while True:\n        pass\n"), handler);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var worker = Assert.Single(pool.Workers, w => w.State == PythonWorkerState.Busy);
        var python = Pools.PythonProcessOf(worker.ProcessId);
        Assert.NotEqual(worker.ProcessId, python); // the interpreter runs inside bubblewrap, below the launcher
        Process.GetProcessById(python).Kill(); // SIGKILL
        var result = await run.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(StepErrorKind.WorkerCrashed, result.Error?.Kind);
        Assert.Contains("the Python worker process died during the run", result.Error!.Message);
        Assert.Equal(worker.Id, result.WorkerId);
        await AssertOrdinaryRunSucceeds(pool);
        Assert.DoesNotContain(pool.Workers, w => w.Id == worker.Id);
    }

    [Fact]
    public async Task An_endless_loop_hits_the_timeout_and_the_worker_is_replaced()
    {
        await using var pool = await Pools.StartAsync(o => o.RunTimeout = TimeSpan.FromSeconds(1));
        var watch = Stopwatch.StartNew();
        var result = await pool.RunAsync(Pools.Step("def main(storage):\n    while True:\n        pass\n"), new RecordingHandler());
        Assert.Equal(StepErrorKind.Timeout, result.Error?.Kind);
        // The wall-clock limit and the run process's CPU budget are both 1 s here; whichever the kernel and the host's
        // timer reach first ends the run (on an idle machine the CPU limit, counted in ticks, can come first).
        Assert.True(result.Error!.Message.Contains("ran longer than its 1 s limit", StringComparison.Ordinal)
            || result.Error.Message.Contains("used up its CPU time limit (1 s)", StringComparison.Ordinal), result.Error.Message);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(10));
        await AssertOrdinaryRunSucceeds(pool);
        Assert.DoesNotContain(pool.Workers, w => w.Id == result.WorkerId);
    }

    [Fact]
    public async Task Two_hundred_concurrent_runs_on_two_workers_return_their_own_results()
    {
        await using var pool = await Pools.StartAsync(o => { o.MaxWorkers = 2; o.SpareWorkers = 0; });
        var handler = new RecordingHandler();
        const string source = """
            def main(storage):
                n = payload["n"]
                logging.info(f"run {n}")
                send_to_trigger("child", {"n": n})
                total = sum(range(n * 100))
                storage["n"] = n
                return {"n": n, "total": total}
            """;
        var runs = Enumerable.Range(0, 200)
            .Select(n => pool.RunAsync(Pools.Step(source, tenant: "acme", payload: new JsonObject { ["n"] = n }), handler))
            .ToArray();
        var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(2));
        for (var n = 0; n < 200; n++)
        {
            var result = results[n];
            Assert.True(result.Succeeded, $"run {n}: {result.Error}");
            Assert.Equal(n, (int?)result.ReturnValue!["n"]);
            Assert.Equal((long)n * 100 * (n * 100 - 1) / 2, (long?)result.ReturnValue["total"]);
            Assert.Equal(n, (int?)result.Storage!["n"]);
            Assert.Equal($"run {n}", Assert.Single(result.Logs).Message);
            Assert.Equal(n, (int?)Assert.Single(result.SideEffects).Arguments["payload"]!["n"]);
        }
        Assert.Equal(200, handler.Triggers.Count);
        Assert.Equal(Enumerable.Range(0, 200), handler.Triggers.Select(t => (int)t.Payload!["n"]!).Order());
        Assert.All(handler.Triggers, t => Assert.Equal(results[(int)t.Payload!["n"]!].RunId, t.Context.RunId));
        Assert.InRange(results.Select(r => r.WorkerId).Distinct().Count(), 1, 2);
        Assert.Equal(results.Length, results.Select(r => r.RunId).Distinct().Count());
    }

    [Fact]
    public async Task A_worker_serves_one_company_only()
    {
        await using var pool = await Pools.StartAsync(o => { o.MaxWorkers = 2; o.SpareWorkers = 1; });
        var tenants = new[] { "alpha", "beta", "gamma" };
        var runs = Enumerable.Range(0, 60)
            .Select(n => (Tenant: tenants[n % 3], Run: pool.RunAsync(Pools.Step(Ordinary, tenants[n % 3], new JsonObject { ["n"] = n }), new RecordingHandler())))
            .ToArray();
        await Task.WhenAll(runs.Select(r => r.Run));
        var workersByTenant = runs.GroupBy(r => r.Tenant).ToDictionary(g => g.Key, g => g.Select(r => r.Run.Result.WorkerId).ToHashSet());
        Assert.All(runs, r => Assert.True(r.Run.Result.Succeeded, r.Run.Result.Error?.ToString()));
        foreach (var a in tenants)
        {
            foreach (var b in tenants.Where(b => b != a))
            {
                Assert.Empty(workersByTenant[a].Intersect(workersByTenant[b]));
            }
        }
        Assert.All(pool.Workers.Where(w => w.State != PythonWorkerState.Spare), w => Assert.Contains(w.TenantId, tenants));
    }

    [Fact]
    public async Task Cancellation_stops_a_run_and_the_pool_carries_on()
    {
        await using var pool = await Pools.StartAsync();
        using var cancel = new CancellationTokenSource();
        var handler = new RecordingHandler { OnTrigger = _ => { cancel.CancelAfter(100); return Task.CompletedTask; } };
        var watch = Stopwatch.StartNew();
        var result = await pool.RunAsync(Pools.Step("def main(storage):\n    send_to_trigger('x', {})\n    while True:\n        pass\n"), handler, cancel.Token);
        Assert.Equal(StepErrorKind.Cancelled, result.Error?.Kind);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        await AssertOrdinaryRunSucceeds(pool);
    }

    [Fact]
    public async Task Memory_exhaustion_is_a_memory_limit_error()
    {
        await using var pool = await Pools.StartAsync(o => o.MemoryLimitMb = 256);
        var result = await pool.RunAsync(Pools.Step("def main(storage):\n    blob = 'x' * (1024 * 1024 * 1024)\n    return {'n': len(blob)}\n"), new RecordingHandler());
        Assert.Equal(StepErrorKind.MemoryLimit, result.Error?.Kind);
        Assert.Equal(2, result.Error!.Line);
        await AssertOrdinaryRunSucceeds(pool);
    }

    [Fact]
    public async Task Log_volume_and_side_effect_requests_are_capped_per_run()
    {
        await using var pool = await Pools.StartAsync(o => { o.MaxLogRecordsPerRun = 10; o.MaxSideEffectsPerRun = 5; });
        var logs = await pool.RunAsync(Pools.Step("def main(storage):\n    for i in range(50):\n        logging.info(f'line {i}')\n    return {}\n"), new RecordingHandler());
        Assert.True(logs.Succeeded, logs.Error?.ToString());
        Assert.Equal(10, logs.Logs.Count);
        Assert.Equal(40, logs.LogsDropped);
        Assert.Equal("line 9", logs.Logs[^1].Message);

        var handler = new RecordingHandler();
        var calls = await pool.RunAsync(Pools.Step("def main(storage):\n    for i in range(10):\n        send_to_trigger('x', {'i': i})\n    return {}\n"), handler);
        Assert.Equal(StepErrorKind.ResourceLimit, calls.Error?.Kind);
        Assert.Contains("more than 5 side-effect requests", calls.Error!.Message);
        Assert.Equal(5, handler.Triggers.Count);
        Assert.Equal(5, calls.SideEffects.Count);
        await AssertOrdinaryRunSucceeds(pool);
    }

    [Fact]
    public async Task An_output_past_the_frame_limit_is_a_resource_limit()
    {
        await using var pool = await Pools.StartAsync(o => o.MaxFrameBytes = 1024 * 1024);
        var result = await pool.RunAsync(Pools.Step("def main(storage):\n    return {'blob': 'x' * (2 * 1024 * 1024)}\n"), new RecordingHandler());
        Assert.Equal(StepErrorKind.ResourceLimit, result.Error?.Kind);
        Assert.Contains("larger than the frame limit", result.Error!.Message);
        await AssertOrdinaryRunSucceeds(pool);
    }

    [Fact]
    public async Task A_handler_that_ignores_cancellation_cannot_hold_a_run_past_its_timeout()
    {
        await using var pool = await Pools.StartAsync(o => o.RunTimeout = TimeSpan.FromSeconds(1));
        var handler = new RecordingHandler { OnTrigger = _ => Task.Delay(Timeout.Infinite) };
        var watch = Stopwatch.StartNew();
        var result = await pool.RunAsync(Pools.Step("def main(storage):\n    send_to_trigger('x', {})\n    return {}\n"), handler);
        Assert.Equal(StepErrorKind.Timeout, result.Error?.Kind);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        await AssertOrdinaryRunSucceeds(pool);
    }

    [Fact]
    public async Task Workers_outlive_the_thread_that_started_them()
    {
        // bwrap --die-with-parent is PR_SET_PDEATHSIG, tied to the forking thread: a worker started from a thread
        // that then ends must live on (the launcher forks from its own long-lived thread).
        var python = await Sandbox.PythonInterpreter.ProbeAsync(null, TimeSpan.FromSeconds(15), CancellationToken.None);
        var launcher = await Sandbox.WorkerLauncher.BubblewrapAsync(null, python, CancellationToken.None);
        Process? worker = null;
        var thread = new Thread(() =>
        {
            worker = launcher.Start();
            Thread.Sleep(300); // long enough for bwrap to have armed its parent-death signal
        });
        thread.Start();
        thread.Join();
        await Task.Delay(500);
        try
        {
            Assert.False(worker!.HasExited, "the worker died with the thread that started it");
        }
        finally
        {
            worker?.Kill(entireProcessTree: true);
            worker?.Dispose();
        }
    }

    [Fact]
    public async Task Workers_are_recycled_after_their_run_budget()
    {
        await using var pool = await Pools.StartAsync(o => { o.MaxRunsPerWorker = 3; o.MaxWorkers = 1; });
        var workers = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var result = await pool.RunAsync(Pools.Step(Ordinary, payload: new JsonObject { ["n"] = i }), new RecordingHandler());
            Assert.True(result.Succeeded, result.Error?.ToString());
            workers.Add(result.WorkerId);
        }
        Assert.Equal(3, workers.Distinct().Count());
        Assert.All(workers.GroupBy(w => w), g => Assert.True(g.Count() <= 3));
    }

    [Fact]
    public async Task The_isolation_is_visible_from_the_host()
    {
        await using var pool = await Pools.StartAsync(o => o.MemoryLimitMb = 300);
        Assert.True(pool.Sandbox.Namespaces);
        Assert.True(pool.Sandbox.Seccomp, pool.Sandbox.SeccompUnavailableReason);
        Assert.Contains("address space 300 MB", pool.Sandbox.ResourceLimits);
        Assert.Contains("seccomp filter: active", pool.Sandbox.Describe());

        var spare = pool.Workers.First(w => w.State == PythonWorkerState.Spare);
        // The zygote forks its first run process right after reporting ready: wait for it (the deepest process).
        var python = Pools.PythonProcessOf(spare.ProcessId);
        for (var wait = 0; wait < 100 && !Regex.IsMatch(await File.ReadAllTextAsync($"/proc/{python}/limits"), @"Max processes\s+0\s+0"); wait++)
        {
            await Task.Delay(50);
            python = Pools.PythonProcessOf(spare.ProcessId);
        }
        var status = await File.ReadAllTextAsync($"/proc/{python}/status");
        Assert.Contains("Seccomp:\t2", status);
        Assert.Contains("NoNewPrivs:\t1", status);
        Assert.Matches(@"CapEff:\s+0000000000000000", status);
        // Nothing of the host's environment: bubblewrap itself only sets PWD for the --chdir into the private /tmp.
        Assert.Equal("PWD=/tmp", (await File.ReadAllTextAsync($"/proc/{python}/environ")).Trim('\0'));
        foreach (var ns in new[] { "net", "pid", "mnt", "user", "ipc", "uts" })
        {
            Assert.NotEqual(new FileInfo($"/proc/self/ns/{ns}").LinkTarget, new FileInfo($"/proc/{python}/ns/{ns}").LinkTarget);
        }
        var root = Directory.GetFileSystemEntries($"/proc/{python}/root").Select(Path.GetFileName).Order().ToArray();
        Assert.DoesNotContain("home", root);
        Assert.DoesNotContain("work", root);
        Assert.DoesNotContain("var", root);
        Assert.Empty(Directory.GetFileSystemEntries($"/proc/{python}/root/tmp"));
        var limits = await File.ReadAllTextAsync($"/proc/{python}/limits");
        Assert.Matches(@"Max address space\s+314572800\s+314572800", limits);
        Assert.Matches(@"Max processes\s+0\s+0", limits);
        // The spare's next run process: its own CPU budget (RunTimeout), and every hard limit equals its soft one,
        // as in the zygote it was forked from.
        Assert.Matches(@"Max cpu time\s+20\s+20", limits);
        RunIsolationTests.AssertHardEqualsSoft(limits);
        var zygote = int.Parse(File.ReadAllLines($"/proc/{python}/status").Single(l => l.StartsWith("PPid:", StringComparison.Ordinal))[5..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        RunIsolationTests.AssertHardEqualsSoft(await File.ReadAllTextAsync($"/proc/{zygote}/limits"));
        Assert.Contains("Seccomp:\t2", await File.ReadAllTextAsync($"/proc/{zygote}/status"));
    }
}
