using System.Collections.Immutable;
using ManifestCompiler.Emit;
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
            .Select((ir, _) => ir is null ? EquatableArray<GeneratedSource>.Empty : PlanSources.For(ir))
            .WithTrackingName(Steps.Emit);

        context.RegisterSourceOutput(sources, (output, generated) =>
        {
            foreach (var source in generated)
            {
                output.AddSource(source.HintName, source.Text);
            }
        });
    }
}

/// <summary>An additional file as the pipeline sees it: path and text only (equatable, no Roslyn objects kept).</summary>
public sealed record InputFile(string Path, string? Text)
{
    /// <summary>The file with a '/'-separated path, so folder grouping and diagnostics agree on every OS.</summary>
    public static InputFile From(AdditionalText text, CancellationToken cancellationToken) =>
        new(text.Path.Replace('\\', '/'), text.GetText(cancellationToken)?.ToString());
}

/// <summary>One generated file.</summary>
public sealed record GeneratedSource(string HintName, string Text);

/// <summary>The sources generated for one integration.</summary>
internal static class PlanSources
{
    public static EquatableArray<GeneratedSource> For(IntegrationIR integration)
    {
        var ns = "ManifestCompiler.Generated." + Naming.Pascal(integration.Name);
        var sources = ImmutableArray.CreateBuilder<GeneratedSource>();
        foreach (var action in integration.Actions)
        {
            if (action.Mapping is { } mapping)
            {
                sources.Add(new GeneratedSource($"{Naming.Pascal(integration.Name)}.{Naming.Pascal(action.Name)}.Mapper.g.cs", FieldMappingEmitter.Emit(ns, action.Name, mapping)));
            }
        }
        return new EquatableArray<GeneratedSource>(sources.ToImmutable());
    }
}

/// <summary>
/// Which additional files form which integration folder: a folder with <c>oauth.json</c>, or with a
/// <c>schema.json</c> that is not an action's (<c>action/&lt;name&gt;/schema.json</c>), is an integration; every file
/// below it belongs to the innermost such folder.
/// </summary>
internal static class IntegrationFolders
{
    public static ImmutableArray<IntegrationFolder> Group(ImmutableArray<InputFile> files)
    {
        var roots = files
            .Select(f => f.Path)
            .Where(IsRootMarker)
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

    private static bool IsRootMarker(string path)
    {
        var slash = path.LastIndexOf('/');
        if (slash < 0)
        {
            return false;
        }
        var name = path[(slash + 1)..];
        if (name == "oauth.json")
        {
            return true;
        }
        if (name != "schema.json")
        {
            return false;
        }
        // action/<name>/schema.json is an action's field mapping, not an integration's schema.
        var parent = path[..slash];
        var grandparent = parent.LastIndexOf('/') is var i and >= 0 ? parent[..i] : "";
        return !(grandparent.EndsWith("/action", StringComparison.Ordinal) || grandparent == "action");
    }
}
