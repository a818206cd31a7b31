using System.Buffers;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace ManifestCompiler.Runtime.Support.Json;

/// <summary>
/// Strings read from JSON documents, lone surrogates included. JSON may escape half a surrogate pair ("\ud800");
/// CPython's json.loads keeps it, but System.Text.Json's GetString and JsonProperty.Name throw, and TryGetProperty
/// throws for such a name. Every read of a document string goes through here, so untrusted input cannot crash us.
/// </summary>
public static class JsonStrings
{
    /// <summary>The value of a JSON string element.</summary>
    public static string GetString(JsonElement element)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return Unescape(element.GetRawText(), 0, out _);
        }
    }

    /// <summary>
    /// Appends a string element's value to <paramref name="builder"/> without making a string of it when the document
    /// holds it unescaped (the usual case: issue 17, a rendered value costs no allocation of its own).
    /// </summary>
    public static void AppendTo(StringBuilder builder, JsonElement element)
    {
        if (!TryGetUnescapedUtf8(element, out var utf8))
        {
            builder.Append(GetString(element));
            return;
        }
        char[]? rented = null;
        var chars = utf8.Length <= 256 ? stackalloc char[utf8.Length] : (rented = ArrayPool<char>.Shared.Rent(utf8.Length));
        try
        {
            builder.Append(chars[..Encoding.UTF8.GetChars(utf8, chars)]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// A string element's UTF-8 text as the document holds it, when it has no escape sequence (so it is the value
    /// itself). Only on runtimes that offer <c>JsonMarshal.GetRawUtf8Value</c> (.NET 9 and later; this library is
    /// built for net8.0, hosts run net10.0); false otherwise, and the caller decodes the string.
    /// </summary>
    public static bool TryGetUnescapedUtf8(JsonElement element, out ReadOnlySpan<byte> utf8)
    {
        utf8 = default;
        if (RawUtf8Value is null || element.ValueKind != JsonValueKind.String)
        {
            return false;
        }
        var raw = RawUtf8Value(element);
        // The raw value of a string is its literal, quotes included.
        if (raw.Length >= 2 && raw[0] == (byte)'"' && raw[^1] == (byte)'"')
        {
            raw = raw[1..^1];
        }
        if (raw.IndexOf((byte)'\\') >= 0)
        {
            return false;
        }
        utf8 = raw;
        return true;
    }

    private delegate ReadOnlySpan<byte> RawUtf8ValueReader(JsonElement element);

    private static readonly RawUtf8ValueReader? RawUtf8Value = typeof(JsonElement).Assembly
        .GetType("System.Runtime.InteropServices.JsonMarshal")?
        .GetMethod("GetRawUtf8Value", BindingFlags.Public | BindingFlags.Static, [typeof(JsonElement)])?
        .CreateDelegate<RawUtf8ValueReader>();

    /// <summary>A member's name.</summary>
    public static string GetName(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            // ToString() is the property's raw text, "name": value; the name is its first string literal.
            return Unescape(property.ToString(), 0, out _);
        }
    }

    /// <summary>Whether a string element equals <paramref name="text"/>.</summary>
    public static bool ValueEquals(JsonElement element, string text)
    {
        if (TryGetUnescapedUtf8(element, out var utf8) && AsciiEquals(utf8, text) is { } equal)
        {
            return equal;
        }
        if (!HasLoneSurrogate(text))
        {
            try
            {
                return element.ValueEquals(text);
            }
            catch (InvalidOperationException)
            {
                // The element holds an escaped lone surrogate: compare decoded.
            }
        }
        return GetString(element) == text;
    }

    /// <summary>Whether a member's name equals <paramref name="name"/> (JsonProperty.NameEquals throws or errs on lone surrogates).</summary>
    public static bool NameEquals(JsonProperty property, string name)
    {
        if (!HasLoneSurrogate(name))
        {
            try
            {
                return property.NameEquals(name);
            }
            catch (InvalidOperationException)
            {
                // The name holds an escaped lone surrogate: compare decoded.
            }
        }
        return GetName(property) == name;
    }

    /// <summary>
    /// Unescaped UTF-8 against a string without transcoding either (issue 17: condition literals are compared per
    /// request): decided when the string is ASCII, whose UTF-8 is its characters; null otherwise.
    /// </summary>
    private static bool? AsciiEquals(ReadOnlySpan<byte> utf8, string text)
    {
        if (utf8.Length == text.Length && Ascii.Equals(utf8, text))
        {
            return true;
        }
        return Ascii.IsValid(text) ? false : null;
    }

    internal static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Decodes the JSON string literal starting at <paramref name="start"/> (its opening quote).</summary>
    internal static string Unescape(string raw, int start, out int end)
    {
        var builder = new StringBuilder();
        var i = start + 1;
        while (i < raw.Length && raw[i] != '"')
        {
            if (raw[i] != '\\' || i + 1 >= raw.Length)
            {
                builder.Append(raw[i++]);
                continue;
            }
            var escape = raw[i + 1];
            i += 2;
            switch (escape)
            {
                case 'b':
                    builder.Append('\b');
                    break;
                case 'f':
                    builder.Append('\f');
                    break;
                case 'n':
                    builder.Append('\n');
                    break;
                case 'r':
                    builder.Append('\r');
                    break;
                case 't':
                    builder.Append('\t');
                    break;
                case 'u' when i + 4 <= raw.Length:
                    builder.Append((char)int.Parse(raw.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                default:
                    builder.Append(escape);
                    break;
            }
        }
        end = i;
        return builder.ToString();
    }
}
