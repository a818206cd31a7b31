namespace ManifestCompiler.Syntax.Text;

/// <summary>Unicode code points in UTF-16 text: what Python's <c>len(str)</c> and RFC 9535's <c>length()</c> count.</summary>
public static class CodePoints
{
    /// <summary>Counts a surrogate pair once; a lone surrogate counts as one, as CPython does.</summary>
    public static int Count(string text)
    {
        var count = text.Length;
        for (var i = 0; i + 1 < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
            {
                count--;
                i++;
            }
        }
        return count;
    }
}
