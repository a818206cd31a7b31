using System.Text;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.PostgreSql;
using Npgsql;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>
/// What only the PostgreSQL store has to show beyond the contract (<see cref="PostgresStoreContractTests"/>): secrets
/// encrypted at rest in the real columns, versioned migrations, and dead letters across hosts. A real server
/// (<see cref="PostgresCluster"/>).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreTests(PostgresCluster cluster) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
    private readonly TokenProtector _key = TokenProtector.FromBase64(TokenProtector.NewKey());
    private string _database = "";

    public async Task InitializeAsync() => _database = await cluster.CreateDatabaseAsync();

    public Task DisposeAsync() => cluster.DropDatabaseAsync(_database);

    [Fact]
    public async Task Tokens_payloads_and_records_are_encrypted_at_rest_and_need_the_key()
    {
        const string Secret = "pg-access-token-5b7c";
        await using (var store = await PostgresRuntimeStore.OpenAsync(_database, _key))
        {
            await store.SaveAsync(new IntegrationInstance("quickbooks", 0, "company-a", new JsonObject { ["access_token"] = Secret }, T0));
            await store.EnqueueAsync(new RunRequest("r1", "c", "tech.boss.quickbooks[0]", "sync", $$"""{"copied":"{{Secret}}"}""", T0, "k1"));
            await store.WriteAsync(new MappedRecord("rec-1", "tech.boss.quickbooks[0]", "sync", "r1", new JsonObject { ["token"] = Secret }));
            await store.SaveJobAsync(new CronJob("tech.boss.quickbooks[0]", "nightly", "sync", $$"""{"t":"{{Secret}}"}""", "0 2 * * *", T0));
        }

        // The raw columns: none holds the secret, in text or in bytes.
        var raw = await RawAsync("SELECT tokens FROM instances UNION ALL SELECT convert_to(payload, 'UTF8') FROM runs UNION ALL SELECT convert_to(record, 'UTF8') FROM records UNION ALL SELECT convert_to(payload, 'UTF8') FROM cron_jobs");
        Assert.Equal(4, raw.Count);
        Assert.All(raw, bytes => Assert.DoesNotContain(Secret, Encoding.UTF8.GetString(bytes), StringComparison.Ordinal));
        Assert.All(raw, bytes => Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret))[..16], Encoding.UTF8.GetString(bytes), StringComparison.Ordinal));

        await using (var store = await PostgresRuntimeStore.OpenAsync(_database, _key))
        {
            Assert.Equal(Secret, (await store.GetAsync("tech.boss.quickbooks[0]"))?.Tokens["access_token"]?.GetValue<string>());
        }
        await using (var wrongKey = await PostgresRuntimeStore.OpenAsync(_database, TokenProtector.FromBase64(TokenProtector.NewKey())))
        {
            await Assert.ThrowsAnyAsync<System.Security.Cryptography.CryptographicException>(() => wrongKey.GetAsync("tech.boss.quickbooks[0]"));
            // A run this key cannot open goes to the dead letters; the queue moves on.
            Assert.Null(await wrongKey.TryTakeDueAsync(T0, TestLeases.Host));
            Assert.Contains("cannot be decrypted", Assert.Single(await wrongKey.ListDeadRunsAsync()).LastError, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_database_of_the_leases_version_keeps_its_cron_jobs_cursors_when_upgraded_to_next_due_times()
    {
        // The schema of the main branch before this change (version 2), with a cron job whose payload was sealed.
        await using (var dataSource = NpgsqlDataSource.Create(_database))
        {
            await PostgresSchema.MigrateAsync(dataSource, "test", upTo: 2);
            await ExecuteAsync($"""
                INSERT INTO cron_jobs (id, instance_id, name, action, payload, cron, cursor)
                    VALUES ('i:nightly', 'i', 'nightly', 'a', '{_key.Seal("""{"n":1}""")}', '0 2 * * *', {T0.ToUnixTimeMilliseconds()});
                """);
        }
        Assert.Equal([1, 2], await VersionsAsync());

        await using var store = await PostgresRuntimeStore.OpenAsync(_database, _key);
        Assert.Equal([1, 2, 3, 4], await VersionsAsync());
        var job = Assert.Single(await store.ListDueJobsAsync(T0));
        Assert.Equal(("i:nightly", """{"n":1}""", T0, (DateTimeOffset?)null), (job.Id, job.PayloadJson, job.Cursor, job.NextDue));
        Assert.True(await store.AdvanceJobAsync(job, T0, new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero)));
        Assert.Empty(await store.ListDueJobsAsync(T0.AddHours(1)));
    }

    [Fact]
    public async Task A_database_of_an_earlier_version_is_upgraded_with_its_data_in_one_transaction()
    {
        // The database as version 1 left it (before leases), with a queued run, a run taken by a host of that time, and a key.
        await using (var dataSource = NpgsqlDataSource.Create(_database))
        {
            await PostgresSchema.MigrateAsync(dataSource, "test", upTo: 1);
            await ExecuteAsync("""
                INSERT INTO runs (run_id, idempotency_key, correlation_id, instance_id, action, payload, not_before, state)
                    VALUES ('queued', 'k-queued', 'c', 'i', 'a', '{}', 0, 'queued'), ('done', 'k-done', 'c', 'i', 'a', '{}', 0, 'done');
                INSERT INTO api_keys (id, secret_hash, scope, created_at) VALUES ('key-1', '\x00', 'Admin', 0);
                """);
        }
        Assert.Equal([1], await VersionsAsync());

        await using (var store = await PostgresRuntimeStore.OpenAsync(_database, _key))
        await using (var keys = await PostgresApiKeyStore.OpenAsync(_database))
        {
            Assert.Equal([1, 2, 3, 4], await VersionsAsync());
            Assert.Equal(new Dictionary<string, int> { ["done"] = 1, ["queued"] = 1 }, await store.CountRunsAsync());
            Assert.Equal("key-1", (await keys.FindAsync("key-1"))?.Key.Id);
            var taken = await store.TryTakeDueAsync(T0, TestLeases.Host);
            Assert.Equal(("queued", "test-host"), (taken?.Run.RunId, taken?.Lease.Owner));
            Assert.False(await store.EnqueueAsync(new RunRequest("again", "c", "i", "a", "{}", T0, "k-done")));
        }
    }

    [Fact]
    public async Task A_failing_migration_leaves_the_database_as_it_was()
    {
        await using (var dataSource = NpgsqlDataSource.Create(_database))
        {
            await PostgresSchema.MigrateAsync(dataSource, "test", upTo: 1);
        }
        // Version 2 adds the lease columns: one already there makes it fail half-way, and the transaction undoes it all.
        await ExecuteAsync("ALTER TABLE runs ADD COLUMN lease_owner text");

        await Assert.ThrowsAsync<PostgresException>(() => PostgresRuntimeStore.OpenAsync(_database, _key));

        Assert.Equal([1], await VersionsAsync());
        Assert.Empty(await RawAsync("SELECT convert_to(column_name, 'UTF8') FROM information_schema.columns WHERE table_name = 'runs' AND column_name IN ('lease_id', 'lease_expires_at')"));
    }

    [Fact]
    public async Task A_database_newer_than_this_build_is_refused_naming_both_versions()
    {
        await using (await PostgresRuntimeStore.OpenAsync(_database, _key))
        {
        }
        await ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9, 'from a newer build', 0)");

        var refused = await Assert.ThrowsAsync<SchemaVersionException>(() => PostgresRuntimeStore.OpenAsync(_database, _key));
        Assert.Contains("schema version 9", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"version {PostgresSchema.Latest} that this build", refused.Message, StringComparison.Ordinal);
        Assert.Contains(new NpgsqlConnectionStringBuilder(_database).Database!, refused.Message, StringComparison.Ordinal);
        if (new NpgsqlConnectionStringBuilder(_database).Password is { Length: > 0 } password)
        {
            Assert.DoesNotContain(password, refused.Message, StringComparison.Ordinal);
        }
        await Assert.ThrowsAsync<SchemaVersionException>(() => PostgresApiKeyStore.OpenAsync(_database));
    }

    [Fact]
    public async Task Hosts_starting_together_migrate_the_database_once()
    {
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostgresRuntimeStore.OpenAsync(_database, _key)));
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }
        Assert.Equal([1, 2, 3, 4], await VersionsAsync());
    }

    [Fact]
    public async Task A_run_whose_hosts_keep_dying_is_dead_lettered_after_three_take_overs()
    {
        await using var store = await PostgresRuntimeStore.OpenAsync(_database, _key);
        await store.EnqueueAsync(new RunRequest("poison", "c", "i", "a", "{}", T0, "k-poison"));
        await store.EnqueueAsync(new RunRequest("healthy", "c", "i", "a", "{}", T0.AddSeconds(1), "k-healthy"));
        var now = T0;
        var first = await store.TryTakeDueAsync(now, new RunLeaseTerms("host-0", TimeSpan.FromSeconds(10)));
        Assert.Equal("poison", first?.Run.RunId);
        for (var host = 1; host < RunLeases.MaxCrashes; host++)
        {
            // Each host that takes it dies: its lease expires and the next host takes the run over.
            now = now.AddSeconds(10);
            Assert.Equal("poison", (await store.TryTakeDueAsync(now, new RunLeaseTerms($"host-{host}", TimeSpan.FromSeconds(10))))?.Run.RunId);
        }

        now = now.AddSeconds(10);
        Assert.Equal("healthy", (await store.TryTakeDueAsync(now, new RunLeaseTerms("host-last", TimeSpan.FromSeconds(10))))?.Run.RunId);
        var dead = Assert.Single(await store.ListDeadRunsAsync());
        Assert.Equal(("poison", RunLeases.MaxCrashes, RunLeases.Expired($"host-{RunLeases.MaxCrashes - 1}")), (dead.Run.RunId, dead.Crashes, dead.LastError));
    }

    [Fact]
    public async Task A_run_queued_on_one_host_wakes_the_idle_hosts_through_notify()
    {
        await using var hostA = await PostgresRuntimeStore.OpenAsync(_database, _key);
        await using var hostB = await PostgresRuntimeStore.OpenAsync(_database, _key);
        // The first wake-up comes once B listens (it looks at the queue again for anything queued before).
        await hostB.NextWakeup().WaitAsync(TimeSpan.FromSeconds(30));
        var woken = hostB.NextWakeup();
        Assert.False(woken.IsCompleted);

        Assert.True(await hostA.EnqueueAsync(new RunRequest("r1", "c", "i", "a", "{}", T0, "k1")));

        // No poll here: only the notification completes it (the wait is a deadline, not a measurement).
        await woken.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("r1", (await hostB.TryTakeDueAsync(T0, TestLeases.Host))?.Run.RunId);
        Assert.False(await hostA.EnqueueAsync(new RunRequest("r2", "c", "i", "a", "{}", T0, "k1")));
    }

    [Fact]
    public async Task A_plan_version_stored_on_one_host_wakes_the_others_through_notify()
    {
        await using var hostA = await PostgresPlanSourceStore.OpenAsync(_database, _key);
        await using var hostB = await PostgresPlanSourceStore.OpenAsync(_database, _key);
        await hostB.NextChange().WaitAsync(TimeSpan.FromSeconds(30)); // B listens now
        var woken = hostB.NextChange();
        Assert.False(woken.IsCompleted);

        Assert.Equal(1, await hostA.AddVersionAsync("production", [[1, 2, 3]], "deploy", T0));

        // No poll here: only the notification completes it (a deadline, not a measurement).
        await woken.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([1, 2, 3], Assert.Single(Assert.Single(await hostB.ListVersionsAsync("production", 0)).Sources));
    }

    [Fact]
    public async Task Stored_plan_sources_are_sealed_and_a_row_written_or_moved_without_the_key_is_refused()
    {
        var sources = Encoding.UTF8.GetBytes("stripe/webhook.json: the deployed sources 7d1f");
        await using (var store = await PostgresPlanSourceStore.OpenAsync(_database, _key))
        {
            await store.AddVersionAsync("development", [sources], "deploy", T0);
        }
        Assert.DoesNotContain("deployed sources 7d1f", Encoding.UTF8.GetString(Assert.Single(await RawAsync("SELECT sources FROM plan_sources"))), StringComparison.Ordinal);

        // Moved to another branch, and a row written by someone without the key: neither opens, both are refused.
        await ExecuteAsync("""
            UPDATE plan_sources SET branch = 'production';
            INSERT INTO plan_sources (branch, version, part, origin, stored_at, sources) VALUES ('production', 2, 0, 'deploy', 0, convert_to('stripe/webhook.json', 'UTF8'));
            """);
        await using (var store = await PostgresPlanSourceStore.OpenAsync(_database, _key))
        {
            var versions = await store.ListVersionsAsync("production", 0);
            Assert.Equal([1, 2], versions.Select(v => v.Version));
            Assert.All(versions, v => Assert.Contains("do not open with this host's token key", v.Problem, StringComparison.Ordinal));
            Assert.All(versions, v => Assert.Empty(v.Sources));
        }
        await using (var wrongKey = await PostgresPlanSourceStore.OpenAsync(_database, TokenProtector.FromBase64(TokenProtector.NewKey())))
        {
            Assert.NotNull(Assert.Single(await wrongKey.ListVersionsAsync("production", 1)).Problem);
        }
    }

    private async Task<List<int>> VersionsAsync()
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT version FROM schema_migrations ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<int>();
        while (await reader.ReadAsync())
        {
            versions.Add(reader.GetInt32(0));
        }
        return versions;
    }

    private async Task<List<byte[]>> RawAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<byte[]>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<byte[]>(0));
        }
        return values;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
