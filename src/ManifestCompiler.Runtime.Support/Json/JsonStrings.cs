using System.Globalization;
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
