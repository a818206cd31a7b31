namespace ManifestCompiler.Runtime.Support.Parsing;

/// <summary>
/// Refuses inputs that nest deeper than a parser can recurse. Pidgin's recursive rules use the call stack, and a
/// stack overflow ends the process, so depth is measured before parsing. Quoted strings do not count.
/// </summary>
public static class NestingGuard
{
    /// <summary>Real queries and patterns nest a handful of levels.</summary>
    public const int MaxDepth = 128;

    /// <param name="openers">Characters that open a level; <paramref name="closers"/> close one.</param>
    /// <param name="prefixes">Characters whose consecutive runs nest like openers (JSONPath's '!').</param>
    /// <param name="quotes">Characters that start and end a string in which nothing counts ('\' escapes).</param>
    public static bool Exceeds(string text, string openers, string closers, string prefixes, string quotes, out int at)
    {
        var depth = 0;
        var run = 0;
        char? quote = null;
        for (at = 0; at < text.Length; at++)
        {
            var c = text[at];
            if (c == '\\')
            {
                at++;
                run = 0;
                continue;
            }
            if (quote is { } open)
            {
                if (c == open)
                {
                    quote = null;
                }
                continue;
            }
            if (quotes.Contains(c))
            {
                quote = c;
                run = 0;
                continue;
            }
            run = prefixes.Contains(c) ? run + 1 : 0;
            if (openers.Contains(c))
            {
                depth++;
            }
            else if (closers.Contains(c))
            {
                depth = Math.Max(0, depth - 1);
            }
            if (depth + run > MaxDepth)
            {
                return true;
            }
        }
        at = 0;
        return false;
    }
}
