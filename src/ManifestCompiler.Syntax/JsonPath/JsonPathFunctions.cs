using System.Collections.Immutable;

namespace ManifestCompiler.Syntax.JsonPath;

/// <summary>The declared types of RFC 9535 §2.4.1.</summary>
public enum JsonPathType
{
    Value,
    Logical,
    Nodes,
}

public sealed record JsonPathFunction(string Name, ImmutableArray<JsonPathType> Parameters, JsonPathType Result);

/// <summary>The function extensions of RFC 9535 §2.4.4–§2.4.8.</summary>
public static class JsonPathFunctions
{
    public static readonly JsonPathFunction Length = new("length", [JsonPathType.Value], JsonPathType.Value);
    public static readonly JsonPathFunction Count = new("count", [JsonPathType.Nodes], JsonPathType.Value);
    public static readonly JsonPathFunction Match = new("match", [JsonPathType.Value, JsonPathType.Value], JsonPathType.Logical);
    public static readonly JsonPathFunction Search = new("search", [JsonPathType.Value, JsonPathType.Value], JsonPathType.Logical);
    public static readonly JsonPathFunction Value = new("value", [JsonPathType.Nodes], JsonPathType.Value);

    public static readonly IReadOnlyDictionary<string, JsonPathFunction> All =
        new[] { Length, Count, Match, Search, Value }.ToDictionary(f => f.Name, StringComparer.Ordinal);
}
