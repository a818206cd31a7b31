namespace ManifestCompiler.Runtime.Python;

/// <summary>Which isolation layers are active on this machine, as measured when the pool started.</summary>
public sealed record SandboxReport
{
    public required string PythonExecutable { get; init; }

    public required Version PythonVersion { get; init; }

    /// <summary>The process-isolation layer (bubblewrap and what it sets up), or that there is none.</summary>
    public required string ProcessIsolation { get; init; }

    /// <summary>Whether workers run inside bubblewrap.</summary>
    public required bool Namespaces { get; init; }

    public required bool Seccomp { get; init; }

    /// <summary>Why the seccomp filter is not active (unsupported architecture, no ctypes, disabled), if it is not.</summary>
    public string? SeccompUnavailableReason { get; init; }

    /// <summary>The <c>setrlimit</c> caps the worker applied (address space, open files, processes, file size, core, CPU).</summary>
    public required IReadOnlyList<string> ResourceLimits { get; init; }

    public string Describe() =>
        $"Python step sandbox: CPython {PythonVersion} ({PythonExecutable}); process isolation: {ProcessIsolation}; " +
        $"seccomp filter: {(Seccomp ? "active" : "inactive (" + SeccompUnavailableReason + ")")}; " +
        $"resource limits: {(ResourceLimits.Count == 0 ? "none" : string.Join(", ", ResourceLimits))}; " +
        "a fresh process per run, forked from a zygote that runs no user code; " +
        "in-process guards: static check (imports, private and frame attributes, bindings), guarded attribute writes, format, ** and <<, restricted builtins, read-only facades, fresh namespace per run.";
}
