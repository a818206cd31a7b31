using ManifestCompiler.Diagnostics;
using ManifestCompiler.Emit.Plans;
using ManifestCompiler.IR;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ManifestKind = ManifestCompiler.Runtime.Support.Plans.ManifestKind;

namespace ManifestCompiler.Workspace;

/// <summary>The outcome of building plans: the assembly image (null when anything failed) and why not.</summary>
public sealed record PlanBuildResult(
    byte[]? Image,
    IReadOnlyList<ManifestDiagnostic> Diagnostics,
    IReadOnlyList<string> CompilerErrors,
    IReadOnlyList<GeneratedSource> Sources,
    int Integrations,
    int Manifests)
{
    public bool Succeeded => Image is not null;
}

/// <summary>
/// Compiles integration folders and manifests into one plan assembly: the front end (the same diagnostics as
/// <c>mfc check</c>), the emitter (the same sources as the source generator), then Roslyn in-process,
/// deterministic. Nothing is built when the front end reports an error.
/// </summary>
public static class PlanAssemblyBuilder
{
    public static PlanBuildResult Build(ManifestWorkspace workspace, string assemblyName, CompilerOptions? options = null, ManifestKind? kind = null)
    {
        var (integrations, manifests, diagnostics) = WorkspaceCompilation.Compile(workspace, options, kind);
        if (diagnostics.Any(d => d.IsError))
        {
            return new PlanBuildResult(null, diagnostics, [], [], integrations.Count, manifests.Count);
        }

        var sources = PlanSources.ForAll(integrations, manifests);
        var (image, errors) = RoslynCompilation.Emit(assemblyName, sources.Select(s => (s.HintName, s.Text)));
        return new PlanBuildResult(image, diagnostics, errors, sources, integrations.Count, manifests.Count);
    }
}

/// <summary>
/// Every integration folder and manifest of a workspace through the front end: the IR of each that compiled, and
/// all diagnostics sorted by file, then position, then id (the order <c>mfc check</c> and <c>mfc build</c> print).
/// </summary>
public sealed record WorkspaceCompilation(IReadOnlyList<IntegrationIR> Integrations, IReadOnlyList<ChiefOnboardingManifestIR> Manifests, IReadOnlyList<ManifestDiagnostic> Diagnostics)
{
    public static WorkspaceCompilation Compile(ManifestWorkspace workspace, CompilerOptions? options = null, ManifestKind? kind = null)
    {
        var diagnostics = new List<ManifestDiagnostic>();
        var integrations = new List<IntegrationIR>();
        var manifests = new List<ChiefOnboardingManifestIR>();
        foreach (var folder in workspace.Integrations)
        {
            var result = ManifestCompilation.CompileIntegration(folder, options);
            diagnostics.AddRange(result.Diagnostics);
            if (result.Value is { } ir)
            {
                integrations.Add(ir);
            }
        }
        foreach (var file in workspace.Manifests)
        {
            var result = ManifestCompilation.CompileChiefOnboarding(file, kind);
            diagnostics.AddRange(result.Diagnostics);
            if (result.Value is { } ir)
            {
                manifests.Add(ir);
            }
        }
        return new WorkspaceCompilation(
            integrations,
            manifests,
            [.. diagnostics.OrderBy(d => d.FilePath, StringComparer.Ordinal).ThenBy(d => d.Span.Start).ThenBy(d => d.Id, StringComparer.Ordinal)]);
    }
}

/// <summary>
/// Compiles generated C# in-process with Roslyn: a release-mode, nullable-enabled, deterministic library against
/// this process's framework and dependencies (the runtime-support library among them), as generated code is built.
/// Generated code must compile without errors or warnings.
/// </summary>
public static class RoslynCompilation
{
    public static CSharpCompilation Create(string assemblyName, IEnumerable<SyntaxTree> trees)
    {
        var references = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Order(StringComparer.Ordinal)
            .Select(path => MetadataReference.CreateFromFile(path))
            .ToList();
        return CSharpCompilation.Create(assemblyName, trees, references, new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            optimizationLevel: OptimizationLevel.Release,
            nullableContextOptions: NullableContextOptions.Enable,
            deterministic: true)
            // As the .NET SDK does by default: version unification between the net8.0 support library and this
            // runtime's framework assemblies is expected, not a problem.
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
            {
                ["CS1701"] = ReportDiagnostic.Suppress,
                ["CS1702"] = ReportDiagnostic.Suppress,
            }));
    }

    /// <summary>The assembly image, or null and every error and warning.</summary>
    public static (byte[]? Image, IReadOnlyList<string> Problems) Emit(string assemblyName, IEnumerable<(string Path, string Text)> sources)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = Create(assemblyName, sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, parse, path: s.Path, encoding: System.Text.Encoding.UTF8)));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var problems = result.Diagnostics
            .Where(d => d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning)
            .Select(d => d.ToString())
            .ToList();
        return (result.Success && problems.Count == 0 ? image.ToArray() : null, problems);
    }
}
