using System.Text;

namespace ManifestCompiler.Runtime.Support.Text;

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

    /// <summary>Orders strings by code point (UTF-16 order differs for characters above U+FFFF); a lone surrogate is
    /// its own code point, as in CPython ('\ud800' &lt; '\ue000' &lt; '😀').</summary>
    public static int Compare(string a, string b)
    {
        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            if (a[i] != b[i])
            {
                // The first code points that differ: a low surrogate after the high one both share belongs to it.
                var start = i > 0 && char.IsHighSurrogate(a[i - 1]) && (char.IsLowSurrogate(a[i]) || char.IsLowSurrogate(b[i])) ? i - 1 : i;
                return At(a, start) - At(b, start);
            }
        }
        return a.Length - b.Length;

        static int At(string text, int i) =>
            char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i];
    }

    /// <summary>The code points of a string (a lone surrogate is one); Python's indexes count these.</summary>
    public static int[] Of(string text)
    {
        var result = new List<int>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                result.Add(char.ConvertToUtf32(text[i], text[i + 1]));
                i++;
            }
            else
            {
                result.Add(text[i]);
            }
        }
        return result.ToArray();
    }

    /// <summary>One code point as text; unlike char.ConvertFromUtf32 it accepts a lone surrogate.</summary>
    public static string ToText(int codePoint) =>
        codePoint > 0xFFFF ? char.ConvertFromUtf32(codePoint) : ((char)codePoint).ToString();

    public static string ToText(IEnumerable<int> codePoints)
    {
        var builder = new StringBuilder();
        foreach (var codePoint in codePoints)
        {
            builder.Append(ToText(codePoint));
        }
        return builder.ToString();
    }
}
