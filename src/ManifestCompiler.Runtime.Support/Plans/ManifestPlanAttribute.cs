using System.Reflection;

namespace ManifestCompiler.Runtime.Support.Plans;

/// <summary>
/// Names one compiled plan of the assembly (an <see cref="IntegrationPlan"/> or a <see cref="ChiefOnboardingPlan"/>).
/// The generator writes one per plan, so a host discovers every plan from the assembly's attributes, without
/// scanning types by name.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class ManifestPlanAttribute(Type planType) : Attribute
{
    public Type PlanType { get; } = planType;
}

/// <summary>The plans an assembly registers.</summary>
public sealed record PlanCatalog(IReadOnlyList<IntegrationPlan> Integrations, IReadOnlyList<ChiefOnboardingPlan> Manifests)
{
    public static PlanCatalog Load(Assembly assembly)
    {
        var integrations = new List<IntegrationPlan>();
        var manifests = new List<ChiefOnboardingPlan>();
        foreach (var attribute in assembly.GetCustomAttributes<ManifestPlanAttribute>())
        {
            switch (Activator.CreateInstance(attribute.PlanType))
            {
                case IntegrationPlan integration:
                    integrations.Add(integration);
                    break;
                case ChiefOnboardingPlan manifest:
                    manifests.Add(manifest);
                    break;
                default:
                    throw new InvalidOperationException($"{attribute.PlanType} is registered as a plan but is neither an IntegrationPlan nor a ChiefOnboardingPlan");
            }
        }
        return new PlanCatalog(integrations, manifests);
    }
}
