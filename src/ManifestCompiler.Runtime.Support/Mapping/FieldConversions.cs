using System.Globalization;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Json;

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

    /// <summary><c>date</c>: a string <c>yyyy-MM-dd</c> (RFC 3339 full-date); the usual form from its UTF-8 bytes.</summary>
    public static bool TryDate(JsonElement value, out DateOnly result)
    {
        if (JsonStrings.TryGetUnescapedUtf8(value, out var utf8) && TryFullDate(utf8, out result))
        {
            return true;
        }
        result = default;
        return value.ValueKind == JsonValueKind.String
            && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out result);
    }

    /// <summary><c>datetime</c>: an ISO 8601 / RFC 3339 date-time string; without an offset it is read as UTC. The
    /// RFC 3339 form with an offset from its UTF-8 bytes.</summary>
    public static bool TryDateTime(JsonElement value, out DateTimeOffset result)
    {
        if (JsonStrings.TryGetUnescapedUtf8(value, out var utf8) && TryRfc3339DateTime(utf8, out result))
        {
            return true;
        }
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

    /// <summary><c>date</c>: a string <c>yyyy-MM-dd</c>. The usual form is read from the UTF-8 bytes without making a
    /// string (issue 17); anything else takes the string parse of the DOM twin.</summary>
    public static bool TryDate(ref Utf8JsonReader reader, out DateOnly result)
    {
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && !reader.HasValueSequence && TryFullDate(reader.ValueSpan, out result))
        {
            return true;
        }
        result = default;
        return reader.TokenType == JsonTokenType.String
            && DateOnly.TryParseExact(reader.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out result);
    }

    /// <summary><c>datetime</c>: an ISO 8601 / RFC 3339 date-time string; without an offset it is read as UTC. The
    /// RFC 3339 form with an offset is read from the UTF-8 bytes; anything else takes the string parse of the DOM twin.</summary>
    public static bool TryDateTime(ref Utf8JsonReader reader, out DateTimeOffset result)
    {
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && !reader.HasValueSequence && TryRfc3339DateTime(reader.ValueSpan, out result))
        {
            return true;
        }
        result = default;
        return reader.TokenType == JsonTokenType.String
            && DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out result);
    }

    // --- the fast paths: only what the string parse certainly reads the same way; false sends the rest to it -------

    /// <summary><c>yyyy-MM-dd</c> in ASCII digits, a valid day of the proleptic Gregorian calendar (RFC 3339 full-date),
    /// as <c>DateOnly.TryParseExact(s, "yyyy-MM-dd", InvariantCulture)</c> reads it.</summary>
    internal static bool TryFullDate(ReadOnlySpan<byte> text, out DateOnly result)
    {
        result = default;
        if (text.Length != 10 || text[4] != (byte)'-' || text[7] != (byte)'-'
            || !TryDigits(text, 0, 4, out var year) || !TryDigits(text, 5, 2, out var month) || !TryDigits(text, 8, 2, out var day)
            || year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }
        result = new DateOnly(year, month, day);
        return true;
    }

    /// <summary>RFC 3339 <c>date-time</c> with <c>T</c>, 1 to 7 fraction digits and <c>Z</c> or <c>±hh:mm</c> (below 14 h),
    /// seconds below 60, years 2 to 9998 (so no offset leaves the range): what <c>DateTimeOffset.TryParse</c> reads as
    /// the same clock time and offset.</summary>
    internal static bool TryRfc3339DateTime(ReadOnlySpan<byte> text, out DateTimeOffset result)
    {
        result = default;
        if (text.Length < 20 || text[10] != (byte)'T' || text[13] != (byte)':' || text[16] != (byte)':'
            || !TryFullDate(text[..10], out var date) || date.Year < 2 || date.Year > 9998
            || !TryDigits(text, 11, 2, out var hour) || !TryDigits(text, 14, 2, out var minute) || !TryDigits(text, 17, 2, out var second)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        var at = 19;
        long ticks = 0;
        if (text[at] == (byte)'.')
        {
            var digits = 0;
            for (at++; at < text.Length && text[at] - (uint)'0' <= 9; at++)
            {
                if (++digits > 7)
                {
                    return false;
                }
                ticks = ticks * 10 + (text[at] - '0');
            }
            if (digits == 0)
            {
                return false;
            }
            for (; digits < 7; digits++)
            {
                ticks *= 10;
            }
        }
        TimeSpan offset;
        if (at == text.Length - 1 && text[at] == (byte)'Z')
        {
            offset = TimeSpan.Zero;
        }
        else if (at == text.Length - 6 && text[at] is (byte)'+' or (byte)'-' && text[at + 3] == (byte)':'
            && TryDigits(text, at + 1, 2, out var offsetHours) && TryDigits(text, at + 4, 2, out var offsetMinutes) && offsetHours < 14 && offsetMinutes < 60)
        {
            offset = new TimeSpan(offsetHours, offsetMinutes, 0);
            offset = text[at] == (byte)'-' ? -offset : offset;
        }
        else
        {
            return false;
        }
        result = new DateTimeOffset(date.Year, date.Month, date.Day, hour, minute, second, offset).AddTicks(ticks);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<byte> text, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var digit = text[i] - (uint)'0';
            if (digit > 9)
            {
                return false;
            }
            value = value * 10 + (int)digit;
        }
        return true;
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
