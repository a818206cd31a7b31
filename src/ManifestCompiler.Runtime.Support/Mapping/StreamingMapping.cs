using System.Text.Json;
using ManifestCompiler.Runtime.Support.Json;
using ManifestCompiler.Runtime.Support.JsonPath;

namespace ManifestCompiler.Runtime.Support.Mapping;

/// <summary>
/// What the streaming mappers (generated over <see cref="Utf8JsonReader"/>, one forward pass, no DOM) share: member
/// names compared as the DOM mapper compares them, and values captured by their offset in the document and read
/// again where a query can only decide after the value (a filter's operands, a negative index). Offsets count from
/// the start of the whole document.
/// </summary>
public static class StreamingMapping
{
    /// <summary>A reader over the whole document, on its first token, with the options the runtime parses its documents
    /// with (<see cref="DataJson.ReaderOptions"/>: 1,024 levels, not the reader's default 64), so a record maps alike
    /// from its bytes and from <see cref="DataJson.ParseDocument(ReadOnlyMemory{byte})"/>.</summary>
    public static Utf8JsonReader Start(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, DataJson.ReaderOptions);
        reader.Read();
        return reader;
    }

    /// <summary>After the root value: nothing but white space may follow, as <c>JsonDocument.Parse</c> requires.</summary>
    public static void End(ref Utf8JsonReader reader)
    {
        // With the final block, Read() past the root value throws on anything but white space.
        while (reader.Read())
        {
        }
    }

    /// <summary>A reader on the first token of the value that starts at <paramref name="offset"/>.</summary>
    public static Utf8JsonReader At(ReadOnlySpan<byte> json, int offset)
    {
        var reader = new Utf8JsonReader(json[offset..], DataJson.ReaderOptions);
        reader.Read();
        return reader;
    }

    /// <summary>The value at <paramref name="offset"/> as its own document (a clone, as the DOM mapper keeps it).</summary>
    public static JsonElement ElementAt(ReadOnlySpan<byte> json, int offset)
    {
        var reader = At(json, offset);
        return JsonElement.ParseValue(ref reader);
    }

    /// <summary>The value of the current token (read to its end on a copy): for a wrong-type error's description.</summary>
    public static JsonElement Element(Utf8JsonReader reader) => JsonElement.ParseValue(ref reader);

    /// <summary>A filter operand: the value at <paramref name="offset"/>, or Nothing when the query found none (-1).</summary>
    public static JsonPathValue ValueAt(ReadOnlySpan<byte> json, int offset) =>
        offset < 0 ? JsonPathValue.Nothing : JsonPathValue.Of(ElementAt(json, offset));

    /// <summary><c>== 'literal'</c> on the value at <paramref name="offset"/>: <see cref="JsonPathRuntime.EqualsString"/> without a DOM.</summary>
    public static bool EqualsStringAt(ReadOnlySpan<byte> json, int offset, string literal)
    {
        if (offset < 0)
        {
            return false;
        }
        var reader = At(json, offset);
        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }
        if (!JsonStrings.HasLoneSurrogate(literal))
        {
            try
            {
                return reader.ValueTextEquals(literal);
            }
            catch (InvalidOperationException)
            {
                // The value holds an escaped lone surrogate: compare decoded, as the DOM does.
            }
        }
        return JsonStrings.ValueEquals(JsonElement.ParseValue(ref reader), literal);
    }

    /// <summary><c>== 'literal'</c> as <see cref="EqualsStringAt(ReadOnlySpan{byte}, int, string)"/>, first on the
    /// document's bytes: a value without escapes equals the literal exactly when its bytes equal the literal's UTF-8
    /// (<paramref name="utf8Literal"/>, null when the literal holds a lone surrogate). No second reader, no transcoding.</summary>
    public static bool EqualsStringAt(ReadOnlySpan<byte> json, int offset, byte[]? utf8Literal, string literal)
    {
        if (offset < 0)
        {
            return false;
        }
        if (json[offset] != (byte)'"')
        {
            // Offsets are those of values, so anything but a quote starts a value that is no string.
            return false;
        }
        if (utf8Literal is not null)
        {
            var text = json[(offset + 1)..];
            var end = text.IndexOfAny((byte)'"', (byte)'\\');
            if (end >= 0 && text[end] == (byte)'"')
            {
                return text[..end].SequenceEqual(utf8Literal);
            }
        }
        return EqualsStringAt(json, offset, literal);
    }

    /// <summary>Whether the current property name, which holds escapes, equals a selector's name (no lone surrogate
    /// in it). A name holding an escaped lone surrogate equals no such name; the reader throws for it.</summary>
    public static bool EscapedNameEquals(ref Utf8JsonReader reader, byte[] utf8Name)
    {
        try
        {
            return reader.ValueTextEquals(utf8Name);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
