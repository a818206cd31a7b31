using System.Text.Json;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime.Support.Tests.Plans;

/// <summary>What a host reads of a compiled ChiefOnboarding manifest: a request's headers, and the values its dot paths find (or why not).</summary>
public sealed class ChiefOnboardingPlanTests
{
    private static readonly HeaderPlan ManifestHeader = new() { Name = TemplatePlan.Constant("Authorization"), Value = TemplatePlan.Constant("Bearer {{TOKEN}}") };
    private static readonly HeaderPlan RequestHeader = new() { Name = TemplatePlan.Constant("Accept"), Value = TemplatePlan.Constant("text/csv") };

    private sealed class Manifest : ChiefOnboardingPlan
    {
        public override string Name => "slack_account";

        public override ManifestKind Kind => ManifestKind.Webhook;

        public override IReadOnlyList<FormItemPlan> Form => [];

        public override RequestPlan? Exists => null;

        public override IReadOnlyList<RequestPlan> Revoke => [];

        public override IReadOnlyList<RequestPlan> Execute => [];

        public override IReadOnlyList<HeaderPlan> Headers { get; } = [ManifestHeader];

        public override OAuthFlowPlan? OAuth => null;

        public override IReadOnlyList<InitialDataItemPlan> InitialDataForm => [];

        public override IReadOnlyList<UserInfoItemPlan> ExtraUserInfo => [];

        public override IReadOnlyList<NotificationPlan> PostExecuteNotifications => [];

        public override SyncUsersPlan? Sync => null;
    }

    private static RequestPlan Request(IReadOnlyList<HeaderPlan>? headers) => new()
    {
        Url = TemplatePlan.Constant("https://slack.com/api/users.admin.invite"),
        Method = "POST",
        Data = null,
        FormEncodeData = false,
        Headers = headers,
        StoreData = [],
        ContinueIf = null,
        Polling = null,
        SaveAsFile = null,
        Files = [],
        StatusCodes = [],
        Expected = null,
        ExtraHeaders = null,
    };

    [Fact]
    public void A_request_sends_its_own_headers_or_else_the_manifests()
    {
        var manifest = new Manifest();
        Assert.Equal([ManifestHeader], manifest.HeadersFor(Request(null)));
        Assert.Equal([RequestHeader], manifest.HeadersFor(Request([RequestHeader])));
        // Its own headers replace the manifest's entirely, even when there are none.
        Assert.Empty(manifest.HeadersFor(Request([])));
    }

    [Fact]
    public void A_manifest_prints_as_its_name() => Assert.Equal("slack_account", new Manifest().ToString());

    private static DotPathPlan Path(string source) => new() { Source = source, Segments = source.Length == 0 ? [] : source.Split('.') };

    private static readonly JsonElement Response = JsonDocument.Parse(
        """{"ok":true,"data":{"items":[{"id":"U1"},{"id":"U2"},{"id":"U3"}],"count":3,"name":"team","none":null,"flag":false,"empty":[]},"data.items":"dotted"}""").RootElement;

    [Theory]
    [InlineData("", """{"ok":true,"data":{"items":[{"id":"U1"},{"id":"U2"},{"id":"U3"}],"count":3,"name":"team","none":null,"flag":false,"empty":[]},"data.items":"dotted"}""")]
    [InlineData("ok", "true")]
    [InlineData("data.count", "3")]
    [InlineData("data.none", "null")]
    [InlineData("data.items.0.id", "\"U1\"")]
    [InlineData("data.items.2.id", "\"U3\"")]
    [InlineData("data.items.-1.id", "\"U3\"")] // int('-1'): from the end, as Python indexes
    [InlineData("data.items.-3.id", "\"U1\"")]
    [InlineData("data.items.+1.id", "\"U2\"")] // int() of each of these (CPython 3.11) is an index
    [InlineData("data.items. 1 .id", "\"U2\"")]
    [InlineData("data.items.0_1.id", "\"U2\"")]
    [InlineData("data.items.０.id", "\"U1\"")] // a fullwidth digit: int('０') == 0
    public void A_dot_path_finds_the_value_as_chiefonboarding_does(string path, string json)
    {
        Assert.True(Path(path).TryEvaluate(Response, out var result, out var failure));
        Assert.Null(failure);
        Assert.Equal(json, result.GetRawText());
    }

    [Theory]
    [InlineData("missing", "no key 'missing'")]
    [InlineData("data.Items", "no key 'Items'")]
    [InlineData("data.items.3", "index 3 is out of range for a list of 3")]
    [InlineData("data.items.-4", "index -4 is out of range for a list of 3")]
    [InlineData("data.empty.0", "index 0 is out of range for a list of 0")]
    [InlineData("data.empty.-1", "index -1 is out of range for a list of 0")]
    [InlineData("data.items.id", "'id' is not a list index")]
    [InlineData("data.items.1.0", "no key '0'")]
    [InlineData("data.items.1__0", "'1__0' is not a list index")]
    [InlineData("data.items.", "'' is not a list index")]
    [InlineData("data.items.1.5", "no key '5'")]
    [InlineData("data.name.0", "cannot look up '0' in a string")]
    [InlineData("data.count.x", "cannot look up 'x' in a number")]
    [InlineData("ok.x", "cannot look up 'x' in a boolean")]
    [InlineData("data.flag.x", "cannot look up 'x' in a boolean")]
    [InlineData("data.none.x", "cannot look up 'x' in null")]
    public void A_dot_path_that_finds_nothing_says_why(string path, string failure)
    {
        Assert.False(Path(path).TryEvaluate(Response, out _, out var reason));
        Assert.Equal(failure, reason);
    }

    [Fact]
    public void A_dot_path_prints_as_written() => Assert.Equal("data.items.0.id", Path("data.items.0.id").ToString());
}
