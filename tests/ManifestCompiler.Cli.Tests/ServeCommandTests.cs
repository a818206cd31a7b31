using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ManifestCompiler.Testing;
using Microsoft.Data.Sqlite;

namespace ManifestCompiler.Cli.Tests;

/// <summary><c>mfc serve</c> as a real process: HTTP endpoints, the live event stream, and a host killed mid-sync.</summary>
public sealed class ServeCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-serve-").FullName;
    private HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static string Sample(params string[] parts) => Path.Combine([RepositoryPaths.Root, "samples", .. parts]);

    private string Database => Path.Combine(_directory, "host.db");

    /// <summary>A QuickBooks stand-in answering <paramref name="invoices"/> invoices.</summary>
    private string StandIn(int invoices)
    {
        var list = new JsonArray();
        for (var i = 0; i < invoices; i++)
        {
            list.Add(new JsonObject { ["Id"] = $"{1000 + i}", ["TxnDate"] = "2024-11-14", ["TotalAmt"] = 10.5 + i, ["CustomerRef"] = new JsonObject { ["value"] = "24" } });
        }
        var file = Path.Combine(_directory, "stand-in.json");
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
                    ["host"] = "quickbooks.api.intuit.com", ["method"] = "GET", ["path"] = "/v3/company/*/reports/ProfitAndLoss", ["status"] = 200,
                    ["body"] = new JsonObject { ["Header"] = new JsonObject { ["ReportName"] = "ProfitAndLoss", ["Currency"] = "USD" } },
                }),
        }.ToJsonString());
        return file;
    }

    private const string StripeWebhookSecret = "whsec_serve+test/0001";

    /// <summary>A webhook request with exactly <paramref name="body"/> as its bytes and, unless null, a Stripe-Signature header.</summary>
    private static HttpRequestMessage StripeWebhook(string url, string body, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signature is not null)
        {
            request.Headers.Add("Stripe-Signature", signature);
        }
        return request;
    }

    /// <summary>Stripe's header for <paramref name="body"/> signed at <paramref name="t"/>: v1 is the hex HMAC-SHA256 of "t.body".</summary>
    private static string StripeSignature(long t, string body) =>
        $"t={t},v1={Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(StripeWebhookSecret), Encoding.UTF8.GetBytes($"{t}.{body}"))).ToLowerInvariant()}";

    private static readonly JsonObject QuickBooksTokens = new() { ["realmId"] = "9130", ["access_token"] = "serve-access-token-5d2e", ["refresh_token"] = "serve-refresh-token-77aa" };

    [Fact]
    public async Task Serve_connects_routes_webhooks_queues_runs_and_streams_masked_events()
    {
        await using var host = await ServeProcess.StartAsync(_directory, Sample("bossi", "quickbooks"), Sample("bossi", "stripe"), Sample("chiefonboarding"), "--db", Database, "--stand-in", StandIn(2));
        _http.Dispose();
        _http = host.Client();
        using var events = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // Subscribed (the stream's headers arrived) before the connect, so the trigger step's first event is not missed.
        var stream = await host.OpenEventsAsync(_http, events.Token);

        var connected = await _http.PostAsJsonAsync(host.Url("/instances"), new JsonObject { ["integration"] = "quickbooks", ["company"] = "c1", ["tokens"] = QuickBooksTokens.DeepClone() });
        Assert.Equal(HttpStatusCode.Created, connected.StatusCode);
        Assert.Equal("tech.boss.quickbooks[0]", (await connected.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>());

        // The trigger step (the sync) and its two child runs, as the Debug panel shows them, live.
        var seen = new List<JsonObject>();
        await foreach (var e in stream)
        {
            seen.Add(e);
            if (seen.Count(x => x["Message"]!.GetValue<string>() == "Finished execution of action: invoices-post-v1") == 2)
            {
                break;
            }
        }
        Assert.Contains(seen, e => e["Message"]!.GetValue<string>() == "Starting execution of action: quickbooks-sync-v1");
        Assert.DoesNotContain(seen, e => e.ToJsonString().Contains("serve-access-token-5d2e", StringComparison.Ordinal));

        // A returnsData action answers its synchronous caller.
        var report = await _http.PostAsJsonAsync(host.Url("/instances/" + Uri.EscapeDataString("tech.boss.quickbooks[0]") + "/runs?wait=true"), new JsonObject { ["action"] = "get-profit-and-loss-v1" });
        Assert.Equal(HttpStatusCode.OK, report.StatusCode);
        var reported = (await report.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Succeeded", reported["status"]!.GetValue<string>());
        Assert.Equal("ProfitAndLoss", reported["result"]!["Header"]!["ReportName"]!.GetValue<string>());

        var unknown = await _http.PostAsJsonAsync(host.Url("/instances"), new JsonObject { ["integration"] = "nope" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var stripe = await _http.PostAsJsonAsync(host.Url("/instances"), new JsonObject { ["integration"] = "stripe", ["company"] = "c1", ["tokens"] = new JsonObject { ["apiKey"] = "sk_test_serve_0000", ["webhookSecret"] = StripeWebhookSecret } });
        var stripeId = (await stripe.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var webhookUrl = host.Url("/webhooks/" + Uri.EscapeDataString(stripeId));
        var body = """{"type": "customer.created", "data": {"object": {"id": "cus_1"}}}""";
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.SendAsync(StripeWebhook(webhookUrl, body, null))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.SendAsync(StripeWebhook(webhookUrl, body, "t=1,v1=00"))).StatusCode);
        var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = StripeSignature(t, body);
        var accepted = await _http.SendAsync(StripeWebhook(webhookUrl, body, signature));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var queued = (await accepted.Content.ReadFromJsonAsync<JsonObject>())!["queued"]!.AsArray().Select(q => q!["action"]!.GetValue<string>());
        Assert.Equal(["customers-post-v1", "sync-payments-v1"], queued);
        // The same delivery again is a replay.
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.SendAsync(StripeWebhook(webhookUrl, body, signature))).StatusCode);
        var incomplete = """{"type": "customer.created"}""";
        var unvalidated = await _http.SendAsync(StripeWebhook(webhookUrl, incomplete, StripeSignature(t, incomplete)));
        Assert.Equal(HttpStatusCode.BadRequest, unvalidated.StatusCode);
        Assert.Equal("data", (await unvalidated.Content.ReadFromJsonAsync<JsonObject>())!["missing"]![0]!.GetValue<string>());

        var run = await _http.PostAsJsonAsync(host.Url("/instances/" + Uri.EscapeDataString(stripeId) + "/runs"), new JsonObject { ["action"] = "post-products-v1", ["payload"] = new JsonObject { ["name"] = "Plan" } });
        Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);

        var authorize = await _http.PostAsJsonAsync(host.Url("/oauth/quickbooks/start"), new JsonObject { ["company"] = "c2" });
        Assert.Equal(HttpStatusCode.OK, authorize.StatusCode);
        Assert.StartsWith("https://appcenter.intuit.com/connect/oauth2", (await authorize.Content.ReadFromJsonAsync<JsonObject>())!["authorization_url"]!.GetValue<string>(), StringComparison.Ordinal);

        var added = await _http.PostAsJsonAsync(host.Url("/chiefonboarding/instances"), new JsonObject { ["manifest"] = "asana-add-user", ["initial_data"] = new JsonObject { ["TOKEN"] = "t-123456", ["ORG"] = "o-1" } });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var branches = await _http.GetFromJsonAsync<JsonObject>(host.Url("/branches"));
        Assert.Contains("asana-add-user", branches!["branches"]!["production"]!.AsArray().Select(n => n!.GetValue<string>()));

        // Tokens are encrypted at rest.
        await host.StopAsync();
        Assert.DoesNotContain("serve-access-token-5d2e"u8.ToArray(), [File.ReadAllBytes(Database)], new SubArrayComparer());
    }

    [Fact]
    public async Task A_host_killed_mid_sync_resumes_its_queued_runs_and_each_invoice_lands_once()
    {
        const int Invoices = 60;
        var standIn = StandIn(Invoices);
        var first = await ServeProcess.StartAsync(_directory, Sample("bossi", "quickbooks"), "--db", Database, "--stand-in", standIn);
        _http.Dispose();
        _http = first.Client();
        var connected = await _http.PostAsJsonAsync(first.Url("/instances"), new JsonObject { ["integration"] = "quickbooks", ["company"] = "c1", ["tokens"] = QuickBooksTokens.DeepClone() });
        Assert.Equal(HttpStatusCode.Created, connected.StatusCode);

        // Kill -9 once some invoices have landed and others are still queued.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Count("SELECT COUNT(*) FROM records") < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        first.Kill();
        var landedBeforeKill = Count("SELECT COUNT(*) FROM records");
        Assert.InRange(landedBeforeKill, 3, Invoices - 1);
        Assert.True(Count("SELECT COUNT(*) FROM runs WHERE state <> 'done'") > 0);

        await using var second = await ServeProcess.StartAsync(_directory, Sample("bossi", "quickbooks"), "--db", Database, "--stand-in", standIn);
        deadline = DateTime.UtcNow.AddSeconds(90);
        while (Count("SELECT COUNT(*) FROM runs WHERE state <> 'done'") > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, Count("SELECT COUNT(*) FROM runs WHERE state <> 'done'"));
        Assert.Equal(Invoices + 1, Count("SELECT COUNT(*) FROM runs")); // the sync and one run per invoice, none queued twice
        Assert.Equal(Invoices, Count("SELECT COUNT(*) FROM records"));
        Assert.Equal(Invoices, Count("SELECT COUNT(DISTINCT record) FROM records"));
    }

    private long Count(string sql)
    {
        if (!File.Exists(Database))
        {
            return 0;
        }
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        try
        {
            return command.ExecuteScalar() is long count ? count : 0;
        }
        catch (SqliteException)
        {
            return 0; // the tables do not exist yet
        }
    }

    private sealed class SubArrayComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? needle, byte[]? haystack) => needle is not null && haystack is not null && haystack.AsSpan().IndexOf(needle) >= 0;

        public int GetHashCode(byte[] obj) => 0;
    }
}

/// <summary><c>dotnet mfc.dll serve …</c> on a free port, ready when it answers.</summary>
internal sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _log = new();

    private ServeProcess(Process process, int port, string adminKeyFile)
    {
        _process = process;
        Port = port;
        AdminKeyFile = adminKeyFile;
    }

    public int Port { get; }

    /// <summary>Where <c>mfc serve</c> wrote the admin key of a new store (<c>&lt;db&gt;.admin-key</c>).</summary>
    public string AdminKeyFile { get; }

    /// <summary>The admin key, as an operator reads it from <see cref="AdminKeyFile"/>.</summary>
    public string AdminKey => File.ReadAllText(AdminKeyFile).Trim();

    /// <summary>A client that sends <paramref name="key"/> (the admin key by default) with every request.</summary>
    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key ?? AdminKey);
        return client;
    }

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public bool HasExited => _process.HasExited;

    public static Task<ServeProcess> StartAsync(string workDirectory, params string[] args) => StartWithAdminKeyAsync(workDirectory, adminKeyFile: null, args);

    /// <summary>As <see cref="StartAsync(string, string[])"/>, with the admin key in <paramref name="adminKeyFile"/> (a PostgreSQL database has no file beside it).</summary>
    public static async Task<ServeProcess> StartWithAdminKeyAsync(string workDirectory, string? adminKeyFile, params string[] args)
    {
        var port = ManifestCompiler.Runtime.Hosting.LoopbackServer.FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workDirectory };
        // "{PORT}" in an argument is the port the host will listen on (to route a vendor to the host itself).
        var portText = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "mfc.dll"), "serve" }.Concat(args.Select(a => a.Replace("{PORT}", portText, StringComparison.Ordinal))).Concat(["--port", portText]))
        {
            start.ArgumentList.Add(arg);
        }
        var database = args[Array.IndexOf(args, "--db") + 1];
        var process = Process.Start(start)!;
        var serve = new ServeProcess(process, port, adminKeyFile ?? Path.Combine(workDirectory, database + ".admin-key"));
        process.OutputDataReceived += (_, e) => { lock (serve._log) { serve._log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (serve._log) { serve._log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mfc serve exited with {process.ExitCode}:\n{serve.Log}");
            }
            try
            {
                // Ready when the admin key answers (the store has one from the first start on).
                if (File.Exists(serve.AdminKeyFile))
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, serve.Url("/instances"));
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", serve.AdminKey);
                    if ((await probe.SendAsync(request)).IsSuccessStatusCode)
                    {
                        return serve;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                // not listening yet, or the admin key file is still being written (it is held exclusively meanwhile)
            }
            await Task.Delay(100);
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException("mfc serve did not answer:\n" + serve.Log);
    }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>The live event stream, one JSON object per event.</summary>
    public async IAsyncEnumerable<JsonObject> ReadEventsAsync(HttpClient http, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in await OpenEventsAsync(http, cancellationToken))
        {
            yield return e;
        }
    }

    /// <summary>
    /// The event stream, once its headers arrived (the host subscribes before sending them, so every event published
    /// after this returns is in the stream).
    /// </summary>
    public async Task<IAsyncEnumerable<JsonObject>> OpenEventsAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url("/events"));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return ReadOpenedEventsAsync(response, cancellationToken);
    }

    private static async IAsyncEnumerable<JsonObject> ReadOpenedEventsAsync(HttpResponseMessage response, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var owned = response;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                yield return (JsonObject)JsonNode.Parse(line["data: ".Length..])!;
            }
        }
    }

    /// <summary>Sends a signal to the process (SIGSTOP pauses it, SIGCONT resumes it).</summary>
    public void Signal(string signal) =>
        Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    /// <summary>SIGKILL: no shutdown code runs (the worst case for the run queue).</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>A graceful stop (SIGTERM), as Ctrl+C.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
