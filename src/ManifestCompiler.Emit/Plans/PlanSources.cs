using System.Collections.Immutable;
using ManifestCompiler.IR;

namespace ManifestCompiler.Emit.Plans;

/// <summary>One generated file.</summary>
public sealed record GeneratedSource(string HintName, string Text);

/// <summary>
/// Which files the plans of compiled integrations and manifests are: the source generator and <c>mfc build</c>
/// both take them from here, so an assembly built either way holds the same code.
/// </summary>
public static class PlanSources
{
    /// <summary>An integration's plan and one record-and-mapper file per action with a field mapping.</summary>
    public static EquatableArray<GeneratedSource> ForIntegration(IntegrationIR integration)
    {
        var prefix = Naming.Pascal(integration.Name);
        var ns = IntegrationPlanEmitter.Namespace(integration);
        var sources = ImmutableArray.CreateBuilder<GeneratedSource>();
        sources.Add(new GeneratedSource($"{prefix}.Plan.g.cs", IntegrationPlanEmitter.Emit(integration)));
        foreach (var action in integration.Actions)
        {
            if (action.Mapping is { } mapping)
            {
                sources.Add(new GeneratedSource($"{prefix}.{Naming.Pascal(action.Name)}.Mapper.g.cs", FieldMappingEmitter.Emit(ns, action.Name, mapping)));
            }
        }
        return new EquatableArray<GeneratedSource>(sources.ToImmutable());
    }

    /// <summary>A manifest's plan, with the class name <see cref="ChiefOnboardingPlanEmitter.ClassNames"/> gave it.</summary>
    public static GeneratedSource ForManifest(ChiefOnboardingManifestIR manifest, string className) =>
        new(className + ".g.cs", ChiefOnboardingPlanEmitter.Emit(manifest, className));

    /// <summary>Every file of a set of error-free integrations and manifests (manifests named in the order given).</summary>
    public static IReadOnlyList<GeneratedSource> ForAll(IEnumerable<IntegrationIR> integrations, IReadOnlyList<ChiefOnboardingManifestIR> manifests)
    {
        var sources = integrations.SelectMany(i => ForIntegration(i)).ToList();
        var names = ChiefOnboardingPlanEmitter.ClassNames(manifests.Select(m => m.Name));
        sources.AddRange(manifests.Select((m, i) => ForManifest(m, names[i])));
        return sources;
    }
}
