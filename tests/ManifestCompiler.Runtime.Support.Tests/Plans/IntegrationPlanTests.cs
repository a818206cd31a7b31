using System.Text.Json;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime.Support.Tests.Plans;

/// <summary>What a host reads of a compiled BOSSi folder: its actions by name, the authorization URL, who may trigger what.</summary>
public sealed class IntegrationPlanTests
{
    private sealed class Plan(params string[] actions) : IntegrationPlan
    {
        public override string Name => "quickbooks";

        public override OAuthPlan OAuth => throw new NotSupportedException();

        public override SchemaPlan Schema => throw new NotSupportedException();

        public override IReadOnlyList<ActionPlan> Actions { get; } = actions.Select((a, i) => new ActionPlan
        {
            Name = a,
            SkipParser = i % 2 == 1,
            ReturnsData = false,
            RateLimit = null,
            Steps = [],
            Mapper = null,
        }).ToArray();

        public override UserTypesPlan? UserTypes => null;

        public override WebhookRouterPlan? Webhook => null;

        public override IReadOnlyList<string> Assets => [];
    }

    [Fact]
    public void An_action_is_found_by_its_exact_name()
    {
        var plan = new Plan("sync_invoices", "create_customer", "sync");
        Assert.Same(plan.Actions[1], plan.FindAction("create_customer"));
        Assert.Same(plan.Actions[2], plan.FindAction("sync"));
        Assert.Same(plan.Actions[0], plan.FindAction("sync_invoices"));
        Assert.Null(plan.FindAction("Sync"));
        Assert.Null(plan.FindAction("sync_"));
        Assert.Null(plan.FindAction(""));
        Assert.Null(new Plan().FindAction("sync"));
    }

    [Fact]
    public void A_plan_prints_as_its_instances_bundle_name() => Assert.Equal("tech.boss.quickbooks", new Plan().ToString());

    private static TemplatePlan Template(string source, string variable) => new(
        source,
        scope => source.Replace("{{" + variable + "}}", scope.Lookup([variable]).ToText(), StringComparison.Ordinal),
        [variable]);

    private static OAuthPlan OAuth(TemplatePlan? url, params NamedTemplatePlan[] parameters) => new()
    {
        Name = "quickbooks",
        Services = [],
        IsNonOauth = url is null,
        GenerateWebhook = false,
        Url = url,
        ClientId = null,
        ClientSecret = null,
        TokenUrl = null,
        Parameters = parameters,
        Tokens = [],
        RequiredQueryParams = [],
        TriggerSteps = [],
    };

    private static readonly TemplateScope Scope = TemplateScope.FromObject(JsonDocument.Parse(
        """{"host":"appcenter.intuit.com","redirect":"https://app.example/cb?x=1","scope":"a b&c=é/+~-_."}""").RootElement);

    [Fact]
    public void The_authorization_url_appends_each_rendered_parameter_percent_encoded()
    {
        var oauth = OAuth(
            Template("https://{{host}}/connect/oauth2", "host"),
            new NamedTemplatePlan { Name = "redirect_uri", Value = Template("{{redirect}}", "redirect") },
            new NamedTemplatePlan { Name = "scope", Value = Template("{{scope}}", "scope") },
            new NamedTemplatePlan { Name = "state id", Value = TemplatePlan.Constant("1") });
        // The encoding is RFC 3986's unreserved set, as Python's urllib.parse.quote(value, safe='') gives it.
        Assert.Equal(
            "https://appcenter.intuit.com/connect/oauth2?redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1&scope=a%20b%26c%3D%C3%A9%2F%2B~-_.&state%20id=1",
            oauth.AuthorizationUrl(Scope));
    }

    [Fact]
    public void The_parameters_follow_a_query_the_url_already_has()
    {
        var oauth = OAuth(
            TemplatePlan.Constant("https://example.com/authorize?response_type=code"),
            new NamedTemplatePlan { Name = "client_id", Value = TemplatePlan.Constant("abc") },
            new NamedTemplatePlan { Name = "scope", Value = TemplatePlan.Constant("read") });
        Assert.Equal("https://example.com/authorize?response_type=code&client_id=abc&scope=read", oauth.AuthorizationUrl(Scope));
        // A '?' that a variable renders counts too: the URL is looked at after rendering.
        Assert.Equal(
            "https://app.example/cb?x=1&client_id=abc",
            OAuth(Template("{{redirect}}", "redirect"), new NamedTemplatePlan { Name = "client_id", Value = TemplatePlan.Constant("abc") }).AuthorizationUrl(Scope));
    }

    [Fact]
    public void Without_parameters_the_url_is_as_rendered_and_without_a_url_there_is_none()
    {
        Assert.Equal("https://appcenter.intuit.com/connect/oauth2", OAuth(Template("https://{{host}}/connect/oauth2", "host")).AuthorizationUrl(Scope));
        Assert.Null(OAuth(null, new NamedTemplatePlan { Name = "client_id", Value = TemplatePlan.Constant("abc") }).AuthorizationUrl(Scope));
    }

    [Fact]
    public void Usertypes_allow_a_roles_listed_actions_and_everything_to_owners()
    {
        var userTypes = new UserTypesPlan
        {
            Roles = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
            {
                ["accountant"] = ["sync_invoices", "create_customer"],
                ["viewer"] = [],
            },
        };
        Assert.True(userTypes.Allows("accountant", "sync_invoices", isOwner: false));
        Assert.True(userTypes.Allows("accountant", "create_customer", isOwner: false));
        Assert.False(userTypes.Allows("accountant", "delete_customer", isOwner: false));
        Assert.False(userTypes.Allows("accountant", "Sync_invoices", isOwner: false));
        Assert.False(userTypes.Allows("viewer", "sync_invoices", isOwner: false));
        Assert.False(userTypes.Allows("admin", "sync_invoices", isOwner: false));
        Assert.True(userTypes.Allows("viewer", "sync_invoices", isOwner: true));
        Assert.True(userTypes.Allows("admin", "delete_customer", isOwner: true));
    }
}
