using System.Collections.Immutable;
using ManifestCompiler.Emit;
using ManifestCompiler.Emit.Plans;
using ManifestCompiler.IR;
using ManifestCompiler.Sources;
using Microsoft.CodeAnalysis;

namespace ManifestCompiler.Generators;

/// <summary>
/// Integration folders among the AdditionalFiles in, C# out. The pipeline keeps one value per integration (its files,
/// then its IR, then its generated sources), all equatable, so editing one integration regenerates only that one.
/// The generator only emits code; <c>ManifestAnalyzer</c> reports the diagnostics.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ManifestGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for tests of the incremental cache.</summary>
    public static class Steps
    {
        public const string Files = nameof(Files);
        public const string Integrations = nameof(Integrations);
        public const string Compile = nameof(Compile);
        public const string Emit = nameof(Emit);
        public const string Manifests = nameof(Manifests);
        public const string CompileManifest = nameof(CompileManifest);
        public const string NameManifests = nameof(NameManifests);
        public const string EmitManifest = nameof(EmitManifest);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var files = context.AdditionalTextsProvider
            .Select(InputFile.From)
            .WithTrackingName(Steps.Files);

        var integrations = files.Collect()
            .SelectMany((all, _) => IntegrationFolders.Group(all))
            .WithTrackingName(Steps.Integrations);

        // Only error-free integrations reach the emitter; the analyzer reports the others' errors.
        var compiled = integrations
            .Select((folder, _) => ManifestCompilation.CompileIntegration(folder) is { Value: { } ir } result && !result.Diagnostics.Any(d => d.IsError) ? ir : null)
            .WithTrackingName(Steps.Compile);

        var sources = compiled
            .Select((ir, _) => ir is null ? EquatableArray<GeneratedSource>.Empty : PlanSources.ForIntegration(ir))
            .WithTrackingName(Steps.Emit);

        context.RegisterSourceOutput(sources, AddSources);

        // Any other .json is a ChiefOnboarding manifest, as mfc check and the analyzer read them.
        var manifests = files.Collect()
            .SelectMany((all, _) => ManifestFiles.Pick(all))
            .WithTrackingName(Steps.Manifests);

        var compiledManifests = manifests
            .Select((file, _) => ManifestCompilation.CompileChiefOnboarding(new SourceFile(file.Path, file.Text ?? "")) is { Value: { } ir } result && !result.Diagnostics.Any(d => d.IsError) ? ir : null)
            .WithTrackingName(Steps.CompileManifest);

        // Class names depend on all manifests (two folders may hold manifests of one name); the emit step after it
        // still sees one equatable value per manifest, so an unchanged manifest is not regenerated.
        var namedManifests = compiledManifests.Collect()
            .SelectMany((all, _) => NamedManifest.Assign(all))
            .WithTrackingName(Steps.NameManifests);

        var manifestSources = namedManifests
            .Select((named, _) => new EquatableArray<GeneratedSource>([PlanSources.ForManifest(named.Manifest, named.ClassName)]))
            .WithTrackingName(Steps.EmitManifest);

        context.RegisterSourceOutput(manifestSources, AddSources);
    }

    private static void AddSources(SourceProductionContext output, EquatableArray<GeneratedSource> generated)
    {
        foreach (var source in generated)
        {
            output.AddSource(source.HintName, source.Text);
        }
    }
}

/// <summary>An additional file as the pipeline sees it: path and text only (equatable, no Roslyn objects kept).</summary>
public sealed record InputFile(string Path, string? Text)
{
    /// <summary>The file with a '/'-separated path, so folder grouping and diagnostics agree on every OS.</summary>
    public static InputFile From(AdditionalText text, CancellationToken cancellationToken) =>
        new(text.Path.Replace('\\', '/'), text.GetText(cancellationToken)?.ToString());
}

/// <summary>A compiled manifest and the class name its plan gets.</summary>
public sealed record NamedManifest(ChiefOnboardingManifestIR Manifest, string ClassName)
{
    public static ImmutableArray<NamedManifest> Assign(ImmutableArray<ChiefOnboardingManifestIR?> manifests)
    {
        var valid = manifests.OfType<ChiefOnboardingManifestIR>().ToList();
        var names = ChiefOnboardingPlanEmitter.ClassNames(valid.Select(m => m.Name));
        return [.. valid.Select((m, i) => new NamedManifest(m, names[i]))];
    }
}

/// <summary>The additional files that are ChiefOnboarding manifests: .json files outside every integration folder.</summary>
internal static class ManifestFiles
{
    public static ImmutableArray<InputFile> Pick(ImmutableArray<InputFile> files)
    {
        var folders = IntegrationFolders.Group(files);
        return [.. files
            .Where(f => f.Path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            .Where(f => !folders.Any(folder => f.Path.StartsWith(folder.Path + "/", StringComparison.Ordinal)))
            .OrderBy(f => f.Path, StringComparer.Ordinal)];
    }
}

/// <summary>
/// Which additional files form which integration folder: a folder <see cref="IntegrationRoots"/> marks is an
/// integration; every file below it belongs to the innermost such folder.
/// </summary>
internal static class IntegrationFolders
{
    public static ImmutableArray<IntegrationFolder> Group(ImmutableArray<InputFile> files)
    {
        var roots = files
            .Select(f => f.Path)
            .Where(IntegrationRoots.IsRootMarker)
            .Select(p => p[..p.LastIndexOf('/')])
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(r => r.Length)
            .ToList();
        var byRoot = roots.ToDictionary(r => r, _ => new List<FolderFile>(), StringComparer.Ordinal);
        foreach (var file in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            var root = roots.FirstOrDefault(r => file.Path.StartsWith(r + "/", StringComparison.Ordinal));
            if (root is not null)
            {
                var relative = file.Path[(root.Length + 1)..];
                byRoot[root].Add(new FolderFile(relative, file.Text, file.Text is null ? "the file could not be read" : null));
            }
        }
        return [.. byRoot.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new IntegrationFolder(kv.Key, kv.Key[(kv.Key.LastIndexOf('/') + 1)..], [.. kv.Value]))];
    }
}
