using System.Collections.Concurrent;
using System.Collections.Immutable;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.Sources;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using RoslynDescriptor = Microsoft.CodeAnalysis.DiagnosticDescriptor;
using RoslynSeverity = Microsoft.CodeAnalysis.DiagnosticSeverity;

namespace ManifestCompiler.Generators;

/// <summary>
/// Reports the front end's diagnostics on the manifest files among the AdditionalFiles (BOSSi integration folders,
/// and any other .json as a ChiefOnboarding manifest), with their real locations,
/// so they appear in the IDE's error list and in <c>dotnet build</c>. Each integration folder is compiled once per
/// compilation (the first of its files to be analyzed compiles it); each file then reports its own diagnostics.
/// What needs CPython (Python syntax errors, undefined names, refused builtins) is not checked here: an analyzer must
/// not start processes (<c>mfc check</c> and <c>mfc build</c> do it); the Python step checks decided from tokens are.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ManifestAnalyzer : DiagnosticAnalyzer
{
    // One Roslyn descriptor per entry of the front end's one diagnostic catalog.
    private static readonly ImmutableDictionary<string, RoslynDescriptor> Descriptors = DiagnosticCatalog.All.ToImmutableDictionary(
        d => d.Id,
        d => new RoslynDescriptor(d.Id, d.Title, "{0}", "ManifestCompiler", Map(d.Severity), isEnabledByDefault: true, description: d.HelpText, helpLinkUri: DiagnosticCatalog.HelpUri(d.Id)));

    public override ImmutableArray<RoslynDescriptor> SupportedDiagnostics { get; } = [.. Descriptors.Values.OrderBy(d => d.Id, StringComparer.Ordinal)];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var files = start.Options.AdditionalFiles
                .Select(f => InputFile.From(f, start.CancellationToken))
                .ToImmutableArray();
            var folders = IntegrationFolders.Group(files);
            var compiled = new ConcurrentDictionary<string, Lazy<ImmutableArray<ManifestDiagnostic>>>(StringComparer.Ordinal);
            start.RegisterAdditionalFileAction(fileContext =>
            {
                var path = fileContext.AdditionalFile.Path.Replace('\\', '/');
                var folder = folders.FirstOrDefault(f => path.StartsWith(f.Path + "/", StringComparison.Ordinal));
                if (folder is null)
                {
                    // Any other .json is a ChiefOnboarding manifest (kind inferred from its keys), as mfc check reads them.
                    if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                    {
                        var text = fileContext.AdditionalFile.GetText(fileContext.CancellationToken)?.ToString();
                        var manifest = new SourceFile(path, text ?? "", text is null ? "the file could not be read" : null);
                        Report(fileContext, path, ManifestCompilation.CompileChiefOnboarding(manifest).Diagnostics);
                    }
                    return;
                }
                var diagnostics = compiled.GetOrAdd(folder.Path, _ => new Lazy<ImmutableArray<ManifestDiagnostic>>(
                    () => ManifestCompilation.CompileIntegration(folder).Diagnostics)).Value;
                // A diagnostic about a file that is not there (a missing oauth.json) has no file action of its own:
                // the folder's first file reports it, at the missing file's path, so nothing is lost.
                var first = folder.FilePath(folder.Files[0].RelativePath) == path;
                Report(fileContext, path, [.. diagnostics.Where(d =>
                    d.FilePath == path || (first && folder.Files.All(f => folder.FilePath(f.RelativePath) != d.FilePath)))]);
            });
        });
    }

    private static void Report(AdditionalFileAnalysisContext context, string path, ImmutableArray<ManifestDiagnostic> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            if (Descriptors.TryGetValue(diagnostic.Id, out var descriptor))
            {
                context.ReportDiagnostic(Diagnostic.Create(descriptor, LocationOf(diagnostic.FilePath == path ? context.AdditionalFile.Path : diagnostic.FilePath, diagnostic), diagnostic.Message));
            }
        }
    }

    private static Location LocationOf(string path, ManifestDiagnostic diagnostic) => Location.Create(
        path,
        new TextSpan(diagnostic.Span.Start, diagnostic.Span.Length),
        new LinePositionSpan(
            new LinePosition(Math.Max(0, diagnostic.Start.Line - 1), Math.Max(0, diagnostic.Start.Column - 1)),
            new LinePosition(Math.Max(0, diagnostic.End.Line - 1), Math.Max(0, diagnostic.End.Column - 1))));

    private static RoslynSeverity Map(ManifestCompiler.Syntax.Diagnostics.DiagnosticSeverity severity) => severity switch
    {
        ManifestCompiler.Syntax.Diagnostics.DiagnosticSeverity.Error => RoslynSeverity.Error,
        ManifestCompiler.Syntax.Diagnostics.DiagnosticSeverity.Warning => RoslynSeverity.Warning,
        _ => RoslynSeverity.Info,
    };
}
