using ManifestCompiler.Diagnostics;
using ManifestCompiler.IR;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Sources;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>
/// webhook.json <c>validations.signature</c> (docs/runtime.md, "Webhook signatures"): the Stripe sample's folder with
/// its webhook.json replaced, each diagnostic at its exact line and column.
/// </summary>
public class WebhookSignatureTests
{
    private static readonly IntegrationFolder Stripe = CompilationInputs.ReadIntegration(Path.Combine(RepositoryPaths.Root, "samples", "bossi", "stripe"), "stripe");

    private static CompilationResult<IntegrationIR> Compile(string webhook, string? oauth = null) =>
        ManifestCompilation.CompileIntegration(Stripe with
        {
            Files = [.. Stripe.Files.Select(f => f.RelativePath switch
            {
                "webhook.json" => f with { Text = webhook },
                "oauth.json" when oauth is not null => f with { Text = oauth },
                _ => f,
            })],
        });

    private static string Webhook(string validations) =>
        "{\n  \"validations\": " + validations + ",\n  \"triggerSteps\": [{ \"condition\": null, \"action\": \"sync-payments-v1\", \"payload\": {} }]\n}\n";

    private static (string Id, int Line, int Column, string? JsonPath) Where(ManifestDiagnostic d) => (d.Id, d.Start.Line, d.Start.Column, d.JsonPath);

    [Fact]
    public void The_samples_signature_blocks_bind_to_their_vendors_schemes()
    {
        var stripe = ManifestCompilation.CompileIntegration(Stripe);
        Assert.Empty(stripe.Diagnostics.Where(d => d.Severity >= Syntax.Diagnostics.DiagnosticSeverity.Warning));
        var signature = stripe.Value!.Webhook!.Signature!;
        Assert.Equal(("Stripe-Signature", WebhookSignatureScheme.Stripe, 300), (signature.Header, signature.Scheme, signature.ToleranceSeconds));
        Assert.Equal("{{webhookSecret}}", signature.Secret.Source);

        var quickbooks = ManifestCompilation.CompileIntegration(CompilationInputs.ReadIntegration(Path.Combine(RepositoryPaths.Root, "samples", "bossi", "quickbooks"), "quickbooks"));
        var intuit = quickbooks.Value!.Webhook!.Signature!;
        Assert.Equal(("intuit-signature", WebhookSignatureScheme.HmacSha256Base64), (intuit.Header, intuit.Scheme));
        Assert.Equal("{{webhookVerifierToken}}", intuit.Secret.Source);
    }

    [Fact]
    public void Without_a_signature_the_webhook_is_reported_as_open_to_anyone_with_the_url()
    {
        var result = Compile(Webhook("""{ "body_required": ["type"] }"""));

        var unsigned = Assert.Single(result.Diagnostics);
        Assert.Equal(("MC7013", 2, 3, "$['validations']"), Where(unsigned));
        Assert.Equal(Syntax.Diagnostics.DiagnosticSeverity.Warning, unsigned.Severity);
        Assert.Contains("anyone who knows an instance's webhook URL can trigger its actions", unsigned.Message, StringComparison.Ordinal);
        Assert.Null(result.Value!.Webhook!.Signature);

        // Without validations at all, at the file's opening brace.
        var bare = Compile("{ \"triggerSteps\": [] }");
        Assert.Equal(("MC7013", 1, 1, "$"), Where(Assert.Single(bare.Diagnostics)));

        // A webhook that is never generated receives nothing, so only MC7008 says so.
        var oauth = Stripe["oauth.json"]!.Text!.Replace("\"genWebhook\": true", "\"genWebhook\": false", StringComparison.Ordinal);
        Assert.Equal(["MC7008"], Compile(Webhook("{}"), oauth).Diagnostics.Select(d => d.Id));
    }

    [Fact]
    public void An_unknown_scheme_is_an_error_at_the_scheme_with_a_suggestion()
    {
        var result = Compile(Webhook("""
            {
                "signature": { "header": "Stripe-Signature", "scheme": "strip", "secret": "{{webhookSecret}}" }
              }
            """));

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(("MC7014", 3, 60, "$['validations']['signature']['scheme']"), Where(error));
        Assert.Equal("'strip' is not a signature scheme (did you mean 'stripe'?); known: hmac-sha256-hex, hmac-sha256-base64, hmac-sha1-hex, stripe", error.Message);
        Assert.Null(result.Value!.Webhook!.Signature);
    }

    [Fact]
    public void A_secret_variable_the_instance_does_not_define_is_an_error_at_the_placeholder()
    {
        var result = Compile(Webhook("""
            {
                "signature": { "header": "Stripe-Signature", "scheme": "stripe", "secret": "whsec:{{ webhook_secret }}" }
              }
            """));

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(("MC7015", 3, 90, "$['validations']['signature']['secret']"), Where(error));
        Assert.StartsWith("Unknown variable 'webhook_secret' in the signature secret (did you mean 'webhookSecret'?)", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsError);

        // Tokens, schema variables and the platform's variables are all in scope.
        Assert.Empty(Compile(Webhook("""
            { "signature": { "header": "Stripe-Signature", "scheme": "stripe", "secret": "{{apiKey}}{{baseUrl}}{{company_id}}" } }
            """)).Diagnostics);
    }

    [Fact]
    public void The_signature_header_in_headers_required_is_a_warning_at_that_entry()
    {
        var result = Compile(Webhook("""
            {
                "headers_required": ["Content-Type", "stripe-signature"],
                "signature": { "header": "Stripe-Signature", "scheme": "stripe", "secret": "{{webhookSecret}}" }
              }
            """));

        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal(("MC7016", 3, 42, "$['validations']['headers_required'][1]"), Where(warning));
        Assert.Equal("'stripe-signature' is the signature header, so it need not be in headers_required: the signature already requires it", warning.Message);
        Assert.NotNull(result.Value!.Webhook!.Signature);
    }

    [Theory]
    [InlineData("0", "the number 0")]
    [InlineData("3601", "the number 3601")]
    [InlineData("2.5", "the number 2.5")]
    [InlineData("-5", "the number -5")]
    [InlineData("\"300\"", "a string")]
    public void A_bad_tolerance_is_an_error_at_its_value(string tolerance, string found)
    {
        var result = Compile(Webhook($$$"""
            {
                "signature": { "header": "Stripe-Signature", "scheme": "stripe", "secret": "{{webhookSecret}}", "tolerance_seconds": {{{tolerance}}} }
              }
            """));

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(("MC7017", 3, 122, "$['validations']['signature']['tolerance_seconds']"), Where(error));
        Assert.Equal($"tolerance_seconds must be a whole number of seconds from 1 to 3600; found {found}", error.Message);
        Assert.Null(result.Value!.Webhook!.Signature);
    }

    [Fact]
    public void A_tolerance_for_a_scheme_without_timestamp_is_ignored_with_a_warning_and_the_default_applies_to_stripe()
    {
        var result = Compile(Webhook("""
            {
                "signature": { "header": "X-Signature", "scheme": "hmac-sha1-hex", "secret": "{{webhookSecret}}", "tolerance_seconds": 60 }
              }
            """));
        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal(("MC7018", 3, 103, "$['validations']['signature']['tolerance_seconds']"), Where(warning));
        Assert.Equal("tolerance_seconds is ignored: scheme 'hmac-sha1-hex' signs no timestamp", warning.Message);

        var defaulted = Compile(Webhook("""{ "signature": { "header": "Stripe-Signature", "scheme": "stripe", "secret": "{{webhookSecret}}" } }"""));
        Assert.Equal(WebhookSignaturePlan.DefaultToleranceSeconds, defaulted.Value!.Webhook!.Signature!.ToleranceSeconds);
    }

    [Fact]
    public void A_signature_block_without_its_required_keys_reports_each_at_the_block()
    {
        var result = Compile(Webhook("""{ "signature": { "scheme": "stripe", "sekret": "x" } }"""));

        Assert.Equal(
        [
            ("MC6004", 2, 55, "$['validations']['signature']['sekret']"),
            ("MC6002", 2, 33, "$['validations']['signature']['header']"),
            ("MC6002", 2, 33, "$['validations']['signature']['secret']"),
        ], result.Diagnostics.Select(Where));
        Assert.Null(result.Value!.Webhook!.Signature);
    }
}
