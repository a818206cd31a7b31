using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ManifestCompiler.Runtime.Support.JsonPath;

/// <summary>
/// The location of a node as a chain back to the root, rendered on demand as an RFC 9535 §2.7 normalized path
/// (<c>$['a'][0]</c>). Evaluation creates one small object per selected node (and per ancestor of one); a
/// member's name is kept as its <see cref="JsonProperty"/> and only turned into a string when asked for.
/// </summary>
public sealed class NormalizedPath
{
    public static readonly NormalizedPath Root = new(null, null, default, isMember: false, 0);

    private readonly string? _name;
    private readonly JsonProperty _property;

    private NormalizedPath(NormalizedPath? parent, string? name, JsonProperty property, bool isMember, int index)
    {
        Parent = parent;
        _name = name;
        _property = property;
        IsMember = isMember;
        Index = index;
    }

    public NormalizedPath? Parent { get; }

    public bool IsMember { get; }

    /// <summary>The member name, or null for an array element.</summary>
    public string? Name => IsMember ? _name ?? Json.JsonStrings.GetName(_property) : null;

    public int Index { get; }

    public NormalizedPath Member(string name) => new(this, name, default, isMember: true, 0);

    public NormalizedPath Member(JsonProperty property) => new(this, null, property, isMember: true, 0);

    public NormalizedPath Element(int index) => new(this, null, default, isMember: false, index);

    public override string ToString()
    {
        if (Parent is null)
        {
            return "$";
        }
        var chain = new List<NormalizedPath>();
        for (var node = this; node.Parent is not null; node = node.Parent)
        {
            chain.Add(node);
        }
        var builder = new StringBuilder("$");
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            var node = chain[i];
            builder.Append('[');
            if (node.Name is { } name)
            {
                AppendQuoted(builder, name);
            }
            else
            {
                builder.Append(node.Index.ToString(CultureInfo.InvariantCulture));
            }
            builder.Append(']');
        }
        return builder.ToString();
    }

    /// <summary>normal-single-quoted: escape ' and \, the JSON short escapes, other controls as lowercase \u00xx.</summary>
    private static void AppendQuoted(StringBuilder builder, string name)
    {
        builder.Append('\'');
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            switch (c)
            {
                case '\'':
                    builder.Append("\\'");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\b':
                    builder.Append("\\b");
                    break;
                case '\f':
                    builder.Append("\\f");
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
                case < ' ':
                    builder.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    break;
                case >= '\uD800' and <= '\uDFFF' when !IsPairedAt(name, i):
                    // Outside I-JSON, so outside §2.7: escaped like a control character rather than left invalid.
                    builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }
        builder.Append('\'');
    }

    private static bool IsPairedAt(string text, int i) =>
        char.IsHighSurrogate(text[i]) ? i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) : i > 0 && char.IsHighSurrogate(text[i - 1]);
}
