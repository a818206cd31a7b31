using System.Runtime.Loader;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Workspace;
using Microsoft.Data.Sqlite;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>
/// The runtime's parts of host security (issue 14): OAuth state nonces, API keys stored as hashes, owner-only database
/// files, and plan registrations checked before any plan code runs. Real SQLite files, a Kestrel token endpoint.
/// </summary>
public sealed class HostSecurityTests : IAsyncLifetime
{
    private readonly ThirdPartyApis _apis = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-security-").FullName;
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    private string DatabasePath => Path.Combine(_directory, "host.db");

    public Task InitializeAsync() => _apis.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _apis.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A runtime over the SQLite store (no step runs here, so no worker pool).</summary>
    private ManifestRuntime Runtime(SqliteRuntimeStore store, DebugEventLog? events = null)
    {
        var routes = new OutboundRoutes();
        Assert.Null(OutboundRoutes.TryAdd(routes, "oauth.platform.intuit.com=" + _apis.BaseUrl));
        var runtime = new ManifestRuntime(null!, store, store, store, events ?? new DebugEventLog(), new RuntimeOptions
        {
            Routes = routes,
            HttpClient = new EgressPolicy { AllowedNetworks = [System.Net.IPNetwork.Parse("127.0.0.1/32")] }.CreateHttpClient(),
            TimeProvider = _time,
            CronJobs = store,
            OAuthStates = store,
        });
        runtime.AddPlans(SamplePlans.Value);
        runtime.AddPlans(SamplePlans.ChiefOnboarding);
        return runtime;
    }

    private int TokenExchanges => _apis.Requests.Count(r => r.StartsWith("POST /oauth2/v1/tokens/bearer", StringComparison.Ordinal));

    [Fact]
    public async Task An_OAuth_callback_connects_only_with_a_live_nonce_once_for_the_company_the_nonce_names()
    {
        var key = TokenProtector.FromBase64(TokenProtector.NewKey());
        string started;
        using (var store = SqliteRuntimeStore.Open(DatabasePath, key))
        {
            var runtime = Runtime(store);
            await Assert.ThrowsAsync<OAuthStateRefusedException>(() => runtime.CompleteOAuthCallbackAsync("company-a", "good-code"));
            await Assert.ThrowsAsync<OAuthStateRefusedException>(() => runtime.CompleteOAuthCallbackAsync(null, "good-code"));
            started = RuntimeTests.StateOf((await runtime.StartOAuthAsync("quickbooks", "company-a"))!);
            Assert.True(started.Length >= 22, started); // at least 128 bits in base64url
        }

        // The nonce is durable: a restarted host completes the connect it names.
        using (var store = SqliteRuntimeStore.Open(DatabasePath, key))
        {
            var runtime = Runtime(store);
            var connected = await runtime.CompleteOAuthCallbackAsync(started, "good-code", new Dictionary<string, string> { ["realmId"] = "9130" });
            Assert.Equal("company-a", connected.CompanyId);
            Assert.Equal(1, TokenExchanges);

            // Replayed: refused before any exchange.
            await Assert.ThrowsAsync<OAuthStateRefusedException>(() => runtime.CompleteOAuthCallbackAsync(started, "good-code"));

            // Expired: ten minutes is the limit.
            var late = RuntimeTests.StateOf((await runtime.StartOAuthAsync("quickbooks", "company-b"))!);
            _time.Advance(OAuthStates.Lifetime + TimeSpan.FromSeconds(1));
            await Assert.ThrowsAsync<OAuthStateRefusedException>(() => runtime.CompleteOAuthCallbackAsync(late, "good-code"));

            // A ChiefOnboarding instance's callback takes only a nonce issued for that very instance.
            var google = await runtime.ChiefOnboarding.AddAsync("google-paginated-import", new JsonObject { ["CLIENT_ID"] = "client-1.apps", ["CLIENT_SECRET"] = "google-secret-1" }, "company-b");
            var other = await runtime.ChiefOnboarding.AddAsync("google-paginated-import", new JsonObject { ["CLIENT_ID"] = "client-2.apps", ["CLIENT_SECRET"] = "google-secret-2" }, "company-c");
            var bossiState = RuntimeTests.StateOf((await runtime.StartOAuthAsync("quickbooks", "company-b"))!);
            await Assert.ThrowsAsync<OAuthStateRefusedException>(() => runtime.ChiefOnboarding.CompleteOAuthCallbackAsync(google.Id, bossiState, "google-code"));
            var forOther = RuntimeTests.StateOf(await runtime.ChiefOnboarding.StartOAuthAsync(other.Id));
            await Assert.ThrowsAsync<OAuthStateRefusedException>(() => runtime.ChiefOnboarding.CompleteOAuthCallbackAsync(google.Id, forOther, "google-code"));

            Assert.Equal(1, TokenExchanges);
            Assert.Equal(["tech.boss.quickbooks[0]"], (await store.ListAsync()).Where(i => i.Dialect == ManifestDialect.Bossi).Select(i => i.Id));
            Assert.All(await store.ListAsync(), i => Assert.False(i.Tokens.ContainsKey("oauth"), i.Id));
        }
    }

    [Fact]
    public async Task Api_keys_are_stored_as_hashes_and_a_revoked_key_fails_at_once_on_every_connection()
    {
        using var server = SqliteApiKeyStore.Open(DatabasePath);
        using var administration = SqliteApiKeyStore.Open(DatabasePath); // mfc keys beside a running mfc serve
        var admin = await ApiKeys.IssueAsync(administration, ApiKeyScope.Admin, null, null, null, _time.GetUtcNow());
        var company = await ApiKeys.IssueAsync(administration, ApiKeyScope.Company, "company-a", "u-7", "employee", _time.GetUtcNow());
        await Assert.ThrowsAsync<ArgumentException>(() => ApiKeys.IssueAsync(administration, ApiKeyScope.Company, "company-a", null, "employee", _time.GetUtcNow()));

        Assert.Equal(admin.Key, await ApiKeys.AuthenticateAsync(server, admin.BearerText));
        Assert.Equal(new ApiKey(company.Key.Id, ApiKeyScope.Company, "company-a", "u-7", "employee", _time.GetUtcNow()), await ApiKeys.AuthenticateAsync(server, company.BearerText));
        Assert.Null(await ApiKeys.AuthenticateAsync(server, admin.BearerText[..^1] + (admin.BearerText[^1] == 'A' ? 'B' : 'A')));
        Assert.Null(await ApiKeys.AuthenticateAsync(server, "mfck_" + company.Key.Id + "_" + admin.BearerText.Split('_', 3)[2]));
        Assert.Null(await ApiKeys.AuthenticateAsync(server, "not-a-key"));
        Assert.Null(await ApiKeys.AuthenticateAsync(server, ""));

        Assert.True(await administration.RevokeAsync(company.Key.Id, _time.GetUtcNow()));
        Assert.Null(await ApiKeys.AuthenticateAsync(server, company.BearerText));
        Assert.False(await administration.RevokeAsync(company.Key.Id, _time.GetUtcNow()));
        // Both were created at the same instant: listed by id then.
        Assert.Equal(
            new[] { (admin.Key.Id, false), (company.Key.Id, true) }.OrderBy(k => k.Id, StringComparer.Ordinal),
            (await server.ListAsync()).Select(k => (k.Id, k.IsRevoked)));

        // Never in the clear, in the database or its write-ahead log.
        foreach (var file in new[] { DatabasePath, DatabasePath + "-wal" }.Where(File.Exists))
        {
            var bytes = await ReadSharedAsync(file);
            foreach (var issued in new[] { admin, company })
            {
                Assert.True(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(issued.BearerText.Split('_', 3)[2])) < 0, $"{file} holds a key");
            }
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_database_and_its_journal_files_are_created_owner_only()
    {
        using (var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(TokenProtector.NewKey())))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DatabasePath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DatabasePath + "-wal"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DatabasePath + "-shm"));
        }
        PrivateFiles.WriteNew(DatabasePath + ".key", "k");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DatabasePath + ".key"));
        Assert.Throws<IOException>(() => PrivateFiles.WriteNew(DatabasePath + ".key", "again"));
    }

    [Fact]
    public void A_registered_type_that_is_not_a_plan_is_refused_before_its_constructor_runs()
    {
        var marker = Path.Combine(_directory, "constructor-ran");
        var (image, problems) = RoslynCompilation.Emit("NotAPlan", [("NotAPlan.cs", $$"""
            [assembly: ManifestCompiler.Runtime.Support.Plans.ManifestPlan(typeof(NotAPlan))]
            public sealed class NotAPlan
            {
                public NotAPlan() => System.IO.File.WriteAllText({{SymbolDisplayLiteral(marker)}}, "ran");
            }
            """)]);
        Assert.True(image is not null, string.Join("\n", problems));

        var context = new AssemblyLoadContext("not-a-plan", isCollectible: true);
        using (var stream = new MemoryStream(image))
        {
            var refused = Assert.Throws<InvalidOperationException>(() => PlanCatalog.Load(context.LoadFromStream(stream)));
            Assert.Contains("is not a concrete IntegrationPlan or ChiefOnboardingPlan", refused.Message, StringComparison.Ordinal);
        }
        context.Unload();
        Assert.Throws<InvalidOperationException>(() => new PlanBranches().Deploy(PlanBranches.Development, image));
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task A_run_whose_host_died_three_times_is_dead_lettered_and_the_queue_moves_on()
    {
        var key = TokenProtector.FromBase64(TokenProtector.NewKey());
        var now = _time.GetUtcNow();
        var poison = new RunRequest("poison", "c-1", "tech.boss.quickbooks[0]", "quickbooks-sync-v1", "{}", now, "k-poison");
        var healthy = new RunRequest("healthy", "c-2", "tech.boss.quickbooks[0]", "quickbooks-sync-v1", "{}", now.AddSeconds(1), "k-healthy");
        using (var store = SqliteRuntimeStore.Open(DatabasePath, key))
        {
            Assert.True(await store.EnqueueAsync(poison));
            Assert.True(await store.EnqueueAsync(healthy));
        }
        for (var crash = 1; crash <= SqliteRuntimeStore.MaxCrashes; crash++)
        {
            // The host takes the poison run and dies (the store is dropped without completing it).
            using var store = SqliteRuntimeStore.Open(DatabasePath, key);
            Assert.Empty(await store.ListDeadRunsAsync());
            Assert.Equal("poison", (await store.TryTakeDueAsync(now.AddMinutes(1), TestLeases.Host))!.Run.RunId);
        }
        using (var store = SqliteRuntimeStore.Open(DatabasePath, key))
        {
            var dead = Assert.Single(await store.ListDeadRunsAsync());
            Assert.Equal(("poison", SqliteRuntimeStore.MaxCrashes, "the host stopped while the run was taken"), (dead.Run.RunId, dead.Crashes, dead.LastError));
            Assert.Equal("healthy", (await store.TryTakeDueAsync(now.AddMinutes(1), TestLeases.Host))!.Run.RunId);
            Assert.Null(await store.TryTakeDueAsync(now.AddMinutes(1), TestLeases.Host));
            Assert.Equal(1, (await store.CountRunsAsync())["dead"]);
        }
    }

    [Fact]
    public async Task A_run_that_throws_ends_failed_with_an_error_event_and_is_never_left_taken()
    {
        string instance;
        var key = TokenProtector.NewKey();
        using (var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(key)))
        {
            var runtime = Runtime(store);
            instance = (await runtime.ConnectAsync("quickbooks", "company-a", new JsonObject { ["realmId"] = "9130", ["access_token"] = "poison-token-1" }, runTriggerSteps: false)).Id;
            await runtime.EnqueueAsync(instance, "quickbooks-sync-v1", null, RunCaller.System);
            await runtime.EnqueueAsync(instance, "get-profit-and-loss-v1", null, RunCaller.System);
        }

        // The instance's stored tokens are damaged on disk: reading the instance throws (AES-GCM refuses to decrypt)
        // inside each run, while the runs themselves (sealed with the same key) still read.
        SqliteConnection.ClearAllPools();
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=false"))
        {
            connection.Open();
            using var damage = connection.CreateCommand();
            damage.CommandText = "UPDATE instances SET tokens = zeroblob(64)";
            Assert.Equal(1, damage.ExecuteNonQuery());
        }
        var events = new DebugEventLog();
        using (var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(key)))
        {
            var outcomes = await Runtime(store, events).RunUntilIdleAsync();
            Assert.Equal(["quickbooks-sync-v1", "get-profit-and-loss-v1"], outcomes.Select(o => o.Run.Action));
            Assert.All(outcomes, o => Assert.Equal(RunStatus.Failed, o.Status));
            Assert.All(outcomes, o => Assert.Contains(events.Events, e => e.RunId == o.Run.RunId && e.Level == DebugLevel.Error && e.Message.Contains("Exception", StringComparison.Ordinal)));
            Assert.Equal(new Dictionary<string, int> { ["done"] = 2 }, await store.CountRunsAsync());
        }
    }

    [Fact]
    public async Task A_run_whose_payload_this_key_cannot_open_is_dead_lettered_and_the_queue_moves_on()
    {
        using (var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(TokenProtector.NewKey())))
        {
            await store.EnqueueAsync(new RunRequest("r-sealed", "c", "i", "a", "{\"secret\":\"x\"}", DateTimeOffset.UnixEpoch, "k-sealed"));
        }
        using (var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(TokenProtector.NewKey())))
        {
            await store.EnqueueAsync(new RunRequest("r-readable", "c", "i", "a", "{}", DateTimeOffset.UnixEpoch.AddSeconds(1), "k-readable"));

            var taken = await store.TryTakeDueAsync(DateTimeOffset.UtcNow, TestLeases.Host);

            Assert.Equal("r-readable", taken?.Run.RunId);
            var dead = Assert.Single(await store.ListDeadRunsAsync());
            Assert.Equal("r-sealed", dead.Run.RunId);
            Assert.Contains("cannot be decrypted", dead.LastError, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_database_from_before_dead_letters_keeps_its_runs()
    {
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE runs (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, idempotency_key TEXT NOT NULL UNIQUE,
                    correlation_id TEXT NOT NULL, instance_id TEXT NOT NULL, action TEXT NOT NULL, payload TEXT NOT NULL,
                    not_before INTEGER NOT NULL, parent_run_id TEXT, retries_left INTEGER, caller TEXT,
                    state TEXT NOT NULL CHECK (state IN ('queued', 'taken', 'done')));
                INSERT INTO runs (run_id, idempotency_key, correlation_id, instance_id, action, payload, not_before, state)
                    VALUES ('old', 'k-old', 'c', 'i', 'a', '{}', 0, 'taken'), ('done', 'k-done', 'c', 'i', 'a', '{}', 0, 'done');
                """;
            command.ExecuteNonQuery();
        }
        using var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(TokenProtector.NewKey()));
        Assert.Equal(new Dictionary<string, int> { ["done"] = 1, ["queued"] = 1 }, await store.CountRunsAsync());
        Assert.Equal("old", (await store.TryTakeDueAsync(_time.GetUtcNow(), TestLeases.Host))!.Run.RunId);
        Assert.False(await store.EnqueueAsync(new RunRequest("again", "c", "i", "a", "{}", _time.GetUtcNow(), "k-done")));
    }

    [Fact]
    public async Task A_database_created_before_schema_versions_is_adopted_with_its_data()
    {
        // The schema exactly as the stores created it before versions were recorded (commit 70d35e8).
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE instances (
                    id TEXT PRIMARY KEY, integration TEXT NOT NULL, idx INTEGER NOT NULL, company_id TEXT NOT NULL,
                    tokens BLOB NOT NULL, tokens_stored_at INTEGER NOT NULL, dialect TEXT NOT NULL DEFAULT 'Bossi');
                CREATE TABLE runs (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, idempotency_key TEXT NOT NULL UNIQUE,
                    correlation_id TEXT NOT NULL, instance_id TEXT NOT NULL, action TEXT NOT NULL, payload TEXT NOT NULL,
                    not_before INTEGER NOT NULL, parent_run_id TEXT, retries_left INTEGER, caller TEXT,
                    state TEXT NOT NULL CHECK (state IN ('queued', 'taken', 'done', 'dead')),
                    crashes INTEGER NOT NULL DEFAULT 0, last_error TEXT);
                CREATE TABLE records (
                    key TEXT PRIMARY KEY, instance_id TEXT NOT NULL, action TEXT NOT NULL, run_id TEXT NOT NULL,
                    record_type TEXT NOT NULL, record TEXT NOT NULL);
                CREATE TABLE mapping_failures (
                    key TEXT PRIMARY KEY, instance_id TEXT NOT NULL, action TEXT NOT NULL, run_id TEXT NOT NULL,
                    errors TEXT NOT NULL, record TEXT NOT NULL);
                CREATE TABLE cron_jobs (
                    id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, name TEXT NOT NULL, action TEXT NOT NULL, payload TEXT NOT NULL,
                    cron TEXT NOT NULL, cursor INTEGER NOT NULL);
                CREATE TABLE oauth_states (
                    nonce_hash TEXT PRIMARY KEY, company_id TEXT NOT NULL, integration TEXT, instance_id TEXT,
                    redirect TEXT NOT NULL, expires_at INTEGER NOT NULL);
                CREATE INDEX runs_due ON runs (state, not_before, seq);
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY, secret_hash BLOB NOT NULL, scope TEXT NOT NULL, company_id TEXT, user_id TEXT, role TEXT,
                    created_at INTEGER NOT NULL, revoked_at INTEGER);
                INSERT INTO runs (run_id, idempotency_key, correlation_id, instance_id, action, payload, not_before, state)
                    VALUES ('queued', 'k-queued', 'c', 'i', 'a', '{}', 0, 'queued'), ('done', 'k-done', 'c', 'i', 'a', '{}', 0, 'done');
                INSERT INTO records (key, instance_id, action, run_id, record_type, record) VALUES ('r1', 'i', 'a', 'done', 'T', '{"n":1}');
                INSERT INTO api_keys (id, secret_hash, scope, company_id, user_id, role, created_at) VALUES ('key-1', x'00', 'Admin', NULL, NULL, NULL, 0);
                INSERT INTO cron_jobs (id, instance_id, name, action, payload, cron, cursor) VALUES ('i:nightly', 'i', 'nightly', 'a', '{}', '0 2 * * *', 1000);
                """;
            command.ExecuteNonQuery();
        }

        using (var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(TokenProtector.NewKey())))
        using (var keys = SqliteApiKeyStore.Open(DatabasePath))
        {
            Assert.Equal(new Dictionary<string, int> { ["done"] = 1, ["queued"] = 1 }, await store.CountRunsAsync());
            Assert.Equal(["{\"n\":1}"], await store.ReadRecordsAsync("a"));
            Assert.Equal("key-1", (await keys.FindAsync("key-1"))?.Key.Id);
            Assert.Equal("queued", (await store.TryTakeDueAsync(_time.GetUtcNow(), TestLeases.Host))!.Run.RunId);
            // A cron job keeps its cursor; its next due time (version 4) is computed on the next look.
            var job = Assert.Single(await store.ListDueJobsAsync(DateTimeOffset.FromUnixTimeMilliseconds(0)));
            Assert.Equal(("i:nightly", DateTimeOffset.FromUnixTimeMilliseconds(1000), (DateTimeOffset?)null), (job.Id, job.Cursor, job.NextDue));
        }
        Assert.Equal([1L, 2L, 3L, 4L, 5L], SchemaVersions());
    }

    [Fact]
    public void A_database_newer_than_this_build_is_refused_naming_both_versions()
    {
        using (SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(TokenProtector.NewKey())))
        {
        }
        Assert.Equal([1L, 2L, 3L, 4L, 5L], SchemaVersions());
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (7, 'from a newer build', 0)";
            command.ExecuteNonQuery();
        }

        var refused = Assert.Throws<SchemaVersionException>(() => SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(TokenProtector.NewKey())));
        Assert.Contains("schema version 7", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"version {SqliteSchema.Latest} that this build", refused.Message, StringComparison.Ordinal);
        Assert.Throws<SchemaVersionException>(() => SqliteApiKeyStore.Open(DatabasePath));
    }

    private List<long> SchemaVersions()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM schema_migrations ORDER BY version";
        using var reader = command.ExecuteReader();
        var versions = new List<long>();
        while (reader.Read())
        {
            versions.Add(reader.GetInt64(0));
        }
        return versions;
    }

    private static string SymbolDisplayLiteral(string text) => "@\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
