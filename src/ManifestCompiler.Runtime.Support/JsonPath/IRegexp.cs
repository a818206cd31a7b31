using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ManifestCompiler.Runtime.Support.Parsing;
using Pidgin;
using static Pidgin.Parser;
using static Pidgin.Parser<char>;

namespace ManifestCompiler.Runtime.Support.JsonPath;

/// <summary>
/// I-Regexp (RFC 9485; grammar: grammars/iregexp.abnf) translated to a .NET pattern that works on code points:
/// '.', classes and quantifiers consume a whole surrogate pair. Run with <see cref="RegexOptions.NonBacktracking"/>,
/// so a hostile pattern costs linear time.
/// </summary>
public static class IRegexp
{
    // 0–9 only: Pidgin's Digit is char.IsDigit, which also takes other scripts' digits.
    private static readonly Parser<char, char> AsciiDigit = Token(char.IsAsciiDigit).Labelled("digit");

    private const string Dot = @"(?:[^\n\r\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])";
    private const int MaxCachedPatterns = 1024;

    /// <summary>One item of a character class: a code-point range, or a \p{..}/\P{..} category.</summary>
    private readonly record struct ClassItem(int Low, int High, string? Category);

    private static readonly Parser<char, int> AstralCodePoint =
        Token(char.IsHighSurrogate).Then(Token(char.IsLowSurrogate), char.ConvertToUtf32);

    /// <summary>A code point other than the excluded (ASCII) characters; the test runs before consuming input.</summary>
    private static Parser<char, int> CodePointExcept(string excluded) =>
        Token(c => !char.IsSurrogate(c) && !excluded.Contains(c)).Select(c => (int)c).Or(AstralCodePoint);

    // SingleCharEsc = "\" ( %x28-2B / "-" / "." / "?" / %x5B-5E / "n" / "r" / "t" / %x7B-7D )
    private static readonly Parser<char, int> SingleCharEscape =
        Try(Char('\\').Then(Token(c => c is (>= '(' and <= '+') or '-' or '.' or '?' or (>= '[' and <= '^') or 'n' or 'r' or 't' or (>= '{' and <= '}'))))
            .Select(c => c switch { 'n' => '\n', 'r' => '\r', 't' => '\t', _ => (int)c });

    private static readonly Parser<char, string> Category =
        OneOf(
            Char('L').Then(OneOf('l', 'm', 'o', 't', 'u').Optional(), Combine),
            Char('M').Then(OneOf('c', 'e', 'n').Optional(), Combine),
            Char('N').Then(OneOf('d', 'l', 'o').Optional(), Combine),
            Char('P').Then(OneOf('c', 'd', 'e', 'f', 'i', 'o', 's').Optional(), Combine),
            Char('Z').Then(OneOf('l', 'p', 's').Optional(), Combine),
            Char('S').Then(OneOf('c', 'k', 'm', 'o').Optional(), Combine),
            Char('C').Then(OneOf('c', 'f', 'n', 'o').Optional(), Combine))
        .Labelled("Unicode category");

    private static string Combine(char major, Maybe<char> minor) => minor.HasValue ? $"{major}{minor.Value}" : major.ToString();

    // catEsc = "\p{" charProp "}" ; complEsc = "\P{" charProp "}"
    private static readonly Parser<char, ClassItem> CategoryEscape =
        Try(Char('\\').Then(OneOf('p', 'P'))).Then(Category.Between(Char('{'), Char('}')), (p, category) => new ClassItem(0, 0, (p == 'P' ? "P" : "p") + category));

    // CCchar = %x00-2C / %x2E-5A / %x5E-D7FF / %xE000-10FFFF / SingleCharEsc
    private static readonly Parser<char, int> ClassChar =
        SingleCharEscape.Or(CodePointExcept("-[\\]"));

    // CCE1 = (CCchar ["-" CCchar]) / charClassEsc
    private static readonly Parser<char, ClassItem> ClassRangeOrChar =
        OneOf(
            CategoryEscape,
            ClassChar.Then(Try(Char('-').Then(ClassChar)).Optional(), (low, high) => new ClassItem(low, high.HasValue ? high.Value : low, null)));

    // charClassExpr = "[" ["^"] ("-" / CCE1) *CCE1 ["-"] "]"
    private static readonly Parser<char, string> ClassExpression =
        Map(
            (negated, first, rest, trailingDash) =>
            {
                var items = new List<ClassItem> { first };
                items.AddRange(rest);
                if (trailingDash.HasValue)
                {
                    items.Add(new ClassItem('-', '-', null));
                }
                return TranslateClass(items, negated.HasValue);
            },
            Char('[').Then(Char('^').Optional()),
            Char('-').ThenReturn(new ClassItem('-', '-', null)).Or(ClassRangeOrChar),
            ClassRangeOrChar.Many(),
            Char('-').Optional().Before(Char(']').Labelled("']'")));

    // NormalChar: anything but the metacharacters . \ ? * + { } ( ) | [ ], and ^ $ which the compliance suite
    // (like ECMAScript, which RFC 9485 §5.3 maps to) treats as anchors.
    private static readonly Parser<char, string> NormalChar =
        CodePointExcept(".\\?*+{}()|[]^$").Select(Literal);

    private static readonly Parser<char, string> Quantifier =
        OneOf(
            OneOf('*', '+', '?').Select(c => c.ToString()),
            Map(
                (low, comma, high) => "{" + low + (comma.HasValue ? "," + (high.HasValue ? high.Value : "") : "") + "}",
                Char('{').Then(AsciiDigit.AtLeastOnceString()),
                Char(',').Optional(),
                AsciiDigit.AtLeastOnceString().Optional().Before(Char('}').Labelled("'}'"))));

    private static readonly Parser<char, string> Expression = Rec(() => Branch!.Separated(Char('|')).Select(branches => string.Join("|", branches)));

    private static readonly Parser<char, string> Atom =
        OneOf(
            NormalChar,
            Char('.').ThenReturn(Dot),
            Char('^').ThenReturn(@"\A"),
            Char('$').ThenReturn(@"\z"),
            SingleCharEscape.Select(Literal),
            CategoryEscape.Select(item => TranslateClass([item], negated: false)),
            ClassExpression,
            Expression.Between(Char('('), Char(')').Labelled("')'")).Select(inner => "(?:" + inner + ")"));

    private static readonly Parser<char, string> Branch =
        Atom.Then(Quantifier.Optional(), (atom, quantifier) => quantifier.HasValue ? atom + quantifier.Value : atom)
            .Many()
            .Select(string.Concat);

    private static readonly Parser<char, string> Pattern = Expression.Before(End.Labelled("end of pattern"));

    private static readonly ConcurrentDictionary<(string Pattern, bool Anchored), Regex?> Cache = new();

    /// <summary>Translates an I-Regexp to an unanchored .NET pattern, or explains why it is not one.</summary>
    public static bool TryTranslate(string pattern, out string translated, out string error)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        translated = string.Empty;
        // Patterns may come from documents at run time, so deep nesting must be refused, not recursed into.
        if (NestingGuard.Exceeds(pattern, "([", ")]", "", "", out var at))
        {
            error = $"at offset {at}: nesting deeper than {NestingGuard.MaxDepth} levels";
            return false;
        }
        var result = Pattern.Parse(pattern);
        if (result.Success)
        {
            translated = result.Value;
            error = string.Empty;
            return true;
        }
        error = $"at offset {result.Error!.ErrorOffset}: {ParseErrors.Describe(result.Error)}";
        return false;
    }

    /// <summary>
    /// A compiled regex for the pattern, anchored at both ends for match(), or null when the pattern is not a valid
    /// I-Regexp (or too large for the engine): RFC 9535 then makes match()/search() false.
    /// </summary>
    public static Regex? Compile(string pattern, bool anchored)
    {
        if (Cache.TryGetValue((pattern, anchored), out var cached))
        {
            return cached;
        }
        Regex? regex = null;
        if (TryTranslate(pattern, out var translated, out _))
        {
            try
            {
                regex = new Regex(anchored ? @"\A(?:" + translated + @")\z" : translated, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException)
            {
                // e.g. {2,1}: well-formed by the grammar but rejected by the engine, as XSD rejects it.
            }
            catch (NotSupportedException)
            {
                // Counted repetition beyond what the non-backtracking engine builds.
            }
        }
        if (Cache.Count >= MaxCachedPatterns)
        {
            Cache.Clear();
        }
        Cache[(pattern, anchored)] = regex;
        return regex;
    }

    private static string Literal(int codePoint) =>
        codePoint > 0xFFFF ? "(?:" + Escape(char.ConvertFromUtf32(codePoint)[0]) + Escape(char.ConvertFromUtf32(codePoint)[1]) + ")" : Escape((char)codePoint);

    private static string Escape(char c) => @"\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);

    private static string TranslateClass(IReadOnlyList<ClassItem> items, bool negated)
    {
        var bmp = new StringBuilder();
        var astral = new List<(int Low, int High)>();
        foreach (var item in items)
        {
            if (item.Category is { } category)
            {
                bmp.Append('\\').Append(category[0]).Append('{').Append(category, 1, category.Length - 1).Append('}');
                // Categories are matched on BMP characters; a complemented one also admits every astral code point.
                if (category[0] == 'P')
                {
                    astral.Add((0x10000, 0x10FFFF));
                }
                continue;
            }
            // An inverted range (b-a) adds nothing: its BMP part would otherwise be its first character.
            if (item.Low <= 0xFFFF && item.Low <= item.High)
            {
                var high = Math.Min(item.High, 0xFFFF);
                bmp.Append(Escape((char)item.Low));
                if (high > item.Low)
                {
                    bmp.Append('-').Append(Escape((char)high));
                }
            }
            if (item.High > 0xFFFF)
            {
                astral.Add((Math.Max(item.Low, 0x10000), item.High));
            }
        }

        if (negated)
        {
            var complement = Complement(astral);
            var negatedBmp = "[^" + bmp + @"\uD800-\uDFFF]";
            return complement.Count == 0 ? negatedBmp : "(?:" + negatedBmp + "|" + AstralAlternatives(complement) + ")";
        }
        var alternatives = new List<string>();
        if (bmp.Length > 0)
        {
            // Subtracting the surrogates keeps a category such as \P{L} from matching half of a pair.
            alternatives.Add("[" + bmp + @"-[\uD800-\uDFFF]]");
        }
        if (astral.Count > 0)
        {
            alternatives.Add(AstralAlternatives(astral));
        }
        // A class with only an inverted range (e.g. [b-a]) matches nothing.
        return alternatives.Count == 0 ? "[^\\s\\S]" : "(?:" + string.Join("|", alternatives) + ")";
    }

    private static List<(int Low, int High)> Complement(List<(int Low, int High)> ranges)
    {
        var result = new List<(int, int)>();
        var next = 0x10000;
        foreach (var (low, high) in ranges.Where(r => r.Low <= r.High).OrderBy(r => r.Low))
        {
            if (low > next)
            {
                result.Add((next, low - 1));
            }
            next = Math.Max(next, high + 1);
        }
        if (next <= 0x10FFFF)
        {
            result.Add((next, 0x10FFFF));
        }
        return result;
    }

    /// <summary>Astral ranges as surrogate-pair alternatives.</summary>
    private static string AstralAlternatives(List<(int Low, int High)> ranges)
    {
        var parts = new List<string>();
        foreach (var (low, high) in ranges)
        {
            if (low > high)
            {
                continue;
            }
            var lowPair = char.ConvertFromUtf32(low);
            var highPair = char.ConvertFromUtf32(high);
            if (lowPair[0] == highPair[0])
            {
                parts.Add(Escape(lowPair[0]) + "[" + Escape(lowPair[1]) + "-" + Escape(highPair[1]) + "]");
                continue;
            }
            parts.Add(Escape(lowPair[0]) + "[" + Escape(lowPair[1]) + @"-\uDFFF]");
            if (highPair[0] - lowPair[0] > 1)
            {
                parts.Add("[" + Escape((char)(lowPair[0] + 1)) + "-" + Escape((char)(highPair[0] - 1)) + @"][\uDC00-\uDFFF]");
            }
            parts.Add(Escape(highPair[0]) + @"[\uDC00-" + Escape(highPair[1]) + "]");
        }
        return parts.Count == 0 ? "[^\\s\\S]" : "(?:" + string.Join("|", parts) + ")";
    }
}
