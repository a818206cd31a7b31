using System.Globalization;
using System.Text;

namespace ManifestCompiler.Emit;

/// <summary>C# source text for constant values. Strings escape everything outside printable ASCII, so generated
/// files are ASCII and lone surrogates survive.</summary>
public static class CSharpLiterals
{
    public static string String(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                default:
                    if (c >= 0x20 && c < 0x7f)
                    {
                        text.Append(c);
                    }
                    else
                    {
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    break;
            }
        }
        return text.Append('"').ToString();
    }

    public static string Long(long value) => value.ToString(CultureInfo.InvariantCulture) + "L";

    public static string NullableLong(long? value) => value is { } v ? Long(v) : "null";

    public static string Bool(bool value) => value ? "true" : "false";
}
