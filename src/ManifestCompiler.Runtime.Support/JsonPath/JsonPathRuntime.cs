using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ManifestCompiler.Runtime.Support.Json;
using ManifestCompiler.Runtime.Support.Text;

namespace ManifestCompiler.Runtime.Support.JsonPath;

/// <summary>The comparison operators of RFC 9535 §2.3.5.1.</summary>
public enum JsonPathComparison
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// <summary>
/// RFC 9535's value semantics: comparisons (§2.3.5.2.2), the function extensions (§2.4.4–§2.4.8), and the member
/// and element steps. The interpreter in ManifestCompiler.Syntax and the code the generator emits both call these,
/// so the two engines cannot drift apart.
/// </summary>
public static class JsonPathRuntime
{
    public static bool Compare(JsonPathValue left, JsonPathComparison op, JsonPathValue right) => op switch
    {
        JsonPathComparison.Equal => AreEqual(left, right),
        JsonPathComparison.NotEqual => !AreEqual(left, right),
        JsonPathComparison.Less => IsLess(left, right),
        JsonPathComparison.LessOrEqual => IsLess(left, right) || AreEqual(left, right),
        JsonPathComparison.Greater => IsLess(right, left),
        _ => IsLess(right, left) || AreEqual(left, right),
    };

    public static bool AreEqual(JsonPathValue left, JsonPathValue right)
    {
        if (left.Kind == JsonPathValueKind.Nothing || right.Kind == JsonPathValueKind.Nothing)
        {
            return left.Kind == right.Kind;
        }
        if (TryNumber(left, out var a) && TryNumber(right, out var b))
        {
            return a == b;
        }
        if (left.Kind != JsonPathValueKind.Json || right.Kind != JsonPathValueKind.Json)
        {
            return false;
        }
        return JsonEquals(left.Json, right.Json);
    }

    /// <summary><c>value == 'literal'</c>, the common filter, without the general comparison: equal to what
    /// <see cref="AreEqual"/> answers for a string literal on one side (only a JSON string can equal it).</summary>
    public static bool EqualsString(JsonPathValue value, string literal) =>
        value is { Kind: JsonPathValueKind.Json, Json.ValueKind: JsonValueKind.String } && JsonStrings.ValueEquals(value.Json, literal);

    public static bool IsLess(JsonPathValue left, JsonPathValue right)
    {
        if (TryNumber(left, out var a) && TryNumber(right, out var b))
        {
            return a < b;
        }
        if (left is { Kind: JsonPathValueKind.Json, Json.ValueKind: JsonValueKind.String } && right is { Kind: JsonPathValueKind.Json, Json.ValueKind: JsonValueKind.String })
        {
            return CodePoints.Compare(JsonStrings.GetString(left.Json), JsonStrings.GetString(right.Json)) < 0;
        }
        return false;
    }

    private static bool TryNumber(JsonPathValue value, out double number)
    {
        if (value.Kind == JsonPathValueKind.Number)
        {
            number = value.Number;
            return true;
        }
        if (value is { Kind: JsonPathValueKind.Json, Json.ValueKind: JsonValueKind.Number })
        {
            number = ToDouble(value.Json);
            return true;
        }
        number = 0;
        return false;
    }

    /// <summary>A JSON number as a double; beyond double's range it is ±infinity, as Python's float() reads it.</summary>
    public static double ToDouble(JsonElement number) =>
        number.TryGetDouble(out var d) ? d : double.Parse(number.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Deep equality of JSON values (numbers by value, object members in any order).</summary>
    public static bool JsonEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }
        switch (a.ValueKind)
        {
            case JsonValueKind.Number:
                return ToDouble(a) == ToDouble(b);
            case JsonValueKind.String:
                return JsonStrings.ValueEquals(a, JsonStrings.GetString(b));
            case JsonValueKind.Array:
                if (a.GetArrayLength() != b.GetArrayLength())
                {
                    return false;
                }
                using (var left = a.EnumerateArray())
                using (var right = b.EnumerateArray())
                {
                    while (left.MoveNext() && right.MoveNext())
                    {
                        if (!JsonEquals(left.Current, right.Current))
                        {
                            return false;
                        }
                    }
                }
                return true;
            case JsonValueKind.Object:
                var count = 0;
                foreach (var property in a.EnumerateObject())
                {
                    count++;
                    if (!JsonMembers.TryGet(b, JsonStrings.GetName(property), out var other) || !JsonEquals(property.Value, other))
                    {
                        return false;
                    }
                }
                return count == b.EnumerateObject().Count();
            default:
                return true; // true, false, null: same kind, same value
        }
    }

    // --- functions (§2.4.4–§2.4.8) ------------------------------------------------------------------

    /// <summary>length(): code points of a string, elements of an array, members of an object; else Nothing.</summary>
    public static JsonPathValue Length(JsonPathValue argument)
    {
        if (argument.Kind != JsonPathValueKind.Json)
        {
            return JsonPathValue.Nothing;
        }
        return argument.Json.ValueKind switch
        {
            JsonValueKind.String => JsonPathValue.OfNumber(CodePoints.Count(JsonStrings.GetString(argument.Json))),
            JsonValueKind.Array => JsonPathValue.OfNumber(argument.Json.GetArrayLength()),
            JsonValueKind.Object => JsonPathValue.OfNumber(argument.Json.EnumerateObject().Count()),
            _ => JsonPathValue.Nothing,
        };
    }

    public static JsonPathValue Count(List<JsonPathNode> nodes) => JsonPathValue.OfNumber(nodes.Count);

    /// <summary>value(): the single node's value, else Nothing.</summary>
    public static JsonPathValue Value(List<JsonPathNode> nodes) => nodes.Count == 1 ? JsonPathValue.Of(nodes[0].Value) : JsonPathValue.Nothing;

    /// <summary>match() (whole string) and search() (any substring) with an I-Regexp; false for non-strings,
    /// invalid patterns and patterns the engine gives up on.</summary>
    public static JsonPathValue Match(JsonPathValue text, JsonPathValue pattern, bool anchored)
    {
        if (text is not { Kind: JsonPathValueKind.Json, Json.ValueKind: JsonValueKind.String }
            || pattern is not { Kind: JsonPathValueKind.Json, Json.ValueKind: JsonValueKind.String })
        {
            return JsonPathValue.OfLogical(false);
        }
        return JsonPathValue.OfLogical(IsMatch(IRegexp.Compile(JsonStrings.GetString(pattern.Json), anchored), JsonStrings.GetString(text.Json)));
    }

    /// <summary>match()/search() with a pattern compiled ahead of time (a literal pattern in a compiled query).</summary>
    public static JsonPathValue Match(JsonPathValue text, Regex? pattern) =>
        text is { Kind: JsonPathValueKind.Json, Json.ValueKind: JsonValueKind.String }
            ? JsonPathValue.OfLogical(IsMatch(pattern, JsonStrings.GetString(text.Json)))
            : JsonPathValue.OfLogical(false);

    private static bool IsMatch(Regex? regex, string text)
    {
        try
        {
            return regex is not null && regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    // --- steps ---------------------------------------------------------------------------------------

    /// <summary>The member <paramref name="name"/> of an object (<paramref name="utf8Name"/> is its UTF-8 form, or
    /// null when the name holds a lone surrogate).</summary>
    public static bool TryGetMember(JsonElement value, string name, byte[]? utf8Name, out JsonElement member)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            member = default;
            return false;
        }
        return JsonMembers.TryGet(value, name, utf8Name, out member);
    }

    /// <summary>The element at <paramref name="index"/> of an array (negative counts from the end).</summary>
    public static bool TryGetElement(JsonElement value, long index, out JsonElement element, out int position)
    {
        element = default;
        position = 0;
        if (value.ValueKind != JsonValueKind.Array)
        {
            return false;
        }
        var length = value.GetArrayLength();
        var i = index < 0 ? length + index : index;
        if (i < 0 || i >= length)
        {
            return false;
        }
        position = (int)i;
        element = value[position];
        return true;
    }

    /// <summary>
    /// RFC 9535 §2.3.4.2.2 in 64-bit arithmetic (operands are within ±(2^53−1)). With a positive step the slice
    /// selects <c>lower, lower+step, ...</c> while below <paramref name="upper"/>; with a negative step
    /// <c>upper, upper+step, ...</c> while above <paramref name="lower"/>. False when it selects nothing.
    /// </summary>
    public static bool SliceBounds(long? start, long? end, long step, long length, out long lower, out long upper)
    {
        lower = upper = 0;
        if (step == 0)
        {
            return false;
        }
        var first = start ?? (step > 0 ? 0 : length - 1);
        var last = end ?? (step > 0 ? length : -length - 1);
        var normalizedStart = first >= 0 ? first : length + first;
        var normalizedEnd = last >= 0 ? last : length + last;
        if (step > 0)
        {
            lower = Math.Min(Math.Max(normalizedStart, 0), length);
            upper = Math.Min(Math.Max(normalizedEnd, 0), length);
        }
        else
        {
            upper = Math.Min(Math.Max(normalizedStart, -1), length - 1);
            lower = Math.Min(Math.Max(normalizedEnd, -1), length - 1);
        }
        return lower < upper;
    }
}
