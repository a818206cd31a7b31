using System.Reflection;
using System.Reflection.Emit;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Runtime.Support.Tests.Plans;

[assembly: ManifestPlan(typeof(PlanCatalogTests.RegisteredIntegration))]
[assembly: ManifestPlan(typeof(PlanCatalogTests.RegisteredManifest))]
[assembly: ManifestPlan(typeof(PlanCatalogTests.SecondIntegration))]

namespace ManifestCompiler.Runtime.Support.Tests.Plans;

/// <summary>How a host finds the compiled plans in an assembly: each registered type, made once, or a clear error for a registration that is no plan.</summary>
public sealed class PlanCatalogTests
{
    public class RegisteredIntegration : IntegrationPlan
    {
        public override string Name => "quickbooks";

        public override OAuthPlan OAuth => throw new NotSupportedException();

        public override SchemaPlan Schema => throw new NotSupportedException();

        public override IReadOnlyList<ActionPlan> Actions => [];

        public override UserTypesPlan? UserTypes => null;

        public override WebhookRouterPlan? Webhook => null;

        public override IReadOnlyList<string> Assets => [];
    }

    public sealed class SecondIntegration : RegisteredIntegration
    {
        public override string Name => "stripe";
    }

    public sealed class RegisteredManifest : ChiefOnboardingPlan
    {
        public override string Name => "slack_account";

        public override ManifestKind Kind => ManifestKind.Webhook;

        public override IReadOnlyList<FormItemPlan> Form => [];

        public override RequestPlan? Exists => null;

        public override IReadOnlyList<RequestPlan> Revoke => [];

        public override IReadOnlyList<RequestPlan> Execute => [];

        public override IReadOnlyList<HeaderPlan> Headers => [];

        public override OAuthFlowPlan? OAuth => null;

        public override IReadOnlyList<InitialDataItemPlan> InitialDataForm => [];

        public override IReadOnlyList<UserInfoItemPlan> ExtraUserInfo => [];

        public override IReadOnlyList<NotificationPlan> PostExecuteNotifications => [];

        public override SyncUsersPlan? Sync => null;
    }

    public class Generic<T> : RegisteredIntegration;

    [Fact]
    public void Each_registered_plan_is_loaded_by_its_kind_in_registration_order()
    {
        var catalog = PlanCatalog.Load(typeof(PlanCatalogTests).Assembly);
        Assert.Equal(["tech.boss.quickbooks", "tech.boss.stripe"], catalog.Integrations.Select(p => p.ToString()));
        Assert.IsType<RegisteredIntegration>(catalog.Integrations[0]);
        Assert.Equal(["slack_account"], catalog.Manifests.Select(p => p.ToString()));
    }

    [Fact]
    public void An_assembly_without_plans_has_an_empty_catalog()
    {
        var catalog = PlanCatalog.Load(typeof(PlanCatalog).Assembly);
        Assert.Empty(catalog.Integrations);
        Assert.Empty(catalog.Manifests);
    }

    /// <summary>An assembly (built in memory) registering <paramref name="type"/> as its one plan.</summary>
    private static Assembly Registering(Type type)
    {
        var assembly = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("Plans" + Guid.NewGuid().ToString("N")), AssemblyBuilderAccess.Run);
        assembly.SetCustomAttribute(new CustomAttributeBuilder(typeof(ManifestPlanAttribute).GetConstructor([typeof(Type)])!, [type]));
        return assembly;
    }

    [Theory]
    [InlineData(typeof(IntegrationPlan))] // abstract
    [InlineData(typeof(ChiefOnboardingPlan))]
    [InlineData(typeof(string))] // no plan at all
    [InlineData(typeof(Generic<>))] // open generic
    public void A_registration_that_is_no_concrete_plan_is_a_clear_error(Type type)
    {
        var error = Assert.Throws<InvalidOperationException>(() => PlanCatalog.Load(Registering(type)));
        Assert.Equal($"{type} is registered as a plan but is not a concrete IntegrationPlan or ChiefOnboardingPlan", error.Message);
    }

    [Fact]
    public void A_concrete_plan_registered_in_another_assembly_loads()
    {
        var catalog = PlanCatalog.Load(Registering(typeof(RegisteredManifest)));
        Assert.Empty(catalog.Integrations);
        Assert.IsType<RegisteredManifest>(Assert.Single(catalog.Manifests));
        Assert.Equal(typeof(RegisteredManifest), new ManifestPlanAttribute(typeof(RegisteredManifest)).PlanType);
    }
}
