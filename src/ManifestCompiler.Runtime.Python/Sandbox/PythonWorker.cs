using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Support.Sandbox;

namespace ManifestCompiler.Runtime.Python.Sandbox;

/// <summary>What the worker reported once its limits and seccomp filter were in place.</summary>
internal sealed record WorkerReady(string PythonVersion, IReadOnlyList<string> ResourceLimits, bool Seccomp, string? SeccompError);

/// <summary>A run's result, and whether the worker that produced it may serve another run.</summary>
internal sealed record WorkerRunOutcome(PythonStepResult Result, bool Reusable);

/// <summary>One long-lived worker process, bound to at most one tenant for its whole life.</summary>
internal sealed class PythonWorker
{
    private static readonly Lazy<byte[]> WorkerSource = new(() =>
    {
        using var stream = typeof(PythonWorker).Assembly.GetManifestResourceStream("ManifestCompiler.Runtime.Python.worker.py")
            ?? throw new InvalidOperationException("The worker source is not embedded in " + typeof(PythonWorker).Assembly.GetName().Name);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    });

    private readonly Process process;
    private readonly FrameChannel channel;
    private readonly PythonWorkerPoolOptions options;
    private readonly Queue<string> stderrTail = new();

    private PythonWorker(string id, Process process, PythonWorkerPoolOptions options)
    {
        Id = id;
        this.process = process;
        this.options = options;
        ProcessId = process.Id;
        channel = new FrameChannel(process.StandardInput.BaseStream, process.StandardOutput.BaseStream, options.MaxFrameBytes);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (stderrTail)
            {
                stderrTail.Enqueue(e.Data.Length > 500 ? e.Data[..500] : e.Data);
                while (stderrTail.Count > 20)
                {
                    stderrTail.Dequeue();
                }
            }
        };
        process.BeginErrorReadLine();
    }

    public string Id { get; }

    /// <summary>The host process id of the launcher (bubblewrap, or the interpreter itself in development mode).</summary>
    public int ProcessId { get; }

    /// <summary>The tenant this worker serves; <c>null</c> while it is a spare.</summary>
    public string? TenantId { get; private set; }

    public int Runs { get; private set; }

    /// <summary>The last run's process answered but the zygote has not yet reported it gone (see SettleAsync).</summary>
    private bool exitPending;

    public long PeakMemoryKb { get; private set; }

    public WorkerReady Ready { get; private set; } = new("", [], false, null);

    public bool HasExited
    {
        get
        {
            try
            {
                return process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    public void AssignTo(string tenantId)
    {
        if (TenantId is not null && TenantId != tenantId)
        {
            throw new InvalidOperationException($"Worker {Id} serves {TenantId} and cannot serve {tenantId}.");
        }
        TenantId = tenantId;
    }

    /// <summary>
    /// The sandbox's names as the worker receives them at start (<see cref="StepSandboxApi"/>): the builtins it takes
    /// from CPython as they are, those it defines itself, those it refuses, the preloaded globals a run must have
    /// exactly, and the host calls it may make.
    /// </summary>
    internal static JsonObject SandboxApiFrame() => new()
    {
        ["builtins"] = new JsonArray([.. StepSandboxApi.PlainBuiltins.Select(n => (JsonNode)n)]),
        ["guarded"] = new JsonArray([.. StepSandboxApi.GuardedBuiltins.Select(n => (JsonNode)n)]),
        ["refused"] = new JsonArray([.. StepSandboxApi.RefusedBuiltins.Select(n => (JsonNode)n)]),
        ["globals"] = new JsonArray([.. StepSandboxApi.Globals.Select(g => (JsonNode)g.Name)]),
        ["host_calls"] = new JsonArray([.. StepSandboxApi.Globals.Where(g => g.HostCall is not null).Select(g => (JsonNode)g.Name)]),
    };

    public static async Task<PythonWorker> StartAsync(string id, WorkerLauncher launcher, PythonWorkerPoolOptions options, CancellationToken cancellationToken)
    {
        var worker = new PythonWorker(id, launcher.Start(), options);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(options.StartTimeout);
        using var kill = timer.Token.Register(static w => ((PythonWorker)w!).Kill(), worker);
        try
        {
            await worker.channel.WriteRawAsync(WorkerSource.Value, CancellationToken.None).ConfigureAwait(false);
            await worker.channel.WriteAsync(new JsonObject
            {
                ["t"] = "init",
                ["limits"] = new JsonObject
                {
                    ["memory_mb"] = options.MemoryLimitMb,
                    ["open_files"] = 16,
                    ["cpu_seconds"] = Math.Ceiling(options.RunTimeout.TotalSeconds),
                    ["max_calls"] = options.MaxSideEffectsPerRun,
                    ["max_log_records"] = options.MaxLogRecordsPerRun,
                    ["max_log_bytes"] = options.MaxLogCharactersPerRun,
                    ["max_int_bits"] = options.MaxIntegerBits,
                    ["max_depth"] = Frame.MaxValueDepth,
                    ["max_frame"] = options.MaxFrameBytes,
                    ["isolated"] = launcher.Isolated,
                    ["seccomp"] = options.Seccomp,
                    ["escape_for_tests"] = options.GrantEscapeForTests ? true : null,
                },
                ["api"] = SandboxApiFrame(),
            }, CancellationToken.None).ConfigureAwait(false);
            var ready = await worker.channel.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            if (ready is null || Frame.String(ready["t"]) != "ready")
            {
                throw new PythonRuntimeUnavailableException(timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                    ? $"the worker did not report ready within {options.StartTimeout.TotalSeconds:0} s"
                    : "the worker exited before it was ready" + await worker.DescribeExitAsync().ConfigureAwait(false));
            }
            worker.Ready = new WorkerReady(
                Frame.String(ready["python"]) ?? "",
                (ready["rlimits"] as JsonArray ?? []).Select(n => Frame.String(n) ?? "").ToList(),
                Frame.Bool(ready["seccomp"]) ?? false,
                Frame.String(ready["seccomp_error"]));
            return worker;
        }
        catch (Exception e) when (e is IOException or ProtocolViolationException or ObjectDisposedException)
        {
            worker.Kill();
            throw new PythonRuntimeUnavailableException("the worker could not start: " + e.Message + await worker.DescribeExitAsync().ConfigureAwait(false), e);
        }
        catch
        {
            worker.Kill();
            throw;
        }
    }

    /// <summary>
    /// Waits until the previous run's process is gone, as the zygote reports it once the process has exited (it
    /// relays the run's frames, so a run cannot report this itself). Only then may the next run's frame be sent:
    /// a process that outlived its answer could otherwise read it. False (and the worker killed) when the report
    /// does not come promptly or is not what it must be.
    /// </summary>
    public async Task<bool> SettleAsync()
    {
        if (!exitPending)
        {
            return true;
        }
        using var timer = new CancellationTokenSource(SettleTimeout);
        using var kill = timer.Token.Register(static w => ((PythonWorker)w!).Kill(), this);
        try
        {
            var message = await channel.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            if (message is not null && channel.LastWasControl && Frame.String(message["t"]) == "exited"
                && Frame.String(message["problem"]) is null && Frame.Int32(message["code"]) == 0)
            {
                exitPending = false;
                return true;
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or ProtocolViolationException)
        {
        }
        Kill();
        return false;
    }

    /// <summary>How long a run's process may take to exit after its answer.</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(5);

    public async Task<WorkerRunOutcome> RunAsync(PythonStepRequest request, IStepEffectHandler handler, string runId, CancellationToken cancellationToken)
    {
        Runs++;
        var started = options.TimeProvider.GetTimestamp();
        var timeout = request.Timeout ?? options.RunTimeout;
        using var timer = new CancellationTokenSource(timeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        using var kill = linked.Token.Register(static w => ((PythonWorker)w!).Kill(), this);
        var logs = new List<StepLogRecord>();
        var effects = new List<StepSideEffect>();
        var dropped = 0;
        var logCharacters = 0;
        string? violation = null;
        var context = new StepCallContext(TenantId ?? "", runId, request.Action);

        PythonStepResult Finish(PythonStepError? error, JsonNode? value = null, JsonObject? storage = null) => new()
        {
            RunId = runId,
            WorkerId = Id,
            Error = error,
            ReturnValue = value,
            Storage = storage,
            Logs = logs,
            LogsDropped = dropped,
            SideEffects = effects,
            Duration = options.TimeProvider.GetElapsedTime(started),
        };

        try
        {
            await channel.WriteAsync(new JsonObject
            {
                ["t"] = "run",
                ["id"] = runId,
                ["source"] = request.Source,
                ["filename"] = request.FileName,
                ["globals"] = request.ToGlobals(),
            }, CancellationToken.None).ConfigureAwait(false);
            while (violation is null)
            {
                var message = await channel.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                if (message is null)
                {
                    break;
                }
                if (channel.LastWasControl)
                {
                    // The zygote reports the run's process gone before it answered: it crashed or used up its CPU.
                    Kill();
                    return new(Finish(RunProcessEnded(message)), false);
                }
                switch (Frame.String(message["t"]))
                {
                    case "log":
                        var text = Frame.String(message["message"]) ?? "";
                        if (logs.Count >= options.MaxLogRecordsPerRun || logCharacters + text.Length > options.MaxLogCharactersPerRun)
                        {
                            dropped++;
                            break;
                        }
                        logCharacters += text.Length;
                        logs.Add(new StepLogRecord(ParseLevel(Frame.String(message["level"])), text, options.TimeProvider.GetUtcNow()));
                        break;
                    case "call":
                        if (effects.Count >= options.MaxSideEffectsPerRun)
                        {
                            violation = $"the worker made more than {options.MaxSideEffectsPerRun} side-effect requests, past its own cap";
                            break;
                        }
                        // WaitAsync: a handler that ignores cancellation must not hold the run past its timeout.
                        var (reply, effect) = await SideEffects.CarryOutAsync(message, effects.Count + 1, handler, context, linked.Token)
                            .WaitAsync(linked.Token).ConfigureAwait(false);
                        effects.Add(effect);
                        await channel.WriteAsync(reply, CancellationToken.None).ConfigureAwait(false);
                        break;
                    case "result" when Frame.String(message["id"]) == runId:
                        dropped += Frame.Int32(message["logs_dropped"]) ?? 0;
                        PeakMemoryKb = Math.Max(PeakMemoryKb, Frame.Integer(message["maxrss_kb"]) ?? 0);
                        exitPending = true;
                        return ParseResult(message, Finish);
                    default:
                        violation = $"the worker sent an unexpected '{Frame.String(message["t"])}' frame";
                        break;
                }
            }
        }
        catch (ProtocolViolationException e) when (e.TooLarge)
        {
            Kill();
            return new(Finish(new PythonStepError(StepErrorKind.ResourceLimit, "the step's output is larger than the frame limit: " + e.Message)), false);
        }
        catch (ProtocolViolationException e)
        {
            violation = e.Message;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The worker is gone (killed on timeout or cancellation, or it died): classified below.
        }

        Kill();
        if (violation is not null)
        {
            return new(Finish(new PythonStepError(StepErrorKind.SandboxViolation, "protocol violation: " + violation)), false);
        }
        if (cancellationToken.IsCancellationRequested)
        {
            return new(Finish(new PythonStepError(StepErrorKind.Cancelled, "the run was cancelled")), false);
        }
        if (timer.IsCancellationRequested)
        {
            return new(Finish(new PythonStepError(StepErrorKind.Timeout, $"the step ran longer than its {timeout.TotalSeconds:0.###} s limit and was stopped")), false);
        }
        var exit = await DescribeExitAsync().ConfigureAwait(false);
        var kind = exit.Contains("signal 24", StringComparison.Ordinal) ? StepErrorKind.Timeout : StepErrorKind.WorkerCrashed;
        var what = kind == StepErrorKind.Timeout ? "the step used up its CPU time limit" : "the Python worker process died during the run";
        return new(Finish(new PythonStepError(kind, what + exit)), false);
    }

    /// <summary>What the zygote's <c>exited</c> frame says about a run's process that ended before answering.</summary>
    private PythonStepError RunProcessEnded(JsonObject message)
    {
        if (Frame.String(message["t"]) != "exited")
        {
            return new PythonStepError(StepErrorKind.SandboxViolation, $"protocol violation: the worker sent an unexpected '{Frame.String(message["t"])}' control frame");
        }
        var signal = Frame.Int32(message["signal"]);
        var cpu = Frame.Number(message["cpu_seconds"]) ?? 0;
        var budget = Math.Max(1, Math.Ceiling(options.RunTimeout.TotalSeconds));
        var how = (signal is { } s ? $" (signal {s}" : $" (exit code {Frame.Int32(message["code"])}") + string.Create(System.Globalization.CultureInfo.InvariantCulture, $", {cpu:0.00} s of CPU)");
        if (Frame.String(message["problem"]) is { } problem)
        {
            return new PythonStepError(StepErrorKind.SandboxViolation, "protocol violation: " + problem);
        }
        // RLIMIT_CPU with hard = soft ends the process with SIGKILL (SIGXCPU only below a higher hard limit). The
        // kernel checks tick-sampled time, which runs ahead of the precise runtime reported here on a loaded machine
        // (0.84 s measured at a 1 s limit), hence half the budget. Nothing else in the sandbox sends SIGKILL but the
        // run itself; the host kills the whole worker, not a run's process.
        if (signal is 9 or 24 && cpu >= budget / 2)
        {
            return new PythonStepError(StepErrorKind.Timeout, $"the step used up its CPU time limit ({budget:0} s){how}");
        }
        return new PythonStepError(StepErrorKind.WorkerCrashed, "the Python worker process died during the run" + how);
    }

    private static WorkerRunOutcome ParseResult(JsonObject message, Func<PythonStepError?, JsonNode?, JsonObject?, PythonStepResult> finish)
    {
        if (Frame.Bool(message["ok"]) == true)
        {
            if (message["storage"] is not JsonObject storage)
            {
                return new(finish(new PythonStepError(StepErrorKind.InvalidResult, "storage is no longer a dict after the step"), null, null), true);
            }
            var value = message["value"];
            message.Remove("value");
            message.Remove("storage");
            return new(finish(null, value, storage), true);
        }
        var error = message["error"] as JsonObject;
        var kind = Frame.String(error?["kind"]) switch
        {
            "python" => StepErrorKind.PythonException,
            "syntax" => StepErrorKind.SyntaxError,
            "sandbox" => StepErrorKind.SandboxViolation,
            "limit" => StepErrorKind.ResourceLimit,
            "memory" => StepErrorKind.MemoryLimit,
            "result" => StepErrorKind.InvalidResult,
            _ => StepErrorKind.SandboxViolation,
        };
        var reusable = kind is StepErrorKind.PythonException or StepErrorKind.SyntaxError or StepErrorKind.InvalidResult;
        return new(finish(new PythonStepError(kind, Frame.String(error?["message"]) ?? "", Frame.String(error?["type"]), Frame.Int32(error?["line"])), null, null), reusable);
    }

    private static StepLogLevel ParseLevel(string? level) => level switch
    {
        "DEBUG" => StepLogLevel.Debug,
        "WARNING" => StepLogLevel.Warning,
        "ERROR" => StepLogLevel.Error,
        "CRITICAL" => StepLogLevel.Critical,
        _ => StepLogLevel.Info,
    };

    /// <summary>" (exit code N, signal S): last stderr lines", once the process has exited.</summary>
    private async Task<string> DescribeExitAsync()
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return "";
        }
        var code = process.ExitCode;
        var text = new StringBuilder($" (exit code {code}");
        if (code > 128)
        {
            text.Append($", signal {code - 128}");
        }
        text.Append(')');
        lock (stderrTail)
        {
            var tail = string.Join(" | ", stderrTail.Where(l => l.Length > 0).TakeLast(3));
            if (tail.Length > 0)
            {
                text.Append(": ").Append(tail);
            }
        }
        return text.ToString();
    }

    public void Kill()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    /// <summary>Stops the worker and releases the process handle.</summary>
    public void Dispose()
    {
        Kill();
        try
        {
            process.WaitForExit(2000);
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }
}
