using System.Globalization;
using System.Text;

namespace ManifestCompiler.Diagnostics;

/// <summary>Builds RFC 9535 normalized paths (<c>$['a'][0]</c>) for diagnostics, escaped as section 2.7 requires.</summary>
public static class JsonLocation
{
    public const string Root = "$";

    public static string Member(string parent, string name)
    {
        var builder = new StringBuilder(parent.Length + name.Length + 4).Append(parent).Append("['");
        foreach (var c in name)
        {
            switch (c)
            {
                case '\\': builder.Append("\\\\"); break;
                case '\'': builder.Append("\\'"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case < ' ': builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: builder.Append(c); break;
            }
        }
        return builder.Append("']").ToString();
    }

    public static string Element(string parent, int index) => parent + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";
}
