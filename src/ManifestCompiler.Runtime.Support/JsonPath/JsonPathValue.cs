using System.Text.Json;

namespace ManifestCompiler.Runtime.Support.JsonPath;

public enum JsonPathValueKind
{
    /// <summary>RFC 9535's "Nothing": an absent value (a singular query that selected no node).</summary>
    Nothing,
    Json,
    Number,
    Logical,
    Nodes,
}

/// <summary>
/// A value inside a filter expression: Nothing, a JSON value, a number a function computed, a logical result, or a
/// node list (RFC 9535 §2.4.1's ValueType, LogicalType and NodesType).
/// </summary>
public readonly struct JsonPathValue
{
    public static readonly JsonPathValue Nothing = default;

    private JsonPathValue(JsonPathValueKind kind, JsonElement json = default, double number = 0, bool logical = false, List<JsonPathNode>? nodes = null)
    {
        Kind = kind;
        Json = json;
        Number = number;
        Logical = logical;
        Nodes = nodes;
    }

    public JsonPathValueKind Kind { get; }

    public JsonElement Json { get; }

    public double Number { get; }

    public bool Logical { get; }

    public List<JsonPathNode>? Nodes { get; }

    public static JsonPathValue Of(JsonElement json) => new(JsonPathValueKind.Json, json);

    public static JsonPathValue OfNumber(double number) => new(JsonPathValueKind.Number, number: number);

    public static JsonPathValue OfLogical(bool value) => new(JsonPathValueKind.Logical, logical: value);

    public static JsonPathValue OfNodes(List<JsonPathNode> nodes) => new(JsonPathValueKind.Nodes, nodes: nodes);

    /// <summary>A function result used as a test expression (§2.4.3): a LogicalType's value, or NodesType non-empty.</summary>
    public bool IsTrue => Kind == JsonPathValueKind.Logical ? Logical : Kind == JsonPathValueKind.Nodes && Nodes!.Count > 0;
}
