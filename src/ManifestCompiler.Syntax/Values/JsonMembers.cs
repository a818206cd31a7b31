using System.Text.Json;

namespace ManifestCompiler.Syntax.Values;

/// <summary>Object member lookup with <c>json.loads</c> semantics: the last of duplicate keys wins; any name works.</summary>
public static class JsonMembers
{
    public static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        var loneSurrogate = JsonStrings.HasLoneSurrogate(name);
        var found = false;
        value = default;
        foreach (var property in obj.EnumerateObject())
        {
            // NameEquals answers false for names with an escaped lone surrogate, so those compare decoded.
            if (loneSurrogate ? JsonStrings.GetName(property) == name : property.NameEquals(name))
            {
                value = property.Value;
                found = true;
            }
        }
        return found;
    }
}
