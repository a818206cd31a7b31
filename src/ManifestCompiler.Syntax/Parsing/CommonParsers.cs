using ManifestCompiler.Syntax.Text;
using Pidgin;
using static Pidgin.Parser;
using static Pidgin.Parser<char>;

namespace ManifestCompiler.Syntax.Parsing;

/// <summary>Small parsers every grammar here shares.</summary>
internal static class CommonParsers
{
    /// <summary>0–9 only. Pidgin's <c>Digit</c> is <c>char.IsDigit</c>, which also takes other scripts' digits
    /// ('٣'), which no grammar here allows and which would reach number conversions.</summary>
    public static readonly Parser<char, char> AsciiDigit = Token(char.IsAsciiDigit).Labelled("digit");

    /// <summary>Builds a node from what <paramref name="parser"/> read and the span it covered.</summary>
    public static Parser<char, TNode> WithSpan<T, TNode>(Parser<char, T> parser, Func<T, SourceSpan, TNode> build) =>
        Map((start, value, end) => build(value, SourceSpan.FromBounds(start, end)), CurrentOffset, parser, CurrentOffset);
}
