namespace ManifestCompiler.Runtime.Python;

/// <summary>How worker processes are isolated from the host.</summary>
public enum SandboxMode
{
    /// <summary>Each worker runs under bubblewrap (namespaces, read-only system directories, an empty read-only /tmp, no
    /// network, cleared environment). The pool refuses to start when bubblewrap cannot (fail closed).</summary>
    Bubblewrap,

    /// <summary>Development only: workers run as plain child processes (with the in-process guards, resource
    /// limits and seccomp filter, but no namespaces). Logged as a warning at startup.</summary>
    UnsandboxedDevelopment,
}

/// <summary>Settings of a <see cref="PythonWorkerPool"/>. Every limit is per run unless it says otherwise.</summary>
public sealed class PythonWorkerPoolOptions
{
    /// <summary>The interpreter; <c>null</c> finds <c>python3</c> on PATH.</summary>
    public string? PythonPath { get; set; }

    public SandboxMode Sandbox { get; set; } = SandboxMode.Bubblewrap;

    /// <summary>The bubblewrap binary; <c>null</c> finds <c>bwrap</c> on PATH.</summary>
    public string? BubblewrapPath { get; set; }

    /// <summary>Workers bound to integration instances at once (busy or idle). Runs beyond this wait.</summary>
    public int MaxWorkers { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Pre-warmed workers not yet bound to any instance, so a new instance does not wait for a start.</summary>
    public int SpareWorkers { get; set; } = 1;

    /// <summary>A worker is replaced after this many runs.</summary>
    public int MaxRunsPerWorker { get; set; } = 500;

    /// <summary>A worker is replaced once its peak resident memory passes this (MB).</summary>
    public int RecycleAboveMemoryMb { get; set; } = 256;

    /// <summary>Address-space limit of each worker process (MB): allocations beyond it fail with MemoryError.</summary>
    public int MemoryLimitMb { get; set; } = 1024;

    /// <summary>Wall-clock limit of one run, host time spent on its requests included. On expiry the worker is
    /// killed and replaced.</summary>
    public TimeSpan RunTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a worker may take to start and report ready.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Side-effect requests (HTTP, triggers, parser sends, tokens, ...) one run may make.</summary>
    public int MaxSideEffectsPerRun { get; set; } = 10_000;

    /// <summary>Log records one run may emit; further records are dropped and the result says how many.</summary>
    public int MaxLogRecordsPerRun { get; set; } = 1_000;

    /// <summary>Characters of log text one run may emit.</summary>
    public int MaxLogCharactersPerRun { get; set; } = 1_000_000;

    /// <summary>Largest integer a <c>**</c> may produce, in bits (a fast failure instead of minutes of CPU).</summary>
    public int MaxIntegerBits { get; set; } = 4_000_000;

    /// <summary>Largest protocol frame either side may send (bytes).</summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Install the worker's seccomp filter where the kernel and architecture allow.</summary>
    public bool Seccomp { get; set; } = true;

    /// <summary>
    /// Tests only (internal: no host can set it): hands each run the real builtins, <c>sys</c>, <c>os</c>,
    /// <c>type</c>, <c>gc</c> and <c>resource</c> as <c>ESCAPED</c>, to play an attacker who got past every
    /// in-process guard and check that nothing such a run does survives into the next (docs/python-sandbox.md).
    /// </summary>
    internal bool GrantEscapeForTests { get; set; }

    /// <summary>Stamps log records.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        Positive(MaxWorkers, nameof(MaxWorkers));
        Positive(MaxRunsPerWorker, nameof(MaxRunsPerWorker));
        Positive(RecycleAboveMemoryMb, nameof(RecycleAboveMemoryMb));
        Positive(MemoryLimitMb, nameof(MemoryLimitMb));
        Positive(MaxSideEffectsPerRun, nameof(MaxSideEffectsPerRun));
        Positive(MaxLogRecordsPerRun, nameof(MaxLogRecordsPerRun));
        Positive(MaxLogCharactersPerRun, nameof(MaxLogCharactersPerRun));
        Positive(MaxIntegerBits, nameof(MaxIntegerBits));
        Positive(MaxFrameBytes, nameof(MaxFrameBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(SpareWorkers, nameof(SpareWorkers));
        if (RunTimeout <= TimeSpan.Zero || StartTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RunTimeout), "Timeouts must be positive.");
        }
        if (MemoryLimitMb < 64)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryLimitMb), "CPython needs at least 64 MB of address space.");
        }
    }

    private static void Positive(int value, string name) => ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value, name);
}
