using System.Text.Json;

namespace ManifestCompiler.Runtime.Support.Json;

/// <summary>Object member lookup: any name works, lone surrogates included (see <see cref="JsonStrings"/>).</summary>
public static class JsonMembers
{
    /// <summary>With <c>json.loads</c> semantics: the last of duplicate keys wins.</summary>
    public static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        if (!JsonStrings.HasLoneSurrogate(name))
        {
            // The document's own lookup: one transcoding of the name, then bytes compared; it walks the members from
            // the last, so the last of duplicate names wins, as in json.loads (issue 17: one lookup per subscript).
            try
            {
                return obj.TryGetProperty(name, out value);
            }
            catch (InvalidOperationException)
            {
                // A member name holds an escaped lone surrogate: compare decoded, below.
            }
        }
        var found = false;
        value = default;
        foreach (var property in obj.EnumerateObject())
        {
            if (JsonStrings.NameEquals(property, name))
            {
                value = property.Value;
                found = true;
            }
        }
        return found;
    }

    /// <summary>A request header by name, matched without regard to case as HTTP does; the first match wins. False when
    /// <paramref name="headers"/> is not an object.</summary>
    public static bool TryGetHeader(JsonElement headers, string name, out JsonElement value)
    {
        if (headers.ValueKind == JsonValueKind.Object)
        {
            foreach (var header in headers.EnumerateObject())
            {
                if (string.Equals(JsonStrings.GetName(header), name, StringComparison.OrdinalIgnoreCase))
                {
                    value = header.Value;
                    return true;
                }
            }
        }
        value = default;
        return false;
    }

    /// <summary>The fast lookup by a name already in UTF-8 (JSONPath selectors), falling back when the document's names need decoding.</summary>
    internal static bool TryGet(JsonElement obj, string name, byte[]? utf8Name, out JsonElement value)
    {
        if (utf8Name is not null)
        {
            try
            {
                return obj.TryGetProperty(utf8Name, out value);
            }
            catch (InvalidOperationException)
            {
                // A member name holds an escaped lone surrogate.
            }
        }
        return TryGet(obj, name, out value);
    }
}
