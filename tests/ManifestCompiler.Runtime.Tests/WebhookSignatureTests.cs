using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Testing;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>
/// webhook.json <c>validations.signature</c> at run time (docs/runtime.md, "Webhook signatures"): the samples' plans
/// (Stripe's <c>stripe</c>, QuickBooks' <c>hmac-sha256-base64</c>, Northwind's <c>hmac-sha256-hex</c>) and a copy of
/// Northwind signing with <c>hmac-sha1-hex</c>. Every signature is computed by CPython's <c>hmac</c> module, an
/// implementation independent of the runtime's, over the exact bytes sent.
/// </summary>
public sealed class WebhookSignatureTests(PoolFixture fixture) : IClassFixture<PoolFixture>, IAsyncLifetime
{
    // Secrets with '+' and '/' so that an escaped or encoded form in an event would be noticed too.
    private const string StripeSecret = "whsec_test+Sign/ing=Secret01";
    private const string NorthwindSecret = "nw+webhook/secret-7c1d";

    private static readonly Lazy<PlanCatalog> Sha1Plans = new(BuildSha1Plans);

    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 10, 30, 0, TimeSpan.Zero));
    private readonly InMemoryRunQueue _queue = new();
    private readonly DebugEventLog _events = new();
    private ManifestRuntime _runtime = null!;
    private string _stripe = "";
    private string _quickbooks = "";
    private string _northwind = "";
    private string _forge = "";

    private static string QuickBooksVerifier { get; } = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "bossi", "quickbooks", "schema.json")))!["variables"]!["webhookVerifierToken"]!.GetValue<string>();

    public async Task InitializeAsync()
    {
        _runtime = new ManifestRuntime(fixture.Pool, new InMemoryInstanceStore(), _queue, new InMemoryRecordSink(), _events, new RuntimeOptions { TimeProvider = _time });
        _runtime.AddPlans(SamplePlans.Value);
        _runtime.AddPlans(Sha1Plans.Value);
        _stripe = (await _runtime.ConnectAsync("stripe", "c1", new JsonObject { ["apiKey"] = "sk_test_sig_0001", ["webhookSecret"] = StripeSecret }, runTriggerSteps: false)).Id;
        _quickbooks = (await _runtime.ConnectAsync("quickbooks", "c1", new JsonObject { ["realmId"] = "9130", ["access_token"] = "qb-sig-access", ["refresh_token"] = "qb-sig-refresh" }, runTriggerSteps: false)).Id;
        _northwind = (await _runtime.ConnectAsync("northwind-crm", "c1", new JsonObject { ["apiKey"] = "nw-key-0001", ["accountId"] = "acc-1", ["webhookSecret"] = NorthwindSecret }, runTriggerSteps: false)).Id;
        _forge = (await _runtime.ConnectAsync("forge", "c1", new JsonObject { ["apiKey"] = "forge-key-0001", ["accountId"] = "acc-2", ["webhookSecret"] = NorthwindSecret }, runTriggerSteps: false)).Id;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Northwind's folder as "forge", signing GitHub's way: <c>X-Hub-Signature: sha1=&lt;hex&gt;</c>.</summary>
    private static PlanCatalog BuildSha1Plans()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mc-sig-" + Guid.NewGuid().ToString("N"), "forge");
        CopyDirectory(Path.Combine(RepositoryPaths.Root, "samples", "bossi", "northwind-crm"), folder);
        var webhook = Path.Combine(folder, "webhook.json");
        File.WriteAllText(webhook, File.ReadAllText(webhook)
            .Replace("\"header\": \"X-Northwind-Signature\", \"scheme\": \"hmac-sha256-hex\"", "\"header\": \"X-Hub-Signature\", \"scheme\": \"hmac-sha1-hex\"", StringComparison.Ordinal));
        try
        {
            var built = PlanAssemblyBuilder.Build(ManifestWorkspace.Load([folder]), "Sha1SignaturePlans");
            Assert.True(built.Succeeded, string.Join("\n", built.Diagnostics.Select(d => d.ToString()).Concat(built.CompilerErrors)));
            var catalog = PlanCatalog.Load(Assembly.Load(built.Image!));
            Assert.Equal(WebhookSignatureScheme.HmacSha1Hex, catalog.Integrations.Single().Webhook!.Signature!.Scheme);
            return catalog;
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>The signature as the vendor computes it, by CPython's hmac and hashlib (stdin: the scheme, key and body).</summary>
    internal static string Sign(string scheme, string secret, byte[] body, long timestamp = 0)
    {
        const string Script = """
            import base64, hashlib, hmac, json, sys
            request = json.load(sys.stdin)
            key = request["secret"].encode("utf-8")
            body = base64.b64decode(request["body"])
            scheme = request["scheme"]
            if scheme == "stripe":
                print(hmac.new(key, str(request["t"]).encode("ascii") + b"." + body, hashlib.sha256).hexdigest())
            elif scheme == "hmac-sha256-hex":
                print(hmac.new(key, body, hashlib.sha256).hexdigest())
            elif scheme == "hmac-sha1-hex":
                print(hmac.new(key, body, hashlib.sha1).hexdigest())
            elif scheme == "hmac-sha256-base64":
                print(base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode("ascii"))
            """;
        var start = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        using var python = Process.Start(start)!;
        python.StandardInput.Write(new JsonObject { ["scheme"] = scheme, ["secret"] = secret, ["body"] = Convert.ToBase64String(body), ["t"] = timestamp }.ToJsonString());
        python.StandardInput.Close();
        var signature = python.StandardOutput.ReadToEnd().Trim();
        var error = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0 && signature.Length > 0, error);
        return signature;
    }

    private long Now => _time.GetUtcNow().ToUnixTimeSeconds();

    private static JsonElement Headers(params (string Name, string Value)[] headers)
    {
        var obj = new JsonObject();
        foreach (var (name, value) in headers)
        {
            obj[name] = value;
        }
        return JsonSerializer.SerializeToElement(obj);
    }

    // Written by hand, not serialized: spacing, key order and a \u escape that re-serialized JSON would not keep.
    private static readonly byte[] StripeBody = Encoding.UTF8.GetBytes("{ \"type\" : \"customer.created\",\n  \"data\": {\"object\": {\"id\": \"cus_\\u00e9\"}} }");
    private static readonly byte[] QuickBooksBody = Encoding.UTF8.GetBytes("{\"eventNotifications\":[{\"realmId\":\"9130\",\"dataChangeEvent\":{\"entities\":[{\"name\":\"Invoice\",\"id\":\"1\"}]}}]}\n");
    private static readonly byte[] NorthwindBody = Encoding.UTF8.GetBytes("{\"data\": {\"id\": 42}, \"event_type\": \"contact.updated\"}");

    private async Task<WebhookResponse> AssertAcceptedAsync(string instance, byte[] body, JsonElement headers, params string[] actions)
    {
        var response = await _runtime.ReceiveWebhookAsync(instance, body, headers);
        Assert.True(response.StatusCode == 202, $"{response.StatusCode}: {string.Join("; ", _events.Events.Select(e => e.Message))}");
        Assert.Equal(actions, response.Queued.Select(r => r.Action));
        return response;
    }

    /// <summary>401, nothing queued, no step ran, and one <c>webhook_refused</c> event that holds neither secret nor signature.</summary>
    private async Task AssertRefusedAsync(string instance, byte[] body, JsonElement headers, string reason, params string[] signatures)
    {
        var before = _events.Events.Count;
        var response = await _runtime.ReceiveWebhookAsync(instance, body, headers);

        Assert.Equal(401, response.StatusCode);
        Assert.Empty(response.Queued);
        Assert.Empty(response.Missing);
        Assert.Null(await _queue.TryTakeDueAsync(DateTimeOffset.MaxValue, TestLeases.Host));
        var refused = Assert.Single(_events.Events.Skip(before));
        Assert.Equal(("webhook_refused", 401, instance, DebugLevel.Warning), (refused.DebugType, refused.Code, refused.IntegrationId, refused.Level));
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
        var json = refused.ToJson();
        foreach (var secret in new[] { StripeSecret, NorthwindSecret, QuickBooksVerifier }.Concat(signatures))
        {
            foreach (var form in new[] { secret, JsonSerializer.Serialize(secret)[1..^1], Uri.EscapeDataString(secret) })
            {
                Assert.DoesNotContain(form, json, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Stripe_accepts_a_signature_over_the_raw_bytes_among_several_v1_values()
    {
        var t = Now;
        var signature = Sign("stripe", StripeSecret, StripeBody, t);
        var rolled = Sign("stripe", "whsec_the_previous_secret", StripeBody, t);
        // Stripe sends one v1 per active secret while a secret is rolled, and a v0 in test mode.
        var headers = Headers(("Stripe-Signature", $"t={t},v1={rolled},v1={signature},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"));

        var response = await AssertAcceptedAsync(_stripe, StripeBody, headers, "customers-post-v1", "sync-payments-v1");
        Assert.Equal("cus_é", JsonNode.Parse(response.Queued[0].PayloadJson)!["body"]!["customer_id"]!.GetValue<string>());
        Assert.DoesNotContain(_events.Events, e => e.DebugType == "webhook_refused");
    }

    [Fact]
    public async Task QuickBooks_accepts_intuits_base64_signature_keyed_by_the_schema_variable()
    {
        var headers = Headers(("intuit-signature", Sign("hmac-sha256-base64", QuickBooksVerifier, QuickBooksBody)));

        var response = await AssertAcceptedAsync(_quickbooks, QuickBooksBody, headers, "quickbooks-sync-v1");
        Assert.Equal("""{"realmId":"9130","changed":"1"}""", response.Queued[0].PayloadJson);
    }

    [Fact]
    public async Task The_hex_schemes_accept_plain_and_prefixed_digests()
    {
        var sha256 = Sign("hmac-sha256-hex", NorthwindSecret, NorthwindBody);
        await AssertAcceptedAsync(_northwind, NorthwindBody, Headers(("X-Northwind-Signature", sha256)), "sync-contacts-v1");
        await AssertAcceptedAsync(_northwind, NorthwindBody, Headers(("x-northwind-signature", "sha256=" + sha256.ToUpperInvariant())), "sync-contacts-v1");

        var sha1 = Sign("hmac-sha1-hex", NorthwindSecret, NorthwindBody);
        await AssertAcceptedAsync(_forge, NorthwindBody, Headers(("X-Hub-Signature", "sha1=" + sha1)), "sync-contacts-v1");
        await AssertAcceptedAsync(_forge, NorthwindBody, Headers(("X-Hub-Signature", sha1)), "sync-contacts-v1");
    }

    [Fact]
    public async Task A_signature_made_with_another_secret_is_refused_in_every_scheme()
    {
        var t = Now;
        var stripe = Sign("stripe", "whsec_someone_else", StripeBody, t);
        await AssertRefusedAsync(_stripe, StripeBody, Headers(("Stripe-Signature", $"t={t},v1={stripe}")), "no v1 signature in the Stripe-Signature header matches the body", stripe);

        var intuit = Sign("hmac-sha256-base64", "someone-elses-verifier", QuickBooksBody);
        await AssertRefusedAsync(_quickbooks, QuickBooksBody, Headers(("intuit-signature", intuit)), "the intuit-signature signature does not match the body", intuit);

        var sha256 = Sign("hmac-sha256-hex", "someone-elses-secret", NorthwindBody);
        await AssertRefusedAsync(_northwind, NorthwindBody, Headers(("X-Northwind-Signature", sha256)), "the X-Northwind-Signature signature does not match the body", sha256);

        var sha1 = Sign("hmac-sha1-hex", "someone-elses-secret", NorthwindBody);
        await AssertRefusedAsync(_forge, NorthwindBody, Headers(("X-Hub-Signature", "sha1=" + sha1)), "the X-Hub-Signature signature does not match the body", sha1);

        // Not a digest at all.
        await AssertRefusedAsync(_northwind, NorthwindBody, Headers(("X-Northwind-Signature", "not-hex")), "the X-Northwind-Signature header is not a hex digest");
        await AssertRefusedAsync(_quickbooks, QuickBooksBody, Headers(("intuit-signature", "%%%")), "the intuit-signature header is not base64");
    }

    [Fact]
    public async Task A_valid_signature_over_other_bytes_is_refused()
    {
        // The same JSON value, re-serialized: the signature covers the bytes, so it no longer matches.
        var reserialized = Encoding.UTF8.GetBytes(JsonNode.Parse(NorthwindBody)!.ToJsonString());
        Assert.NotEqual(NorthwindBody, reserialized);
        var sha256 = Sign("hmac-sha256-hex", NorthwindSecret, NorthwindBody);
        await AssertRefusedAsync(_northwind, reserialized, Headers(("X-Northwind-Signature", sha256)), "does not match the body", sha256);

        var t = Now;
        var stripe = Sign("stripe", StripeSecret, StripeBody, t);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(StripeBody).Replace("customer.created", "customer.updated", StringComparison.Ordinal));
        await AssertRefusedAsync(_stripe, tampered, Headers(("Stripe-Signature", $"t={t},v1={stripe}")), "matches the body", stripe);
        // Signed with another timestamp than the header claims.
        await AssertRefusedAsync(_stripe, StripeBody, Headers(("Stripe-Signature", $"t={t - 1},v1={stripe}")), "matches the body", stripe);
    }

    [Fact]
    public async Task A_missing_signature_header_is_refused_before_validations_and_conditions_run()
    {
        await AssertRefusedAsync(_stripe, StripeBody, Headers(), "the Stripe-Signature header is missing");
        await AssertRefusedAsync(_quickbooks, QuickBooksBody, Headers(("Content-Type", "application/json")), "the intuit-signature header is missing");
        await AssertRefusedAsync(_northwind, NorthwindBody, Headers(("X-Signature", "00")), "the X-Northwind-Signature header is missing");

        // A body that is not JSON, or that would make a condition raise, is never read without a valid signature.
        await AssertRefusedAsync(_stripe, Encoding.UTF8.GetBytes("not json {"), Headers(("Stripe-Signature", $"t={Now},v1=00")), "matches the body");
        await AssertRefusedAsync(_quickbooks, Encoding.UTF8.GetBytes("""{"eventNotifications": 7}"""), Headers(("intuit-signature", "AAAA")), "does not match the body");
        Assert.DoesNotContain(_events.Events, e => e.DebugType == "webhook_error");
    }

    [Fact]
    public async Task Stripe_refuses_an_expired_a_future_and_a_replayed_timestamp()
    {
        var old = Now - 301;
        var expired = Sign("stripe", StripeSecret, StripeBody, old);
        await AssertRefusedAsync(_stripe, StripeBody, Headers(("Stripe-Signature", $"t={old},v1={expired}")), "timestamp is 301 s old, beyond the tolerance of 300 s", expired);

        var ahead = Now + 301;
        var future = Sign("stripe", StripeSecret, StripeBody, ahead);
        await AssertRefusedAsync(_stripe, StripeBody, Headers(("Stripe-Signature", $"t={ahead},v1={future}")), "timestamp is 301 s ahead", future);

        // At the edge of the tolerance it is accepted once; the same request again is a replay, even with the header padded.
        var t = Now - 300;
        var signature = Sign("stripe", StripeSecret, StripeBody, t);
        await AssertAcceptedAsync(_stripe, StripeBody, Headers(("Stripe-Signature", $"t={t},v1={signature}")), "customers-post-v1", "sync-payments-v1");
        while (await _queue.TryTakeDueAsync(DateTimeOffset.MaxValue, TestLeases.Host) is not null)
        {
        }
        await AssertRefusedAsync(_stripe, StripeBody, Headers(("Stripe-Signature", $"t={t},v1={signature}")), "already accepted (a replay)", signature);
        await AssertRefusedAsync(_stripe, StripeBody, Headers(("Stripe-Signature", $"t={t}, v1=00, v1={signature}")), "already accepted (a replay)", signature);

        // After the tolerance has passed, the replay is refused as expired.
        _time.Advance(TimeSpan.FromMinutes(10));
        await AssertRefusedAsync(_stripe, StripeBody, Headers(("Stripe-Signature", $"t={t},v1={signature}")), "beyond the tolerance", signature);
    }

    [Fact]
    public async Task The_forged_header_from_the_issue_is_refused()
    {
        // Issue 14: "Stripe-Signature: t=1,v1=00 is accepted".
        await AssertRefusedAsync(_stripe, StripeBody, Headers(("Stripe-Signature", "t=1,v1=00")), "beyond the tolerance");
        await AssertRefusedAsync(_stripe, StripeBody, Headers(("Stripe-Signature", $"t={Now},v1=00")), "no v1 signature in the Stripe-Signature header matches the body");
        await AssertRefusedAsync(_stripe, StripeBody, Headers(("Stripe-Signature", $"v1={Sign("stripe", StripeSecret, StripeBody, Now)}")), "has no timestamp");
        await AssertRefusedAsync(_stripe, StripeBody, Headers(("Stripe-Signature", $"t={Now}")), "has no v1 signature");
        await AssertRefusedAsync(_stripe, StripeBody, Headers(("Stripe-Signature", $"t={Now},t={Now},v1=00")), "more than one timestamp");
    }
}
