using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime;
using ManifestCompiler.Testing;
using Npgsql;

namespace ManifestCompiler.Cli.Tests;

/// <summary>
/// Several <c>mfc serve</c> processes on one PostgreSQL database (docs/runtime.md, "Deployment"): a sync shared by
/// the hosts, a host killed with SIGKILL whose leased runs the other takes over, and a host paused with SIGSTOP past its
/// lease whose completion is then refused. Real processes, a real PostgreSQL 15 (<see cref="PostgresCluster"/>).
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
