using System.Globalization;
using System.Text.Json;

namespace ManifestCompiler.Runtime.Support.Mapping;

/// <summary>
/// How a JSON value becomes the C# type of a field mapping's <c>dataType</c>. Each conversion accepts exactly the JSON
/// kind it names (a number is not silently a string), so a mismatch is a mapping error with the field and path.
/// JSON null counts as absent and never reaches these. Objects and arrays are cloned: a mapped record outlives the
/// document it came from.
/// </summary>
public static class FieldConversions
{
    /// <summary><c>string</c>: a JSON string.</summary>
    public static bool TryString(JsonElement value, out string? result)
    {
        result = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return result is not null;
    }

    /// <summary><c>number</c>: a JSON number within decimal's range (money keeps its digits).</summary>
    public static bool TryNumber(JsonElement value, out decimal result)
    {
        result = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out result);
    }

    /// <summary><c>integer</c>: a JSON number with no fractional part within 64 bits (<c>3.0</c> is 3, as in JSON Schema).</summary>
    public static bool TryInteger(JsonElement value, out long result)
    {
        result = 0;
        if (value.ValueKind != JsonValueKind.Number)
        {
            return false;
        }
        if (value.TryGetInt64(out result))
        {
            return true;
        }
        if (value.TryGetDecimal(out var d) && d == decimal.Truncate(d) && d >= long.MinValue && d <= long.MaxValue)
        {
            result = (long)d;
            return true;
        }
        return false;
    }

    /// <summary><c>boolean</c>: JSON true or false.</summary>
    public static bool TryBoolean(JsonElement value, out bool result)
    {
        result = value.ValueKind == JsonValueKind.True;
        return value.ValueKind is JsonValueKind.True or JsonValueKind.False;
    }

    /// <summary><c>date</c>: a string <c>yyyy-MM-dd</c> (RFC 3339 full-date).</summary>
    public static bool TryDate(JsonElement value, out DateOnly result)
    {
        result = default;
        return value.ValueKind == JsonValueKind.String
            && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out result);
    }

    /// <summary><c>datetime</c>: an ISO 8601 / RFC 3339 date-time string; without an offset it is read as UTC.</summary>
    public static bool TryDateTime(JsonElement value, out DateTimeOffset result)
    {
        result = default;
        return value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out result);
    }

    /// <summary><c>object</c>: a JSON object, kept as it is.</summary>
    public static bool TryObject(JsonElement value, out JsonElement result)
    {
        result = value.ValueKind == JsonValueKind.Object ? value.Clone() : default;
        return value.ValueKind == JsonValueKind.Object;
    }

    /// <summary><c>array</c> from a singular query: a JSON array's elements.</summary>
    public static bool TryArray(JsonElement value, out JsonElement[] result)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            result = [];
            return false;
        }
        var array = value.Clone();
        result = new JsonElement[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            result[i++] = item;
        }
        return true;
    }

    // --- the same conversions over a Utf8JsonReader on the value's first token (the streaming mapper) ------------
    // Each accepts exactly what its JsonElement twin accepts and reads the value the same way (the reader and the
    // document share System.Text.Json's token parsing), so both mappers give equal records and errors. A container
    // value is read to its end token when converted; a scalar leaves the reader where it is.

    /// <summary><c>string</c>: a JSON string.</summary>
    public static bool TryString(ref Utf8JsonReader reader, out string? result)
    {
        result = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return result is not null;
    }

    /// <summary><c>number</c>: a JSON number within decimal's range.</summary>
    public static bool TryNumber(ref Utf8JsonReader reader, out decimal result)
    {
        result = 0;
        return reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out result);
    }

    /// <summary><c>integer</c>: a JSON number with no fractional part within 64 bits.</summary>
    public static bool TryInteger(ref Utf8JsonReader reader, out long result)
    {
        result = 0;
        if (reader.TokenType != JsonTokenType.Number)
        {
            return false;
        }
        if (reader.TryGetInt64(out result))
        {
            return true;
        }
        if (reader.TryGetDecimal(out var d) && d == decimal.Truncate(d) && d >= long.MinValue && d <= long.MaxValue)
        {
            result = (long)d;
            return true;
        }
        return false;
    }

    /// <summary><c>boolean</c>: JSON true or false.</summary>
    public static bool TryBoolean(ref Utf8JsonReader reader, out bool result)
    {
        result = reader.TokenType == JsonTokenType.True;
        return reader.TokenType is JsonTokenType.True or JsonTokenType.False;
    }

    /// <summary><c>date</c>: a string <c>yyyy-MM-dd</c>.</summary>
    public static bool TryDate(ref Utf8JsonReader reader, out DateOnly result)
    {
        result = default;
        return reader.TokenType == JsonTokenType.String
            && DateOnly.TryParseExact(reader.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out result);
    }

    /// <summary><c>datetime</c>: an ISO 8601 / RFC 3339 date-time string; without an offset it is read as UTC.</summary>
    public static bool TryDateTime(ref Utf8JsonReader reader, out DateTimeOffset result)
    {
        result = default;
        return reader.TokenType == JsonTokenType.String
            && DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out result);
    }

    /// <summary><c>object</c>: a JSON object, kept as it is (its own document, as a clone is).</summary>
    public static bool TryObject(ref Utf8JsonReader reader, out JsonElement result)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            result = default;
            return false;
        }
        result = JsonElement.ParseValue(ref reader);
        return true;
    }

    /// <summary><c>array</c> from a singular query: a JSON array's elements.</summary>
    public static bool TryArray(ref Utf8JsonReader reader, out JsonElement[] result)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            result = [];
            return false;
        }
        var array = JsonElement.ParseValue(ref reader);
        result = new JsonElement[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            result[i++] = item;
        }
        return true;
    }
}
