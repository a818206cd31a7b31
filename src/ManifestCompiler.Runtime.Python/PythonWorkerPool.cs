using ManifestCompiler.Runtime.Python.Sandbox;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ManifestCompiler.Runtime.Python;

public enum PythonWorkerState
{
    Spare,
    Idle,
    Busy,
}

/// <summary>A snapshot of one worker, for diagnostics.</summary>
public sealed record PythonWorkerInfo(string Id, string? TenantId, int ProcessId, int Runs, long PeakMemoryKb, PythonWorkerState State);

/// <summary>
/// Runs BOSSi Python steps in a pool of long-lived, sandboxed CPython worker processes.
/// <para>
/// A worker is bound to one tenant (integration instance) for its whole life and is replaced after a violation,
/// timeout, crash or cancellation, after <see cref="PythonWorkerPoolOptions.MaxRunsPerWorker"/> runs or once its
/// memory passes <see cref="PythonWorkerPoolOptions.RecycleAboveMemoryMb"/>. At most
/// <see cref="PythonWorkerPoolOptions.MaxWorkers"/> workers are bound at once; runs beyond that queue in arrival
/// order (none is dropped), and an idle worker of another tenant is retired to make room. Spare workers are kept
/// warm so a new tenant does not wait for a process start.
/// </para>
/// </summary>
public sealed class PythonWorkerPool : IPythonStepRunner, IAsyncDisposable
{
    private readonly PythonWorkerPoolOptions options;
    private readonly WorkerLauncher launcher;
    private readonly ILogger logger;
    private readonly object gate = new();
    private readonly List<PythonWorker> idle = [];
    private readonly List<PythonWorker> spares = [];
    private readonly HashSet<PythonWorker> busy = [];
    private readonly LinkedList<Waiter> waiters = new();
    private int bound;
    private int sparesStarting;
    private int nextWorker;
    private bool disposed;

    private PythonWorkerPool(PythonWorkerPoolOptions options, WorkerLauncher launcher, SandboxReport report, ILogger logger)
    {
        this.options = options;
        this.launcher = launcher;
        this.logger = logger;
        Sandbox = report;
    }

    /// <summary>The isolation layers measured when the pool started.</summary>
    public SandboxReport Sandbox { get; }

    /// <summary>
    /// Finds the interpreter, sets up isolation and starts a first worker, which must come up with the sandbox in
    /// place. Throws <see cref="PythonRuntimeUnavailableException"/> when there is no suitable python3, or when
    /// bubblewrap is missing or cannot start (unless <see cref="SandboxMode.UnsandboxedDevelopment"/> is chosen).
    /// </summary>
    public static async Task<PythonWorkerPool> StartAsync(PythonWorkerPoolOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;
        var python = await PythonInterpreter.ProbeAsync(options.PythonPath, options.StartTimeout, cancellationToken).ConfigureAwait(false);
        WorkerLauncher launcher;
        if (options.Sandbox == SandboxMode.UnsandboxedDevelopment)
        {
            logger.LogWarning("PYTHON STEPS RUN WITHOUT PROCESS ISOLATION (SandboxMode.UnsandboxedDevelopment): workers can see this machine's files and network. Never use this mode in production.");
            launcher = WorkerLauncher.Unsandboxed(python);
        }
        else
        {
            launcher = await WorkerLauncher.BubblewrapAsync(options.BubblewrapPath, python, cancellationToken).ConfigureAwait(false);
        }
        PythonWorker first;
        try
        {
            first = await PythonWorker.StartAsync("w1", launcher, options, cancellationToken).ConfigureAwait(false);
        }
        catch (PythonRuntimeUnavailableException e)
        {
            throw new PythonRuntimeUnavailableException(
                $"The Python step sandbox could not start ({launcher.Description}), so steps will not run: {e.Message}", e);
        }
        var report = new SandboxReport
        {
            PythonExecutable = python.Executable,
            PythonVersion = python.Version,
            ProcessIsolation = launcher.Description,
            Namespaces = launcher.Isolated,
            Seccomp = first.Ready.Seccomp,
            SeccompUnavailableReason = first.Ready.SeccompError,
            ResourceLimits = first.Ready.ResourceLimits.Select(DescribeLimit(options)).ToList(),
        };
        logger.LogInformation("{Sandbox}", report.Describe());
        var pool = new PythonWorkerPool(options, launcher, report, logger) { nextWorker = 1 };
        lock (pool.gate)
        {
            pool.spares.Add(first);
            pool.ReplenishSparesLocked();
        }
        return pool;
    }

    /// <inheritdoc/>
    public async Task<PythonStepResult> RunAsync(PythonStepRequest request, IStepEffectHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentException.ThrowIfNullOrEmpty(request.TenantId);
        ObjectDisposedException.ThrowIf(disposed, this);
        var runId = Guid.NewGuid().ToString("N");
        PythonWorker worker;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                worker = await AcquireAsync(request.TenantId, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Failed(runId, StepErrorKind.Cancelled, "the run was cancelled before a worker was free");
            }
            catch (PythonRuntimeUnavailableException e)
            {
                return Failed(runId, StepErrorKind.WorkerUnavailable, e.Message);
            }
            if (cancellationToken.IsCancellationRequested)
            {
                Release(worker, reusable: true);
                return Failed(runId, StepErrorKind.Cancelled, "the run was cancelled before it started");
            }
            // The previous run's process must be gone before this run's frame is sent (PythonWorker.SettleAsync).
            if (await worker.SettleAsync().ConfigureAwait(false))
            {
                break;
            }
            logger.LogWarning("The previous run's process on Python worker {Worker} of {Tenant} did not end cleanly after its answer; the worker was replaced", worker.Id, request.TenantId);
            Release(worker, reusable: false);
            if (attempt == 3)
            {
                return Failed(runId, StepErrorKind.WorkerUnavailable, "no worker could be settled for the run");
            }
        }
        WorkerRunOutcome outcome;
        try
        {
            outcome = await worker.RunAsync(request, handler, runId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Whatever went wrong (a host bug, a frame nobody foresaw), the run ends as a result and the worker is
            // replaced: a caller waiting on this run must never be left without an outcome.
            worker.Kill();
            Release(worker, reusable: false);
            logger.LogError(e, "Python step run {RunId} of {Tenant} on worker {Worker} failed unexpectedly", runId, request.TenantId, worker.Id);
            return Failed(runId, StepErrorKind.WorkerCrashed, $"the run failed unexpectedly ({e.GetType().Name}); its worker was replaced") with { WorkerId = worker.Id };
        }
        var reusable = outcome.Reusable
            && worker.Runs < options.MaxRunsPerWorker
            && worker.PeakMemoryKb < options.RecycleAboveMemoryMb * 1024L;
        if (outcome.Result.Error is { Kind: not (StepErrorKind.PythonException or StepErrorKind.SyntaxError or StepErrorKind.InvalidResult) } error)
        {
            logger.LogWarning("Python step run {RunId} of {Tenant} on worker {Worker} failed: {Error}", runId, request.TenantId, worker.Id, error.ToString());
        }
        Release(worker, reusable);
        return outcome.Result;
    }

    /// <summary>A snapshot of every live worker.</summary>
    public IReadOnlyList<PythonWorkerInfo> Workers
    {
        get
        {
            lock (gate)
            {
                return spares.Select(w => Info(w, PythonWorkerState.Spare))
                    .Concat(idle.Select(w => Info(w, PythonWorkerState.Idle)))
                    .Concat(busy.Select(w => Info(w, PythonWorkerState.Busy)))
                    .OrderBy(w => w.Id, StringComparer.Ordinal)
                    .ToList();
            }
        }
    }

    private static PythonWorkerInfo Info(PythonWorker w, PythonWorkerState state) => new(w.Id, w.TenantId, w.ProcessId, w.Runs, w.PeakMemoryKb, state);

    private static PythonStepResult Failed(string runId, StepErrorKind kind, string message) => new()
    {
        RunId = runId,
        WorkerId = "",
        Error = new PythonStepError(kind, message),
    };

    private async Task<PythonWorker> AcquireAsync(string tenantId, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(tenantId);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            waiter.Node = waiters.AddLast(waiter);
            PumpLocked();
        }
        using var registration = cancellationToken.Register(() =>
        {
            lock (gate)
            {
                if (waiter.Node?.List is not null)
                {
                    waiters.Remove(waiter.Node);
                    waiter.Completion.TrySetCanceled(cancellationToken);
                }
            }
        });
        return await waiter.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>Serves the waiters in arrival order while workers can be found or started for them.</summary>
    private void PumpLocked()
    {
        while (!disposed && waiters.First is { } node)
        {
            var waiter = node.Value;
            var own = idle.FindIndex(w => w.TenantId == waiter.TenantId);
            if (own >= 0)
            {
                var worker = idle[own];
                idle.RemoveAt(own);
                if (worker.HasExited)
                {
                    // It died while idle: nobody's run is affected; replace it.
                    bound--;
                    Retire(worker);
                    continue;
                }
                Hand(node, worker);
                continue;
            }
            if (bound < options.MaxWorkers)
            {
                bound++;
                var spare = spares.FindIndex(w => !w.HasExited);
                if (spare >= 0)
                {
                    var worker = spares[spare];
                    spares.RemoveAt(spare);
                    worker.AssignTo(waiter.TenantId);
                    Hand(node, worker);
                    ReplenishSparesLocked();
                }
                else
                {
                    waiters.Remove(node);
                    _ = StartForAsync(waiter);
                }
                continue;
            }
            if (idle.Count > 0)
            {
                // Full, but a worker of another tenant is idle: retire the longest idle one to make room.
                var victim = idle[0];
                idle.RemoveAt(0);
                bound--;
                Retire(victim);
                continue;
            }
            break;
        }
    }

    private void Hand(LinkedListNode<Waiter> node, PythonWorker worker)
    {
        waiters.Remove(node);
        busy.Add(worker);
        node.Value.Completion.TrySetResult(worker);
    }

    private async Task StartForAsync(Waiter waiter)
    {
        PythonWorker worker;
        try
        {
            worker = await PythonWorker.StartAsync(NextId(), launcher, options, CancellationToken.None).ConfigureAwait(false);
            worker.AssignTo(waiter.TenantId);
        }
        catch (Exception e)
        {
            logger.LogError(e, "A Python worker could not be started");
            lock (gate)
            {
                bound--;
                waiter.Completion.TrySetException(e as PythonRuntimeUnavailableException ?? new PythonRuntimeUnavailableException("a worker could not be started: " + e.Message, e));
                PumpLocked();
            }
            return;
        }
        lock (gate)
        {
            if (disposed)
            {
                // The pool shut down while this worker started: the waiter is no longer in the queue Dispose fails.
                waiter.Completion.TrySetException(new PythonRuntimeUnavailableException("the Python worker pool was shut down"));
                Retire(worker);
                return;
            }
            busy.Add(worker);
            if (waiter.Completion.TrySetResult(worker))
            {
                return;
            }
        }
        Release(worker, reusable: true); // the waiter gave up (cancelled) while the worker started
    }

    private void Release(PythonWorker worker, bool reusable)
    {
        lock (gate)
        {
            busy.Remove(worker);
            if (reusable && !disposed && !worker.HasExited)
            {
                idle.Add(worker);
            }
            else
            {
                bound--;
                Retire(worker);
            }
            PumpLocked();
            ReplenishSparesLocked();
        }
    }

    private void ReplenishSparesLocked()
    {
        foreach (var dead in spares.Where(w => w.HasExited).ToList())
        {
            spares.Remove(dead);
            Retire(dead);
        }
        while (!disposed && spares.Count + sparesStarting < options.SpareWorkers)
        {
            sparesStarting++;
            _ = StartSpareAsync();
        }
    }

    private async Task StartSpareAsync()
    {
        PythonWorker? worker = null;
        try
        {
            worker = await PythonWorker.StartAsync(NextId(), launcher, options, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogError(e, "A spare Python worker could not be started");
        }
        lock (gate)
        {
            sparesStarting--;
            if (worker is null)
            {
                return;
            }
            if (disposed)
            {
                Retire(worker);
                return;
            }
            spares.Add(worker);
            PumpLocked();
        }
    }

    private string NextId() => "w" + Interlocked.Increment(ref nextWorker);

    private static void Retire(PythonWorker worker) => _ = Task.Run(worker.Dispose);

    public ValueTask DisposeAsync()
    {
        List<PythonWorker> all;
        lock (gate)
        {
            if (disposed)
            {
                return ValueTask.CompletedTask;
            }
            disposed = true;
            all = [.. spares, .. idle, .. busy];
            spares.Clear();
            idle.Clear();
            foreach (var waiter in waiters)
            {
                waiter.Completion.TrySetException(new PythonRuntimeUnavailableException("the Python worker pool was shut down"));
            }
            waiters.Clear();
        }
        foreach (var worker in all)
        {
            worker.Dispose();
        }
        return ValueTask.CompletedTask;
    }

    private static Func<string, string> DescribeLimit(PythonWorkerPoolOptions options) => limit => limit switch
    {
        "as" => $"address space {options.MemoryLimitMb} MB",
        "nofile" => "16 open files",
        "nproc" => "no new processes",
        "fsize" => "no file writes",
        "core" => "no core dumps",
        "cpu" => "CPU time per run",
        "hard=soft" => "every hard limit equal to its soft limit",
        "msgqueue" => "no message queues",
        "memlock" => "no locked memory",
        _ => limit,
    };

    private sealed class Waiter(string tenantId)
    {
        public string TenantId { get; } = tenantId;

        public TaskCompletionSource<PythonWorker> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }
    }
}
