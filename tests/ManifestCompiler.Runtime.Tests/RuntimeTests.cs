using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Testing;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>The samples' plans, built as a build pipeline builds them (mfc build's code path), loaded once.</summary>
internal static class SamplePlans
{
    private static readonly Lazy<PlanCatalog> Bossi = new(() => Build("bossi", "RuntimeTestPlans"));
    private static readonly Lazy<PlanCatalog> Manifests = new(() => Build("chiefonboarding", "ChiefOnboardingTestPlans"));

    /// <summary>The BOSSi samples.</summary>
    public static PlanCatalog Value => Bossi.Value;

    /// <summary>The ChiefOnboarding samples.</summary>
    public static PlanCatalog ChiefOnboarding => Manifests.Value;

    private static PlanCatalog Build(string samples, string assemblyName)
    {
        var workspace = ManifestWorkspace.Load([Path.Combine(RepositoryPaths.Root, "samples", samples)]);
        var built = PlanAssemblyBuilder.Build(workspace, assemblyName);
        Assert.True(built.Succeeded, string.Join("\n", built.Diagnostics.Select(d => d.ToString()).Concat(built.CompilerErrors)));
        return PlanCatalog.Load(Assembly.Load(built.Image!));
    }
}

/// <summary>One worker pool for the class: real python3 under bubblewrap.</summary>
public sealed class PoolFixture : IAsyncLifetime
{
    public PythonWorkerPool Pool { get; private set; } = null!;

    public async Task InitializeAsync() => Pool = await PythonWorkerPool.StartAsync(new PythonWorkerPoolOptions { MaxWorkers = 2, RunTimeout = TimeSpan.FromSeconds(20) });

    public async Task DisposeAsync() => await Pool.DisposeAsync();
}

public sealed class RuntimeTests(PoolFixture fixture) : IClassFixture<PoolFixture>, IAsyncLifetime
{
    private const string AccessToken = "qb-access-7f3c9a";
    private const string RefreshToken = "qb-refresh-51d0e2";
    private const string StripeKey = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

    private readonly ThirdPartyApis _apis = new();
    private readonly InMemoryInstanceStore _instances = new();
    private readonly InMemoryRunQueue _queue = new();
    private readonly InMemoryRecordSink _records = new();
    private readonly DebugEventLog _events = new();
    private readonly OutboundRoutes _routes = new();
    private ManifestRuntime _runtime = null!;

    public async Task InitializeAsync()
    {
        await _apis.InitializeAsync();
        var routes = _routes;
        Assert.Null(OutboundRoutes.TryAdd(routes, "quickbooks.api.intuit.com=" + _apis.BaseUrl));
        Assert.Null(OutboundRoutes.TryAdd(routes, "*.stripe.com=" + _apis.BaseUrl));
        Assert.Null(OutboundRoutes.TryAdd(routes, "oauth.platform.intuit.com=" + _apis.BaseUrl));
        _runtime = new ManifestRuntime(fixture.Pool, _instances, _queue, _records, _events, new RuntimeOptions
        {
            Routes = routes,
            // The stand-in is on loopback, which the default egress policy refuses.
            HttpClient = new EgressPolicy { AllowedNetworks = [System.Net.IPNetwork.Parse("127.0.0.1/32")] }.CreateHttpClient(),
        });
        _runtime.AddPlans(SamplePlans.Value);
    }

    public Task DisposeAsync() => _apis.DisposeAsync();

    private Task<IntegrationInstance> ConnectQuickBooksAsync() => _runtime.ConnectAsync("quickbooks", "company-42", new JsonObject
    {
        ["realmId"] = "9130",
        ["access_token"] = AccessToken,
        ["refresh_token"] = RefreshToken,
        ["x_refresh_token_expires_in"] = "8726400",
    });

    private void AssertNoSecretInEvents()
    {
        foreach (var e in _events.Events)
        {
            foreach (var secret in new[] { AccessToken, RefreshToken, StripeKey, "do-not-commit-real-secrets" })
            {
                Assert.DoesNotContain(secret, e.Message + e.Data, StringComparison.Ordinal);
            }
            foreach (var secret in new[] { ThirdPartyApis.RefreshedAccessToken, ThirdPartyApis.RefreshedRefreshToken })
            {
                Assert.DoesNotContain(secret, e.Message + e.Data, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task QuickBooks_connect_fans_out_one_run_per_invoice_and_the_mapped_records_land_in_the_sink()
    {
        _apis.Invoices = [ThirdPartyApis.Invoice("101", 12.5m), ThirdPartyApis.Invoice("102", 80m), new JsonObject { ["Id"] = "103" }];
        var instance = await ConnectQuickBooksAsync();
        Assert.Equal("tech.boss.quickbooks[0]", instance.Id);

        var outcomes = await _runtime.RunUntilIdleAsync();

        // The trigger step's sync, then one invoices-post-v1 run per invoice, all in one correlation.
        Assert.Equal(["quickbooks-sync-v1", "invoices-post-v1", "invoices-post-v1", "invoices-post-v1"], outcomes.Select(o => o.Run.Action));
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error));
        Assert.Single(outcomes.Select(o => o.Run.CorrelationId).Distinct());
        Assert.Equal(4, outcomes.Select(o => o.Run.RunId).Distinct().Count());
        Assert.Equal(JsonNode.Parse("""{"queued": 3}""")!.ToJsonString(), outcomes[0].Result!.ToJsonString());

        // The request went to the stand-in with the schema's URL and the stored token.
        Assert.Contains(_apis.Requests, r => r.StartsWith("GET /v3/company/9130/query?query=select%20%2A%20from%20Invoice", StringComparison.Ordinal) && r.EndsWith("auth=Bearer " + AccessToken, StringComparison.Ordinal));

        // Two invoices map; the third lacks required fields and is kept as a failure with each field named.
        Assert.Equal(["101", "102"], _records.Records.Select(r => (string)r.Record.GetType().GetProperty("IntegrationInvoiceId")!.GetValue(r.Record)!).Order());
        var failure = Assert.Single(_records.Failures);
        Assert.Equal(["txnDate", "totalAmount", "customerId"], failure.Errors.Select(e => e.Field));
        Assert.Equal("""{"Id":"103"}""", failure.RecordJson);
        Assert.Contains(_events.Events, e => e is { Level: DebugLevel.Warning, DebugType: "mapping_error", Code: 422 } && e.Message.Contains("$.TxnDate", StringComparison.Ordinal));

        // The Debug panel's rows, in the spec's words.
        var sync = _events.Events.Where(e => e.RunId == outcomes[0].Run.RunId).Select(e => e.ToString()).ToList();
        Assert.Equal("DEBUG: Starting execution of action: quickbooks-sync-v1", sync[0]);
        Assert.Contains("DEBUG: Starting step 1 of 1", sync);
        Assert.Contains("DEBUG: Starting code execution step", sync);
        Assert.Equal(3, sync.Count(e => e == "DEBUG: Sending to trigger service"));
        Assert.Contains("INFO: [QB] Sending Invoice → 101", sync);
        Assert.All(_events.Events, e => Assert.Equal("tech.boss.quickbooks[0]", e.IntegrationId));
        AssertNoSecretInEvents();
    }

    [Fact]
    public async Task Runs_execute_two_at_a_time_on_the_two_worker_pool_and_every_record_lands_once()
    {
        _apis.Invoices = [.. Enumerable.Range(0, 24).Select(i => (JsonNode)ThirdPartyApis.Invoice($"9{i:D2}", i + 1m))];
        var records = new InMemoryRecordSink();
        var concurrent = new ManifestRuntime(fixture.Pool, new InMemoryInstanceStore(), new InMemoryRunQueue(), records, _events, new RuntimeOptions
        {
            Routes = _routes,
            HttpClient = new EgressPolicy { AllowedNetworks = [System.Net.IPNetwork.Parse("127.0.0.1/32")] }.CreateHttpClient(),
            MaxConcurrentRuns = 2,
        });
        concurrent.AddPlans(SamplePlans.Value);
        await concurrent.ConnectAsync("quickbooks", "company-42", new JsonObject { ["realmId"] = "9130", ["access_token"] = AccessToken });

        var outcomes = await concurrent.RunUntilIdleAsync();

        Assert.Equal(25, outcomes.Count);
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error));
        Assert.Equal(24, records.Records.Select(r => r.Key).Distinct().Count());
        // The runs overlapped: at some point two had started and neither had finished (the first pair may not, while
        // the second worker starts).
        var inFlight = 0;
        var most = 0;
        foreach (var e in _events.Events.Where(e => e.Action == "invoices-post-v1"))
        {
            inFlight += e.Message.StartsWith("Starting execution", StringComparison.Ordinal) ? 1 : e.Message.StartsWith("Finished execution", StringComparison.Ordinal) ? -1 : 0;
            most = Math.Max(most, inFlight);
        }
        Assert.Equal(2, most);
    }

    [Fact]
    public async Task A_synchronous_caller_gets_the_outcome_of_its_run()
    {
        _apis.Invoices = [ThirdPartyApis.Invoice("501", 2m)];
        var instance = await _runtime.ConnectAsync("quickbooks", "company-42", new JsonObject { ["realmId"] = "9130", ["access_token"] = AccessToken }, runTriggerSteps: false);

        var waiting = _runtime.RunAndWaitAsync(instance.Id, "quickbooks-sync-v1", null, RunCaller.System);
        Assert.False(waiting.IsCompleted); // queued; whoever runs the queue carries it out
        await _runtime.RunUntilIdleAsync();
        var outcome = await waiting;

        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Equal("quickbooks-sync-v1", outcome.Run.Action);
        Assert.Equal(1, outcome.Result!["queued"]!.GetValue<int>());
    }

    [Fact]
    public async Task Each_run_is_an_activity_tagged_with_its_correlation_id()
    {
        var activities = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "ManifestCompiler.Runtime",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
            ActivityStopped = activities.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        _apis.Invoices = [ThirdPartyApis.Invoice("801", 1m)];
        await ConnectQuickBooksAsync();

        var outcomes = await _runtime.RunUntilIdleAsync();

        var mine = activities.Where(a => outcomes.Any(o => o.Run.RunId == (string?)a.GetTagItem("manifest.run_id"))).ToList();
        Assert.Equal(2, mine.Count);
        Assert.Single(mine.Select(a => a.GetTagItem("manifest.correlation_id")).Distinct());
        Assert.All(mine, a => Assert.Equal(System.Diagnostics.ActivityStatusCode.Ok, a.Status));
    }

    [Fact]
    public async Task A_429_schedules_the_action_again_and_the_retry_succeeds()
    {
        _apis.QuickBooksRateLimitedCalls = 1;
        _apis.Invoices = [ThirdPartyApis.Invoice("201", 5m)];
        await ConnectQuickBooksAsync();

        var started = DateTimeOffset.UtcNow;
        var outcomes = await _runtime.RunUntilIdleAsync();

        Assert.Equal([("quickbooks-sync-v1", RunStatus.Failed), ("quickbooks-sync-v1", RunStatus.Succeeded), ("invoices-post-v1", RunStatus.Succeeded)], outcomes.Select(o => (o.Run.Action, o.Status)));
        Assert.Equal("returned error: rate limited", outcomes[0].Error);
        Assert.Equal(2, outcomes[1].Run.RetriesLeft);
        Assert.Equal(outcomes[0].Run.RunId, outcomes[1].Run.ParentRunId);
        Assert.True(DateTimeOffset.UtcNow - started >= TimeSpan.FromSeconds(1), "the retry waited for Retry-After");
        Assert.Single(_records.Records);
        Assert.Contains(_events.Events, e => e is { Level: DebugLevel.Error, Code: 500, DebugType: "action_error" });
    }

    [Fact]
    public async Task Webhooks_are_verified_validated_then_routed_with_memory_values_in_the_payload()
    {
        var instance = await ConnectQuickBooksAsync();
        await _runtime.RunUntilIdleAsync();
        var verifier = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "bossi", "quickbooks", "schema.json")))!["variables"]!["webhookVerifierToken"]!.GetValue<string>();
        JsonElement Signed(byte[] body) => JsonSerializer.SerializeToElement(new JsonObject { ["Intuit-Signature"] = WebhookSignatureTests.Sign("hmac-sha256-base64", verifier, body) });

        var body = """{"eventNotifications": [{"realmId": "9130", "dataChangeEvent": {"entities": [{"name": "Invoice"}, {"name": "Invoice"}]}}]}"""u8.ToArray();
        using var noHeaders = JsonDocument.Parse("{}");
        var unsigned = await _runtime.ReceiveWebhookAsync(instance.Id, body, noHeaders.RootElement);
        Assert.Equal(401, unsigned.StatusCode);

        var incomplete = """{"events": []}"""u8.ToArray();
        var rejected = await _runtime.ReceiveWebhookAsync(instance.Id, incomplete, Signed(incomplete));
        Assert.Equal(400, rejected.StatusCode);
        Assert.Equal(["eventNotifications"], rejected.Missing);

        var notJson = "{\"eventNotifications\": "u8.ToArray();
        var unreadable = await _runtime.ReceiveWebhookAsync(instance.Id, notJson, Signed(notJson));
        Assert.Equal(400, unreadable.StatusCode);
        Assert.StartsWith("the body is not JSON", unreadable.Error, StringComparison.Ordinal);

        var accepted = await _runtime.ReceiveWebhookAsync(instance.Id, body, Signed(body));
        Assert.Equal(202, accepted.StatusCode);
        var run = Assert.Single(accepted.Queued);
        Assert.Equal(("quickbooks-sync-v1", """{"realmId":"9130","changed":"2"}"""), (run.Action, run.PayloadJson));

        Assert.Equal(404, (await _runtime.ReceiveWebhookAsync("tech.boss.quickbooks[9]", body, Signed(body))).StatusCode);
    }

    [Fact]
    public async Task Usertypes_refuse_a_role_without_permission_and_owners_bypass_them()
    {
        var instance = await ConnectQuickBooksAsync();
        var refused = await Assert.ThrowsAsync<RunRefusedException>(() => _runtime.EnqueueAsync(instance.Id, "quickbooks-sync-v1", null, new RunCaller("p-1", "employee", IsOwner: false)));
        Assert.Contains("role 'employee' may not trigger 'quickbooks-sync-v1'", refused.Message, StringComparison.Ordinal);
        await _runtime.EnqueueAsync(instance.Id, "quickbooks-sync-v1", null, new RunCaller("p-2", "standardNoAccess", IsOwner: true));
        await _runtime.EnqueueAsync(instance.Id, "get-profit-and-loss-v1", null, new RunCaller("p-1", "employee", IsOwner: false));
        await Assert.ThrowsAsync<RunRefusedException>(() => _runtime.EnqueueAsync(instance.Id, "no-such-action", null, RunCaller.System));
    }

    [Fact]
    public async Task Stripe_paginates_by_triggering_itself_and_sends_each_page_to_the_parser()
    {
        // Connecting queues the trigger step: sync-payments-v1 with {"full_sync": true, "resource": "customers"}.
        await _runtime.ConnectAsync("stripe", "company-7", new JsonObject { ["apiKey"] = StripeKey, ["webhookSecret"] = "whsec_runtime_tests_0001" });

        var outcomes = await _runtime.RunUntilIdleAsync();

        Assert.Equal(["sync-payments-v1", "sync-payments-v1"], outcomes.Where(o => o.Run.Action == "sync-payments-v1").Select(o => o.Run.Action));
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error));
        Assert.Equal("""{"fetched":1,"total":3}""", outcomes.Last(o => o.Run.Action == "sync-payments-v1").Result!.ToJsonString());
        Assert.Equal(["cus_1", "cus_2", "cus_3"], _records.Records.Select(r => (string)r.Record.GetType().GetProperty("IntegrationPersonId")!.GetValue(r.Record)!));
        Assert.Contains(_apis.Requests, r => r == $"GET /v1/customers?limit=100&starting_after=cus_2 auth=Bearer {StripeKey}");
        Assert.Contains(_events.Events, e => e.ToString() == "INFO: Total customers fetched: 3");
        AssertNoSecretInEvents();
    }

    [Fact]
    public async Task An_expired_token_is_refreshed_before_use_and_stored()
    {
        _apis.Invoices = [ThirdPartyApis.Invoice("301", 9m)];
        _apis.RequiredAccessToken = ThirdPartyApis.RefreshedAccessToken;
        var instance = await ConnectQuickBooksAsync();
        // Stored two hours ago with a one-hour lifetime.
        instance.Tokens["expires_in"] = 3600;
        await _instances.SaveAsync(instance with { TokensStoredAt = DateTimeOffset.UtcNow.AddHours(-2) });

        var outcomes = await _runtime.RunUntilIdleAsync();

        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error));
        Assert.Equal(1, _apis.Refreshes);
        var stored = (await _instances.GetAsync(instance.Id))!;
        Assert.Equal(ThirdPartyApis.RefreshedAccessToken, stored.Tokens["access_token"]!.GetValue<string>());
        Assert.Equal(ThirdPartyApis.RefreshedRefreshToken, stored.Tokens["refresh_token"]!.GetValue<string>());
        Assert.Equal("9130", stored.Tokens["realmId"]!.GetValue<string>());
        Assert.Contains(_events.Events, e => e.Message == "The access token has expired: refreshing it");
        Assert.Single(_records.Records);
        AssertNoSecretInEvents();
    }

    [Fact]
    public async Task A_401_refreshes_the_token_and_the_request_is_sent_again()
    {
        _apis.Invoices = [ThirdPartyApis.Invoice("401", 1m)];
        _apis.RequiredAccessToken = ThirdPartyApis.RefreshedAccessToken;
        await ConnectQuickBooksAsync();

        var outcomes = await _runtime.RunUntilIdleAsync();

        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error));
        Assert.Equal(1, _apis.Refreshes);
        Assert.Contains(_apis.Requests, r => r.EndsWith("auth=Bearer " + AccessToken, StringComparison.Ordinal));
        Assert.Contains(_apis.Requests, r => r.EndsWith("auth=Bearer " + ThirdPartyApis.RefreshedAccessToken, StringComparison.Ordinal));
        Assert.Contains(_events.Events, e => e.Message == "quickbooks.api.intuit.com answered 401: refreshing the access token");
        AssertNoSecretInEvents();
    }

    /// <summary>The <c>state</c> query parameter of an authorization URL.</summary>
    internal static string StateOf(string url) => Uri.UnescapeDataString(url[(url.LastIndexOf("state=", StringComparison.Ordinal) + "state=".Length)..].Split('&')[0]);

    [Fact]
    public async Task OAuth_connect_builds_the_authorization_url_exchanges_the_code_and_captures_the_tokens()
    {
        var url = (await _runtime.StartOAuthAsync("quickbooks", "company-42"))!;
        Assert.StartsWith("https://appcenter.intuit.com/connect/oauth2?client_id=ABc123ClientId&response_type=code&scope=com.intuit.quickbooks.accounting&redirect_uri=http%3A%2F%2F127.0.0.1%3A5080%2Foauth%2Fcallback&state=", url, StringComparison.Ordinal);
        Assert.DoesNotContain("company-42", url, StringComparison.Ordinal); // the state is a nonce, not the company
        Assert.Null(await _runtime.StartOAuthAsync("stripe", "company-42"));

        // A failed exchange uses its state up too.
        await Assert.ThrowsAsync<RunRefusedException>(() => _runtime.CompleteOAuthCallbackAsync(StateOf(url), "bad-code"));

        _apis.Invoices = [ThirdPartyApis.Invoice("701", 3m)];
        _apis.RequiredAccessToken = ThirdPartyApis.ExchangedAccessToken;
        var instance = await _runtime.CompleteOAuthCallbackAsync(StateOf((await _runtime.StartOAuthAsync("quickbooks", "company-42"))!), "good-code", new Dictionary<string, string> { ["realmId"] = "9130" });
        Assert.Equal("company-42", instance.CompanyId);
        // The trigger step runs with the exchanged token.
        var outcomes = await _runtime.RunUntilIdleAsync();
        Assert.Equal(["quickbooks-sync-v1", "invoices-post-v1"], outcomes.Select(o => o.Run.Action));
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error));
        Assert.All(_events.Events, e => Assert.DoesNotContain(ThirdPartyApis.ExchangedAccessToken, e.Message + e.Data, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Removing_an_instance_runs_the_delete_action_first()
    {
        var instance = await ConnectQuickBooksAsync();
        var outcome = await _runtime.RemoveAsync(instance.Id);
        Assert.Equal(("delete-integrations-v1", RunStatus.Succeeded), (outcome!.Run.Action, outcome.Status));
        Assert.Contains(_events.Events, e => e.ToString() == "INFO: QuickBooks disconnected for company company-42; nothing to unregister");
        Assert.Null(await _instances.GetAsync(instance.Id));
    }
}
