using System.Text.Json;
using System.Text.Json.Nodes;

namespace ManifestCompiler.Runtime.Support.Json;

/// <summary>
/// How the runtime reads and writes data it does not control: third-party answers, webhook bodies, run payloads,
/// step results and records. System.Text.Json refuses more than 64 levels by default, which a vendor's document or
/// a step's result may legitimately exceed; the sandbox lets values nest 512 levels (docs/python-sandbox.md,
/// "Unusual data"), and the runtime wraps them in a few levels of its own (payload envelopes, frames). Deeper
/// than <see cref="MaxDepth"/> is refused as invalid data, never a crash: the readers and writers here do not
/// recurse on the call stack past it.
/// </summary>
public static class DataJson
{
    public const int MaxDepth = 1024;

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    /// <summary>What <see cref="DocumentOptions"/> is for a reader: a streaming mapper reads exactly what
    /// <see cref="ParseDocument(ReadOnlyMemory{byte})"/> parses, at the same depth.</summary>
    public static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    public static readonly JsonSerializerOptions SerializerOptions = new() { MaxDepth = MaxDepth };

    public static JsonDocument ParseDocument(string json) => JsonDocument.Parse(json, DocumentOptions);

    public static JsonDocument ParseDocument(ReadOnlyMemory<byte> utf8Json) => JsonDocument.Parse(utf8Json, DocumentOptions);

    public static JsonNode? ParseNode(string json) => JsonNode.Parse(json, null, DocumentOptions);
}
