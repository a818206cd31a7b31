using System.Text.Json;

namespace ManifestCompiler.Syntax.Values;

/// <summary>Object member lookup with <c>json.loads</c> semantics: the last of duplicate keys wins.</summary>
public static class JsonMembers
{
    public static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        var found = false;
        value = default;
        foreach (var property in obj.EnumerateObject())
        {
            if (property.NameEquals(name))
            {
                value = property.Value;
                found = true;
            }
        }
        return found;
    }
}
