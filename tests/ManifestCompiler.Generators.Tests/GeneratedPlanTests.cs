using System.Collections.Immutable;
using System.Reflection;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Runtime.Support.Templates;
using ManifestCompiler.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ManifestCompiler.Generators.Tests;

/// <summary>The plans the generator writes for the samples, compiled and loaded as a host would load them.</summary>
public sealed class GeneratedPlanTests
{
    private static readonly Lazy<PlanCatalog> Catalog = new(() =>
    {
        var files = RepositoryPaths.SampleInputFiles()
            .Select(f => (AdditionalText)new FileText(f, File.ReadAllText(f)))
            .ToImmutableArray();
        CSharpGeneratorDriver.Create([new ManifestGenerator().AsSourceGenerator()], files)
            .RunGeneratorsAndUpdateCompilation(Conformance.InMemoryCompiler.CreateCompilation("SamplePlans", []), out var output, out _);
        using var image = new MemoryStream();
        var emitted = output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return PlanCatalog.Load(Assembly.Load(image.ToArray()));
    });

    private static IntegrationPlan Integration(string name) => Catalog.Value.Integrations.Single(p => p.Name == name);

    private static ChiefOnboardingPlan Manifest(string name) => Catalog.Value.Manifests.Single(p => p.Name == name);

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void The_assembly_registers_every_sample_plan()
    {
        Assert.Equal(["northwind-crm", "quickbooks", "stripe"], Catalog.Value.Integrations.Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["asana-add-user", "bamboohr-import", "bamboohr-sync-update", "google-paginated-import", "pandadoc-polling"], Catalog.Value.Manifests.Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Actions_carry_their_flags_steps_and_mappers()
    {
        var quickbooks = Integration("quickbooks");
        Assert.Equal(["quickbooks-sync-v1", "invoices-post-v1", "get-profit-and-loss-v1", "delete-integrations-v1"], quickbooks.Actions.Select(a => a.Name));
        var invoices = quickbooks.FindAction("invoices-post-v1")!;
        Assert.False(invoices.SkipParser);
        Assert.StartsWith("def main(storage):", invoices.Steps.Single().Source, StringComparison.Ordinal);
        var mapped = invoices.Mapper!.Map(Json("""{"Id": "42", "DocNumber": "1001", "TotalAmt": 12.5, "Balance": 0, "TxnDate": "2024-01-31", "CustomerRef": {"value": "7", "name": "Ada"}}"""));
        Assert.True(mapped.Succeeded, string.Join("; ", mapped.Errors));
        Assert.Equal(invoices.Mapper.RecordType, mapped.Record!.GetType());

        var missing = invoices.Mapper.Map(Json("{}"));
        Assert.False(missing.Succeeded);
        Assert.Contains(missing.Errors, e => e.Path.StartsWith("$.", StringComparison.Ordinal));

        var sync = quickbooks.FindAction("quickbooks-sync-v1")!;
        Assert.Contains(sync.Steps.SelectMany(s => s.Calls), c => c is { Kind: ActionCallKind.SendToTrigger, Action: "invoices-post-v1" });
        Assert.Equal(new RateLimitPlan { Limit = 100, PeriodSeconds = 1 }, Integration("stripe").FindAction("sync-payments-v1")!.RateLimit);
        Assert.Equal(["fetch-payment", "shape-payment"], Integration("stripe").FindAction("payment-succeeded-v1")!.Steps.Select(s => s.CodeRef));
    }

    [Fact]
    public void OAuth_schema_and_usertypes_are_compiled()
    {
        var quickbooks = Integration("quickbooks");
        var scope = TemplateScope.FromObject(Json("""{"generic_callback": "https://boss.example/cb?x=1", "company_id": "c-9"}"""));
        var url = quickbooks.OAuth.AuthorizationUrl(scope)!;
        Assert.StartsWith("https://appcenter.intuit.com/connect/oauth2?client_id=ABc123ClientId&response_type=code", url, StringComparison.Ordinal);
        Assert.Contains("&redirect_uri=https%3A%2F%2Fboss.example%2Fcb%3Fx%3D1&state=c-9", url, StringComparison.Ordinal);
        Assert.Empty(scope.Missing);
        Assert.Equal(["realmId", "x_refresh_token_expires_in", "access_token", "refresh_token"], quickbooks.OAuth.Tokens.Select(t => t.Name));

        var stripe = Integration("stripe");
        var security = stripe.Schema.Security!;
        var tokens = TemplateScope.FromObject(Json("""{"apiKey": "sk_test_1"}"""));
        Assert.Equal("sk_test_1", security.Token!.Render(tokens));
        var noToken = TemplateScope.FromObject(Json("{}"));
        Assert.Equal("", security.Token.Render(noToken));
        Assert.Equal(["apiKey"], noToken.Missing);
        Assert.Equal("https://api.stripe.com/v1", stripe.Schema.Variables.Single(v => v.Name == "baseUrl").Value.Render(noToken));

        Assert.True(quickbooks.UserTypes!.Allows("employee", "get-profit-and-loss-v1", isOwner: false));
        Assert.False(quickbooks.UserTypes.Allows("employee", "quickbooks-sync-v1", isOwner: false));
        Assert.True(quickbooks.UserTypes.Allows("standardNoAccess", "quickbooks-sync-v1", isOwner: true));
        Assert.Equal("delete-integrations-v1", quickbooks.Schema.DeleteAction!.Action);
    }

    [Fact]
    public void The_webhook_router_validates_then_runs_each_step()
    {
        var router = Integration("stripe").Webhook!;
        var rejected = router.Route(Json("""{"type": "x"}"""), Json("{}"));
        Assert.False(rejected.Accepted);
        Assert.Equal(["data"], rejected.MissingBodyKeys);
        Assert.Empty(rejected.MissingHeaders);

        var headers = Json("""{"stripe-signature": "t=1"}""");
        var paid = router.Route(Json("""{"type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1", "amount": 1999, "currency": "eur"}}}"""), headers);
        Assert.True(paid.Accepted);
        Assert.Empty(paid.Errors);
        Assert.Equal(["payment-succeeded-v1", "sync-payments-v1"], paid.Dispatches.Select(d => d.Action));
        using var payload = JsonDocument.Parse(paid.Dispatches[0].Payload);
        Assert.Equal("pi_1", payload.RootElement.GetProperty("payment_intent").GetString());
        Assert.Equal("19.99", payload.RootElement.GetProperty("amount").GetString());
        Assert.Equal("pi_1: 19.99 EUR", payload.RootElement.GetProperty("label").GetString());
        Assert.Equal("payment_intent.succeeded", payload.RootElement.GetProperty("event").GetString());

        // A memory value that raises is that step's error; the steps after it still run.
        var broken = router.Route(Json("""{"type": "payment_intent.succeeded", "data": {"object": {}}}"""), headers);
        var error = Assert.Single(broken.Errors);
        Assert.Equal((0, "KeyError"), (error.Step, error.ExceptionClass));
        Assert.Equal(["sync-payments-v1"], broken.Dispatches.Select(d => d.Action));

        var customer = router.Route(Json("""{"type": "customer.updated", "data": {"object": {"id": "cus_7"}}}"""), headers);
        Assert.Equal(["customers-post-v1", "sync-payments-v1"], customer.Dispatches.Select(d => d.Action));
        Assert.Equal("""{"body":{"customer_id":"cus_7"}}""", customer.Dispatches[0].Payload);

        // A body string goes into a payload from the document's UTF-8 when it has no escapes (TemplateRuntime.WriteText),
        // decoded when it has; either way escaped exactly as the string itself would be.
        foreach (var type in new[] { "caf\u00e9 \u2615 \ud83d\ude00 <&'>+", "tab\t \"q\" \\ \u00e9 \ud83d\ude00 \u0001" })
        {
            var bodyText = """{"type": """ + JsonSerializer.Serialize(type, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + """, "data": {}}""";
            var other = router.Route(Json(bodyText), headers);
            Assert.Equal("""{"resource":"customers","reason":""" + JsonSerializer.Serialize(type) + "}", Assert.Single(other.Dispatches).Payload);
        }
    }

    [Fact]
    public void The_webhook_router_reads_members_as_json_loads_does()
    {
        var router = Integration("stripe").Webhook!;
        var headers = Json("""{"stripe-signature": "t=1"}""");

        // Duplicate keys: the last wins, at every level (validation, condition holes, subscripts, payload holes).
        var duplicated = router.Route(Json("""{"type": "customer.updated", "data": {"object": {"id": "pi_1", "amount": 5, "id": "pi_2", "currency": "eur"}}, "type": "payment_intent.succeeded"}"""), headers);
        Assert.Equal(["payment-succeeded-v1", "sync-payments-v1"], duplicated.Dispatches.Select(d => d.Action));
        Assert.Equal("""{"payment_intent":"pi_2","amount":"0.05","label":"pi_2: 0.05 EUR","event":"payment_intent.succeeded"}""", duplicated.Dispatches[0].Payload);

        // Escaped member names are the names they spell.
        var escaped = router.Route(Json("""{"\u0074ype": "customer.updated", "d\u0061ta": {"object": {"\u0069d": "cus_9"}}}"""), headers);
        Assert.True(escaped.Accepted);
        Assert.Equal("""{"body":{"customer_id":"cus_9"}}""", escaped.Dispatches[0].Payload);

        // A member whose name is an escaped lone surrogate does not hide the others (System.Text.Json's own lookup
        // throws on it; the router then compares names decoded).
        var surrogate = router.Route(Json("""{"\ud800": 1, "type": "customer.created", "data": {"object": {"id": "cus_8"}, "\udc00x": 2}}"""), headers);
        Assert.Empty(surrogate.Errors);
        Assert.Equal(["customers-post-v1", "sync-payments-v1"], surrogate.Dispatches.Select(d => d.Action));
        Assert.Equal("""{"body":{"customer_id":"cus_8"}}""", surrogate.Dispatches[0].Payload);
        var missing = router.Route(Json("""{"\ud800": 1, "type": "x"}"""), headers);
        Assert.Equal(["data"], missing.MissingBodyKeys);
    }

    [Fact]
    public void Each_webhook_carries_its_signature_with_the_secret_as_a_compiled_template()
    {
        var stripe = Integration("stripe").Webhook!.Signature!;
        Assert.Equal(("Stripe-Signature", WebhookSignatureScheme.Stripe, 300), (stripe.Header, stripe.Scheme, stripe.ToleranceSeconds));
        Assert.Equal(["webhookSecret"], stripe.Secret.Variables);
        Assert.Equal("whsec_test_1", stripe.Secret.Render(TemplateScope.FromObject(Json("""{"apiKey": "sk_1", "webhookSecret": "whsec_test_1"}"""))));

        var intuit = Integration("quickbooks").Webhook!.Signature!;
        Assert.Equal(("intuit-signature", WebhookSignatureScheme.HmacSha256Base64), (intuit.Header, intuit.Scheme));
        Assert.Equal(["webhookVerifierToken"], intuit.Secret.Variables);

        var northwind = Integration("northwind-crm").Webhook!.Signature!;
        Assert.Equal(("X-Northwind-Signature", WebhookSignatureScheme.HmacSha256Hex), (northwind.Header, northwind.Scheme));
    }

    [Fact]
    public void ChiefOnboarding_requests_render_with_their_headers_and_extractors()
    {
        var asana = Manifest("asana-add-user");
        Assert.Equal(ManifestKind.Webhook, asana.Kind);
        var first = asana.Execute[0];
        var scope = new TemplateScope(TemplateRuntime.FromObject(Json("""{"ORG": "o1", "email": "ada@example.com", "TEAM_ID": "t<1>"}""")), htmlEscape: true);
        Assert.Equal("https://app.asana.com/api/1.0/workspaces/o1/addUser", first.Url.Render(scope));
        Assert.Equal("""{"data":{"user":"ada@example.com"}}""", first.Data!.Render(scope));
        Assert.Same(asana.Headers, asana.HeadersFor(first));
        Assert.Equal("https://app.asana.com/api/1.0/teams/t&lt;1&gt;/addUser", asana.Execute[1].Url.Render(scope));

        var store = Assert.Single(first.StoreData);
        Assert.True(store.Path.TryEvaluate(Json("""{"data": {"gid": "g-1"}}"""), out var gid, out _));
        Assert.Equal(("ASANA_USER_GID", "g-1"), (store.Property, gid.GetString()));
        Assert.Equal(new PollingPlan { IntervalSeconds = 5, Amount = 6 }, asana.Execute[2].Polling);
        Assert.Equal("data.status", asana.Execute[2].ContinueIf!.ResponseNotation.Source);

        var import = Manifest("bamboohr-import");
        Assert.Equal(ManifestKind.SyncUsers, import.Kind);
        Assert.Equal(PaginationMode.NextPageUrl, import.Sync!.Pagination.Mode);
        Assert.NotEmpty(import.Sync.DataStructure);
    }

    [Fact]
    public void Manifests_of_one_name_in_two_folders_get_distinct_classes()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "chiefonboarding", "asana-add-user.json"));
        ImmutableArray<AdditionalText> files = [new FileText("/a/asana-add-user.json", text), new FileText("/b/asana-add-user.json", text)];
        var driver = CSharpGeneratorDriver.Create([new ManifestGenerator().AsSourceGenerator()], files)
            .RunGeneratorsAndUpdateCompilation(Conformance.InMemoryCompiler.CreateCompilation("TwoManifests", []), out var output, out _);
        Assert.Equal(["AsanaAddUserManifest.g.cs", "AsanaAddUserManifest2.g.cs"], driver.GetRunResult().GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)).Order(StringComparer.Ordinal));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }
}
