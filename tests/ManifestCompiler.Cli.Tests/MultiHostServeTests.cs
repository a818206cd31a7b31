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
/// lease whose completion is then refused, a deploy on one host that the others load and run, webhooks sent to
/// three hosts spread over them, and a cron job over simulated minutes queued once per occurrence. Real processes, a
/// real PostgreSQL 15 (<see cref="PostgresCluster"/>).
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

    private Task<ServeProcess> StartHostAsync() => StartHostAsync("quickbooks");

    private async Task<ServeProcess> StartHostAsync(string sample, params string[] options)
    {
        var host = await ServeProcess.StartWithAdminKeyAsync(_directory, AdminKeyFile,
            [Sample(sample), "--db", _database, "--token-key", _tokenKey, "--stand-in", StandIn(), "--lease-seconds", "3", .. options]);
        _hosts.Add(host);
        return host;
    }

    private static string Sample(string name) => Path.Combine(RepositoryPaths.Root, "samples", "bossi", name);

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

        // The first host is stopped (SIGSTOP) once records arrive and each host has completed a run, and killed only if
        // runs are still open then: looked at after the signal, because on a loaded machine the sync could end between
        // a look and a kill.
        var openWhenKilled = 0L;
        await WaitAsync(async () =>
        {
            if (await CountAsync("SELECT COUNT(*) FROM records") < 3 || await CountAsync("SELECT COUNT(DISTINCT lease_owner) FROM runs WHERE state = 'done'") < 2)
            {
                return false;
            }
            first.Signal("STOP");
            openWhenKilled = await CountAsync("SELECT COUNT(*) FROM runs WHERE state <> 'done'");
            if (openWhenKilled == 0)
            {
                first.Signal("CONT");
            }
            return true;
        }, pollMilliseconds: 2);
        Assert.True(openWhenKilled > 0, "the sync had finished when the first host was stopped; nothing was left to take over");
        first.Kill();

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
    public async Task A_deploy_on_one_host_is_loaded_and_run_by_the_other_hosts_and_concurrent_deploys_get_distinct_versions()
    {
        var hostA = await StartHostAsync();
        var hostB = await StartHostAsync();
        using var httpA = hostA.Client();
        using var httpB = hostB.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await ConnectStripeAsync(httpB, hostB)).StatusCode); // not deployed anywhere yet

        // Deployed on A: stored as version 1 of production, and B loads it (woken by NOTIFY) without a restart.
        var deployed = await DeployAsync(httpA, hostA, SourcesZip("stripe"));
        Assert.Equal((1, "production"), (deployed["version"]!.GetValue<int>(), deployed["branch"]!.GetValue<string>()));
        Assert.Equal(["stripe"], deployed["plans"]!.AsArray().Select(p => p!.GetValue<string>()));
        await WaitForVersionAsync(httpB, hostB, 1);

        // A host started after the deploy loads the stored version when it starts.
        var hostC = await StartHostAsync();
        using var httpC = hostC.Client();
        await WaitForVersionAsync(httpC, hostC, 1);
        Assert.Contains("stripe", (await BranchesAsync(httpC, hostC))["branches"]!["production"]!.AsArray().Select(p => p!.GetValue<string>()));

        // The deployed plan runs: connected on C, its webhook received by B.
        var connected = await ConnectStripeAsync(httpC, hostC);
        Assert.Equal(HttpStatusCode.Created, connected.StatusCode);
        var instance = (await connected.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Accepted, (await SendPaymentWebhookAsync(httpB, hostB, instance, 0)).StatusCode);
        await WaitAsync(async () => await CountAsync("SELECT COUNT(*) FROM records WHERE action = 'payment-succeeded-v1'") == 1);

        // Two deploys at once on two hosts: two versions, never one number twice. One of them changes the plan.
        var deploys = await Task.WhenAll(
            DeployAsync(httpA, hostA, SourcesZip("stripe", ("action/payment-succeeded-v1/code/shape-payment.py", text => text.Replace("intent[\"currency\"],", "intent[\"currency\"].upper(),", StringComparison.Ordinal)))),
            DeployAsync(httpB, hostB, SourcesZip("quickbooks")));
        Assert.Equal([2, 3], deploys.Select(d => d["version"]!.GetValue<int>()).Order());
        foreach (var (http, host) in new[] { (httpA, hostA), (httpB, hostB), (httpC, hostC) })
        {
            await WaitForVersionAsync(http, host, 3);
        }

        // Every host runs the changed plan now: each one's mapped record has the currency in capitals.
        for (var i = 1; i <= 3; i++)
        {
            var (http, host) = i switch { 1 => (httpA, hostA), 2 => (httpB, hostB), _ => (httpC, hostC) };
            Assert.Equal(HttpStatusCode.Accepted, (await SendPaymentWebhookAsync(http, host, instance, i)).StatusCode);
        }
        await WaitAsync(async () => await CountAsync("SELECT COUNT(*) FROM runs WHERE state <> 'done'") == 0 && await CountAsync("SELECT COUNT(*) FROM records WHERE action = 'payment-succeeded-v1'") == 4);
        await using var store = await Runtime.PostgreSql.PostgresRuntimeStore.OpenAsync(_database, TokenProtector.FromBase64(_tokenKey));
        var currencies = (await store.ReadRecordsAsync("payment-succeeded-v1")).Select(r => JsonNode.Parse(r)!["Currency"]!.GetValue<string>()).ToList();
        Assert.Equal(["usd", "USD", "USD", "USD"], currencies);
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM runs WHERE state = 'dead'"));
        // What the database holds is the sources, sealed: no row is an assembly or readable text.
        Assert.Equal(3, await CountAsync("SELECT COUNT(*) FROM plan_sources WHERE branch = 'production'"));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM plan_sources WHERE position(convert_to('webhook.json', 'UTF8') in sources) > 0"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Webhooks_sent_to_three_hosts_are_all_processed_once_and_spread_over_the_hosts()
    {
        const int Webhooks = 24;
        // Debug logs: each host's log then shows every action it finished (the runtime's lifecycle events).
        var hosts = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => StartHostAsync("stripe", "--log-level", "Debug")));
        var clients = hosts.Select(h => h.Client()).ToArray();
        var connected = await ConnectStripeAsync(clients[0], hosts[0]);
        Assert.Equal(HttpStatusCode.Created, connected.StatusCode);
        var instance = (await connected.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

        // Each webhook to the next host in turn, all at once: each queues its two runs (a payment and a sync).
        var answers = await Task.WhenAll(Enumerable.Range(0, Webhooks).Select(i => SendPaymentWebhookAsync(clients[i % 3], hosts[i % 3], instance, i)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));

        await WaitAsync(async () => await CountAsync("SELECT COUNT(*) FROM runs WHERE state <> 'done'") == 0 && await CountAsync("SELECT COUNT(*) FROM runs") == 1 + 2 * Webhooks);

        // Every run done once: the table holds each once, and the hosts' logs finished each action exactly that often.
        Assert.Equal(1 + 2 * Webhooks, await CountAsync("SELECT COUNT(*) FROM runs WHERE state = 'done' AND crashes = 0"));
        Assert.Equal(Webhooks, await CountAsync("SELECT COUNT(*) FROM records WHERE action = 'payment-succeeded-v1'"));
        Assert.Equal(Webhooks, await CountAsync("SELECT COUNT(DISTINCT run_id) FROM records WHERE action = 'payment-succeeded-v1'"));
        await WaitAsync(() => Task.FromResult(hosts.Sum(h => Occurrences(h.Log, "Finished execution of action: payment-succeeded-v1")) >= Webhooks));
        Assert.Equal(Webhooks, hosts.Sum(h => Occurrences(h.Log, "Finished execution of action: payment-succeeded-v1")));
        Assert.Equal(Webhooks + 1, hosts.Sum(h => Occurrences(h.Log, "Finished execution of action: sync-payments-v1")));
        // Spread: the lease owner of a done run is the host that completed it.
        var perHost = await ListAsync("SELECT lease_owner || ' ' || COUNT(*) FROM runs WHERE state = 'done' GROUP BY lease_owner");
        Assert.True(perHost.Count > 1, "one host ran every run: " + string.Join(", ", perHost));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private const string StripeWebhookSecret = "whsec_multi+host/0002";

    private static Task<HttpResponseMessage> ConnectStripeAsync(HttpClient http, ServeProcess host) =>
        http.PostAsJsonAsync(host.Url("/instances"), new JsonObject { ["integration"] = "stripe", ["company"] = "c1", ["tokens"] = new JsonObject { ["apiKey"] = "sk_test_multi_host_0000", ["webhookSecret"] = StripeWebhookSecret } });

    /// <summary>A signed <c>payment_intent.succeeded</c> delivery (a body of its own per <paramref name="n"/>, so none is a replay).</summary>
    private static Task<HttpResponseMessage> SendPaymentWebhookAsync(HttpClient http, ServeProcess host, string instance, int n)
    {
        var body = new JsonObject
        {
            ["id"] = $"evt_{n}", ["type"] = "payment_intent.succeeded",
            ["data"] = new JsonObject { ["object"] = new JsonObject { ["id"] = $"pi_{n}", ["amount"] = 1000 + n, ["currency"] = "usd" } },
        }.ToJsonString();
        var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = Convert.ToHexString(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(StripeWebhookSecret), System.Text.Encoding.UTF8.GetBytes($"{t}.{body}"))).ToLowerInvariant();
        var request = new HttpRequestMessage(HttpMethod.Post, host.Url("/webhooks/" + Uri.EscapeDataString(instance))) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Stripe-Signature", $"t={t},v1={signature}");
        return http.SendAsync(request);
    }

    /// <summary>A sample's folder as a deploy zip (under its name), with <paramref name="changes"/> applied to some of its files.</summary>
    private static byte[] SourcesZip(string sample, params (string File, Func<string, string> Change)[] changes)
    {
        var folder = Sample(sample);
        using var buffer = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
                var text = File.ReadAllText(file);
                foreach (var (name, change) in changes.Where(c => c.File == relative))
                {
                    var changed = change(text);
                    Assert.NotEqual(text, changed);
                    text = changed;
                }
                using var writer = new StreamWriter(zip.CreateEntry(sample + "/" + relative).Open());
                writer.Write(text);
            }
        }
        return buffer.ToArray();
    }

    private static async Task<JsonObject> DeployAsync(HttpClient http, ServeProcess host, byte[] zip)
    {
        var content = new ByteArrayContent(zip);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/zip");
        // A deploy compiles, and meanwhile every host compiles the versions others stored: on a loaded 2-core machine
        // that takes longer than the usual client timeout (a deadline, not a measurement).
        using var request = new HttpRequestMessage(HttpMethod.Post, host.Url("/branches/production/deploy")) { Content = content };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        using var patient = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        request.Headers.Authorization = http.DefaultRequestHeaders.Authorization;
        var response = await patient.SendAsync(request, timeout.Token);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonNode.Parse(body)!.AsObject();
    }

    private static async Task<JsonObject> BranchesAsync(HttpClient http, ServeProcess host) => (await http.GetFromJsonAsync<JsonObject>(host.Url("/branches")))!;

    /// <summary>Waits until <paramref name="host"/> has loaded stored version <paramref name="version"/> of production.</summary>
    private static Task WaitForVersionAsync(HttpClient http, ServeProcess host, int version) =>
        WaitAsync(async () => (await BranchesAsync(http, host))["versions"]?["production"]?.GetValue<int>() >= version);

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
        TestFolders.Write(folder, "oauth.json", """
            { "name": "Ticker", "services": ["jobs"], "isNonOauth": true, "tokens": { "apiKey": "{{apiKey}}" },
              "url": "{{self_url}}", "parameters": { "self_url": "{{generic_callback}}" }, "requiredQueryParams": ["apiKey"], "triggerSteps": [] }
            """);
        TestFolders.Write(folder, "schema.json", """
            { "name": "Ticker", "version": "1.0.0", "variables": {},
              "actions": {
                "schedule-v1": { "skipParser": true, "returnsData": false, "steps": [{ "codeRef": "schedule" }] },
                "tick-v1": { "skipParser": true, "returnsData": true, "steps": [{ "codeRef": "tick" }] }
              } }
            """);
        TestFolders.Write(folder, "action/schedule-v1/code/schedule.py", """
            def main(storage):
                create_cron_job("tick-v1", "* * * * *", {})
                return {"ok": True}
            """);
        TestFolders.Write(folder, "action/tick-v1/code/tick.py", """
            def main(storage):
                return {"ticked": True}
            """);
        return folder;
    }

    private static JsonObject Tokens() => new() { ["realmId"] = "9130", ["access_token"] = "multi-host-access-token-2c8d", ["refresh_token"] = "multi-host-refresh-9f1e" };

    /// <summary>A QuickBooks stand-in answering <see cref="Invoices"/> invoices, and a Stripe one with a payment and no customers.</summary>
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
                ["responses"] = new JsonArray(
                    new JsonObject
                    {
                        ["host"] = "quickbooks.api.intuit.com", ["method"] = "GET", ["path"] = "/v3/company/*/query", ["status"] = 200,
                        ["body"] = new JsonObject { ["QueryResponse"] = new JsonObject { ["Invoice"] = list } },
                    },
                    new JsonObject
                    {
                        ["host"] = "api.stripe.com", ["method"] = "GET", ["path"] = "/v1/payment_intents/*", ["status"] = 200,
                        ["body"] = new JsonObject { ["id"] = "pi_stand_in", ["amount"] = 1250, ["currency"] = "usd", ["customer"] = "cus_1", ["status"] = "succeeded" },
                    },
                    new JsonObject
                    {
                        ["host"] = "api.stripe.com", ["method"] = "GET", ["path"] = "/v1/customers", ["status"] = 200,
                        ["body"] = new JsonObject { ["data"] = new JsonArray(), ["has_more"] = false },
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
