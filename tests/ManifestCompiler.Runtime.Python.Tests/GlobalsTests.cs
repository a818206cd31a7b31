using System.Text.Json.Nodes;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Runtime.Python.Tests;

/// <summary>Every preloaded global and function behaves as the spec's "Complete Globals Reference" says, on real
/// workers, with HTTP going to a real server on 127.0.0.1.</summary>
public sealed class GlobalsTests(SharedPool shared, StandInServer server) : IClassFixture<SharedPool>, IClassFixture<StandInServer>
{
    private readonly PythonWorkerPool pool = shared.Pool;

    private static void AssertSucceeded(PythonStepResult result) =>
        Assert.True(result.Succeeded, result.Error?.ToString());

    [Fact]
    public async Task Data_and_context_globals_are_preloaded()
    {
        var request = new PythonStepRequest
        {
            TenantId = "acme",
            Source = """
                def main(storage):
                    return {
                        "payload": payload, "variables": variables, "integration_variables": integration_variables,
                        "all_variables": all_variables, "action": action, "entity_id": entity_id,
                        "company_id": company_id, "person_id": person_id, "integration": integration,
                        "webhook_url": webhook_url, "storage": storage,
                    }
                """,
            Payload = new JsonObject { ["page"] = 2, ["baseUrl"] = "from-payload" },
            Storage = new JsonObject { ["from_step_1"] = true },
            Variables = new JsonObject { ["baseUrl"] = "https://api.example.com", ["region"] = "eu" },
            IntegrationVariables = new JsonObject { ["apiKey"] = "k-123", ["region"] = "us" },
            Action = "sync-contacts-v1",
            CompanyId = "company-42",
            PersonId = "person-7",
            Integration = "tech.boss.northwind[0]",
            WebhookUrl = "https://hooks.example.com/in/abc",
        };
        var result = await pool.RunAsync(request, new RecordingHandler());
        AssertSucceeded(result);
        var value = result.ReturnValue!;
        Assert.Equal(2, (int?)value["payload"]!["page"]);
        Assert.Equal("eu", (string?)value["variables"]!["region"]);
        Assert.Equal("k-123", (string?)value["integration_variables"]!["apiKey"]);
        // all_variables: variables, then integration_variables, then payload (later sources win)
        Assert.Equal("us", (string?)value["all_variables"]!["region"]);
        Assert.Equal("from-payload", (string?)value["all_variables"]!["baseUrl"]);
        Assert.Equal("k-123", (string?)value["all_variables"]!["apiKey"]);
        Assert.Equal("sync-contacts-v1", (string?)value["action"]);
        Assert.Equal("company-42", (string?)value["entity_id"]);
        Assert.Equal("company-42", (string?)value["company_id"]);
        Assert.Equal("person-7", (string?)value["person_id"]);
        Assert.Equal("tech.boss.northwind[0]", (string?)value["integration"]);
        Assert.Equal("https://hooks.example.com/in/abc", (string?)value["webhook_url"]);
        Assert.Equal(true, (bool?)value["storage"]!["from_step_1"]);
    }

    [Fact]
    public async Task Storage_changes_are_the_state_after_the_step()
    {
        var request = new PythonStepRequest
        {
            TenantId = "acme",
            Source = "def main(storage):\n    storage['count'] = storage.get('count', 0) + 1\n    storage['seen'] = payload['id']\n    return {'done': True}\n",
            Storage = new JsonObject { ["count"] = 4 },
            Payload = new JsonObject { ["id"] = "x1" },
        };
        var result = await pool.RunAsync(request, new RecordingHandler());
        AssertSucceeded(result);
        Assert.Equal(5, (int?)result.Storage!["count"]);
        Assert.Equal("x1", (string?)result.Storage["seen"]);
        Assert.Equal(4, (int?)request.Storage!["count"]); // the request itself is not changed
    }

    [Fact]
    public async Task Http_request_goes_through_the_host_to_a_real_server()
    {
        var source = $$"""
            def main(storage):
                r = http.request("GET", f"{variables['baseUrl']}/contacts?page=1",
                                 headers={"Authorization": f"Bearer {integration_variables['apiKey']}"})
                data = json.loads(r.data.decode("utf-8"))
                created = http.request("POST", f"{variables['baseUrl']}/echo",
                                       headers={"Content-Type": "application/json", "X-Custom": "yes"},
                                       body=json.dumps({"name": "Ada"}).encode("utf-8"))
                echo = json.loads(created.data.decode("utf-8"))
                return {"status": r.status, "type": r.headers.get("content-type"), "TYPE": r.headers["Content-Type"],
                        "ids": [c["id"] for c in data["contacts"]], "auth": data["auth"], "has_more": data["has_more"],
                        "created": created.status, "echo": echo, "json": created.json()["method"]}
            """;
        var handler = new RecordingHandler();
        var result = await pool.RunAsync(new PythonStepRequest
        {
            TenantId = "acme",
            Source = source,
            Variables = new JsonObject { ["baseUrl"] = server.BaseUrl },
            IntegrationVariables = new JsonObject { ["apiKey"] = "secret-key" },
        }, handler);
        AssertSucceeded(result);
        var value = result.ReturnValue!;
        Assert.Equal(200, (int?)value["status"]);
        Assert.StartsWith("application/json", (string?)value["type"]);
        Assert.Equal((string?)value["type"], (string?)value["TYPE"]);
        Assert.Equal(["c1a", "c1b"], value["ids"]!.AsArray().Select(n => (string)n!).ToArray());
        Assert.Equal("Bearer secret-key", (string?)value["auth"]);
        Assert.Equal(true, (bool?)value["has_more"]);
        Assert.Equal(201, (int?)value["created"]);
        Assert.Equal("POST", (string?)value["echo"]!["method"]);
        Assert.Equal("{\"name\": \"Ada\"}", (string?)value["echo"]!["body"]);
        Assert.Equal("application/json", (string?)value["echo"]!["contentType"]);
        Assert.Equal("yes", (string?)value["echo"]!["custom"]);
        Assert.Equal("POST", (string?)value["json"]);

        // The run records both requests in order, with the Authorization value masked.
        Assert.Equal([StepSideEffectKind.Http, StepSideEffectKind.Http], result.SideEffects.Select(e => e.Kind).ToArray());
        Assert.Equal([1, 2], result.SideEffects.Select(e => e.Sequence).ToArray());
        Assert.Equal("***", (string?)result.SideEffects[0].Arguments["headers"]!["Authorization"]);
        Assert.DoesNotContain("secret-key", result.SideEffects[0].Arguments.ToJsonString());
        Assert.Equal("yes", (string?)result.SideEffects[1].Arguments["headers"]!["X-Custom"]);
    }

    [Fact]
    public async Task A_429_answer_schedules_the_task_with_its_retries()
    {
        var source = """
            def main(storage):
                response = http.request("GET", f"{variables['baseUrl']}/ratelimited")
                if response.status == 429:
                    retry_after = int(response.headers.get("Retry-After", 60))
                    schedule_task(retry_after, retries=3)
                    return {"error": f"Rate limited. Retry in {retry_after}s"}
                return {"ok": True}
            """;
        var handler = new RecordingHandler();
        var result = await pool.RunAsync(new PythonStepRequest { TenantId = "acme", Source = source, Variables = new JsonObject { ["baseUrl"] = server.BaseUrl } }, handler);
        AssertSucceeded(result);
        Assert.Equal("Rate limited. Retry in 7s", (string?)result.ReturnValue!["error"]);
        Assert.Equal([(7, 3)], handler.Schedules.ToArray());
        var scheduled = result.SideEffects[1];
        Assert.Equal(StepSideEffectKind.ScheduleTask, scheduled.Kind);
        Assert.Equal(7, (int?)scheduled.Arguments["seconds"]);
        Assert.Equal(3, (int?)scheduled.Arguments["retries"]);
    }

    [Fact]
    public async Task Module_facades_json_logging_datetime_uuid_urlparse_and_b64()
    {
        var source = """
            def main(storage):
                logging.debug("raw %s", 1)
                logging.info("info")
                logging.warning("careful")
                logging.error("bad")
                print("printed", 2)
                parsed = urlparse("https://api.example.com:8443/v1/items?q=a%20b")
                now = datetime.datetime.now()
                when = datetime.datetime.strptime("2024-03-05", "%Y-%m-%d") + datetime.timedelta(days=1)
                u = uuid.uuid4()
                try:
                    json.loads("{nope")
                    bad = False
                except json.JSONDecodeError:
                    bad = True
                return {
                    "dumps": json.dumps({"a": [1, 2]}, sort_keys=True),
                    "loads": json.loads('{"b": null}'),
                    "decode_error": bad,
                    "now_is_datetime": isinstance(now, datetime.datetime),
                    "when": when.date().isoformat(),
                    "uuid": str(u), "uuid_version": u.version,
                    "netloc": parsed.netloc, "port": parsed.port, "path": urlparse.urlparse("http://h/p").path,
                    "quote": urlparse.quote("a b/c"), "encode": urlparse.urlencode({"name": "A B", "n": 1}),
                    "b64": b64("abc"), "b64_bytes": b64(b"\x00\xff"),
                }
            """;
        var result = await pool.RunAsync(Pools.Step(source), new RecordingHandler());
        AssertSucceeded(result);
        var value = result.ReturnValue!;
        Assert.Equal("{\"a\": [1, 2]}", (string?)value["dumps"]);
        Assert.Null(value["loads"]!["b"]);
        Assert.Equal(true, (bool?)value["decode_error"]);
        Assert.Equal(true, (bool?)value["now_is_datetime"]);
        Assert.Equal("2024-03-06", (string?)value["when"]);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", (string?)value["uuid"]);
        Assert.Equal(4, (int?)value["uuid_version"]);
        Assert.Equal("api.example.com:8443", (string?)value["netloc"]);
        Assert.Equal(8443, (int?)value["port"]);
        Assert.Equal("/p", (string?)value["path"]);
        Assert.Equal("a%20b/c", (string?)value["quote"]);
        Assert.Equal("name=A+B&n=1", (string?)value["encode"]);
        Assert.Equal("YWJj", (string?)value["b64"]);
        Assert.Equal("AP8=", (string?)value["b64_bytes"]);
        Assert.Equal(
            [(StepLogLevel.Debug, "raw 1"), (StepLogLevel.Info, "info"), (StepLogLevel.Warning, "careful"), (StepLogLevel.Error, "bad"), (StepLogLevel.Info, "printed 2")],
            result.Logs.Select(l => (l.Level, l.Message)).ToArray());
        Assert.All(result.Logs, l => Assert.True(DateTimeOffset.UtcNow - l.Timestamp < TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Get_token_reads_and_modify_tokens_overwrites_every_token()
    {
        var source = """
            def main(storage):
                before = get_token()
                tokens = dict(integration_variables)
                tokens["access_token"] = "tok-2"
                del tokens["refresh_token"]
                tokens["cursor"] = "c-9"
                modify_tokens(tokens)
                return {"before": before, "after": get_token(), "seen": integration_variables}
            """;
        var handler = new RecordingHandler();
        var result = await pool.RunAsync(new PythonStepRequest
        {
            TenantId = "acme",
            Source = source,
            IntegrationVariables = new JsonObject { ["access_token"] = "tok-1", ["refresh_token"] = "ref-1" },
        }, handler);
        AssertSucceeded(result);
        Assert.Equal("tok-1", (string?)result.ReturnValue!["before"]);
        Assert.Equal("tok-2", (string?)result.ReturnValue["after"]);
        // Overwrites all: the refresh token is gone from the store, the new key is there.
        Assert.Equal("{\"access_token\":\"tok-2\",\"cursor\":\"c-9\"}", handler.Tokens.ToJsonString());
        Assert.Equal("{\"access_token\":\"tok-2\",\"cursor\":\"c-9\"}", result.ReturnValue["seen"]!.ToJsonString());
        Assert.Equal([StepSideEffectKind.GetToken, StepSideEffectKind.ModifyTokens, StepSideEffectKind.GetToken], result.SideEffects.Select(e => e.Kind).ToArray());
        Assert.Equal("{\"tokens\":{\"access_token\":\"***\",\"cursor\":\"***\"}}", result.SideEffects[1].Arguments.ToJsonString());
    }

    [Fact]
    public async Task Trigger_parser_cron_and_dispatch_requests_reach_the_host_in_order()
    {
        var source = """
            def main(storage):
                send_to_parser("sync-contacts-v1", [{"id": 1}, {"id": 2}])
                send_to_trigger("sync-contacts-v1", {"page": 2})
                create_cron_job("nightly-sync", "0 3 * * *", payload={"full": True})
                answer = dispatch_command("get-profile-v1", {"id": 5}, {"reply_to": "me"})
                return {"answer": answer}
            """;
        var handler = new RecordingHandler();
        var result = await pool.RunAsync(Pools.Step(source), handler);
        AssertSucceeded(result);
        Assert.Equal(
            [StepSideEffectKind.SendToParser, StepSideEffectKind.SendToTrigger, StepSideEffectKind.CreateCronJob, StepSideEffectKind.DispatchCommand],
            result.SideEffects.Select(e => e.Kind).ToArray());
        var parsed = Assert.Single(handler.ParserSends);
        Assert.Equal("sync-contacts-v1", parsed.Action);
        Assert.Equal("[{\"id\":1},{\"id\":2}]", parsed.Data!.ToJsonString());
        var trigger = Assert.Single(handler.Triggers);
        Assert.Equal(("sync-contacts-v1", "{\"page\":2}"), (trigger.Action, trigger.Payload!.ToJsonString()));
        Assert.Equal("acme", trigger.Context.TenantId);
        Assert.Equal(result.RunId, trigger.Context.RunId);
        var cron = Assert.Single(handler.CronJobs);
        Assert.Equal("[\"nightly-sync\",\"0 3 * * *\"]", cron.Args.ToJsonString());
        Assert.Equal("{\"payload\":{\"full\":true}}", cron.Kwargs.ToJsonString());
        var dispatch = Assert.Single(handler.Dispatches);
        Assert.Equal(("get-profile-v1", "{\"id\":5}", "{\"reply_to\":\"me\"}"), (dispatch.Action, dispatch.Payload!.ToJsonString(), dispatch.Passthrough!.ToJsonString()));
        Assert.Equal("{\"dispatched\":\"get-profile-v1\",\"echo\":{\"id\":5}}", result.ReturnValue!["answer"]!.ToJsonString());
    }

    [Fact]
    public async Task A_refused_request_is_an_exception_the_step_can_catch()
    {
        var source = """
            def main(storage):
                try:
                    get_token()
                except Exception as e:
                    return {"type": type(e).__name__, "message": str(e)}
            """;
        var result = await pool.RunAsync(Pools.Step(source), new StepEffectHandler());
        AssertSucceeded(result);
        Assert.Equal("HostCallError", (string?)result.ReturnValue!["type"]);
        Assert.Equal("get_token() is not available in this host", (string?)result.ReturnValue["message"]);
        Assert.Equal("get_token() is not available in this host", Assert.Single(result.SideEffects).Error);
    }

    [Fact]
    public async Task The_quickbooks_sample_sync_step_fans_out_one_trigger_per_invoice()
    {
        var path = Path.Combine(RepositoryPaths.Root, "samples", "bossi", "quickbooks", "action", "quickbooks-sync-v1", "code", "quickbooks-sync-v1.py");
        var handler = new RecordingHandler();
        var result = await pool.RunAsync(new PythonStepRequest
        {
            TenantId = "acme",
            Source = await File.ReadAllTextAsync(path),
            FileName = "action/quickbooks-sync-v1/code/quickbooks-sync-v1.py",
            Variables = new JsonObject { ["apiUrl"] = server.BaseUrl },
        }, handler);
        AssertSucceeded(result);
        Assert.Equal(3, (int?)result.ReturnValue!["queued"]);
        Assert.Equal(["101", "102", "103"], handler.Triggers.Select(t => (string)t.Payload!["body"]!["Invoice"]!["Id"]!).ToArray());
        Assert.All(handler.Triggers, t => Assert.Equal("invoices-post-v1", t.Action));
        Assert.Equal(["[QB] Sending Invoice → 101", "[QB] Sending Invoice → 102", "[QB] Sending Invoice → 103"], result.Logs.Select(l => l.Message).ToArray());
        Assert.Equal("Bearer ***", "Bearer " + (string?)result.SideEffects[1].Arguments["headers"]!["Authorization"]);
    }
}
