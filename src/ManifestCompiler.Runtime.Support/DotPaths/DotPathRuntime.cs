using System.Text.Json;
using ManifestCompiler.Runtime.Support.Json;
using ManifestCompiler.Runtime.Support.Python;

namespace ManifestCompiler.Runtime.Support.DotPaths;

/// <summary>
/// ChiefOnboarding's dot notation (<c>data.items.0.id</c>) over a JSON value: a key of an object, or an index of a
/// list as Python's <c>int()</c> reads it (negative indexes count from the end). Shared by the front end's checks
/// and compiled plans.
/// </summary>
public static class DotPathRuntime
{
    /// <summary>The value at <paramref name="segments"/>; on failure, which segment failed and why.</summary>
    public static bool TryEvaluate(JsonElement value, IReadOnlyList<string> segments, out JsonElement result, out int failedSegment, out string? reason)
    {
        result = value;
        for (var i = 0; i < segments.Count; i++)
        {
            var key = segments[i];
            failedSegment = i;
            switch (result.ValueKind)
            {
                case JsonValueKind.Object:
                    if (!JsonMembers.TryGet(result, key, out result))
                    {
                        reason = $"no key '{key}'";
                        return false;
                    }
                    break;
                case JsonValueKind.Array:
                    var length = result.GetArrayLength();
                    // The engine calls int(): Python's own integer parsing decides what is an index.
                    if (!PyBuiltins.TryParseInt(key, 10, out var index))
                    {
                        reason = $"'{key}' is not a list index";
                        return false;
                    }
                    var resolved = index < 0 ? length + index : index;
                    if (resolved < 0 || resolved >= length)
                    {
                        reason = $"index {index} is out of range for a list of {length}";
                        return false;
                    }
                    result = result[(int)resolved];
                    break;
                default:
                    reason = $"cannot look up '{key}' in {Describe(result.ValueKind)}";
                    return false;
            }
        }
        failedSegment = -1;
        reason = null;
        return true;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
