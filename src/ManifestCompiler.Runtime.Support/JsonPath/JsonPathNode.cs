using System.Text.Json;

namespace ManifestCompiler.Runtime.Support.JsonPath;

/// <summary>A node selected by a query: its value and where it sits in the document.</summary>
public readonly record struct JsonPathNode(JsonElement Value, NormalizedPath Path);
