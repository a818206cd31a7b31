using ManifestCompiler.Runtime.Support.Sandbox;
using System.Text.Json.Nodes;

namespace ManifestCompiler.Runtime.Python;

/// <summary>Why a run failed. Each kind is its own outcome so hosts can react (retry, alert, report).</summary>
public enum StepErrorKind
{
    /// <summary>The step raised a Python exception (type, message and line in the user's file).</summary>
    PythonException,

    /// <summary>The step's source is not valid Python.</summary>
    SyntaxError,

    /// <summary>The step tried something the sandbox forbids (import, private attribute, exec, ...) or the
    /// worker broke the protocol. The worker is replaced.</summary>
    SandboxViolation,

    /// <summary>The run passed its wall-clock (or CPU) limit; the worker was killed and replaced.</summary>
    Timeout,

    /// <summary>The step ran out of its address-space limit.</summary>
    MemoryLimit,

    /// <summary>A per-run cap was hit: side-effect requests or integer size.</summary>
    ResourceLimit,

    /// <summary>The worker process died during the run; it was replaced.</summary>
    WorkerCrashed,

    /// <summary>The caller cancelled the run; the worker was replaced if it was running.</summary>
    Cancelled,

    /// <summary><c>main</c> returned (or left in storage) something that is not JSON.</summary>
    InvalidResult,

    /// <summary>No worker could be started for the run (the sandbox failed to start, or the pool shut down).</summary>
    WorkerUnavailable,
}

public sealed record PythonStepError(StepErrorKind Kind, string Message, string? PythonType = null, int? Line = null)
{
    public override string ToString() =>
        (PythonType is null ? Kind.ToString() : $"{Kind} ({PythonType})") + (Line is { } line ? $" at line {line}" : "") + ": " + Message;
}

public enum StepLogLevel
{
    Debug,
    Info,
    Warning,
    Error,
    Critical,
}

/// <summary>One <c>logging</c> call (or <c>print</c>) of the step, stamped by the host when it arrived.</summary>
public sealed record StepLogRecord(StepLogLevel Level, string Message, DateTimeOffset Timestamp);

public enum StepSideEffectKind
{
    Http = SandboxHostCall.Http,
    GetToken = SandboxHostCall.GetToken,
    ScheduleTask = SandboxHostCall.ScheduleTask,
    SendToTrigger = SandboxHostCall.SendToTrigger,
    SendToParser = SandboxHostCall.SendToParser,
    ModifyTokens = SandboxHostCall.ModifyTokens,
    CreateCronJob = SandboxHostCall.CreateCronJob,
    DispatchCommand = SandboxHostCall.DispatchCommand,
}

/// <summary>
/// One request the step made of the host, in order. <see cref="Arguments"/> are what the step passed, with secrets
/// (authorization headers, token values) replaced by <c>***</c>; <see cref="Error"/> is set when the host refused
/// or failed it (the step saw an exception).
/// </summary>
public sealed record StepSideEffect(int Sequence, StepSideEffectKind Kind, JsonObject Arguments, string? Error);

/// <summary>The outcome of one run. Failures are results too: <see cref="Error"/> says what happened.</summary>
public sealed record PythonStepResult
{
    public required string RunId { get; init; }

    /// <summary>The worker that ran the step (empty when none could be started).</summary>
    public required string WorkerId { get; init; }

    public PythonStepError? Error { get; init; }

    public bool Succeeded => Error is null;

    /// <summary>What <c>main</c> returned, as JSON (<c>null</c> for None or on failure).</summary>
    public JsonNode? ReturnValue { get; init; }

    /// <summary><c>storage</c> after the step (what the next step of the action receives); <c>null</c> on failure.</summary>
    public JsonObject? Storage { get; init; }

    public IReadOnlyList<StepLogRecord> Logs { get; init; } = [];

    /// <summary>Log records dropped after the per-run cap was reached.</summary>
    public int LogsDropped { get; init; }

    public IReadOnlyList<StepSideEffect> SideEffects { get; init; } = [];

    public TimeSpan Duration { get; init; }
}
