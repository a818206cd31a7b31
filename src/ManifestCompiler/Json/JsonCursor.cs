using ManifestCompiler.Diagnostics;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Json;

/// <summary>
/// A place in a manifest's JSON as the binders walk it: the member (null when the key is absent), its value, its
/// RFC 9535 normalized path, the key that named it (or the description of an element or root, as messages name it)
/// and the object that holds or would hold it, so a binder writes each key once (<c>request.Member("save_as_file")</c>)
/// and every diagnostic about it, a missing key included, gets the same span, path and name.
/// </summary>
public readonly record struct JsonCursor(JsonMemberSyntax? MemberSyntax, JsonSyntax? Value, string Path, string Key, JsonObjectSyntax? Owner = null)
{
    /// <summary>The document's root value (<c>$</c>), named <paramref name="description"/> in messages.</summary>
    public static JsonCursor Root(JsonSyntax? value, string description = "$") => new(null, value, JsonLocation.Root, description);

    /// <summary>Whether the key is present (with any value, JSON null included).</summary>
    public bool Exists => Value is not null;

    /// <summary>Present with a value other than JSON null.</summary>
    public bool HasValue => Value is not null and not JsonNullSyntax;

    /// <summary>The value when it is an object, without reporting anything (a binder reports through <c>FileBinder.Object</c>).</summary>
    public JsonObjectSyntax? AsObject => Value as JsonObjectSyntax;

    /// <summary>The value's span; for a member, <see cref="NameSpan"/> is the key's.</summary>
    public SourceSpan Span => Value?.Span ?? default;

    /// <summary>The key's span (the value's when this is not a member, such as an array element).</summary>
    public SourceSpan NameSpan => MemberSyntax?.Name.Span ?? Span;

    /// <summary>The member <paramref name="key"/> of this object (absent when this is not an object or lacks it).</summary>
    public JsonCursor Member(string key)
    {
        var owner = Value as JsonObjectSyntax;
        var member = owner?[key];
        return new JsonCursor(member, member?.Value, JsonLocation.Member(Path, key), key, owner);
    }

    /// <summary>Element <paramref name="index"/> of this array, named <paramref name="description"/> in messages.</summary>
    public JsonCursor Element(int index, string description) =>
        new(null, Value is JsonArraySyntax array && index < array.Items.Length ? array.Items[index] : null, JsonLocation.Element(Path, index), description);

    /// <summary>The array's element cursors in order, each named <paramref name="description"/> (none when this is not an array).</summary>
    public IEnumerable<JsonCursor> Elements(string description)
    {
        var path = Path;
        return Value is JsonArraySyntax array
            ? array.Items.Select((item, i) => new JsonCursor(null, item, JsonLocation.Element(path, i), description))
            : [];
    }

    /// <summary>The object's member cursors in written order (none when this is not an object).</summary>
    public IEnumerable<JsonCursor> Members()
    {
        var path = Path;
        return Value is JsonObjectSyntax obj
            ? obj.Members.Select(m => new JsonCursor(m, m.Value, JsonLocation.Member(path, m.Name.Value), m.Name.Value, obj))
            : [];
    }

    public override string ToString() => Path;
}
