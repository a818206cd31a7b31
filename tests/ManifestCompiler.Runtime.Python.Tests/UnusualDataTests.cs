using System.Text.Json.Nodes;

namespace ManifestCompiler.Runtime.Python.Tests;

/// <summary>
/// Unusual data is data (docs/python-sandbox.md, "Unusual data"): lone surrogates from a third party and deeply
/// nested values come back as results, logs and side effects, never as an exception out of the pool nor as a
/// sandbox violation. Lone surrogates become U+FFFD; a surrogate pair Python holds as two code points is joined.
/// </summary>
public sealed class UnusualDataTests(SharedPool shared, StandInServer server) : IClassFixture<SharedPool>, IClassFixture<StandInServer>
{
    private const string Replaced = "Inv\uFFFDoice";

    private readonly PythonWorkerPool pool = shared.Pool;

    private async Task<PythonStepResult> RunAsync(string source, RecordingHandler? handler = null, JsonNode? payload = null, string tenant = "unusual") =>
        await pool.RunAsync(Pools.Step(source, tenant, payload), handler ?? new RecordingHandler());

    [Fact]
    public async Task A_third_party_lone_surrogate_reaches_logs_result_storage_and_side_effects_as_U_FFFD()
    {
        var handler = new RecordingHandler();
        var source = """
            def main(storage):
                invoice = http.request("GET", payload["url"]).json()
                name = invoice["name"]
                logging.info("syncing " + name)
                print(name)
                storage["last"] = name
                storage[name] = {"id": invoice["id"]}
                send_to_trigger("child", {"name": name, "names": [name, name]})
                send_to_parser("invoices", [{"Id": invoice["id"], "Name": name}])
                dispatch_command("other", {"name": name})
                create_cron_job(name, when=name)
                return {"name": name, name: len(name)}
            """;
        var result = await RunAsync(source, handler, new JsonObject { ["url"] = server.BaseUrl + "/lone-surrogate" });
        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(["syncing " + Replaced, Replaced], result.Logs.Select(l => l.Message));
        Assert.Equal(Replaced, (string?)result.ReturnValue!["name"]);
        Assert.Equal(8, (int?)result.ReturnValue[Replaced]); // Python counted the lone surrogate as one character
        Assert.Equal(Replaced, (string?)result.Storage!["last"]);
        Assert.Equal("42", (string?)result.Storage[Replaced]!["id"]);
        var trigger = Assert.Single(handler.Triggers);
        Assert.Equal(Replaced, (string?)trigger.Payload!["name"]);
        Assert.Equal(Replaced, (string?)Assert.Single(handler.ParserSends).Data![0]!["Name"]);
        Assert.Equal(Replaced, (string?)Assert.Single(handler.Dispatches).Payload!["name"]);
        var cron = Assert.Single(handler.CronJobs);
        Assert.Equal(Replaced, (string?)cron.Args[0]);
        Assert.Equal(Replaced, (string?)cron.Kwargs["when"]);
        Assert.All(result.SideEffects, e => Assert.Null(e.Error));
        // Every string of the result is readable by the host (System.Text.Json throws on a lone surrogate).
        Assert.Contains(Replaced, result.ReturnValue.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    [Fact]
    public async Task Lone_surrogates_made_in_python_are_replaced_and_split_pairs_are_joined()
    {
        var handler = new RecordingHandler();
        var source = """
            def main(storage):
                lone_high = 'a\ud800b'
                lone_low = 'a\udc00b'
                pair = '\ud83d' + '\ude00'
                logging.warning('%s|%s|%s', lone_high, lone_low, pair)
                try:
                    http.request("POST", payload["url"], headers={"X-Custom": lone_high}, body=pair)
                except http.HTTPError:
                    pass  # HttpClient refuses a non-ASCII header value; the request is still recorded
                return {"high": lone_high, "low": lone_low, "pair": pair, "run": '\udfff\ud800'}
            """;
        var result = await RunAsync(source, handler, new JsonObject { ["url"] = server.BaseUrl + "/echo" });
        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal("a\uFFFDb|a\uFFFDb|\U0001F600", Assert.Single(result.Logs).Message);
        Assert.Equal("a\uFFFDb", (string?)result.ReturnValue!["high"]);
        Assert.Equal("a\uFFFDb", (string?)result.ReturnValue["low"]);
        Assert.Equal("\U0001F600", (string?)result.ReturnValue["pair"]);
        Assert.Equal("\uFFFD\uFFFD", (string?)result.ReturnValue["run"]);
        var request = Assert.Single(result.SideEffects);
        Assert.NotNull(request.Error);
        Assert.Equal("a\uFFFDb", (string?)request.Arguments["headers"]!["X-Custom"]);
        Assert.Equal("\U0001F600", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)request.Arguments["body"]!)));
    }

    [Fact]
    public async Task A_lone_surrogate_in_an_exception_message_is_a_python_error_not_a_violation()
    {
        var result = await RunAsync("def main(storage):\n    raise ValueError('bad \\ud800 value')\n");
        Assert.Equal(StepErrorKind.PythonException, result.Error?.Kind);
        Assert.Equal("bad \uFFFD value", result.Error!.Message);
    }

    [Fact]
    public async Task Results_storage_and_side_effects_nested_300_levels_deep_are_data()
    {
        var handler = new RecordingHandler();
        var source = """
            def nest(depth):
                value = {"leaf": depth}
                for _ in range(depth):
                    value = {"child": [value]}
                return value

            def main(storage):
                storage["deep"] = nest(150)
                send_to_trigger("deep", nest(150))
                return nest(150)
            """;
        var result = await RunAsync(source, handler);
        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(150, Depth(result.ReturnValue!));
        Assert.Equal(150, Depth(result.Storage!["deep"]!));
        Assert.Equal(150, Depth(Assert.Single(handler.Triggers).Payload!));
    }

    [Fact]
    public async Task A_payload_nested_300_levels_deep_arrives_and_storage_can_carry_it_to_the_next_step()
    {
        JsonNode payload = new JsonObject { ["leaf"] = 1 };
        for (var i = 0; i < 300; i++)
        {
            payload = new JsonArray(payload);
        }
        var result = await RunAsync("def main(storage):\n    v = payload\n    n = 0\n    while isinstance(v, list):\n        v = v[0]\n        n += 1\n    storage['deep'] = payload\n    return {'depth': n, 'leaf': v['leaf']}\n", payload: payload);
        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal("{\"depth\":300,\"leaf\":1}", result.ReturnValue!.ToJsonString());
        var next = await pool.RunAsync(new PythonStepRequest { TenantId = "unusual", Source = "def main(storage):\n    return {'same': storage['deep'] == payload}\n", Payload = payload, Storage = result.Storage }, new RecordingHandler());
        Assert.True(next.Succeeded, next.Error?.ToString());
        Assert.Equal(true, (bool?)next.ReturnValue!["same"]);
    }

    [Fact]
    public async Task A_result_nested_past_the_supported_depth_is_an_invalid_result_and_the_worker_stays()
    {
        var source = "def main(storage):\n    v = 1\n    for _ in range(5000):\n        v = [v]\n    return {'v': v}\n";
        var result = await RunAsync(source, tenant: "too-deep");
        Assert.Equal(StepErrorKind.InvalidResult, result.Error?.Kind);
        Assert.Contains("nested deeper than", result.Error!.Message);
        var next = await RunAsync("def main(storage):\n    return {'ok': True}\n", tenant: "too-deep");
        Assert.True(next.Succeeded, next.Error?.ToString());
        Assert.Equal(result.WorkerId, next.WorkerId);
    }

    [Fact]
    public async Task A_trigger_payload_nested_past_the_supported_depth_is_a_type_error_in_the_step()
    {
        var handler = new RecordingHandler();
        var source = "def main(storage):\n    v = 1\n    for _ in range(5000):\n        v = [v]\n    try:\n        send_to_trigger('x', v)\n    except TypeError as e:\n        return {'refused': str(e)}\n";
        var result = await RunAsync(source, handler);
        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Contains("nested deeper than", (string?)result.ReturnValue!["refused"]);
        Assert.Empty(handler.Triggers);
    }

    private static int Depth(JsonNode node)
    {
        var depth = 0;
        while (node["child"] is JsonArray child)
        {
            node = child[0]!;
            depth++;
        }
        return depth;
    }
}
