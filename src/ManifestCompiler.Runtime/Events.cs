using System.Collections.Concurrent;

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
/// Replaces every known secret value (tokens, client secrets, Authorization header values) with <c>********</c>
/// in text that leaves the runtime: debug events and logs. Values shorter than four characters are not treated as
/// secrets (they would mask ordinary words).
/// </summary>
public sealed class SecretRedactor
{
    public const string Mask = "********";
    private readonly ConcurrentDictionary<string, byte> _secrets = new(StringComparer.Ordinal);

    public void Add(string? secret)
    {
        if (secret is { Length: >= 4 })
        {
            _secrets.TryAdd(secret, 0);
        }
    }

    /// <summary>
    /// Every value of the tokens, nested objects (ChiefOnboarding's <c>oauth</c> answer) included, except the OAuth
    /// fields that describe a token rather than being one: masking <c>Bearer</c> or <c>3600</c> everywhere would
    /// garble messages and protect nothing (the reference engine does, issue #504).
    /// </summary>
    public void AddTokens(System.Text.Json.Nodes.JsonObject tokens)
    {
        foreach (var (name, value) in tokens)
        {
            if (NotSecret.Contains(name))
            {
                continue;
            }
            switch (value)
            {
                case System.Text.Json.Nodes.JsonObject nested:
                    AddTokens(nested);
                    break;
                case System.Text.Json.Nodes.JsonArray list:
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
        // Longest first, so a secret that contains another is masked whole.
        foreach (var secret in _secrets.Keys.OrderByDescending(s => s.Length))
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }
        return text;
    }
}
