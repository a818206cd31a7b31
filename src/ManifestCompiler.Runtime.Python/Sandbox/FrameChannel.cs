using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace ManifestCompiler.Runtime.Python.Sandbox;

/// <summary>A frame the worker sent that breaks the protocol (too large, not a JSON object).</summary>
internal sealed class ProtocolViolationException(string message, bool tooLarge = false) : Exception(message)
{
    /// <summary>The frame was over the size limit: a resource limit (say, a huge result), not necessarily an attack.</summary>
    public bool TooLarge { get; } = tooLarge;
}

/// <summary>The worker protocol: each frame a 4-byte big-endian length and that many bytes of UTF-8 JSON.</summary>
internal sealed class FrameChannel(Stream toWorker, Stream fromWorker, int maxFrameBytes)
{
    // Values (payloads, storage, results, side-effect arguments) may nest Frame.MaxValueDepth levels; a frame
    // wraps them in a few more.
    private static readonly JsonSerializerOptions WriteOptions = new() { MaxDepth = Frame.MaxValueDepth + 8 };
    private static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = Frame.MaxValueDepth + 8 };
    private static readonly JsonReaderOptions ValidateOptions = new() { MaxDepth = Frame.MaxValueDepth + 8 };

    private readonly byte[] header = new byte[4];

    /// <summary>
    /// Whether the last frame read came from the zygote itself (<c>ready</c>, <c>exited</c>): the zygote marks its
    /// own frames with the top bit of the length and relays a run process's frames only without it, so a run
    /// cannot forge one (worker.py, <c>_relay</c>).
    /// </summary>
    public bool LastWasControl { get; private set; }

    public async Task WriteAsync(JsonObject message, CancellationToken cancellationToken) =>
        await WriteRawAsync(JsonSerializer.SerializeToUtf8Bytes(message, WriteOptions), cancellationToken).ConfigureAwait(false);

    public async Task WriteRawAsync(byte[] payload, CancellationToken cancellationToken)
    {
        var prefix = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, payload.Length);
        await toWorker.WriteAsync(prefix, cancellationToken).ConfigureAwait(false);
        await toWorker.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        await toWorker.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The next frame, or <c>null</c> when the worker's output ended (it exited or was killed).</summary>
    public async Task<JsonObject?> ReadAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(header, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        var raw = BinaryPrimitives.ReadUInt32BigEndian(header);
        LastWasControl = (raw & 0x8000_0000u) != 0;
        var length = (int)(raw & 0x7FFF_FFFFu);
        if (length > maxFrameBytes)
        {
            throw new ProtocolViolationException($"the worker sent a frame of {length} bytes (limit {maxFrameBytes})", tooLarge: length > maxFrameBytes);
        }
        var payload = new byte[length];
        if (!await FillAsync(payload, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        try
        {
            ValidateText(payload);
            return JsonNode.Parse(payload, null, ReadOptions) as JsonObject ?? throw new ProtocolViolationException("the worker sent a frame that is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new ProtocolViolationException("the worker sent a frame that is not JSON: " + e.Message);
        }
    }

    /// <summary>
    /// System.Text.Json parses lazily and throws only when a string is read, far from here. The worker sends
    /// valid UTF-8 with lone surrogates replaced (docs/python-sandbox.md), so a frame with invalid UTF-8 or an
    /// escaped lone surrogate comes from a compromised worker: a protocol violation now, not an exception later.
    /// </summary>
    private static void ValidateText(byte[] payload)
    {
        if (!Utf8.IsValid(payload))
        {
            throw new ProtocolViolationException("the worker sent a frame that is not valid UTF-8");
        }
        var reader = new Utf8JsonReader(payload, ValidateOptions);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    reader.GetString();
                }
            }
        }
        catch (InvalidOperationException)
        {
            throw new ProtocolViolationException("the worker sent a frame with an escaped lone surrogate");
        }
    }

    private async Task<bool> FillAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await fromWorker.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }
}

/// <summary>
/// Typed reads of frame fields. The worker runs untrusted code, so a field of the wrong type is a protocol
/// violation (which replaces the worker), never an exception out of the pool.
/// </summary>
internal static class Frame
{
    /// <summary>How deeply values may nest (docs/python-sandbox.md, "Unusual data"); the worker refuses deeper
    /// results and side-effect arguments itself, as data errors.</summary>
    public const int MaxValueDepth = 512;

    public static string? String(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => throw Unexpected(node, "a string"),
    };

    public static long? Integer(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<long>(out var number) => number,
        _ => throw Unexpected(node, "an integer"),
    };

    public static int? Int32(JsonNode? node) => Integer(node) is { } number ? (int)Math.Clamp(number, int.MinValue, int.MaxValue) : null;

    public static double? Number(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<double>(out var number) => number,
        _ => throw Unexpected(node, "a number"),
    };

    public static bool? Bool(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag,
        _ => throw Unexpected(node, "true or false"),
    };

    public static byte[]? Base64(JsonNode? node)
    {
        var text = String(node);
        try
        {
            return text is null ? null : Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new ProtocolViolationException("the worker sent a body that is not base64");
        }
    }

    private static ProtocolViolationException Unexpected(JsonNode node, string expected)
    {
        var text = node.ToJsonString();
        return new ProtocolViolationException($"the worker sent {(text.Length > 40 ? text[..40] + "..." : text)} where {expected} belongs");
    }
}
