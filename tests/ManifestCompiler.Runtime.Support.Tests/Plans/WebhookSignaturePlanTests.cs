using System.Text;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime.Support.Tests.Plans;

/// <summary>
/// What a host sees from <see cref="WebhookSignaturePlan.Verify"/> for each header a sender could send. The expected
/// digests were computed independently with CPython 3.11's hmac module over the same body and UTF-8 secret:
/// <c>hmac.new("sécret".encode(), body, hashlib.sha256).hexdigest()</c> (and sha1, base64 of the digest, and Stripe's
/// <c>b"1700000000." + body</c>).
/// </summary>
public sealed class WebhookSignaturePlanTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"event":"paid","id":42}""");
    private const string Secret = "sécret";
    private const string Sha256Hex = "e7c817320241336e792f2c8f9a44bf2a420f4a9e81dae85c1d282c24382e8266";
    private const string Sha256Base64 = "58gXMgJBM255LyyPmkS/KkIPSp6B2uhcHSgsJDgugmY=";
    private const string Sha1Hex = "a0159b5eed439e9f198a6928278df92ff06ff3c2";
    private const string StripeV1 = "b31f2c7852962e93ecce58f2cf74ad8ed5bc7091bd45aef8882dc69cb2e0a3a6";
    private const string StripeV1OfOtherBody = "179848ae66b0c9c38b9cf40982b964a67791b5003717edf18f516db6c14db954";
    private const long StripeTime = 1700000000;
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(StripeTime);

    private static WebhookSignaturePlan Plan(WebhookSignatureScheme scheme, string header = "X-Signature", int tolerance = 300) => new()
    {
        Header = header,
        Scheme = scheme,
        Secret = TemplatePlan.Constant(Secret),
        ToleranceSeconds = tolerance,
    };

    private static WebhookSignatureCheck Verify(WebhookSignatureScheme scheme, string? header, DateTimeOffset? now = null, int tolerance = 300, byte[]? body = null) =>
        Plan(scheme, tolerance: tolerance).Verify(body ?? Body, header, Secret, now ?? Now);

    private static void AssertValid(WebhookSignatureCheck check, long? timestamp = null) =>
        Assert.Equal(new WebhookSignatureCheck(true, null, timestamp), check);

    private static void AssertRefused(string failure, WebhookSignatureCheck check) =>
        Assert.Equal(new WebhookSignatureCheck(false, failure, null), check);

    [Theory]
    [InlineData(Sha256Hex)]
    [InlineData("sha256=" + Sha256Hex)] // GitHub's X-Hub-Signature-256
    [InlineData("SHA256=" + Sha256Hex)]
    [InlineData("  sha256=" + Sha256Hex + " \t")]
    [InlineData("E7C817320241336E792F2C8F9A44BF2A420F4A9E81DAE85C1D282C24382E8266")]
    public void Hmac_sha256_hex_accepts_the_digest_with_or_without_its_prefix(string header) =>
        AssertValid(Verify(WebhookSignatureScheme.HmacSha256Hex, header));

    [Theory]
    [InlineData(Sha1Hex)]
    [InlineData("sha1=" + Sha1Hex)] // GitHub's X-Hub-Signature
    [InlineData(" Sha1=" + Sha1Hex + " ")]
    public void Hmac_sha1_hex_accepts_the_digest_with_or_without_its_prefix(string header) =>
        AssertValid(Verify(WebhookSignatureScheme.HmacSha1Hex, header));

    [Theory]
    [InlineData(Sha256Base64)]
    [InlineData(" " + Sha256Base64 + " ")]
    public void Hmac_sha256_base64_accepts_the_digest(string header) =>
        AssertValid(Verify(WebhookSignatureScheme.HmacSha256Base64, header));

    [Fact]
    public void Each_scheme_refuses_the_digest_of_another_scheme()
    {
        AssertRefused("the X-Signature signature does not match the body", Verify(WebhookSignatureScheme.HmacSha256Hex, Sha256Hex[..40]));
        AssertRefused("the X-Signature signature does not match the body", Verify(WebhookSignatureScheme.HmacSha1Hex, Sha256Hex));
        AssertRefused("the X-Signature signature does not match the body", Verify(WebhookSignatureScheme.HmacSha1Hex, "sha1=" + Sha256Hex[..40]));
        AssertRefused("the X-Signature signature does not match the body",
            Verify(WebhookSignatureScheme.HmacSha256Base64, Convert.ToBase64String(Convert.FromHexString(Sha1Hex))));
        // The other scheme's prefix is not stripped, so what is left is not hex.
        AssertRefused("the X-Signature header is not a hex digest", Verify(WebhookSignatureScheme.HmacSha256Hex, "sha1=" + Sha256Hex));
        AssertRefused("the X-Signature header is not a hex digest", Verify(WebhookSignatureScheme.HmacSha1Hex, "sha256=" + Sha1Hex));
    }

    [Fact]
    public void A_digest_of_another_body_or_secret_does_not_match()
    {
        var other = Encoding.UTF8.GetBytes("""{"event":"paid","id":43}""");
        AssertRefused("the X-Signature signature does not match the body", Verify(WebhookSignatureScheme.HmacSha256Hex, Sha256Hex, body: other));
        AssertRefused("the X-Signature signature does not match the body", Verify(WebhookSignatureScheme.HmacSha1Hex, Sha1Hex, body: other));
        AssertRefused("the X-Signature signature does not match the body", Verify(WebhookSignatureScheme.HmacSha256Base64, Sha256Base64, body: other));
        AssertRefused("the X-Signature signature does not match the body",
            Plan(WebhookSignatureScheme.HmacSha256Hex).Verify(Body, Sha256Hex, "secret", Now));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("sha256=")]
    [InlineData("sha256=e7c")] // odd length
    [InlineData("sha256=zz")]
    [InlineData("sha256=" + Sha256Hex + "0")]
    [InlineData("sha256 = " + Sha256Hex)]
    public void A_hex_scheme_refuses_a_header_that_is_not_hex(string header) =>
        AssertRefused("the X-Signature header is not a hex digest", Verify(WebhookSignatureScheme.HmacSha256Hex, header));

    [Theory]
    [InlineData("not base64!")]
    [InlineData("58gXMgJBM255LyyPmkS/KkIPSp6B2uhcHSgsJDgugmY")] // padding missing
    public void The_base64_scheme_refuses_a_header_that_is_not_base64(string header) =>
        AssertRefused("the X-Signature header is not base64", Verify(WebhookSignatureScheme.HmacSha256Base64, header));

    [Fact]
    public void An_empty_base64_header_decodes_to_nothing_and_does_not_match() =>
        AssertRefused("the X-Signature signature does not match the body", Verify(WebhookSignatureScheme.HmacSha256Base64, ""));

    [Theory]
    [InlineData(WebhookSignatureScheme.HmacSha256Hex)]
    [InlineData(WebhookSignatureScheme.HmacSha256Base64)]
    [InlineData(WebhookSignatureScheme.HmacSha1Hex)]
    [InlineData(WebhookSignatureScheme.Stripe)]
    public void A_missing_header_is_refused_before_the_secret_is_looked_at(WebhookSignatureScheme scheme)
    {
        AssertRefused("the Stripe-Signature header is missing", Plan(scheme, "Stripe-Signature").Verify(Body, null, Secret, Now));
        AssertRefused("the Stripe-Signature header is missing", Plan(scheme, "Stripe-Signature").Verify(Body, null, "", Now));
    }

    [Fact]
    public void An_empty_secret_is_refused_whatever_the_header_says() =>
        // HMAC under an empty key is computable by anyone: never a valid signature.
        AssertRefused("the signing secret renders empty", Plan(WebhookSignatureScheme.HmacSha256Hex).Verify([], "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad", "", Now));

    [Fact]
    public void An_unknown_scheme_value_is_refused() =>
        AssertRefused("unknown signature scheme", Verify((WebhookSignatureScheme)99, Sha256Hex));

    [Fact]
    public void A_failure_never_names_the_secret_or_the_signature()
    {
        foreach (var header in new[] { Sha256Hex[..40], "sha256=zz", "t=1,v1=" + StripeV1 })
        {
            var check = Verify(WebhookSignatureScheme.HmacSha256Hex, header);
            Assert.False(check.IsValid);
            Assert.DoesNotContain(Secret, check.Failure);
            Assert.DoesNotContain(Sha256Hex[..40], check.Failure);
            Assert.DoesNotContain("zz", check.Failure);
        }
    }

    [Theory]
    [InlineData("t=1700000000,v1=" + StripeV1)]
    [InlineData(" t = 1700000000 , v1 = " + StripeV1 + " ")]
    [InlineData("v1=" + StripeV1 + ",t=1700000000")]
    [InlineData("t=1700000000,v0=abc,v1=" + StripeV1)] // v0 is ignored, as Stripe's libraries ignore it
    [InlineData("t=1700000000,v1=" + StripeV1OfOtherBody + ",v1=" + StripeV1)] // one matching v1 is enough (a rolled secret)
    [InlineData("t=1700000000,v1=" + StripeV1 + ",v1=" + StripeV1OfOtherBody)]
    [InlineData("t=1700000000,v1=" + StripeV1 + ",v1=" + StripeV1)] // two v1 that both match (two secrets rolled to the same one)
    [InlineData("t=1700000000,v1=zz,v1=" + StripeV1)] // a v1 that is not hex is skipped
    [InlineData("t=1700000000,v1=" + StripeV1 + ",junk,=x,v1")] // parts without a name are skipped
    public void Stripe_accepts_a_matching_v1_and_gives_the_signed_timestamp(string header) =>
        AssertValid(Verify(WebhookSignatureScheme.Stripe, header), StripeTime);

    [Fact]
    public void Stripe_signs_the_timestamp_with_the_body()
    {
        // The v1 of the same body under another timestamp: the timestamp is part of what is signed.
        AssertRefused("no v1 signature in the X-Signature header matches the body",
            Verify(WebhookSignatureScheme.Stripe, "t=1700000001,v1=" + StripeV1, now: Now));
        AssertRefused("no v1 signature in the X-Signature header matches the body",
            Verify(WebhookSignatureScheme.Stripe, "t=1700000000,v1=" + StripeV1OfOtherBody));
        AssertValid(Verify(WebhookSignatureScheme.Stripe, "t=1700000000,v1=" + StripeV1OfOtherBody, body: Encoding.UTF8.GetBytes("{}")), StripeTime);
        // The plain body HMAC (what hmac-sha256-hex checks) is not Stripe's signature.
        AssertRefused("no v1 signature in the X-Signature header matches the body",
            Verify(WebhookSignatureScheme.Stripe, "t=1700000000,v1=" + Sha256Hex));
        AssertRefused("no v1 signature in the X-Signature header matches the body",
            Verify(WebhookSignatureScheme.Stripe, "t=1700000000,v1=zz,v1="));
    }

    [Theory]
    [InlineData("v1=" + StripeV1)]
    [InlineData("")]
    [InlineData("t=,v1=" + StripeV1)]
    [InlineData("t=abc,v1=" + StripeV1)]
    [InlineData("t=-5,v1=" + StripeV1)]
    [InlineData("t=+1700000000,v1=" + StripeV1)]
    [InlineData("t=1.7e9,v1=" + StripeV1)]
    [InlineData("T=1700000000,v1=" + StripeV1)]
    [InlineData("t1700000000,v1=" + StripeV1)]
    public void Stripe_refuses_a_header_without_a_usable_timestamp(string header) =>
        AssertRefused("the X-Signature header has no timestamp", Verify(WebhookSignatureScheme.Stripe, header));

    [Theory]
    [InlineData("t=1700000000")]
    [InlineData("t=1700000000,v0=" + StripeV1)]
    [InlineData("t=1700000000,V1=" + StripeV1)]
    public void Stripe_refuses_a_header_without_a_v1(string header) =>
        AssertRefused("the X-Signature header has no v1 signature", Verify(WebhookSignatureScheme.Stripe, header));

    [Fact]
    public void Stripe_refuses_two_timestamps_even_when_one_would_match()
    {
        AssertRefused("the X-Signature header has more than one timestamp",
            Verify(WebhookSignatureScheme.Stripe, "t=1700000000,t=1700000000,v1=" + StripeV1));
        AssertRefused("the X-Signature header has more than one timestamp",
            Verify(WebhookSignatureScheme.Stripe, "t=abc,t=1700000000,v1=" + StripeV1));
    }

    [Theory]
    [InlineData(300, 300)]
    [InlineData(-300, 300)]
    [InlineData(0, 0)]
    [InlineData(5, 5)]
    [InlineData(-5, 5)]
    public void Stripe_accepts_a_timestamp_within_the_tolerance_either_way(int secondsFromNow, int tolerance) =>
        AssertValid(Verify(WebhookSignatureScheme.Stripe, "t=1700000000,v1=" + StripeV1, Now.AddSeconds(secondsFromNow), tolerance), StripeTime);

    [Theory]
    [InlineData(301, 300, "the X-Signature timestamp is 301 s old, beyond the tolerance of 300 s")]
    [InlineData(-301, 300, "the X-Signature timestamp is 301 s ahead, beyond the tolerance of 300 s")]
    [InlineData(1, 0, "the X-Signature timestamp is 1 s old, beyond the tolerance of 0 s")]
    [InlineData(-1, 0, "the X-Signature timestamp is 1 s ahead, beyond the tolerance of 0 s")]
    [InlineData(86400, 3600, "the X-Signature timestamp is 86400 s old, beyond the tolerance of 3600 s")]
    public void Stripe_refuses_a_timestamp_beyond_the_tolerance_before_checking_the_signature(int secondsFromNow, int tolerance, string failure)
    {
        // A replayed request is refused for its age whatever its signature (a valid one, or none that matches).
        AssertRefused(failure, Verify(WebhookSignatureScheme.Stripe, "t=1700000000,v1=" + StripeV1, Now.AddSeconds(secondsFromNow), tolerance));
        AssertRefused(failure, Verify(WebhookSignatureScheme.Stripe, "t=1700000000,v1=" + StripeV1OfOtherBody, Now.AddSeconds(secondsFromNow), tolerance));
    }

    [Fact]
    public void Scheme_names_are_webhook_jsons_exactly()
    {
        Assert.Equal(
            [("hmac-sha256-hex", WebhookSignatureScheme.HmacSha256Hex), ("hmac-sha256-base64", WebhookSignatureScheme.HmacSha256Base64),
             ("hmac-sha1-hex", WebhookSignatureScheme.HmacSha1Hex), ("stripe", WebhookSignatureScheme.Stripe)],
            WebhookSignaturePlan.SchemeNames.Select(p => (p.Key, p.Value)));
        foreach (var (name, scheme) in WebhookSignaturePlan.SchemeNames)
        {
            Assert.True(WebhookSignaturePlan.TryParseScheme(name, out var parsed));
            Assert.Equal(scheme, parsed);
        }
        foreach (var name in new[] { "Stripe", "hmac-sha256", "HMAC-SHA1-HEX", "", " stripe" })
        {
            Assert.False(WebhookSignaturePlan.TryParseScheme(name, out var parsed));
            Assert.Equal(default, parsed);
        }
    }

    [Fact]
    public void Only_stripe_has_a_timestamp()
    {
        Assert.True(WebhookSignaturePlan.HasTimestamp(WebhookSignatureScheme.Stripe));
        Assert.False(WebhookSignaturePlan.HasTimestamp(WebhookSignatureScheme.HmacSha256Hex));
        Assert.False(WebhookSignaturePlan.HasTimestamp(WebhookSignatureScheme.HmacSha256Base64));
        Assert.False(WebhookSignaturePlan.HasTimestamp(WebhookSignatureScheme.HmacSha1Hex));
    }
}
