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
    /// <summary>
    /// Creates every registered plan. A registered type is checked to be a concrete <see cref="IntegrationPlan"/> or
    /// <see cref="ChiefOnboardingPlan"/> before anything of it runs: a registration of any other type never gets its
    /// constructor called.
    /// </summary>
    public static PlanCatalog Load(Assembly assembly)
    {
        var integrations = new List<IntegrationPlan>();
        var manifests = new List<ChiefOnboardingPlan>();
        foreach (var attribute in assembly.GetCustomAttributes<ManifestPlanAttribute>())
        {
            var type = attribute.PlanType;
            if (type.IsAbstract || type.ContainsGenericParameters || !(typeof(IntegrationPlan).IsAssignableFrom(type) || typeof(ChiefOnboardingPlan).IsAssignableFrom(type)))
            {
                throw new InvalidOperationException($"{type} is registered as a plan but is not a concrete IntegrationPlan or ChiefOnboardingPlan");
            }
            switch (Activator.CreateInstance(type))
            {
                case IntegrationPlan integration:
                    integrations.Add(integration);
                    break;
                case ChiefOnboardingPlan manifest:
                    manifests.Add(manifest);
                    break;
            }
        }
        return new PlanCatalog(integrations, manifests);
    }
}
