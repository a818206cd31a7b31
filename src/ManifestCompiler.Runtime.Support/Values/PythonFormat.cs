using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Json;

namespace ManifestCompiler.Runtime.Support.Values;

/// <summary>
/// CPython 3.11's <c>str()</c> and <c>repr()</c> of the values <c>json.loads</c> produces, so that text built from
/// JSON values (Django templates, Python expressions) matches what the reference engines print.
/// </summary>
public static class PythonFormat
{
    public static string Str(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? JsonStrings.GetString(value) : Repr(value);

    public static string Repr(JsonElement value)
    {
        var builder = new StringBuilder();
        AppendRepr(builder, value);
        return builder.ToString();
    }

    /// <summary>Python's truthiness: empty strings, containers, zero, None and False are false.</summary>
    public static bool IsTruthy(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => JsonStrings.GetString(value).Length > 0,
        JsonValueKind.Array => value.GetArrayLength() > 0,
        JsonValueKind.Object => value.EnumerateObject().Any(),
        JsonValueKind.Number => IsInteger(value) ? ParseInteger(value) != BigInteger.Zero : ParseFloat(value) != 0.0,
        JsonValueKind.True => true,
        _ => false,
    };

    private static void AppendRepr(StringBuilder builder, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                AppendStringRepr(builder, JsonStrings.GetString(value));
                break;
            case JsonValueKind.Number:
                builder.Append(IsInteger(value) ? ParseInteger(value).ToString(CultureInfo.InvariantCulture) : FloatRepr(ParseFloat(value)));
                break;
            case JsonValueKind.True:
                builder.Append("True");
                break;
            case JsonValueKind.False:
                builder.Append("False");
                break;
            case JsonValueKind.Array:
                builder.Append('[');
                var firstItem = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!firstItem)
                    {
                        builder.Append(", ");
                    }
                    firstItem = false;
                    AppendRepr(builder, item);
                }
                builder.Append(']');
                break;
            case JsonValueKind.Object:
                builder.Append('{');
                var firstMember = true;
                // json.loads keeps the last of duplicate keys, at the position of the first.
                foreach (var member in DistinctMembers(value))
                {
                    if (!firstMember)
                    {
                        builder.Append(", ");
                    }
                    firstMember = false;
                    AppendStringRepr(builder, member.Key);
                    builder.Append(": ");
                    AppendRepr(builder, member.Value);
                }
                builder.Append('}');
                break;
            default:
                builder.Append("None");
                break;
        }
    }

    internal static IEnumerable<KeyValuePair<string, JsonElement>> DistinctMembers(JsonElement obj)
    {
        var order = new List<string>();
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            var name = JsonStrings.GetName(property);
            if (!values.ContainsKey(name))
            {
                order.Add(name);
            }
            values[name] = property.Value;
        }
        return order.Select(name => new KeyValuePair<string, JsonElement>(name, values[name]));
    }

    /// <summary>A JSON number that <c>json.loads</c> turns into an int: no fraction and no exponent.</summary>
    public static bool IsInteger(JsonElement number)
    {
        var raw = number.GetRawText();
        return raw.IndexOfAny(['.', 'e', 'E']) < 0;
    }

    public static BigInteger ParseInteger(JsonElement number) => BigInteger.Parse(number.GetRawText(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    public static double ParseFloat(JsonElement number) => double.Parse(number.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary><c>repr(float)</c>: the shortest round-trip digits, in fixed notation for 1e-4 &lt;= |x| &lt; 1e16.</summary>
    public static string FloatRepr(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }
        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }

        // "R" gives the shortest round-trip digits; re-split them into digits and a decimal-point position.
        var text = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = text.IndexOfAny(['E', 'e']);
        var mantissa = exponentAt < 0 ? text : text[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(text[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var pointAt = mantissa.IndexOf('.');
        var digits = pointAt < 0 ? mantissa : mantissa.Remove(pointAt, 1);
        var pointPosition = (pointAt < 0 ? mantissa.Length : pointAt) + exponent;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        pointPosition -= leadingZeros;
        if (digits.Length == 0)
        {
            digits = "0";
        }

        var builder = new StringBuilder();
        if (value < 0)
        {
            builder.Append('-');
        }
        if (pointPosition > 16 || pointPosition < -3)
        {
            builder.Append(digits[0]);
            if (digits.Length > 1)
            {
                builder.Append('.').Append(digits, 1, digits.Length - 1);
            }
            var e = pointPosition - 1;
            builder.Append('e').Append(e < 0 ? '-' : '+').Append(Math.Abs(e).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (pointPosition <= 0)
        {
            builder.Append("0.").Append('0', -pointPosition).Append(digits);
        }
        else if (pointPosition >= digits.Length)
        {
            builder.Append(digits).Append('0', pointPosition - digits.Length).Append(".0");
        }
        else
        {
            builder.Append(digits, 0, pointPosition).Append('.').Append(digits, pointPosition, digits.Length - pointPosition);
        }
        return builder.ToString();
    }

    /// <summary><c>repr(str)</c>: single quotes unless the text has a single quote and no double quote.</summary>
    public static string StringRepr(string value)
    {
        var builder = new StringBuilder(value.Length + 2);
        AppendStringRepr(builder, value);
        return builder.ToString();
    }

    private static void AppendStringRepr(StringBuilder builder, string value)
    {
        var quote = value.Contains('\'') && !value.Contains('"') ? '"' : '\'';
        builder.Append(quote);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            int codePoint = c;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                codePoint = char.ConvertToUtf32(c, value[i + 1]);
            }
            switch (codePoint)
            {
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                default:
                    if (codePoint == quote)
                    {
                        builder.Append('\\').Append(quote);
                    }
                    else if (IsPrintable(codePoint))
                    {
                        builder.Append(char.ConvertFromUtf32(codePoint));
                    }
                    else if (codePoint < 0x100)
                    {
                        builder.Append("\\x").Append(codePoint.ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else if (codePoint < 0x10000)
                    {
                        builder.Append("\\u").Append(codePoint.ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append("\\U").Append(codePoint.ToString("x8", CultureInfo.InvariantCulture));
                    }
                    break;
            }
            if (codePoint > 0xFFFF)
            {
                i++;
            }
        }
        builder.Append(quote);
    }

    /// <summary>Python's <c>str.isprintable</c> per character: not Other (C*) and not a separator other than space.</summary>
    private static bool IsPrintable(int codePoint)
    {
        if (codePoint == ' ')
        {
            return true;
        }
        if (codePoint is >= 0xD800 and <= 0xDFFF)
        {
            return false;
        }
        var category = CharUnicodeInfo.GetUnicodeCategory(codePoint);
        return category switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }
}
