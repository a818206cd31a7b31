using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Python;

namespace ManifestCompiler.Runtime.Tests;

public sealed class SqliteStoreTests(PoolFixture fixture) : IClassFixture<PoolFixture>, IAsyncLifetime
{
    private const string AccessToken = "qb-access-sqlite-6d1e";
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-store-").FullName;
    private readonly string _key = TokenProtector.NewKey();
    private readonly ThirdPartyApis _apis = new();

    private string DatabasePath => Path.Combine(_directory, "runtime.db");

    public Task InitializeAsync() => _apis.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _apis.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private ManifestRuntime Runtime(SqliteRuntimeStore store, DebugEventLog? events = null)
    {
        var routes = new OutboundRoutes();
        OutboundRoutes.TryAdd(routes, "quickbooks.api.intuit.com=" + _apis.BaseUrl);
        var runtime = new ManifestRuntime(fixture.Pool, store, store, store, events ?? new DebugEventLog(), new RuntimeOptions
        {
            Routes = routes,
            HttpClient = new EgressPolicy { AllowedNetworks = [System.Net.IPNetwork.Parse("127.0.0.1/32")] }.CreateHttpClient(),
        });
        runtime.AddPlans(SamplePlans.Value);
        return runtime;
    }

    [Fact]
    public async Task Tokens_are_encrypted_at_rest_and_need_the_key()
    {
        using (var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(_key)))
        {
            await store.SaveAsync(new IntegrationInstance("quickbooks", 0, "c-1", new JsonObject { ["access_token"] = AccessToken }, DateTimeOffset.UtcNow));
            Assert.Equal(AccessToken, (await store.GetAsync("tech.boss.quickbooks[0]"))!.Tokens["access_token"]!.GetValue<string>());
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var bytes = File.ReadAllBytes(DatabasePath).Concat(File.Exists(DatabasePath + "-wal") ? File.ReadAllBytes(DatabasePath + "-wal") : []).ToArray();
        Assert.Equal(-1, bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(AccessToken)));

        using var wrongKey = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(TokenProtector.NewKey()));
        await Assert.ThrowsAnyAsync<CryptographicException>(() => wrongKey.GetAsync("tech.boss.quickbooks[0]"));
    }

    [Fact]
    public async Task Run_payloads_records_and_mapping_failures_are_sealed_at_rest_so_no_database_file_holds_a_token_in_any_encoding()
    {
        // A third-party API that echoes the caller's token into its data (as a hostile or careless one may): the
        // token travels into child-run payloads, a mapped record and a mapping failure.
        const string token = "qb+acc/ess+9f3e=token";
        var echoed = ThirdPartyApis.Invoice("701", 10);
        echoed["DocNumber"] = token;
        var broken = ThirdPartyApis.Invoice("702", 20);
        broken["TotalAmt"] = token; // not a number: this record does not map
        _apis.Invoices = [echoed, broken];
        using (var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(_key)))
        {
            var runtime = Runtime(store);
            await runtime.ConnectAsync("quickbooks", "c-1", new JsonObject { ["realmId"] = "9130", ["access_token"] = token, ["refresh_token"] = "r-1" });
            var outcomes = await runtime.RunUntilIdleAsync();
            Assert.Equal(3, outcomes.Count);
            var record = Assert.Single(await store.ReadRecordsAsync("invoices-post-v1"));
            Assert.Equal(token, JsonNode.Parse(record)!["DocNumber"]!.GetValue<string>()); // sealed, not lost
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var files = new[] { DatabasePath, DatabasePath + "-wal", DatabasePath + "-shm", DatabasePath + "-journal" }.Where(File.Exists).ToList();
        Assert.Contains(DatabasePath, files);
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            foreach (var form in Encodings(token))
            {
                Assert.True(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(form)) < 0, $"{Path.GetFileName(file)} holds the token as '{form}'");
            }
        }
    }

    [Fact]
    public async Task A_lone_surrogate_from_the_vendor_is_data_every_invoice_syncs_and_no_run_is_left_taken()
    {
        // A third party's JSON with a lone surrogate escape (valid JSON, not valid Unicode) in one invoice's field.
        _apis.RawInvoicesJson = """
            {"QueryResponse": {"Invoice": [
              {"Id": "801", "DocNumber": "bad\ud800name", "TxnDate": "2024-01-31", "TotalAmt": 10, "CustomerRef": {"value": "7", "name": "Ada"}},
              {"Id": "802", "DocNumber": "D-802", "TxnDate": "2024-01-31", "TotalAmt": 20, "CustomerRef": {"value": "7", "name": "Ada"}}
            ]}}
            """;
        var events = new DebugEventLog();
        using var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(_key));
        var runtime = Runtime(store, events);
        await runtime.ConnectAsync("quickbooks", "c-1", new JsonObject { ["realmId"] = "9130", ["access_token"] = AccessToken, ["refresh_token"] = "r-1" });

        var outcomes = await runtime.RunUntilIdleAsync();

        Assert.Equal(3, outcomes.Count);
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error));
        Assert.Equal(new Dictionary<string, int> { ["done"] = 3 }, await store.CountRunsAsync());
        var numbers = (await store.ReadRecordsAsync("invoices-post-v1")).Select(r => JsonNode.Parse(r)!["DocNumber"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        // The worker replaces the lone surrogate with U+FFFD (docs/python-sandbox.md, "Unusual data").
        Assert.Equal(["D-802", "bad\uFFFDname"], numbers);
    }

    [Fact]
    public async Task A_vendor_value_nested_300_deep_is_data_it_travels_through_steps_child_runs_and_records()
    {
        // Deeper than System.Text.Json's default limit of 64, within the sandbox's 512 (docs/python-sandbox.md,
        // "Unusual data"): the invoice is handed from the sync step to a child run's payload and stored as a record.
        const int Depth = 300;
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", Depth)) + "\"bottom\"" + new string('}', Depth);
        _apis.RawInvoicesJson = $$$"""
            {"QueryResponse": {"Invoice": [
              {"Id": "901", "DocNumber": "D-901", "TxnDate": "2024-01-31", "TotalAmt": 10, "CustomerRef": {"value": "7", "name": "Ada"}, "Extension": {{{deep}}}},
              {"Id": "902", "DocNumber": "D-902", "TxnDate": "2024-01-31", "TotalAmt": 20, "CustomerRef": {"value": "7", "name": "Ada"}}
            ]}}
            """;
        using var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(_key));
        var runtime = Runtime(store);
        await runtime.ConnectAsync("quickbooks", "c-1", new JsonObject { ["realmId"] = "9130", ["access_token"] = AccessToken, ["refresh_token"] = "r-1" });

        var outcomes = await runtime.RunUntilIdleAsync();

        Assert.Equal(3, outcomes.Count);
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error));
        Assert.Equal(new Dictionary<string, int> { ["done"] = 3 }, await store.CountRunsAsync());
        var numbers = (await store.ReadRecordsAsync("invoices-post-v1")).Select(r => JsonNode.Parse(r)!["DocNumber"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["D-901", "D-902"], numbers);
    }

    /// <summary>The token as written, JSON-escaped as System.Text.Json and others write it, percent-encoded, and in
    /// base64 at each alignment inside longer data.</summary>
    private static IEnumerable<string> Encodings(string token)
    {
        yield return token;
        yield return System.Text.Json.JsonSerializer.Serialize(token).Trim('"');
        yield return token.Replace("/", "\\/", StringComparison.Ordinal);
        yield return Uri.EscapeDataString(token);
        var bytes = System.Text.Encoding.UTF8.GetBytes(token);
        for (var offset = 0; offset < 3; offset++)
        {
            var encoded = Convert.ToBase64String([.. new byte[offset], .. bytes]).TrimEnd('=');
            yield return encoded[((8 * offset + 5) / 6)..(8 * (offset + bytes.Length) / 6)];
        }
    }

    [Fact]
    public async Task A_host_stopped_mid_sync_resumes_its_queued_runs_and_each_completes_once()
    {
        _apis.Invoices = [.. Enumerable.Range(1, 5).Select(i => (JsonNode)ThirdPartyApis.Invoice("50" + i, i))];
        using (var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(_key)))
        {
            var runtime = Runtime(store);
            await runtime.ConnectAsync("quickbooks", "c-1", new JsonObject { ["realmId"] = "9130", ["access_token"] = AccessToken, ["refresh_token"] = "r-1" });
            // The sync runs and queues five children; one child is taken when the host "dies".
            Assert.Equal("quickbooks-sync-v1", Assert.Single(await runtime.RunOneAsync()).Run.Action);
            var taken = await store.TryTakeDueAsync(DateTimeOffset.UtcNow, TestLeases.Host);
            Assert.NotNull(taken);
            Assert.Equal(new Dictionary<string, int> { ["done"] = 1, ["queued"] = 4, ["taken"] = 1 }, await store.CountRunsAsync());
        }

        using (var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(_key)))
        {
            Assert.Equal(new Dictionary<string, int> { ["done"] = 1, ["queued"] = 5 }, await store.CountRunsAsync());
            var outcomes = await Runtime(store).RunUntilIdleAsync();
            Assert.Equal(5, outcomes.Count);
            Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error));
            Assert.Equal(new Dictionary<string, int> { ["done"] = 6 }, await store.CountRunsAsync());
            var records = await store.ReadRecordsAsync("invoices-post-v1");
            Assert.Equal(5, records.Count);
            Assert.Equal(5, records.Select(r => JsonNode.Parse(r)!["IntegrationInvoiceId"]!.GetValue<string>()).Distinct().Count());
        }
    }

    [Fact]
    public async Task Executing_a_run_again_queues_no_child_and_writes_no_record_twice()
    {
        _apis.Invoices = [ThirdPartyApis.Invoice("601", 1m), ThirdPartyApis.Invoice("602", 2m)];
        using var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(_key));
        var runtime = Runtime(store);
        await runtime.ConnectAsync("quickbooks", "c-1", new JsonObject { ["realmId"] = "9130", ["access_token"] = AccessToken });
        var sync = (await store.TryTakeDueAsync(DateTimeOffset.UtcNow, TestLeases.Host))!;

        // As if the host died after the run's effects but before it was marked done: it runs again on restart.
        await runtime.ExecuteAsync(sync, CancellationToken.None);
        await runtime.ExecuteAsync(sync, CancellationToken.None);
        Assert.Equal(new Dictionary<string, int> { ["done"] = 1, ["queued"] = 2 }, await store.CountRunsAsync());

        var child = (await store.TryTakeDueAsync(DateTimeOffset.UtcNow, TestLeases.Host))!;
        await runtime.ExecuteAsync(child, CancellationToken.None);
        await runtime.ExecuteAsync(child, CancellationToken.None);
        await runtime.RunUntilIdleAsync();
        Assert.Equal(2, (await store.ReadRecordsAsync("invoices-post-v1")).Count);
    }

    private static RunRequest EmptyRun(string id, string? parent = null) =>
        new(id, id, "quickbooks[0]", "invoices-post-v1", "{}", DateTimeOffset.UtcNow.AddSeconds(-1), "key-" + id, parent, Caller: RunCaller.System);

    private static MappedRecord Record(string runId, int position) =>
        new($"{runId}/record/{position}", "quickbooks[0]", "invoices-post-v1", runId, new JsonObject { ["position"] = position });

    [Fact]
    public async Task A_runs_records_are_written_with_its_completion_so_a_host_dying_mid_run_leaves_none_and_the_run_again_writes_each_once()
    {
        using (var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(_key)))
        {
            await store.EnqueueAsync(EmptyRun("r-1"));
            var taken = (await store.TryTakeDueAsync(DateTimeOffset.UtcNow, TestLeases.Host))!;
            await store.WriteAsync(Record("r-1", 0));
            await store.WriteFailureAsync(new MappingFailure("r-1/record/1", "quickbooks[0]", "invoices-post-v1", "r-1", [], "{}"));
            // Held for the completion's transaction: not in the database while the run executes.
            Assert.Empty(await store.ReadRecordsAsync("invoices-post-v1"));
            Assert.Equal("r-1", taken.Run.RunId);
        }

        // The host died before completing: the run is queued again with nothing of it written.
        using (var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(_key)))
        {
            Assert.Equal(new Dictionary<string, int> { ["queued"] = 1 }, await store.CountRunsAsync());
            Assert.Empty(await store.ReadRecordsAsync("invoices-post-v1"));
            var again = (await store.TryTakeDueAsync(DateTimeOffset.UtcNow, TestLeases.Host))!;
            await store.WriteAsync(Record("r-1", 0));
            await store.WriteAsync(Record("r-1", 0)); // the same effect twice: one record
            Assert.True(await store.CompleteAsync(again.Lease));
            Assert.Equal(new Dictionary<string, int> { ["done"] = 1 }, await store.CountRunsAsync());
            Assert.Equal("""{"position":0}""", Assert.Single(await store.ReadRecordsAsync("invoices-post-v1")));
        }
    }

    [Fact]
    public async Task A_runs_children_are_queued_with_its_completion_so_a_host_dying_mid_run_leaves_none_and_the_completion_takes_the_first()
    {
        using (var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(_key)))
        {
            await store.EnqueueAsync(EmptyRun("parent"));
            var parent = (await store.TryTakeDueAsync(DateTimeOffset.UtcNow, TestLeases.Host))!;
            var woken = store.NextWakeup();
            Assert.True(await store.EnqueueAsync(EmptyRun("child-1", parent: "parent")));
            Assert.True(await store.EnqueueAsync(EmptyRun("child-2", parent: "parent")));
            // Held for the parent's completion: not in the database, nothing to take, no idle loop woken.
            Assert.Equal(new Dictionary<string, int> { ["taken"] = 1 }, await store.CountRunsAsync());
            Assert.Null(await store.TryTakeDueAsync(DateTimeOffset.UtcNow, new RunLeaseTerms("host-b", TimeSpan.FromMinutes(1))));
            Assert.False(woken.IsCompleted);
            Assert.Equal("parent", parent.Run.RunId);
        }

        // The host died before the parent's completion: the parent is queued again, and no child of it exists.
        using (var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(_key)))
        {
            Assert.Equal(new Dictionary<string, int> { ["queued"] = 1 }, await store.CountRunsAsync());
            var again = (await store.TryTakeDueAsync(DateTimeOffset.UtcNow, TestLeases.Host))!;
            var woken = store.NextWakeup();
            await store.EnqueueAsync(EmptyRun("child-1", parent: "parent"));
            await store.EnqueueAsync(EmptyRun("child-2", parent: "parent"));
            await store.EnqueueAsync(EmptyRun("child-1", parent: "parent")); // the same key twice: one run

            // One transaction: the parent done, its children queued, the first of them taken by the same host.
            var (completed, next) = await store.CompleteAndTakeNextAsync(again.Lease, DateTimeOffset.UtcNow, TestLeases.Host);
            Assert.True(completed);
            Assert.Equal("child-1", next?.Run.RunId);
            Assert.True(woken.IsCompleted);
            Assert.Equal(new Dictionary<string, int> { ["done"] = 1, ["taken"] = 1, ["queued"] = 1 }, await store.CountRunsAsync());
        }
    }

    [Fact]
    public async Task A_run_queuing_many_children_writes_them_in_batches_and_the_first_batch_is_due_while_it_runs()
    {
        using var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(_key));
        await store.EnqueueAsync(EmptyRun("fan-out"));
        var parent = (await store.TryTakeDueAsync(DateTimeOffset.UtcNow, TestLeases.Host))!;
        for (var i = 0; i < 600; i++)
        {
            await store.EnqueueAsync(EmptyRun("child-" + i, parent: "fan-out"));
        }
        // Memory stays bounded: a full batch (512) is written while the parent goes on, the rest with its completion.
        Assert.Equal(new Dictionary<string, int> { ["taken"] = 1, ["queued"] = 512 }, await store.CountRunsAsync());
        Assert.Equal("child-0", (await store.TryTakeDueAsync(DateTimeOffset.UtcNow, new RunLeaseTerms("host-b", TimeSpan.FromMinutes(1))))?.Run.RunId);
        Assert.True(await store.CompleteAsync(parent.Lease));
        Assert.Equal(new Dictionary<string, int> { ["done"] = 1, ["taken"] = 1, ["queued"] = 599 }, await store.CountRunsAsync());
    }

    [Fact]
    public async Task A_run_writing_many_records_writes_them_in_batches_before_its_completion_and_a_deferral_writes_the_rest()
    {
        using var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(_key));
        await store.EnqueueAsync(EmptyRun("r-many"));
        var taken = (await store.TryTakeDueAsync(DateTimeOffset.UtcNow, TestLeases.Host))!;
        for (var i = 0; i < 600; i++)
        {
            await store.WriteAsync(Record("r-many", i));
        }
        // Memory stays bounded: a full batch (512) is written while the run goes on, the rest waits for the run's end.
        Assert.Equal(512, (await store.ReadRecordsAsync("invoices-post-v1")).Count);
        Assert.True(await store.DeferAsync(taken.Lease, DateTimeOffset.UtcNow.AddSeconds(-1)));
        Assert.Equal(600, (await store.ReadRecordsAsync("invoices-post-v1")).Count);
        Assert.Equal(new Dictionary<string, int> { ["queued"] = 1 }, await store.CountRunsAsync());
    }

    [Fact]
    public async Task A_record_of_a_run_not_taken_from_the_queue_is_written_at_once_and_a_stale_completion_still_writes_the_runs_records()
    {
        using var store = SqliteRuntimeStore.Open(DatabasePath, TokenProtector.FromBase64(_key));
        // A removal's deleteAction runs without the queue: nothing would ever complete it here.
        await store.WriteAsync(Record("not-queued", 0));
        Assert.Single(await store.ReadRecordsAsync("invoices-post-v1"));

        var shortLease = new RunLeaseTerms("host-a", TimeSpan.FromSeconds(1));
        await store.EnqueueAsync(EmptyRun("r-2"));
        var first = (await store.TryTakeDueAsync(DateTimeOffset.UtcNow, shortLease))!;
        await store.WriteAsync(Record("r-2", 0));
        // Host B takes the run over once host A's lease expired; A's completion is refused, its record is the run's and kept.
        var second = (await store.TryTakeDueAsync(DateTimeOffset.UtcNow.AddSeconds(5), new RunLeaseTerms("host-b", TimeSpan.FromMinutes(1))))!;
        Assert.Equal("r-2", second.Run.RunId);
        Assert.False(await store.CompleteAsync(first.Lease));
        Assert.Equal(2, (await store.ReadRecordsAsync("invoices-post-v1")).Count);
        await store.WriteAsync(Record("r-2", 0));
        await store.WriteAsync(Record("r-2", 1));
        Assert.True(await store.CompleteAsync(second.Lease));
        Assert.Equal(3, (await store.ReadRecordsAsync("invoices-post-v1")).Count);
        Assert.Equal(new Dictionary<string, int> { ["done"] = 1 }, await store.CountRunsAsync());
    }
}
