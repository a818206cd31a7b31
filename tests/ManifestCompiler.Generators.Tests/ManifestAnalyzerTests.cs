using System.Collections.Immutable;
using System.Globalization;
using ManifestCompiler.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ManifestCompiler.Generators.Tests;

/// <summary>The analyzer reports, on the additional files, exactly what the front end reports for the same folders
/// (the compiler's golden files), with Roslyn locations.</summary>
public sealed class ManifestAnalyzerTests
{
    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string folder)
    {
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => (AdditionalText)new FileText(f, File.ReadAllText(f)))
            .ToImmutableArray();
        var compilation = CSharpCompilation.Create("HostApp", [], [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var withAnalyzers = compilation.WithAnalyzers([new ManifestAnalyzer()], new AnalyzerOptions(files));
        return await withAnalyzers.GetAnalyzerDiagnosticsAsync();
    }

    private static readonly string[] NeedsCPython = ["MC7104", "MC7106", "MC7107"];

    [Theory]
    [InlineData("bossi-broken-references")]
    [InlineData("bossi-missing-oauth")]
    [InlineData("bossi-shape-errors")]
    [InlineData("chiefonboarding-sync-errors")]
    [InlineData("chiefonboarding-webhook-errors")]
    [InlineData("bossi-python-steps")]
    public async Task Reports_the_front_ends_diagnostics_at_their_locations(string baseline)
    {
        var caseFolder = Path.Combine(RepositoryPaths.Root, "tests", "ManifestCompiler.Tests", "Baselines", baseline);
        var diagnostics = await AnalyzeAsync(Path.Combine(caseFolder, "input"));
        // Messages that name the folder name it by its path, which is absolute here and relative in the golden file.
        var actual = diagnostics.Select(d =>
        {
            var span = d.Location.GetLineSpan();
            var path = Path.GetRelativePath(caseFolder, span.Path).Replace('\\', '/');
            var severity = d.Severity switch { DiagnosticSeverity.Error => "error", DiagnosticSeverity.Warning => "warning", _ => "info" };
            return string.Create(CultureInfo.InvariantCulture, $"{path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}): {severity} {d.Id}: {d.GetMessage(CultureInfo.InvariantCulture).Replace(caseFolder.Replace('\\', '/') + "/", "", StringComparison.Ordinal)}");
        }).Order(StringComparer.Ordinal).ToArray();
        // The golden files are mfc check's output; what needs CPython (syntax errors, undefined names, refused builtins)
        // is not the analyzer's to report, since analyzers must not start processes.
        var expected = File.ReadAllLines(Path.Combine(caseFolder, "expected.txt"))
            .Where(l => l.Length > 0 && !NeedsCPython.Any(id => l.Contains($" {id}: ", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal).ToArray();
        Assert.True(expected.SequenceEqual(actual), "expected:\n" + string.Join("\n", expected) + "\nactual:\n" + string.Join("\n", actual));
    }

    [Fact]
    public async Task The_samples_are_clean_and_every_id_has_a_descriptor_with_help()
    {
        Assert.Empty(await AnalyzeAsync(Path.Combine(RepositoryPaths.Root, "samples", "bossi")));
        Assert.Empty(await AnalyzeAsync(Path.Combine(RepositoryPaths.Root, "samples", "chiefonboarding")));
        var analyzer = new ManifestAnalyzer();
        Assert.Equal(ManifestCompiler.Diagnostics.DiagnosticCatalog.All.Length, analyzer.SupportedDiagnostics.Length);
        Assert.All(analyzer.SupportedDiagnostics, d => Assert.StartsWith("https://", d.HelpLinkUri));
    }
}
