using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ManifestCompiler.Runtime.Support.Plans;

/// <summary>How a vendor signs its webhook requests (webhook.json <c>validations.signature.scheme</c>).</summary>
public enum WebhookSignatureScheme
{
    /// <summary><c>hmac-sha256-hex</c>: the header is the hex HMAC-SHA256 of the body (GitHub's <c>sha256=</c> prefix allowed).</summary>
    HmacSha256Hex,

    /// <summary><c>hmac-sha256-base64</c>: the header is the base64 HMAC-SHA256 of the body (Intuit's <c>intuit-signature</c>).</summary>
    HmacSha256Base64,

    /// <summary><c>hmac-sha1-hex</c>: the header is the hex HMAC-SHA1 of the body (GitHub's <c>sha1=</c> prefix allowed).</summary>
    HmacSha1Hex,

    /// <summary><c>stripe</c>: <c>t=&lt;unix time&gt;,v1=&lt;hex HMAC-SHA256 of "t.body"&gt;</c>, several v1 allowed, the time within a tolerance.</summary>
    Stripe,
}

/// <summary>
/// webhook.json <c>validations.signature</c>: which header carries the signature, the scheme, the secret (a compiled
/// template over the instance's tokens and variables) and, for schemes with a timestamp, how far it may be from now.
/// The host renders <see cref="Secret"/> and calls <see cref="Verify"/> over the request's raw body bytes before anything
/// reads the body.
/// </summary>
public sealed record WebhookSignaturePlan
{
    /// <summary>The request header that carries the signature.</summary>
    public required string Header { get; init; }

    public required WebhookSignatureScheme Scheme { get; init; }

    public required TemplatePlan Secret { get; init; }

    /// <summary>How far the signed timestamp may be from now, in either direction (schemes with a timestamp only).</summary>
    public required int ToleranceSeconds { get; init; }

    /// <summary>Stripe's libraries' default tolerance.</summary>
    public const int DefaultToleranceSeconds = 300;

    /// <summary>The largest tolerance the compiler accepts: beyond an hour a captured request stays replayable too long.</summary>
    public const int MaxToleranceSeconds = 3600;

    /// <summary>The scheme names webhook.json uses, in documentation order.</summary>
    public static IReadOnlyList<KeyValuePair<string, WebhookSignatureScheme>> SchemeNames { get; } =
    [
        new("hmac-sha256-hex", WebhookSignatureScheme.HmacSha256Hex),
        new("hmac-sha256-base64", WebhookSignatureScheme.HmacSha256Base64),
        new("hmac-sha1-hex", WebhookSignatureScheme.HmacSha1Hex),
        new("stripe", WebhookSignatureScheme.Stripe),
    ];

    public static bool TryParseScheme(string name, out WebhookSignatureScheme scheme)
    {
        foreach (var (known, value) in SchemeNames)
        {
            if (string.Equals(known, name, StringComparison.Ordinal))
            {
                scheme = value;
                return true;
            }
        }
        scheme = default;
        return false;
    }

    /// <summary>Whether the scheme signs a timestamp (and so <see cref="ToleranceSeconds"/> applies).</summary>
    public static bool HasTimestamp(WebhookSignatureScheme scheme) => scheme == WebhookSignatureScheme.Stripe;

    /// <summary>
    /// Checks <paramref name="headerValue"/> (null: the header is absent) against the HMAC of <paramref name="body"/>,
    /// the request's bytes as received, under <paramref name="secret"/> (UTF-8, as every scheme here keys it). Digests
    /// are compared with <see cref="CryptographicOperations.FixedTimeEquals"/>. The failure text names what was wrong,
    /// never the secret or the signature.
    /// </summary>
    public WebhookSignatureCheck Verify(ReadOnlySpan<byte> body, string? headerValue, string secret, DateTimeOffset now)
    {
        if (headerValue is null)
        {
            return WebhookSignatureCheck.Refused($"the {Header} header is missing");
        }
        if (secret.Length == 0)
        {
            return WebhookSignatureCheck.Refused("the signing secret renders empty");
        }
        var key = Encoding.UTF8.GetBytes(secret);
        var value = headerValue.Trim();
        return Scheme switch
        {
            WebhookSignatureScheme.HmacSha256Hex => CompareHex(HMACSHA256.HashData(key, body), value, "sha256="),
            WebhookSignatureScheme.HmacSha1Hex => CompareHex(HMACSHA1.HashData(key, body), value, "sha1="),
            WebhookSignatureScheme.HmacSha256Base64 => CompareBase64(HMACSHA256.HashData(key, body), value),
            WebhookSignatureScheme.Stripe => VerifyStripe(key, body, value, now),
            _ => WebhookSignatureCheck.Refused("unknown signature scheme"),
        };
    }

    private WebhookSignatureCheck CompareHex(byte[] expected, string value, string prefix)
    {
        if (value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            value = value[prefix.Length..];
        }
        if (!TryDecodeHex(value, out var given))
        {
            return WebhookSignatureCheck.Refused($"the {Header} header is not a hex digest");
        }
        return CryptographicOperations.FixedTimeEquals(expected, given)
            ? WebhookSignatureCheck.Valid(null)
            : WebhookSignatureCheck.Refused($"the {Header} signature does not match the body");
    }

    private WebhookSignatureCheck CompareBase64(byte[] expected, string value)
    {
        byte[] given;
        try
        {
            given = Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            return WebhookSignatureCheck.Refused($"the {Header} header is not base64");
        }
        return CryptographicOperations.FixedTimeEquals(expected, given)
            ? WebhookSignatureCheck.Valid(null)
            : WebhookSignatureCheck.Refused($"the {Header} signature does not match the body");
    }

    /// <summary>
    /// Stripe's scheme (docs/runtime.md, "Webhook signatures"): the header's <c>t</c> and every <c>v1</c>;
    /// the expected signature is the hex HMAC-SHA256 of <c>t</c>, '.', and the body; one matching <c>v1</c> is enough;
    /// the timestamp must be within the tolerance of now, in either direction. Other schemes (<c>v0</c>) are ignored,
    /// as Stripe's libraries ignore them.
    /// </summary>
    private WebhookSignatureCheck VerifyStripe(byte[] key, ReadOnlySpan<byte> body, string value, DateTimeOffset now)
    {
        string? timestamp = null;
        var candidates = new List<string>();
        foreach (var part in value.Split(','))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }
            var name = part[..equals].Trim();
            var item = part[(equals + 1)..].Trim();
            if (name == "t")
            {
                if (timestamp is not null)
                {
                    return WebhookSignatureCheck.Refused($"the {Header} header has more than one timestamp");
                }
                timestamp = item;
            }
            else if (name == "v1")
            {
                candidates.Add(item);
            }
        }
        if (timestamp is null || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return WebhookSignatureCheck.Refused($"the {Header} header has no timestamp");
        }
        if (candidates.Count == 0)
        {
            return WebhookSignatureCheck.Refused($"the {Header} header has no v1 signature");
        }
        var age = now.ToUnixTimeSeconds() - seconds;
        if (age > ToleranceSeconds || age < -ToleranceSeconds)
        {
            return WebhookSignatureCheck.Refused($"the {Header} timestamp is {Math.Abs(age)} s {(age > 0 ? "old" : "ahead")}, beyond the tolerance of {ToleranceSeconds} s");
        }
        var signed = new byte[timestamp.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(timestamp, signed);
        signed[timestamp.Length] = (byte)'.';
        body.CopyTo(signed.AsSpan(timestamp.Length + 1));
        var expected = HMACSHA256.HashData(key, signed);
        var matched = false;
        foreach (var candidate in candidates)
        {
            // Every candidate is compared, so the time taken does not say which one matched.
            matched |= TryDecodeHex(candidate, out var given) && CryptographicOperations.FixedTimeEquals(expected, given);
        }
        return matched
            ? WebhookSignatureCheck.Valid(seconds)
            : WebhookSignatureCheck.Refused($"no v1 signature in the {Header} header matches the body");
    }

    private static bool TryDecodeHex(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length == 0 || text.Length % 2 != 0)
        {
            return false;
        }
        try
        {
            bytes = Convert.FromHexString(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>The outcome of <see cref="WebhookSignaturePlan.Verify"/>: valid (with the signed timestamp, if the scheme has one) or the reason it was refused.</summary>
public sealed record WebhookSignatureCheck(bool IsValid, string? Failure, long? Timestamp)
{
    public static WebhookSignatureCheck Valid(long? timestamp) => new(true, null, timestamp);

    public static WebhookSignatureCheck Refused(string failure) => new(false, failure, null);
}
