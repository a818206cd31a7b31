using System.Collections.Immutable;
using ManifestCompiler.IR;
using ManifestCompiler.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ManifestCompiler.Generators.Tests;

public sealed class ManifestGeneratorTests
{
    /// <summary>Every file under samples/ as an additional file, as `&lt;Integration Include="samples/**" /&gt;` would give them.</summary>
    private static ImmutableArray<AdditionalText> SampleFiles() =>
    [
        .. RepositoryPaths.SampleInputFiles()
            .Select(f => (AdditionalText)new FileText(f, File.ReadAllText(f))),
    ];

    private static CSharpCompilation HostCompilation() => Conformance.InMemoryCompiler.CreateCompilation("HostApp", []);

    private static GeneratorDriver Driver(ImmutableArray<AdditionalText> files) => CSharpGeneratorDriver.Create(
        [new ManifestGenerator().AsSourceGenerator()],
        files,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    [Fact]
    public void Every_sample_plan_and_mapping_is_generated_compiles_without_warnings_and_matches_its_baseline()
    {
        var driver = Driver(SampleFiles()).RunGeneratorsAndUpdateCompilation(HostCompilation(), out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        var generated = driver.GetRunResult().GeneratedTrees;
        Assert.Equal(
            [
                "AsanaAddUserManifest.g.cs", "BamboohrImportManifest.g.cs", "BamboohrSyncUpdateManifest.g.cs", "GooglePaginatedImportManifest.g.cs",
                "NorthwindCrm.Plan.g.cs", "NorthwindCrm.SyncContactsV1.Mapper.g.cs", "PandadocPollingManifest.g.cs",
                "Quickbooks.GetProfitAndLossV1.Mapper.g.cs", "Quickbooks.InvoicesPostV1.Mapper.g.cs", "Quickbooks.Plan.g.cs",
                "Stripe.CustomersPostV1.Mapper.g.cs", "Stripe.PaymentSucceededV1.Mapper.g.cs", "Stripe.Plan.g.cs",
            ],
            generated.Select(t => Path.GetFileName(t.FilePath)).Order(StringComparer.Ordinal).ToArray());
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        foreach (var tree in generated)
        {
            RepositoryPaths.AssertMatchesBaseline($"tests/ManifestCompiler.Generators.Tests/Baselines/{Path.GetFileName(tree.FilePath)}", tree.GetText().ToString());
        }
    }

    [Fact]
    public void Editing_one_integration_regenerates_nothing_of_the_others()
    {
        var files = SampleFiles();
        var driver = Driver(files).RunGenerators(HostCompilation());

        var step = files.First(f => f.Path.Replace('\\', '/').EndsWith("bossi/stripe/action/sync-payments-v1/code/sync-payments-v1.py", StringComparison.Ordinal));
        var edited = new FileText(step.Path, step.GetText()!.ToString() + "\n# edited\n");
        driver = driver.ReplaceAdditionalText(step, edited).RunGenerators(HostCompilation());

        var steps = driver.GetRunResult().Results.Single().TrackedSteps;
        var folders = steps[ManifestGenerator.Steps.Integrations].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(3, folders.Count);
        foreach (var (value, reason) in folders)
        {
            var name = ((Sources.IntegrationFolder)value).Name;
            Assert.Equal(name == "stripe" ? IncrementalStepRunReason.Modified : IncrementalStepRunReason.Unchanged, reason);
        }
        foreach (var stepName in new[] { ManifestGenerator.Steps.Compile, ManifestGenerator.Steps.Emit })
        {
            var runs = steps[stepName];
            Assert.Equal(3, runs.Length);
            // The inputs of each run say which integration it is; only stripe's may run again.
            foreach (var run in runs)
            {
                var input = run.Inputs.Single().Source.Outputs[run.Inputs.Single().OutputIndex].Value;
                var name = input switch
                {
                    Sources.IntegrationFolder folder => folder.Name,
                    IntegrationIR ir => ir.Name,
                    _ => "?",
                };
                var reasons = run.Outputs.Select(o => o.Reason).ToArray();
                if (!name.Equals("stripe", StringComparison.OrdinalIgnoreCase))
                {
                    Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{stepName} of {name}: {r}"));
                }
            }
        }
        // The edit changes stripe's IR and its plan (the step source is embedded), and nothing else.
        Assert.Single(steps[ManifestGenerator.Steps.Compile].SelectMany(r => r.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Single(steps[ManifestGenerator.Steps.Emit].SelectMany(r => r.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        // The manifests are not touched by an integration's edit.
        foreach (var stepName in new[] { ManifestGenerator.Steps.CompileManifest, ManifestGenerator.Steps.EmitManifest })
        {
            Assert.All(steps[stepName].SelectMany(r => r.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{stepName}: {o.Reason}"));
        }
    }

    [Fact]
    public void Editing_one_manifest_regenerates_only_that_manifest()
    {
        var files = SampleFiles();
        var driver = Driver(files).RunGenerators(HostCompilation());

        var manifest = files.First(f => f.Path.Replace('\\', '/').EndsWith("chiefonboarding/asana-add-user.json", StringComparison.Ordinal));
        var text = manifest.GetText()!.ToString();
        var edited = new FileText(manifest.Path, text.Replace("\"execute\"", "\"execute\"", StringComparison.Ordinal).TrimEnd() + "\n\n");
        driver = driver.ReplaceAdditionalText(manifest, edited).RunGenerators(HostCompilation());

        var steps = driver.GetRunResult().Results.Single().TrackedSteps;
        // Whitespace changes the file but not its IR: the compile step runs for it alone, and nothing is re-emitted.
        Assert.Single(steps[ManifestGenerator.Steps.CompileManifest].SelectMany(r => r.Outputs), o => o.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Modified);
        Assert.All(steps[ManifestGenerator.Steps.EmitManifest].SelectMany(r => r.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"emit: {o.Reason}"));
        foreach (var stepName in new[] { ManifestGenerator.Steps.Compile, ManifestGenerator.Steps.Emit })
        {
            Assert.All(steps[stepName].SelectMany(r => r.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{stepName}: {o.Reason}"));
        }

        // A real change to one manifest re-emits that manifest's plan only.
        var changed = new FileText(manifest.Path, text.Replace("https://", "https://changed.", StringComparison.Ordinal));
        driver = driver.ReplaceAdditionalText(edited, changed).RunGenerators(HostCompilation());
        steps = driver.GetRunResult().Results.Single().TrackedSteps;
        var emitted = steps[ManifestGenerator.Steps.EmitManifest].SelectMany(r => r.Outputs).ToList();
        Assert.Equal(5, emitted.Count);
        Assert.Single(emitted, o => o.Reason == IncrementalStepRunReason.Modified);
    }
}
