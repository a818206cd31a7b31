using System.Globalization;
using System.Text;

namespace ManifestCompiler.Syntax.JsonPath;

/// <summary>
/// The location of a node as a chain back to the root, rendered on demand as an RFC 9535 §2.7 normalized path
/// (<c>$['a'][0]</c>). Building the chain during evaluation costs one small object per selected node.
/// </summary>
public sealed class NormalizedPath
{
    public static readonly NormalizedPath Root = new(null, null, 0);

    private NormalizedPath(NormalizedPath? parent, string? name, int index)
    {
        Parent = parent;
        Name = name;
        Index = index;
    }

    public NormalizedPath? Parent { get; }

    /// <summary>The member name, or null for an array element.</summary>
    public string? Name { get; }

    public int Index { get; }

    public NormalizedPath Member(string name) => new(this, name, 0);

    public NormalizedPath Element(int index) => new(this, null, index);

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
        foreach (var c in name)
        {
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
                default:
                    builder.Append(c);
                    break;
            }
        }
        builder.Append('\'');
    }
}
