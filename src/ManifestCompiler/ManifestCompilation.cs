using System.Collections.Immutable;
using ManifestCompiler.Binding;
using ManifestCompiler.Binding.ChiefOnboarding;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.IR;
using ManifestCompiler.Sources;
using ManifestKind = ManifestCompiler.Runtime.Support.Plans.ManifestKind;

namespace ManifestCompiler;

/// <summary>What compiling one integration or manifest gives: its IR (null when it could not be bound) and every diagnostic.</summary>
public sealed record CompilationResult<T>(T? Value, ImmutableArray<ManifestDiagnostic> Diagnostics)
    where T : class
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}

/// <summary>A Python syntax error as CPython reports it: 1-based line and column in the named file.</summary>
public sealed record PythonSyntaxError(string Path, int Line, int Column, string Message);

/// <summary>A name a module reads where CPython's scoping resolves it to the module's globals, though the module never
/// binds it: a builtin, a preloaded global of the sandbox, or an undefined name. 1-based line and column.</summary>
public sealed record PythonGlobalRead(string Name, int Line, int Column);

/// <summary>What CPython's scoping says of one module (<see cref="PythonSyntaxReport"/>): the names it binds at module
/// level and the names it reads without binding them.</summary>
public sealed record PythonModuleScopes(string Path, ImmutableArray<string> Defined, ImmutableArray<PythonGlobalRead> GlobalReads);

/// <summary>What a Python check found, or why it could not run: syntax errors, and the scopes of every module that
/// parsed (empty when the checker reports only syntax).</summary>
public sealed record PythonSyntaxReport(string? UnavailableReason, ImmutableArray<PythonSyntaxError> Errors, ImmutableArray<PythonModuleScopes> Modules)
{
    public PythonSyntaxReport(string? unavailableReason, ImmutableArray<PythonSyntaxError> errors)
        : this(unavailableReason, errors, [])
    {
    }

    public static PythonSyntaxReport Unavailable(string reason) => new(reason, [], []);
}

/// <summary>
/// Checks Python files with a real interpreter: syntax errors and each module's scopes, never running the code. The
/// compiler stays pure by asking this interface and judging the answer itself (which names a step may read); the
/// Workspace implements it with a python3 process (<c>CPythonStepChecker</c>), the source generator and the analyzer
/// do not (the IDE must not spawn processes).
/// </summary>
public interface IPythonSyntaxChecker
{
    PythonSyntaxReport Check(IReadOnlyList<SourceFile> files);
}

public sealed record CompilerOptions(IPythonSyntaxChecker? PythonSyntax = null)
{
    public static readonly CompilerOptions Default = new();
}

/// <summary>
/// The front end's entry points: BOSSi integration folders and ChiefOnboarding manifests in, typed IR and located
/// diagnostics out. Pure: reads only the text it is given; never throws on user input.
/// </summary>
public static class ManifestCompilation
{
    public static CompilationResult<IntegrationIR> CompileIntegration(IntegrationFolder folder, CompilerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return BossiBinder.Bind(folder, options ?? CompilerOptions.Default);
    }

    /// <param name="kind">The manifest's kind, or null to infer it from its keys.</param>
    public static CompilationResult<ChiefOnboardingManifestIR> CompileChiefOnboarding(SourceFile file, ManifestKind? kind = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        return ChiefOnboardingBinder.Bind(file, kind);
    }
}
