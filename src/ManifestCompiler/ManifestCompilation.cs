using System.Collections.Immutable;
using ManifestCompiler.Binding;
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

/// <summary>What a Python syntax check found, or why it could not run.</summary>
public sealed record PythonSyntaxReport(string? UnavailableReason, ImmutableArray<PythonSyntaxError> Errors)
{
    public static PythonSyntaxReport Unavailable(string reason) => new(reason, []);
}

/// <summary>
/// Checks Python files with a real interpreter. The compiler stays pure by asking this interface; the CLI implements it
/// with a short-lived python3 process (ast.parse), the source generator does not (the IDE must not spawn processes).
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
