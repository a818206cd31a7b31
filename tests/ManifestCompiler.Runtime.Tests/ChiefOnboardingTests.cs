using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.ChiefOnboarding;
using ManifestCompiler.Runtime.Python;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>A clock that moves only when told to.</summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>
/// The ChiefOnboarding engine end to end against real HTTP stand-ins (Asana, BambooHR, Google, PandaDoc on Kestrel):
/// the samples' manifests compiled to plans, run for new hires from an in-memory directory.
/// </summary>
public sealed class ChiefOnboardingTests : IAsyncLifetime
{
    private readonly PeopleApis _apis = new();
    private readonly InMemoryInstanceStore _instances = new();
    private readonly InMemoryRunQueue _queue = new();
    private readonly DebugEventLog _events = new();
    private readonly InMemoryUserDirectory _users = new();
    private readonly RecordingNotifier _notifier = new();
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 10, 30, 0, TimeSpan.Zero));
    private readonly List<TimeSpan> _pollWaits = [];
    private ManifestRuntime _runtime = null!;

    private ChiefOnboardingEngine Engine => _runtime.ChiefOnboarding;

    public async Task InitializeAsync()
    {
        await _apis.InitializeAsync();
        // No manifest runs Python; the pool is never started.
        _runtime = new ManifestRuntime(null!, _instances, _queue, new InMemoryRecordSink(), _events, new RuntimeOptions
        {
            Routes = _apis.Routes(),
            HttpClient = new EgressPolicy { AllowedNetworks = [System.Net.IPNetwork.Parse("127.0.0.1/32")] }.CreateHttpClient(),
            TimeProvider = _time,
            Users = _users,
            Notifier = _notifier,
        });
        _runtime.AddPlans(SamplePlans.ChiefOnboarding);
        Engine.Delay = (delay, _) =>
        {
            _pollWaits.Add(delay);
            return Task.CompletedTask;
        };
        _users.Add(new NewHire("ada", "ada@example.com", "ada", "Lovelace", "Engineer", new DateOnly(2027, 1, 5), ManagerEmail: "grace@example.com", Manager: "Grace Hopper"));
    }

    public Task DisposeAsync() => _apis.DisposeAsync();

    private Task<IntegrationInstance> AddAsanaAsync() =>
        Engine.AddAsync("asana-add-user", new JsonObject { ["TOKEN"] = PeopleApis.AsanaToken, ["ORG"] = "org-31", ["NOT_ASKED"] = "ignored" });

    private void AssertNoSecretInEvents(params string[] secrets)
    {
        foreach (var e in _events.Events)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, e.Message + e.Data, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Asana_add_user_stores_data_reuses_responses_checks_continue_if_and_polls()
    {
        var instance = await AddAsanaAsync();
        Assert.Equal("chiefonboarding.asana-add-user[0]", instance.Id);
        Assert.False(instance.Tokens.ContainsKey("NOT_ASKED"));

        var form = await Engine.FormAsync(instance.Id);
        var team = Assert.Single(form);
        Assert.Null(team.Error);
        Assert.Equal([new FormChoice("team-eng", "Engineering"), new FormChoice("team-ops", "Operations")], team.Choices);

        var result = await Engine.ExecuteAsync(instance.Id, "ada", new JsonObject { ["TEAM_ID"] = "team-eng" });

        Assert.True(result.Succeeded, result.Error);
        // store_data kept the gid on the new hire, with its JSON type.
        var ada = (await _users.GetAsync("ada"))!;
        Assert.Equal("user-1207", ada.ExtraFields["ASANA_USER_GID"]!.GetValue<string>());
        var bodies = _apis.Bodies.ToList();
        Assert.Equal("""{"data":{"user":"ada@example.com"}}""", bodies.Single(b => b.Request == "POST /api/1.0/workspaces/org-31/addUser").Body);
        // The second request used the stored value; its continue_if compared with responses.0.
        Assert.Equal("""{"data":{"user":"user-1207"}}""", bodies.Single(b => b.Request == "POST /api/1.0/teams/team-eng/addUser").Body);
        Assert.Equal("application/json", bodies.First().ContentType);
        // Polling: pending, pending, active = 3 requests, 2 waits of the manifest's interval.
        Assert.Equal(3, _apis.AsanaStatusCalls);
        Assert.Equal([TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)], _pollWaits);
        Assert.Equal(new JsonObject { ["data"] = new JsonObject { ["status"] = "active" } }.ToJsonString(), result.LastResponse!.Value.GetRawText());

        var email = Assert.Single(_notifier.Messages);
        Assert.Equal(("email", "grace@example.com", "Asana account for Ada Lovelace", "Team: team-eng"), email);
        Assert.Contains(_notifier.Notifications, n => n is { Kind: NotificationKind.RanIntegration, NewHireId: "ada" });
        Assert.All(_apis.Requests.Where(r => r.Contains("/api/1.0/", StringComparison.Ordinal)), r => Assert.EndsWith("auth=Bearer " + PeopleApis.AsanaToken, r, StringComparison.Ordinal));
        Assert.Contains(_events.Events, e => e.DebugType == "request" && e.Message == "POST https://app.asana.com/api/1.0/workspaces/********/addUser: 200"); // initial data is masked
        AssertNoSecretInEvents(PeopleApis.AsanaToken);

        // exists: the account is there now; another person's is not; revoke removes it.
        Assert.True(await Engine.UserExistsAsync(instance.Id, "ada"));
        _users.Add(new NewHire("bob", "bob@example.com", "Bob", "Byte"));
        Assert.False(await Engine.UserExistsAsync(instance.Id, "bob"));
        Assert.Equal(new RevokeResult(true, ""), await Engine.RevokeAsync(instance.Id, "ada"));
        Assert.False(await Engine.UserExistsAsync(instance.Id, "ada"));
    }

    [Fact]
    public async Task Polling_that_never_matches_blocks_after_amount_requests_and_is_retried_once_an_hour_later()
    {
        var instance = await AddAsanaAsync();
        _apis.AsanaActiveAfter = int.MaxValue;

        var run = await _runtime.EnqueueAsync(instance.Id, ChiefOnboardingEngine.ExecuteAction, new JsonObject { ["new_hire"] = "ada", ["form"] = new JsonObject { ["TEAM_ID"] = "team-ops" } }, RunCaller.System);
        var outcome = Assert.Single(await _runtime.RunOneAsync());

        Assert.Equal(RunStatus.Failed, outcome.Status);
        Assert.Equal(6, _apis.AsanaStatusCalls); // "amount": 6 requests in all
        Assert.Equal(5, _pollWaits.Count);
        Assert.StartsWith("Polling timed out after 6 request(s)", outcome.Error, StringComparison.Ordinal);
        Assert.Contains(_notifier.Notifications, n => n.Kind == NotificationKind.BlockedIntegration);
        Assert.Empty(_notifier.Messages); // no post-execute email for a failed run

        // One retry, an hour later; it fails again and queues nothing more.
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromHours(1), await _queue.NextDueAsync());
        Assert.Empty(await _runtime.RunOneAsync());
        _time.Advance(TimeSpan.FromHours(1));
        var retry = Assert.Single(await _runtime.RunOneAsync());
        Assert.Equal(run.InstanceId, retry.Run.InstanceId);
        Assert.Equal(0, retry.Run.RetriesLeft);
        Assert.Equal(RunStatus.Failed, retry.Status);
        Assert.Null(await _queue.NextDueAsync());
    }

    [Fact]
    public async Task A_continue_if_that_does_not_hold_blocks_the_rest_of_the_run()
    {
        var instance = await AddAsanaAsync();
        _apis.AsanaTeamAnswerGid = "someone-else";

        var result = await Engine.ExecuteAsync(instance.Id, "ada", new JsonObject { ["TEAM_ID"] = "team-eng" });

        Assert.False(result.Succeeded);
        Assert.True(result.Blocked);
        Assert.Equal(0, _apis.AsanaStatusCalls); // the third request never went out
        Assert.Null(result.RetryAt); // a manual run is not retried
        var blocked = Assert.Single(_notifier.Notifications);
        Assert.Equal(NotificationKind.BlockedIntegration, blocked.Kind);
        Assert.Contains("teams/{{TEAM_ID}}/addUser", blocked.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Store_data_with_a_missing_notation_fails_without_storing_anything()
    {
        var instance = await AddAsanaAsync();
        _apis.AsanaAddUserAnswersWithoutGid = true;

        var result = await Engine.ExecuteAsync(instance.Id, "ada", new JsonObject { ["TEAM_ID"] = "team-eng" });

        Assert.False(result.Succeeded);
        Assert.StartsWith("Could not store data to new hire: data.gid not found in {\"data\":{\"email\":\"ada@example.com\"}}", result.Error, StringComparison.Ordinal);
        Assert.Empty((await _users.GetAsync("ada"))!.ExtraFields);
        Assert.DoesNotContain(_apis.Requests, r => r.Contains("/teams/", StringComparison.Ordinal)); // the run stopped there
    }

    [Fact]
    public async Task A_status_code_outside_the_allowed_list_fails_the_request_and_notifies()
    {
        var panda = await Engine.AddAsync("pandadoc-polling", new JsonObject { ["API_KEY"] = "wrong-key", ["HR_TOKEN"] = PeopleApis.HrToken });

        var result = await Engine.ExecuteAsync(panda.Id, "ada", new JsonObject { ["TEMPLATE_ID"] = "tmpl-fulltime" });

        Assert.False(result.Succeeded);
        Assert.Contains("Status code (401) not in allowed list ([201])", result.Error, StringComparison.Ordinal);
        Assert.Contains(_notifier.Notifications, n => n is { Kind: NotificationKind.FailedIntegration, NewHireId: "ada" });
    }

    [Fact]
    public async Task PandaDoc_saves_the_download_and_uploads_it_as_multipart()
    {
        var panda = await Engine.AddAsync("pandadoc-polling", new JsonObject { ["API_KEY"] = PeopleApis.PandaDocKey, ["HR_TOKEN"] = PeopleApis.HrToken });

        var result = await Engine.ExecuteAsync(panda.Id, "ada", new JsonObject { ["TEMPLATE_ID"] = "tmpl-fulltime" });

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(_apis.ContractPdf, _apis.UploadedDocument);
        Assert.Equal("doc-88", (await _users.GetAsync("ada"))!.ExtraFields["PANDADOC_DOCUMENT_ID"]!.GetValue<string>());
        var created = JsonNode.Parse(_apis.Bodies.First(b => b.Request == "POST /public/v1/documents").Body)!;
        Assert.Equal("Contract for ada Lovelace", created["name"]!.GetValue<string>());
        Assert.Equal("Jan. 5, 2027", created["tokens"]![1]!["value"]!.GetValue<string>());
        var upload = _apis.Bodies.Single(b => b.Request == "POST /api/employees/ada@example.com/documents");
        Assert.StartsWith("multipart/form-data; boundary=", upload.ContentType, StringComparison.Ordinal);
        Assert.Equal("PandaDoc document doc-88 was created and filed.", Assert.Single(_notifier.Messages).Message);
        AssertNoSecretInEvents(PeopleApis.PandaDocKey, PeopleApis.HrToken);
    }

    [Fact]
    public async Task BambooHR_import_follows_next_page_urls_and_creates_only_new_valid_users()
    {
        _apis.BambooPages.Add([Employee("Ann", "Lee", "ann@acme.test"), Employee("Ada", "Lovelace", "ada@example.com")]);
        _apis.BambooPages.Add([Employee("", "NoFirst", "nofirst@acme.test"), Employee("Bo", "Kim", "bo@acme.test")]);
        _apis.BambooPages.Add([Employee("Cy", "Ito", "cy@acme.test")]);
        var instance = await Engine.AddAsync("bamboohr-import", new JsonObject { ["KEY"] = PeopleApis.BambooKey, ["REPORT_ID"] = "7", ["COMPANY_ID"] = "acme" });

        var candidates = await Engine.SyncUsersAsync(instance.Id, apply: false);
        Assert.Equal(3, candidates.Pages);
        Assert.Equal(3, candidates.Created.Count);
        Assert.Single(_users.Users); // a dry run creates nothing

        var result = await Engine.SyncUsersAsync(instance.Id);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(3, result.Pages);
        Assert.Equal(5, result.Records.Count);
        Assert.Equal(["ann@acme.test", "bo@acme.test", "cy@acme.test"], result.Created.Select(u => u.Email));
        var skipped = Assert.Single(result.Skipped);
        Assert.Equal("first_name and last_name are required", skipped.Reason);
        Assert.Equal(4, _users.Users.Count);
        // Every initial-data value is masked in events, the company id "acme" included (as the reference engine does).
        Assert.Contains(_events.Events, e => e.DebugType == "mapping_error" && e.Message == "User nofirst@********.test not imported: first_name and last_name are required");
        AssertNoSecretInEvents(PeopleApis.BambooKey, Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(PeopleApis.BambooKey + ":x")));
    }

    [Fact]
    public async Task BambooHR_update_runs_on_its_cron_schedule_and_updates_extra_fields_of_matched_users()
    {
        _apis.BambooPages.Add([
            new JsonObject { ["workEmail"] = "ada@example.com", ["id"] = 4711, ["department"] = "R&D" },
            new JsonObject { ["workEmail"] = "nobody@acme.test", ["id"] = 1 },
            new JsonObject { ["id"] = 2, ["department"] = "Sales" },
        ]);
        var instance = await Engine.AddAsync("bamboohr-sync-update", new JsonObject { ["KEY"] = PeopleApis.BambooKey, ["REPORT_ID"] = "9", ["COMPANY_ID"] = "acme" });

        // 10:30: the schedule ("0 * * * *") is not due; at 11:00 it is, once.
        Assert.Empty(await _runtime.RunOneAsync());
        _time.Advance(TimeSpan.FromMinutes(30));
        var outcome = Assert.Single(await _runtime.RunOneAsync());
        Assert.Equal(ChiefOnboardingEngine.SyncAction, outcome.Run.Action);
        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Empty(await _runtime.RunOneAsync());

        var ada = (await _users.GetAsync("ada"))!;
        Assert.Equal(4711, ada.ExtraFields["bamboohr_id"]!.GetValue<int>()); // JSON types kept
        Assert.Equal("R&D", ada.ExtraFields["bamboohr_department"]!.GetValue<string>());
        Assert.Equal(1, outcome.Result!["updated"]!.GetValue<int>());
        Assert.Equal(1, outcome.Result!["skipped"]!.GetValue<int>()); // the record without an email
        Assert.Contains(_apis.Requests, r => r.StartsWith("GET /api/gateway.php/acme/v1/reports/9 ", StringComparison.Ordinal));

        // The next hour fires again.
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Single(await _runtime.RunOneAsync());
    }

    [Fact]
    public async Task Google_import_connects_with_OAuth_pages_by_token_stops_at_the_page_limit_and_refreshes_an_expired_token()
    {
        for (var page = 0; page < 7; page++)
        {
            _apis.GooglePages.Add([new JsonObject { ["primaryEmail"] = $"user{page}@acme.test", ["name"] = new JsonObject { ["givenName"] = $"U{page}", ["familyName"] = "Test" } }]);
        }
        var instance = await Engine.AddAsync("google-paginated-import", new JsonObject { ["CLIENT_ID"] = "client-1.apps", ["CLIENT_SECRET"] = PeopleApis.GoogleClientSecret });

        var authorize = await Engine.AuthenticateUrlAsync(instance.Id);
        Assert.StartsWith("https://accounts.google.com/o/oauth2/v2/auth?client_id=client-1.apps&redirect_uri=http://127.0.0.1:5080/oauth/callback/chiefonboarding.google-paginated-import%5B0%5D&", authorize, StringComparison.Ordinal);
        await Assert.ThrowsAsync<RunRefusedException>(() => Engine.CompleteOAuthAsync(instance.Id, null));
        var failed = await Assert.ThrowsAsync<RunRefusedException>(() => Engine.CompleteOAuthAsync(instance.Id, "bad-code"));
        Assert.StartsWith("Couldn't save token:", failed.Message, StringComparison.Ordinal);
        // Over HTTP the callback carries the state nonce the start issued for this instance.
        var started = await Engine.StartOAuthAsync(instance.Id);
        var connected = await Engine.CompleteOAuthCallbackAsync(instance.Id, RuntimeTests.StateOf(started), "google-code");
        await Assert.ThrowsAsync<OAuthStateRefusedException>(() => Engine.CompleteOAuthCallbackAsync(instance.Id, RuntimeTests.StateOf(started), "google-code"));
        Assert.Equal(PeopleApis.GoogleAccessToken, connected.Tokens["oauth"]!["access_token"]!.GetValue<string>());

        var result = await Engine.SyncUsersAsync(instance.Id);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(5, result.Pages); // amount_pages_to_fetch: 5, the first page included
        Assert.Equal(["user0@acme.test", "user1@acme.test", "user2@acme.test", "user3@acme.test", "user4@acme.test"], result.Created.Select(u => u.Email));
        Assert.Equal(0, _apis.GoogleRefreshes);

        // After the hour: the token is refreshed before the first request, and the refresh token is kept (merged).
        _time.Advance(TimeSpan.FromSeconds(3601));
        var again = await Engine.SyncUsersAsync(instance.Id);
        Assert.True(again.Succeeded, again.Error);
        Assert.Equal(1, _apis.GoogleRefreshes);
        var stored = (await _instances.GetAsync(instance.Id))!.Tokens["oauth"]!;
        Assert.Equal(PeopleApis.GoogleRefreshedToken, stored["access_token"]!.GetValue<string>());
        Assert.Equal(PeopleApis.GoogleRefreshToken, stored["refresh_token"]!.GetValue<string>());
        Assert.Empty(again.Created); // everyone exists now
        AssertNoSecretInEvents(PeopleApis.GoogleAccessToken, PeopleApis.GoogleRefreshedToken, PeopleApis.GoogleRefreshToken, PeopleApis.GoogleClientSecret);
    }

    [Fact]
    public async Task Adding_an_integration_needs_every_initial_data_value()
    {
        var refused = await Assert.ThrowsAsync<RunRefusedException>(() => Engine.AddAsync("asana-add-user", new JsonObject { ["TOKEN"] = "x" }));
        Assert.Contains("ORG", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await _instances.ListAsync());
    }

    private static JsonObject Employee(string first, string last, string email) => new() { ["firstName"] = first, ["lastName"] = last, ["workEmail"] = email };
}
