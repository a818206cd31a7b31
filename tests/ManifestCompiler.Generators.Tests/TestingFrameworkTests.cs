using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace ManifestCompiler.Generators.Tests;

/// <summary>
/// The generator and analyzer through Microsoft.CodeAnalysis.Testing, as the Roslyn SDK tests its own: the generated
/// sources must be exactly the golden files and compile cleanly against the .NET 8 reference assemblies (the
/// generator's host framework); the analyzer's diagnostics must be exactly the expected ones, at their spans.
/// </summary>
public sealed class TestingFrameworkTests
{
    // The .NET 8 reference pack, which the framework restores through the configured package sources.
    private static readonly ReferenceAssemblies Net8 = ReferenceAssemblies.Net.Net80;

    private static string Sample(string relative) => Path.Combine(RepositoryPaths.Root, "samples", relative);

    private static IEnumerable<(string Path, SourceText Text)> FolderFiles(string folder, string prefix) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => ($"/{prefix}/{Path.GetRelativePath(folder, f).Replace('\\', '/')}", SourceText.From(File.ReadAllText(f))));

    [Fact]
    public async Task Generated_sources_for_the_northwind_sample_are_the_golden_files()
    {
        var test = new CSharpSourceGeneratorTest<ManifestGenerator, DefaultVerifier> { ReferenceAssemblies = Net8 };
        test.TestState.AdditionalReferences.Add(typeof(IntegrationPlan).Assembly);
        foreach (var file in FolderFiles(Sample("bossi/northwind-crm"), "integrations/northwind-crm"))
        {
            test.TestState.AdditionalFiles.Add(file);
        }
        foreach (var name in new[] { "NorthwindCrm.Plan.g.cs", "NorthwindCrm.SyncContactsV1.Mapper.g.cs" })
        {
            var golden = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "tests", "ManifestCompiler.Generators.Tests", "Baselines", name));
            test.TestState.GeneratedSources.Add((typeof(ManifestGenerator), name, SourceText.From(golden, System.Text.Encoding.UTF8)));
        }
        await test.RunAsync();
    }

    [Fact]
    public async Task A_manifest_s_plan_is_generated()
    {
        var test = new CSharpSourceGeneratorTest<ManifestGenerator, DefaultVerifier> { ReferenceAssemblies = Net8 };
        test.TestState.AdditionalReferences.Add(typeof(IntegrationPlan).Assembly);
        test.TestState.AdditionalFiles.Add(("/integrations/pandadoc-polling.json", SourceText.From(File.ReadAllText(Sample("chiefonboarding/pandadoc-polling.json")))));
        var golden = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "tests", "ManifestCompiler.Generators.Tests", "Baselines", "PandadocPollingManifest.g.cs"));
        test.TestState.GeneratedSources.Add((typeof(ManifestGenerator), "PandadocPollingManifest.g.cs", SourceText.From(golden, System.Text.Encoding.UTF8)));
        await test.RunAsync();
    }

    [Fact]
    public async Task The_analyzer_reports_a_broken_reference_at_its_span()
    {
        var test = new CSharpAnalyzerTest<ManifestAnalyzer, DefaultVerifier> { ReferenceAssemblies = Net8, TestCode = "class Host { }" };
        foreach (var (path, text) in FolderFiles(Sample("bossi/stripe"), "integrations/stripe"))
        {
            var content = path.EndsWith("/webhook.json", StringComparison.Ordinal)
                ? SourceText.From(text.ToString().Replace("\"action\": \"customers-post-v1\"", "\"action\": \"customers-post-v2\"", StringComparison.Ordinal))
                : text;
            test.TestState.AdditionalFiles.Add((path, content));
        }
        // The same line and columns `mfc check` prints for this edit: webhook.json(21,17).
        test.ExpectedDiagnostics.Add(new DiagnosticResult("MC7001", DiagnosticSeverity.Error)
            .WithSpan("/integrations/stripe/webhook.json", 21, 17, 21, 36)
            .WithArguments("No action 'customers-post-v2' is declared in schema.json (did you mean 'customers-post-v1'?)"));
        await test.RunAsync();
    }

    [Fact]
    public async Task The_analyzer_is_silent_on_a_clean_manifest()
    {
        var test = new CSharpAnalyzerTest<ManifestAnalyzer, DefaultVerifier> { ReferenceAssemblies = Net8, TestCode = "class Host { }" };
        test.TestState.AdditionalFiles.Add(("/integrations/asana-add-user.json", SourceText.From(File.ReadAllText(Sample("chiefonboarding/asana-add-user.json")))));
        await test.RunAsync();
    }
}
