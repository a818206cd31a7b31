using ManifestCompiler.Testing;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Encodings.Web;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>
/// Issue 14, "Secrets": a token with '+' and '/' never reaches a debug event, in any encoding a step or the runtime
/// can give it (as written, JSON-escaped by System.Text.Json or by hand, percent-encoded, base64 whole and inside a
/// Basic credential), through logs, <c>send_to_trigger</c> payloads, <c>dispatch_command</c> and mapping errors.
/// </summary>
public sealed class SecretEncodingTests(PoolFixture fixture) : IClassFixture<PoolFixture>, IDisposable
{
    private const string Token = "sk_live+Plus/Slash+Token=42";

    private readonly string _work = Directory.CreateTempSubdirectory("mc-secrets-").FullName;
    private readonly DebugEventLog _events = new();

    public void Dispose() => Directory.Delete(_work, recursive: true);

    /// <summary>Every spelling of the token a reader of the events could decode.</summary>
    private static IEnumerable<string> Encodings()
    {
        yield return Token;
        yield return JsonSerializer.Serialize(Token)[1..^1];                                            // \u002B
        yield return JsonSerializer.Serialize(Token, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping })[1..^1];
        yield return Token.Replace("/", "\\/", StringComparison.Ordinal);                              // \/
        yield return Token.Replace("+", "\\u002b", StringComparison.Ordinal);
        yield return Uri.EscapeDataString(Token);                                                      // %2B %2F
        yield return Uri.EscapeDataString(Token).Replace("%2B", "%2b", StringComparison.Ordinal).Replace("%2F", "%2f", StringComparison.Ordinal).Replace("%3D", "%3d", StringComparison.Ordinal);
        yield return Convert.ToBase64String(Encoding.UTF8.GetBytes(Token));
        yield return Convert.ToBase64String(Encoding.UTF8.GetBytes(Token)).Replace('+', '-').Replace('/', '_');
        // Inside a longer base64 text at each alignment (after "x", "xy", and the Basic credential's "client:"): the
        // characters from the first that holds only the token's bits.
        foreach (var prefix in new[] { "x", "xy", "client:" })
        {
            yield return Embedded(prefix);
        }
    }

    private static string Embedded(string prefix)
    {
        var first = ((8 * prefix.Length) + 5) / 6;
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(prefix + Token)).TrimEnd('=')[first..];
    }

    [Fact]
    public void The_redactor_masks_each_encoding_and_structured_values_before_serializing()
    {
        var redactor = new SecretRedactor();
        redactor.Add(Token);
        foreach (var encoded in Encodings())
        {
            var masked = redactor.Redact($"before {encoded} after");
            Assert.DoesNotContain(encoded, masked, StringComparison.Ordinal);
            Assert.StartsWith("before " + SecretRedactor.Mask, masked, StringComparison.Ordinal);
        }
        Assert.Equal("Basic " + SecretRedactor.Mask, redactor.Redact("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Token))));
        var basic = redactor.Redact("Authorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("client-id:" + Token)));
        Assert.DoesNotContain(Encodings(), basic.Contains);
        Assert.Contains(SecretRedactor.Mask, basic, StringComparison.Ordinal);

        var node = redactor.Redact(new JsonObject { ["token"] = Token, ["nested"] = new JsonArray("a " + Token, 7), ["plain"] = "nothing secret" });
        Assert.Equal($$"""{"token":"{{SecretRedactor.Mask}}","nested":["a {{SecretRedactor.Mask}}",7],"plain":"nothing secret"}""", node!.ToJsonString());

        // Ordinary text stays as it was.
        Assert.Equal("100% of 3 + 4 = 7 \\u0041 &amp; Zm9vYmFy", redactor.Redact("100% of 3 + 4 = 7 \\u0041 &amp; Zm9vYmFy"));
    }

    [Fact]
    public async Task A_plus_bearing_token_is_absent_from_every_event_in_every_encoding()
    {
        var folder = Path.Combine(_work, "leaky");
        TestFolders.Write(folder, "oauth.json", """
            { "name": "Leaky", "services": ["contacts"], "isNonOauth": true, "tokens": { "apiKey": "{{apiKey}}" },
              "url": "{{self_url}}", "parameters": { "self_url": "{{generic_callback}}" }, "requiredQueryParams": ["apiKey"], "triggerSteps": [] }
            """);
        TestFolders.Write(folder, "schema.json", """
            { "name": "Leaky", "version": "1.0.0", "variables": {},
              "actions": {
                "leak-v1": { "skipParser": true, "returnsData": true, "steps": [{ "codeRef": "leak" }] },
                "echo-v1": { "skipParser": false, "returnsData": false, "steps": [{ "codeRef": "echo" }] }
              } }
            """);
        TestFolders.Write(folder, "action/echo-v1/schema.json", """
            { "version": "1.0", "data": { "integrationPersonId": { "dataType": "string", "required": true, "equivalentName": "$.id" } } }
            """);
        TestFolders.Write(folder, "action/leak-v1/code/leak.py", """
            def main(storage):
                token = integration_variables["apiKey"]
                logging.info("as written " + token)
                logging.info("json.dumps " + json.dumps({"token": token}))
                logging.info("escaped by hand " + token.replace("+", "\\u002B").replace("/", "\\/"))
                logging.warning("quoted " + urlparse.quote(token, safe="") + " and " + urlparse.quote(token, safe="").replace("%2B", "%2b").replace("%2F", "%2f"))
                logging.error("base64 " + b64(token) + " basic " + b64("client:" + token))
                send_to_trigger("echo-v1", {"token": token, "list": [token]})
                return {"token": token}
            """);
        TestFolders.Write(folder, "action/echo-v1/code/echo.py", """
            def main(storage):
                return {"no_id": payload["token"]}
            """);
        var built = PlanAssemblyBuilder.Build(ManifestWorkspace.Load([folder]), "LeakyPlans");
        Assert.True(built.Succeeded, string.Join("\n", built.Diagnostics.Select(d => d.ToString()).Concat(built.CompilerErrors)));
        var runtime = new ManifestRuntime(fixture.Pool, new InMemoryInstanceStore(), new InMemoryRunQueue(), new InMemoryRecordSink(), _events);
        runtime.AddPlans(PlanCatalog.Load(Assembly.Load(built.Image!)));
        var instance = await runtime.ConnectAsync("leaky", "c1", new JsonObject { ["apiKey"] = Token }, runTriggerSteps: false);

        await runtime.EnqueueAsync(instance.Id, "leak-v1", null, RunCaller.System);
        var outcomes = await runtime.RunUntilIdleAsync();

        Assert.Equal(["leak-v1", "echo-v1"], outcomes.Select(o => o.Run.Action));
        // The step really wrote each encoding, and the mapping error and the trigger payload carried the token.
        Assert.Equal(5, _events.Events.Count(e => e.DebugType == "log"));
        Assert.Contains(_events.Events, e => e.DebugType == "mapping_error" && e.Data is not null);
        Assert.Contains(_events.Events, e => e is { DebugType: "trigger", Data: not null } && e.Data.Contains(SecretRedactor.Mask, StringComparison.Ordinal));
        foreach (var e in _events.Events)
        {
            foreach (var text in new[] { e.Message, e.Data ?? "", e.ToJson() })
            {
                foreach (var encoded in Encodings())
                {
                    Assert.False(text.Contains(encoded, StringComparison.Ordinal), $"'{encoded}' in {e.DebugType} event: {text}");
                }
            }
        }
    }

}
