using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Cli.Serving;
using ManifestCompiler.Testing;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Cli.Tests;

/// <summary>
/// <c>mfc serve</c> as an attacker meets it (issue 14): API keys, tenant isolation, roles, the Host and Content-Type
/// rules, forged OAuth callbacks, deploys of anything but sources. Each test runs <c>mfc serve</c> as a process
/// with a Kestrel stand-in on 127.0.0.1.
/// </summary>
public sealed class ServeSecurityTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-serve-security-").FullName;
    private readonly HttpClient _anonymous = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        _anonymous.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static string Sample(params string[] parts) => Path.Combine([RepositoryPaths.Root, "samples", .. parts]);

    private string Database => Path.Combine(_directory, "host.db");

    internal const string AccessToken = "sec-access-token-9c1f";

    private string StandIn() => QuickBooksStandIn(_directory);

    /// <summary>QuickBooks' API and token endpoint, as a stand-in file in <paramref name="directory"/>.</summary>
    internal static string QuickBooksStandIn(string directory)
    {
        var file = Path.Combine(directory, "stand-in.json");
        File.WriteAllText(file, new JsonObject
        {
            ["responses"] = new JsonArray(
                new JsonObject
                {
                    ["host"] = "quickbooks.api.intuit.com", ["method"] = "GET", ["path"] = "/v3/company/*/query", ["status"] = 200,
                    ["body"] = new JsonObject { ["QueryResponse"] = new JsonObject { ["Invoice"] = new JsonArray(new JsonObject { ["Id"] = "1", ["TxnDate"] = "2024-11-14", ["TotalAmt"] = 3.5, ["CustomerRef"] = new JsonObject { ["value"] = "24" } }) } },
                },
                new JsonObject
                {
                    ["host"] = "quickbooks.api.intuit.com", ["method"] = "GET", ["path"] = "/v3/company/*/reports/ProfitAndLoss", ["status"] = 200,
                    ["body"] = new JsonObject { ["Header"] = new JsonObject { ["ReportName"] = "ProfitAndLoss" } },
                },
                new JsonObject
                {
                    ["host"] = "oauth.platform.intuit.com", ["method"] = "POST", ["path"] = "/oauth2/v1/tokens/bearer", ["status"] = 200,
                    ["body"] = new JsonObject { ["access_token"] = "sec-exchanged-token-4b2d", ["refresh_token"] = "sec-exchanged-refresh-8e0a", ["expires_in"] = 3600, ["token_type"] = "bearer" },
                }),
        }.ToJsonString());
        return file;
    }

    private static string Escaped(string instance) => Uri.EscapeDataString(instance);

    private static async Task<JsonObject> JsonOf(HttpResponseMessage response) => (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    internal static async Task<string> ConnectAsync(HttpClient admin, ServeProcess host, string company)
    {
        var connected = await admin.PostAsJsonAsync(host.Url("/instances"), new JsonObject
        {
            ["integration"] = "quickbooks", ["company"] = company, ["tokens"] = new JsonObject { ["realmId"] = "9130", ["access_token"] = AccessToken },
        });
        Assert.Equal(HttpStatusCode.Created, connected.StatusCode);
        return (await JsonOf(connected))["id"]!.GetValue<string>();
    }

    /// <summary><c>mfc keys create</c> against the running server's database, as an operator would.</summary>
    private string CreateKey(params string[] args)
    {
        var created = MfcRunner.Run(null, ["keys", "create", "--db", Database, .. args]);
        Assert.True(created.ExitCode == 0, created.Error);
        return created.Output.Trim();
    }

    [Fact]
    public async Task Every_endpoint_but_webhooks_and_OAuth_callbacks_answers_401_without_a_live_key()
    {
        // The endpoint table as mfc serve maps it, read from a host built in this process.
        IReadOnlyList<(string Method, string Pattern, bool IsPublic)> endpoints;
        var (table, problem) = await ServeHost.StartAsync(new ServeOptions([], Path.Combine(_directory, "table.db"), null, 0, "production", [], null, []), TextWriter.Null, TextWriter.Null, CancellationToken.None);
        Assert.True(table is not null, problem);
        await using (table)
        {
            endpoints = table.Endpoints;
        }
        // Public by design: webhooks, OAuth callbacks, and the Debug panel's page, assets and sign-in form.
        Assert.Equal(
            ["GET /", "GET /debug/assets/{name}", "GET /oauth/callback", "GET /oauth/callback/{instance}", "POST /debug/sign-in", "POST /webhooks/{instance}"],
            endpoints.Where(e => e.IsPublic).Select(e => $"{e.Method} {e.Pattern}").Order(StringComparer.Ordinal));
        var guarded = endpoints.Where(e => !e.IsPublic).ToList();
        Assert.True(guarded.Count >= 12, string.Join(", ", guarded));

        await using var host = await ServeProcess.StartAsync(_directory, Sample("bossi", "quickbooks"), "--db", Database, "--stand-in", StandIn());
        using var admin = host.Client();
        var instance = await ConnectAsync(admin, host, "c1");
        var revoked = CreateKey("--company", "c1", "--user", "u1", "--role", "owner");
        var keys = await admin.GetFromJsonAsync<JsonArray>(host.Url("/keys"));
        var revokedId = keys!.Single(k => k!["company"]?.GetValue<string>() == "c1")!["id"]!.GetValue<string>();
        Assert.Equal(0, MfcRunner.Run(null, "keys", "revoke", revokedId, "--db", Database).ExitCode);

        foreach (var (method, pattern, _) in guarded)
        {
            var path = pattern.Replace("{instance}", Escaped(instance), StringComparison.Ordinal).Replace("{target}", "production", StringComparison.Ordinal)
                .Replace("{source}", "production", StringComparison.Ordinal).Replace("{integration}", "quickbooks", StringComparison.Ordinal).Replace("{id}", revokedId, StringComparison.Ordinal);
            foreach (var authorization in new string?[] { null, "Bearer " + revoked, "Bearer mfck_0000000000000000_forged", "Basic " + Convert.ToBase64String("admin:admin"u8.ToArray()), "Bearer " + host.AdminKey + "x" })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), host.Url(path)) { Content = method == "GET" ? null : JsonContent.Create(new JsonObject()) };
                if (authorization is not null)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", authorization);
                }
                using var response = await _anonymous.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} with {authorization?.Split(' ')[0] ?? "no key"} answered {(int)response.StatusCode}");
            }
        }
        // With the admin key: the dead letters (none here).
        Assert.Empty((await admin.GetFromJsonAsync<JsonArray>(host.Url("/runs/dead")))!);

        // The admin key itself never reaches the output or the logs.
        Assert.DoesNotContain(host.AdminKey, host.Log, StringComparison.Ordinal);
        Assert.Contains(host.AdminKeyFile, host.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_company_key_sees_and_runs_only_its_company_and_its_role_is_enforced()
    {
        await using var host = await ServeProcess.StartAsync(_directory, Sample("bossi", "quickbooks"), "--db", Database, "--stand-in", StandIn());
        using var admin = host.Client();
        var mine = await ConnectAsync(admin, host, "c1");
        var theirs = await ConnectAsync(admin, host, "c2");
        using var c1Admin = host.Client(CreateKey("--company", "c1", "--user", "u-1", "--role", "companyAdmin"));
        using var c1Employee = host.Client(CreateKey("--company", "c1", "--user", "u-2", "--role", "employee"));

        // Events: each stream sees what its key may see.
        using var streams = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var c1Events = Collect(host.ReadEventsAsync(c1Admin, streams.Token));
        var allEvents = Collect(host.ReadEventsAsync(admin, streams.Token));
        await Task.Delay(300); // both subscribed

        Assert.Equal([mine], (await c1Admin.GetFromJsonAsync<JsonArray>(host.Url("/instances")))!.Select(i => i!["id"]!.GetValue<string>()));
        Assert.Equal(2, (await admin.GetFromJsonAsync<JsonArray>(host.Url("/instances")))!.Count);

        // Another company's instance: neither run nor seen.
        var foreign = await c1Admin.PostAsJsonAsync(host.Url($"/instances/{Escaped(theirs)}/runs"), new JsonObject { ["action"] = "get-profit-and-loss-v1" });
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        var unknown = await c1Admin.PostAsJsonAsync(host.Url($"/instances/{Escaped("tech.boss.quickbooks[99]")}/runs"), new JsonObject { ["action"] = "get-profit-and-loss-v1" });
        Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
        var connectForOthers = await c1Admin.PostAsJsonAsync(host.Url("/instances"), new JsonObject { ["integration"] = "quickbooks", ["company"] = "c2", ["tokens"] = new JsonObject { ["realmId"] = "1" } });
        Assert.Equal(HttpStatusCode.Forbidden, connectForOthers.StatusCode);
        var addForOthers = await c1Admin.PostAsJsonAsync(host.Url("/chiefonboarding/instances"), new JsonObject { ["manifest"] = "asana-add-user", ["company"] = "c2", ["initial_data"] = new JsonObject() });
        Assert.Equal(HttpStatusCode.Forbidden, addForOthers.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await c1Admin.PostAsync(host.Url("/branches/production/merge/development"), null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await c1Admin.GetAsync(host.Url("/branches"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await c1Admin.GetAsync(host.Url("/keys"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await c1Admin.PostAsJsonAsync(host.Url("/keys"), new JsonObject { ["admin"] = true })).StatusCode);

        // Its own instance, as its role allows (usertypes.json): companyAdmin may sync; an employee may not.
        var refused = await c1Employee.PostAsJsonAsync(host.Url($"/instances/{Escaped(mine)}/runs"), new JsonObject { ["action"] = "quickbooks-sync-v1" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("role 'employee' may not trigger 'quickbooks-sync-v1'", (await JsonOf(refused))["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var report = await c1Employee.PostAsJsonAsync(host.Url($"/instances/{Escaped(mine)}/runs?wait=true"), new JsonObject { ["action"] = "get-profit-and-loss-v1" });
        Assert.Equal(HttpStatusCode.OK, report.StatusCode);
        var sync = await c1Admin.PostAsJsonAsync(host.Url($"/instances/{Escaped(mine)}/runs?wait=true"), new JsonObject { ["action"] = "quickbooks-sync-v1" });
        Assert.Equal(HttpStatusCode.OK, sync.StatusCode);
        var theirReport = await admin.PostAsJsonAsync(host.Url($"/instances/{Escaped(theirs)}/runs?wait=true"), new JsonObject { ["action"] = "get-profit-and-loss-v1" });
        Assert.Equal(HttpStatusCode.OK, theirReport.StatusCode);

        // The admin stream saw both companies' runs; the company stream only its own.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !(Snapshot(allEvents).Any(e => e["IntegrationId"]?.GetValue<string>() == theirs && e["Message"]!.GetValue<string>().StartsWith("Finished execution", StringComparison.Ordinal))
            && Snapshot(c1Events).Count(e => e["Message"]!.GetValue<string>().StartsWith("Finished execution", StringComparison.Ordinal)) >= 2))
        {
            await Task.Delay(50);
        }
        await Task.Delay(500); // anything of c2 that would leak has been written by now
        Assert.Contains(Snapshot(allEvents), e => e["IntegrationId"]?.GetValue<string>() == theirs);
        Assert.Contains(Snapshot(c1Events), e => e["IntegrationId"]?.GetValue<string>() == mine);
        Assert.All(Snapshot(c1Events), e => Assert.Equal(mine, e["IntegrationId"]?.GetValue<string>()));
        await streams.CancelAsync();

        // A key issued over HTTP by the admin, shown in that answer only.
        var issued = await admin.PostAsJsonAsync(host.Url("/keys"), new JsonObject { ["company"] = "c2", ["user"] = "u-9", ["role"] = "owner" });
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        using (var c2Owner = host.Client((await JsonOf(issued))["key"]!.GetValue<string>()))
        {
            Assert.Equal([theirs], (await c2Owner.GetFromJsonAsync<JsonArray>(host.Url("/instances")))!.Select(i => i!["id"]!.GetValue<string>()));
        }
        Assert.All((await admin.GetFromJsonAsync<JsonArray>(host.Url("/keys")))!, k => Assert.Null(k!["key"]));

        // Revoked while the server runs: the next request fails.
        var id = (await admin.GetFromJsonAsync<JsonArray>(host.Url("/keys")))!.First(k => k!["role"]?.GetValue<string>() == "companyAdmin")!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync(host.Url($"/keys/{id}/revoke"), null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await c1Admin.GetAsync(host.Url("/instances"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await c1Employee.GetAsync(host.Url("/instances"))).StatusCode);

        // Debug events went to the log, with levels and without the tokens.
        await host.StopAsync();
        Assert.Contains("info: ManifestCompiler.Runtime.Debug", host.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(AccessToken, host.Log, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Requests_need_a_known_Host_and_JSON_bodies_and_forged_OAuth_callbacks_connect_nothing()
    {
        await using var host = await ServeProcess.StartAsync(_directory, Sample("bossi", "quickbooks"), "--db", Database, "--stand-in", StandIn());
        using var admin = host.Client();

        // Cross-site requests: a simple form or text body gets 415, and no answer carries CORS headers.
        foreach (var content in new HttpContent[]
        {
            new StringContent("""{"integration":"quickbooks","company":"c9","tokens":{"realmId":"1"}}""", System.Text.Encoding.UTF8, "text/plain"),
            new FormUrlEncodedContent([new("integration", "quickbooks")]),
            new StringContent("""{"integration":"quickbooks"}"""),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, host.Url("/instances")) { Content = content };
            request.Headers.Add("Origin", "https://evil.example");
            var response = await admin.SendAsync(request);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
        }
        using (var preflight = new HttpRequestMessage(HttpMethod.Options, host.Url("/instances")))
        {
            preflight.Headers.Add("Origin", "https://evil.example");
            preflight.Headers.Add("Access-Control-Request-Method", "POST");
            var response = await admin.SendAsync(preflight);
            Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
        }

        // DNS rebinding: a foreign Host is refused, even with a key; localhost with the port is fine.
        foreach (var (hostHeader, expected) in new[] { ("evil.example", HttpStatusCode.BadRequest), ($"evil.example:{host.Port}", HttpStatusCode.BadRequest), ("127.0.0.1:1", HttpStatusCode.BadRequest), ($"localhost:{host.Port}", HttpStatusCode.OK) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, host.Url("/instances"));
            request.Headers.Host = hostHeader;
            Assert.Equal(expected, (await admin.SendAsync(request)).StatusCode);
        }
        using (var webhook = new HttpRequestMessage(HttpMethod.Post, host.Url("/webhooks/x")) { Content = JsonContent.Create(new JsonObject()) })
        {
            webhook.Headers.Host = "evil.example";
            Assert.Equal(HttpStatusCode.BadRequest, (await _anonymous.SendAsync(webhook)).StatusCode);
        }

        // OAuth: the state is a nonce the start call issues; company and integration come from it alone.
        var started = await admin.PostAsJsonAsync(host.Url("/oauth/quickbooks/start"), new JsonObject { ["company"] = "c2" });
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var url = (await JsonOf(started))["authorization_url"]!.GetValue<string>();
        var state = Uri.UnescapeDataString(url[(url.LastIndexOf("state=", StringComparison.Ordinal) + 6)..]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _anonymous.PostAsync(host.Url("/oauth/quickbooks/start"), null)).StatusCode);

        foreach (var forged in new[] { "?code=c&state=c2&integration=quickbooks", "?code=c&state=" + Uri.EscapeDataString(state + "x"), "?code=c&integration=quickbooks&company=c2", "?code=c" })
        {
            var response = await _anonymous.GetAsync(host.Url("/oauth/callback" + forged));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{forged}: {(int)response.StatusCode}");
        }
        Assert.Empty((await admin.GetFromJsonAsync<JsonArray>(host.Url("/instances")))!);

        var callback = await _anonymous.GetAsync(host.Url($"/oauth/callback?code=good&realmId=9130&state={Uri.EscapeDataString(state)}&company=evil&integration=stripe"));
        Assert.Equal(HttpStatusCode.OK, callback.StatusCode);
        var replay = await _anonymous.GetAsync(host.Url($"/oauth/callback?code=good&realmId=9130&state={Uri.EscapeDataString(state)}"));
        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        var instances = (await admin.GetFromJsonAsync<JsonArray>(host.Url("/instances")))!;
        Assert.Equal(["tech.boss.quickbooks[0] c2"], instances.Select(i => $"{i!["id"]} {i["company"]}"));

        // A ChiefOnboarding-style callback with a BOSSi nonce, or with none, connects nothing either.
        Assert.Equal(HttpStatusCode.NotFound, (await _anonymous.GetAsync(host.Url("/oauth/callback/chiefonboarding.none%5B0%5D?code=c&state=" + Uri.EscapeDataString(state)))).StatusCode);

        // The files that hold secrets are the owner's alone; the log has levels and no secrets.
        foreach (var file in new[] { Database, Database + ".key", Database + ".admin-key" })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        await host.StopAsync();
        Assert.Contains("info: ", host.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("sec-exchanged-token-4b2d", host.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(state, host.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(host.AdminKey, host.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deploy_over_HTTP_compiles_sources_and_never_loads_an_assembly()
    {
        var marker = Path.Combine(_directory, "constructor-ran");
        var assembly = EvilPlanAssembly(marker);
        await using var host = await ServeProcess.StartAsync(_directory, Sample("bossi", "quickbooks"), "--db", Database, "--stand-in", StandIn(), "--max-deploy-bytes", "200000");
        using var admin = host.Client();
        var deploy = host.Url("/branches/development/deploy");

        // The assembly, as it is, as a zip body, and inside a zip: refused, and its constructor never runs.
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await admin.PostAsync(deploy, new ByteArrayContent(assembly))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync(deploy, Zip(assembly))).StatusCode);
        var packed = await admin.PostAsync(deploy, Zip(ZipOf(("plans/Evil.dll", assembly), ("plans/Evil.Plans.dll", assembly))));
        Assert.Equal(HttpStatusCode.BadRequest, packed.StatusCode);
        Assert.Contains("no integration folder or manifest", (await JsonOf(packed))["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(File.Exists(marker));

        // Entries that leave the folder, and bodies over the limit.
        var outside = Path.Combine(_directory, "escaped.json");
        foreach (var name in new[] { "../escaped.json", "/tmp/escaped.json", "a/../../escaped.json", "a\\..\\..\\escaped.json" })
        {
            var response = await admin.PostAsync(deploy, Zip(ZipOf((name, "{}"u8.ToArray()))));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)response.StatusCode}");
        }
        Assert.False(File.Exists(outside));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await admin.PostAsync(deploy, Zip(new byte[300_000]))).StatusCode);
        using (var chunked = new HttpRequestMessage(HttpMethod.Post, deploy) { Content = new StreamContent(new MemoryStream(new byte[300_000])) })
        {
            chunked.Content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
            chunked.Headers.TransferEncodingChunked = true;
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await admin.SendAsync(chunked)).StatusCode);
        }

        // Sources with errors: refused with mfc check's diagnostics.
        var broken = await admin.PostAsync(deploy, Zip(ZipOf(("broken/oauth.json", """{"name": "Broken", "isNonOauth": "yes"}"""u8.ToArray()), ("broken/schema.json", "{"u8.ToArray()))));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        var diagnostics = (await JsonOf(broken))["diagnostics"]!.AsArray();
        Assert.NotEmpty(diagnostics);
        Assert.All(diagnostics, d => Assert.StartsWith("broken/", d!["file"]!.GetValue<string>(), StringComparison.Ordinal));

        // Sources that compile: deployed.
        var stripe = Sample("bossi", "stripe");
        var files = Directory.EnumerateFiles(stripe, "*", SearchOption.AllDirectories).Select(f => ("stripe/" + Path.GetRelativePath(stripe, f).Replace('\\', '/'), File.ReadAllBytes(f))).ToArray();
        var deployed = await admin.PostAsync(deploy, Zip(ZipOf(files)));
        Assert.True(deployed.StatusCode == HttpStatusCode.OK, await deployed.Content.ReadAsStringAsync());
        Assert.Equal(["stripe"], (await JsonOf(deployed))["plans"]!.AsArray().Select(p => p!.GetValue<string>()));
        var branches = await admin.GetFromJsonAsync<JsonObject>(host.Url("/branches"));
        Assert.Equal(["stripe"], branches!["branches"]!["development"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.False(File.Exists(marker));
    }

    private static ByteArrayContent Zip(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return content;
    }

    private static byte[] ZipOf(params (string Name, byte[] Bytes)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(bytes);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>A plan assembly whose registered plan writes <paramref name="marker"/> when constructed.</summary>
    private static byte[] EvilPlanAssembly(string marker)
    {
        var (image, problems) = RoslynCompilation.Emit("Evil.Plans", [("Evil.cs", $$"""
            using System.Collections.Generic;
            using ManifestCompiler.Runtime.Support.Plans;
            [assembly: ManifestPlan(typeof(EvilPlan))]
            public sealed class EvilPlan : IntegrationPlan
            {
                public EvilPlan() => System.IO.File.WriteAllText(@"{{marker.Replace("\"", "\"\"", StringComparison.Ordinal)}}", "ran");
                public override string Name => "evil";
                public override OAuthPlan OAuth => null!;
                public override SchemaPlan Schema => null!;
                public override IReadOnlyList<ActionPlan> Actions => [];
                public override UserTypesPlan? UserTypes => null;
                public override WebhookRouterPlan? Webhook => null;
                public override IReadOnlyList<string> Assets => [];
            }
            """)]);
        Assert.True(image is not null, string.Join("\n", problems));
        return image;
    }

    private static List<JsonObject> Collect(IAsyncEnumerable<JsonObject> stream)
    {
        var seen = new List<JsonObject>();
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in stream)
                {
                    lock (seen)
                    {
                        seen.Add(e);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
            {
                // The test is over.
            }
        });
        return seen;
    }

    private static List<JsonObject> Snapshot(List<JsonObject> seen)
    {
        lock (seen)
        {
            return [.. seen];
        }
    }

    [Fact]
    public async Task A_step_cannot_call_the_hosts_own_port_even_when_the_operator_routes_a_vendor_there()
    {
        await using var serve = await ServeProcess.StartAsync(_directory, Sample("bossi", "quickbooks"), "--db", Database, "--route", "quickbooks.api.intuit.com=http://127.0.0.1:{PORT}");
        using var admin = serve.Client();
        var connected = await admin.PostAsJsonAsync(serve.Url("/instances"), new JsonObject
        {
            ["integration"] = "quickbooks",
            ["company"] = "c1",
            ["tokens"] = new JsonObject { ["realmId"] = "9130", ["access_token"] = AccessToken, ["refresh_token"] = "sec-refresh-token-1d4b" },
        });
        Assert.Equal(HttpStatusCode.Created, connected.StatusCode);

        // The step's http.request goes to https://quickbooks.api.intuit.com/..., routed to the host's own port.
        var report = await admin.PostAsJsonAsync(serve.Url("/instances/" + Uri.EscapeDataString("tech.boss.quickbooks[0]") + "/runs?wait=true"), new JsonObject { ["action"] = "get-profit-and-loss-v1" });

        Assert.Equal(HttpStatusCode.BadGateway, report.StatusCode);
        var outcome = (await report.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Failed", (string?)outcome["status"]);
        Assert.Contains($"127.0.0.1:{serve.Port} is this host's own listening address", (string?)outcome["error"], StringComparison.Ordinal);
    }
}
