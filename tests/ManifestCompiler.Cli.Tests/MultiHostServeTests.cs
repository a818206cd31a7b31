using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime;
using ManifestCompiler.Testing;
using Npgsql;

namespace ManifestCompiler.Cli.Tests;

/// <summary>
/// Several <c>mfc serve</c> processes on one PostgreSQL database (docs/runtime.md, "Deployment"): a sync shared by
/// the hosts, a host killed with SIGKILL whose leased runs the other takes over, a host paused with SIGSTOP past its
/// lease whose completion is then refused, and a cron job over simulated minutes queued once per occurrence. Real processes, a real PostgreSQL 15 (<see cref="PostgresCluster"/>).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MultiHostServeTests(PostgresCluster cluster) : IAsyncLifetime
{
    private const int Invoices = 40;
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-multihost-").FullName;
    private readonly string _tokenKey = TokenProtector.NewKey();
    private readonly List<ServeProcess> _hosts = [];
    private string _database = "";

    private string AdminKeyFile => Path.Combine(_directory, "admin-key");

    public async Task InitializeAsync()
    {
        _database = await cluster.CreateDatabaseAsync();
        // A new PostgreSQL database gets its first key from the operator (mfc keys), not from a host.
        var created = MfcRunner.Run(null, "keys", "create", "--db", _database, "--admin");
        Assert.Equal(0, created.ExitCode);
        PrivateFiles.WriteNew(AdminKeyFile, created.Output.Trim() + "\n");
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
        await cluster.DropDatabaseAsync(_database);
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<ServeProcess> StartHostAsync()
    {
        var host = await ServeProcess.StartWithAdminKeyAsync(_directory, AdminKeyFile,
            Path.Combine(RepositoryPaths.Root, "samples", "bossi", "quickbooks"), "--db", _database, "--token-key", _tokenKey, "--stand-in", StandIn(), "--lease-seconds", "3");
        _hosts.Add(host);
        return host;
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Two_hosts_share_a_sync_and_the_runs_of_a_killed_host_are_taken_over_each_completing_once()
    {
        var first = await StartHostAsync();
        var second = await StartHostAsync();
        using var http = first.Client();
        var connected = await http.PostAsJsonAsync(first.Url("/instances"), new JsonObject { ["integration"] = "quickbooks", ["company"] = "c1", ["tokens"] = Tokens() });
        Assert.Equal(HttpStatusCode.Created, connected.StatusCode);
        // The instance connected on the first host is seen by the second (one database).
        using var secondHttp = second.Client();
        Assert.Single((await secondHttp.GetFromJsonAsync<JsonArray>(second.Url("/instances")))!);

        await WaitAsync(async () => await CountAsync("SELECT COUNT(*) FROM records") >= 3);
        first.Kill();
        var open = await CountAsync("SELECT COUNT(*) FROM runs WHERE state <> 'done'");
        Assert.True(open > 0, "the first host was killed after the sync had finished; nothing was left to take over");

        await WaitAsync(async () => await CountAsync("SELECT COUNT(*) FROM runs WHERE state <> 'done'") == 0);

        Assert.Equal(Invoices + 1, await CountAsync("SELECT COUNT(*) FROM runs WHERE state = 'done'")); // the sync and one run per invoice, none twice
        Assert.Equal(Invoices, await CountAsync("SELECT COUNT(*) FROM records"));
        await using (var store = await Runtime.PostgreSql.PostgresRuntimeStore.OpenAsync(_database, TokenProtector.FromBase64(_tokenKey)))
        {
            var records = await store.ReadRecordsAsync("invoices-post-v1");
            Assert.Equal(Invoices, records.Select(r => JsonNode.Parse(r)!["IntegrationInvoiceId"]!.GetValue<string>()).Distinct().Count());
        }
        // Both hosts completed runs: the second at least those the first left behind.
        Assert.Equal(2, await CountAsync("SELECT COUNT(DISTINCT lease_owner) FROM runs WHERE state = 'done'"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_host_paused_past_its_lease_cannot_complete_the_run_another_host_took_over()
    {
        var paused = await StartHostAsync();
        using var http = paused.Client();
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync(paused.Url("/instances"), new JsonObject { ["integration"] = "quickbooks", ["company"] = "c1", ["tokens"] = Tokens() })).StatusCode);

        // SIGSTOP the only host while it holds a lease (checked once it is stopped: a run may end between look and signal).
        var holding = 0L;
        await WaitAsync(async () =>
        {
            if (await CountAsync("SELECT COUNT(*) FROM runs WHERE state = 'taken'") == 0)
            {
                return false;
            }
            paused.Signal("STOP");
            holding = await CountAsync("SELECT COUNT(*) FROM runs WHERE state = 'taken'");
            if (holding == 0)
            {
                paused.Signal("CONT");
            }
            return holding > 0;
        }, pollMilliseconds: 2);
        var heldRuns = await ListAsync("SELECT run_id FROM runs WHERE state = 'taken'");

        // Another host starts, waits out the lease, takes the paused host's runs over and finishes the sync.
        await StartHostAsync();
        await WaitAsync(async () => await CountAsync("SELECT COUNT(*) FROM runs WHERE state <> 'done'") == 0);
        Assert.Equal(heldRuns.Count, (int)await CountAsync($"SELECT COUNT(*) FROM runs WHERE crashes = 1 AND run_id IN ({string.Join(", ", heldRuns.Select(r => $"'{r}'"))})"));

        // The paused host resumes: its word on the runs it had is refused, and nothing is done twice.
        paused.Signal("CONT");
        await WaitAsync(() => Task.FromResult(paused.Log.Contains("was taken over by another host", StringComparison.Ordinal)));
        Assert.Equal(Invoices + 1, await CountAsync("SELECT COUNT(*) FROM runs WHERE state = 'done'"));
        Assert.Equal(Invoices, await CountAsync("SELECT COUNT(*) FROM records"));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM runs WHERE state = 'dead'"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Cron_across_hosts_enqueues_each_occurrence_once_never_once_per_host()
    {
        // Three hosts whose clocks run 20 times faster from one origin (mfc serve's test-only --test-clock), so they agree
        // on the simulated time: a job firing every minute fires every 3 s. Leases are long in simulated time (30 s real),
        // so a loaded machine's slow heartbeat never makes a take-over here.
        const int Factor = 20;
        var clock = $"{Factor}@{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}";
        var ticker = Ticker();
        var hosts = new List<ServeProcess>();
        for (var i = 0; i < 3; i++)
        {
            var host = await ServeProcess.StartWithAdminKeyAsync(_directory, AdminKeyFile, ticker, "--db", _database, "--token-key", _tokenKey, "--lease-seconds", "600", "--test-clock", clock);
            _hosts.Add(host);
            hosts.Add(host);
        }
        using var http = hosts[0].Client();
        var connected = await http.PostAsJsonAsync(hosts[0].Url("/instances"), new JsonObject { ["integration"] = "ticker", ["company"] = "c1", ["tokens"] = new JsonObject { ["apiKey"] = "ticker-key-1" } });
        Assert.Equal(HttpStatusCode.Created, connected.StatusCode);
        var instance = (await connected.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var scheduled = await http.PostAsJsonAsync(hosts[0].Url("/instances/" + Uri.EscapeDataString(instance) + "/runs"), new JsonObject { ["action"] = "schedule-v1" });
        Assert.Equal(HttpStatusCode.Accepted, scheduled.StatusCode);

        // Five simulated minutes or more of ticks done, while the hosts go on.
        await WaitAsync(async () => await CountAsync("SELECT COUNT(*) FROM runs WHERE action = 'tick-v1' AND state = 'done'") >= 5);

        var keys = await ListAsync("SELECT idempotency_key FROM runs WHERE action = 'tick-v1' ORDER BY not_before");
        var prefix = $"cron:{instance}:tick-v1:";
        Assert.All(keys, key => Assert.StartsWith(prefix, key, StringComparison.Ordinal));
        var occurrences = keys.Select(key => DateTimeOffset.Parse(key[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        // One run per occurrence, and every minute between the first and the last occurrence has its run: none doubled, none lost.
        Assert.Equal(occurrences.Count, occurrences.Distinct().Count());
        Assert.All(occurrences, o => Assert.Equal(0, o.Second));
        Assert.Equal(Enumerable.Range(0, occurrences.Count).Select(i => occurrences[0].AddMinutes(i)), occurrences);
        Assert.True(occurrences.Count >= 5);
        // No tick was taken over or dead-lettered, the job's cursor is at or past the last occurrence, and every host is alive.
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM runs WHERE action = 'tick-v1' AND (state = 'dead' OR crashes > 0)"));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM cron_jobs"));
        Assert.True(await CountAsync("SELECT cursor FROM cron_jobs") >= occurrences[^1].ToUnixTimeMilliseconds());
        Assert.All(hosts, host => Assert.False(host.HasExited, host.Log));
    }

    /// <summary>An integration whose <c>schedule-v1</c> makes a cron job queueing <c>tick-v1</c> every minute.</summary>
    private string Ticker()
    {
        var folder = Path.Combine(_directory, "ticker");
        Write(folder, "oauth.json", """
            { "name": "Ticker", "services": ["jobs"], "isNonOauth": true, "tokens": { "apiKey": "{{apiKey}}" },
              "url": "{{self_url}}", "parameters": { "self_url": "{{generic_callback}}" }, "requiredQueryParams": ["apiKey"], "triggerSteps": [] }
            """);
        Write(folder, "schema.json", """
            { "name": "Ticker", "version": "1.0.0", "variables": {},
              "actions": {
                "schedule-v1": { "skipParser": true, "returnsData": false, "steps": [{ "codeRef": "schedule" }] },
                "tick-v1": { "skipParser": true, "returnsData": true, "steps": [{ "codeRef": "tick" }] }
              } }
            """);
        Write(folder, "action/schedule-v1/code/schedule.py", """
            def main(storage):
                create_cron_job("tick-v1", "* * * * *", {})
                return {"ok": True}
            """);
        Write(folder, "action/tick-v1/code/tick.py", """
            def main(storage):
                return {"ticked": True}
            """);
        return folder;
    }

    private static void Write(string folder, string path, string text)
    {
        var file = Path.Combine(folder, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
    }

    private static JsonObject Tokens() => new() { ["realmId"] = "9130", ["access_token"] = "multi-host-access-token-2c8d", ["refresh_token"] = "multi-host-refresh-9f1e" };

    /// <summary>A QuickBooks stand-in answering <see cref="Invoices"/> invoices.</summary>
    private string StandIn()
    {
        var file = Path.Combine(_directory, "stand-in.json");
        if (!File.Exists(file))
        {
            var list = new JsonArray();
            for (var i = 0; i < Invoices; i++)
            {
                list.Add(new JsonObject { ["Id"] = $"{2000 + i}", ["TxnDate"] = "2024-11-14", ["TotalAmt"] = 10.5 + i, ["CustomerRef"] = new JsonObject { ["value"] = "24" } });
            }
            File.WriteAllText(file, new JsonObject
            {
                ["responses"] = new JsonArray(new JsonObject
                {
                    ["host"] = "quickbooks.api.intuit.com", ["method"] = "GET", ["path"] = "/v3/company/*/query", ["status"] = 200,
                    ["body"] = new JsonObject { ["QueryResponse"] = new JsonObject { ["Invoice"] = list } },
                }),
            }.ToJsonString());
        }
        return file;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after 120 s (a deadline, not a measurement).</summary>
    private static async Task WaitAsync(Func<Task<bool>> condition, int pollMilliseconds = 50)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the hosts did not get there within 120 s");
            await Task.Delay(pollMilliseconds);
        }
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        try
        {
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    private async Task<List<string>> ListAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }
}
