using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ManifestCompiler.Runtime;

public enum DebugLevel
{
    Debug,
    Info,
    Warning,
    Error,
}

/// <summary>
/// One row of the Debug panel: the action, when, the message, an HTTP-like code (200, or 500 for errors), the
/// correlation id that links a chain of runs, the integration instance, the level, and what kind of event it is
/// (<c>log</c>, <c>trigger</c>, <c>action_error</c>, <c>lifecycle</c>). Secrets never reach an event (see
/// <see cref="SecretRedactor"/>). <see cref="Data"/> holds the detail the panel shows when a row is expanded (the
/// payload sent to a child action, a record's mapping errors).
/// </summary>
public sealed record DebugEvent(
    DateTimeOffset Timestamp,
    DebugLevel Level,
    string Message,
    int Code,
    string Action,
    string CorrelationId,
    string RunId,
    string IntegrationId,
    string DebugType,
    string? Data = null)
{
    /// <summary>As the panel prints a row: <c>DEBUG: Starting execution of action: quickbooks-sync-v1</c>.</summary>
    public override string ToString() => $"{Level.ToString().ToUpperInvariant()}: {Message}";

    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    /// <summary>The whole event as one line of JSON, the level by name (<c>mfc run --verbose</c>, <c>mfc serve</c>'s stream).</summary>
    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, JsonOptions);
}

public interface IDebugEventSink
{
    void Publish(DebugEvent debugEvent);
}

/// <summary>Keeps every event in order (tests, <c>mfc run</c>) and passes each to an optional listener.</summary>
public sealed class DebugEventLog(Action<DebugEvent>? listener = null) : IDebugEventSink
{
    private readonly ConcurrentQueue<DebugEvent> _events = new();

    public IReadOnlyList<DebugEvent> Events => [.. _events];

    public void Publish(DebugEvent debugEvent)
    {
        _events.Enqueue(debugEvent);
        listener?.Invoke(debugEvent);
    }
}

/// <summary>
/// Replaces every known secret value (tokens, client secrets, webhook signing secrets, Authorization header values)
/// with <c>********</c> in text that leaves the runtime: debug events and logs. A secret is masked in every form it
/// takes in such text: as written; JSON-escaped (<c>\u002B</c>, <c>\/</c>, as System.Text.Json writes '+' and as
/// other serializers write '/'); percent-encoded (either hex case, '+' for a space); as HTML character references; any
/// mix of these character by character; and base64 (standard and URL-safe, whole or inside a longer base64 text
/// such as a Basic credential). Values shorter than four characters are not treated as secrets (they would mask
/// ordinary words). Structured values are best masked before they are serialized (<see cref="Redact(JsonNode?)"/>).
/// </summary>
public sealed class SecretRedactor
{
    public const string Mask = "********";

    /// <summary>Base64 text shorter than this inside a longer base64 text is left alone: it would match by chance.</summary>
    private const int MinBase64Fragment = 8;

    private readonly ConcurrentDictionary<string, SecretForms> _secrets = new(StringComparer.Ordinal);
    private readonly object _orderGate = new();

    /// <summary>The secrets longest first, so a secret that contains another is masked whole; sorted when one is added, not per text.</summary>
    private volatile SecretForms[] _longestFirst = [];

    public void Add(string? secret)
    {
        if (secret is { Length: >= 4 } && !_secrets.ContainsKey(secret) && _secrets.TryAdd(secret, new SecretForms(secret)))
        {
            // Under the gate, each add sorts after its own insertion, so the last sort sees every secret added.
            lock (_orderGate)
            {
                _longestFirst = [.. _secrets.Values.OrderByDescending(f => f.Secret.Length)];
            }
        }
    }

    /// <summary>
    /// Every value of the tokens, nested objects (ChiefOnboarding's <c>oauth</c> answer) included, except the OAuth
    /// fields that describe a token rather than being one: masking <c>Bearer</c> or <c>3600</c> everywhere would
    /// garble messages and protect nothing (the reference engine does, issue #504).
    /// </summary>
    public void AddTokens(JsonObject tokens)
    {
        foreach (var (name, value) in tokens)
        {
            if (NotSecret.Contains(name))
            {
                continue;
            }
            switch (value)
            {
                case JsonObject nested:
                    AddTokens(nested);
                    break;
                case JsonArray list:
                    foreach (var item in list)
                    {
                        Add(JsonText.Of(item));
                    }
                    break;
                default:
                    Add(JsonText.Of(value));
                    break;
            }
        }
    }

    private static readonly HashSet<string> NotSecret = new(StringComparer.Ordinal) { "token_type", "expires_in", "scope", "ext_expires_in" };

    public string Redact(string text)
    {
        foreach (var forms in _longestFirst)
        {
            text = forms.Redact(text);
        }
        return text;
    }

    /// <summary>
    /// A copy of <paramref name="value"/> whose strings (and property names) are redacted: masking before serializing,
    /// so the secret is gone whatever the serializer escapes later.
    /// </summary>
    public JsonNode? Redact(JsonNode? value) => value switch
    {
        null => null,
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(Redact(p.Key), Redact(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Redact)]),
        JsonValue scalar when scalar.GetValueKind() == System.Text.Json.JsonValueKind.String => JsonValue.Create(Redact(scalar.GetValue<string>())),
        _ => value.DeepClone(),
    };

    /// <summary>One secret's forms: the text as written, a pattern for its escaped and encoded spellings, its base64 texts.</summary>
    private sealed class SecretForms
    {
        private readonly Regex _escaped;
        private readonly string[] _base64;

        public SecretForms(string secret)
        {
            Secret = secret;
            _escaped = new Regex(string.Concat(secret.Select(CharacterForms)), RegexOptions.CultureInvariant);
            _base64 = Base64Forms(Encoding.UTF8.GetBytes(secret)).Distinct(StringComparer.Ordinal).OrderByDescending(f => f.Length).ToArray();
        }

        public string Secret { get; }

        public string Redact(string text)
        {
            if (text.Contains(Secret, StringComparison.Ordinal))
            {
                text = text.Replace(Secret, Mask, StringComparison.Ordinal);
            }
            // Only text with an escape or an encoding can hold another spelling.
            if (text.AsSpan().IndexOfAny('\\', '%', '&') >= 0 || (Secret.Contains(' ', StringComparison.Ordinal) && text.Contains('+', StringComparison.Ordinal)))
            {
                text = _escaped.Replace(text, Mask);
            }
            foreach (var form in _base64)
            {
                if (text.Contains(form, StringComparison.Ordinal))
                {
                    text = text.Replace(form, Mask, StringComparison.Ordinal);
                }
            }
            return text;
        }

        /// <summary>A regex group matching one UTF-16 unit of the secret as written, JSON-escaped, percent-encoded or as an HTML reference.</summary>
        private static string CharacterForms(char c)
        {
            var forms = new List<string> { Regex.Escape(c.ToString()), $@"\\[uU](?i:{(int)c:x4})" };
            switch (c)
            {
                case '/':
                    forms.Add(@"\\/");
                    break;
                case '"' or '\\':
                    forms.Add(@"\\" + Regex.Escape(c.ToString()));
                    break;
                case ' ':
                    forms.Add(@"\+");
                    break;
            }
            if (!char.IsSurrogate(c))
            {
                forms.Add(string.Concat(Encoding.UTF8.GetBytes(c.ToString()).Select(b => $"%(?i:{b:x2})")));
            }
            forms.Add($"&#0*{(int)c};");
            forms.Add($"&#[xX]0*(?i:{(int)c:x});");
            return "(?:" + string.Join("|", forms) + ")";
        }

        /// <summary>
        /// The secret's base64 at each of the three byte alignments it can have inside longer data (RFC 4648 §4, and
        /// the URL-safe alphabet of §5), keeping only the characters that depend on the secret's bytes alone; the
        /// whole padded encoding too.
        /// </summary>
        private static IEnumerable<string> Base64Forms(byte[] secret)
        {
            var whole = Convert.ToBase64String(secret);
            yield return whole;
            yield return UrlSafe(whole);
            for (var offset = 0; offset < 3; offset++)
            {
                var data = new byte[offset + secret.Length];
                secret.CopyTo(data, offset);
                var encoded = Convert.ToBase64String(data).TrimEnd('=');
                var first = (8 * offset + 5) / 6;
                var last = 8 * data.Length / 6;
                if (last - first >= MinBase64Fragment)
                {
                    var fragment = encoded[first..last];
                    yield return fragment;
                    yield return UrlSafe(fragment);
                }
            }
        }

        private static string UrlSafe(string base64) => base64.Replace('+', '-').Replace('/', '_');
    }
}
