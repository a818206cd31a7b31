using System.Globalization;

namespace ManifestCompiler.Runtime.Support.Text;

/// <summary>How a character is named in diagnostics ("found 'x'", "found U+0001").</summary>
public static class CharDescription
{
    public static string Describe(char c) => c switch
    {
        '\n' => "'\\n'",
        '\r' => "'\\r'",
        '\t' => "'\\t'",
        _ when char.IsControl(c) || char.IsSurrogate(c) => "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture),
        _ => "'" + c + "'",
    };
}
