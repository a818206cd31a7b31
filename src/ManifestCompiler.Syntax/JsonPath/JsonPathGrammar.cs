using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ManifestCompiler.Syntax.Text;
using ManifestCompiler.Syntax.Parsing;
using Pidgin;
using static Pidgin.Parser;
using static Pidgin.Parser<char>;
using static ManifestCompiler.Syntax.Parsing.CommonParsers;

namespace ManifestCompiler.Syntax.JsonPath;

/// <summary>
/// The RFC 9535 grammar in Pidgin, rule for rule (grammars/jsonpath.abnf names each parser here).
/// It is context-free; singular-query, function-type and integer-range rules are checked afterwards.
/// </summary>
internal static class JsonPathGrammar
{
    /// <summary>Saturation value for integers too long to hold; always outside ±(2^53−1).</summary>
    internal const long Overflow = long.MaxValue;

    // B = %x20 / %x09 / %x0A / %x0D ; S = *B
    private static readonly Parser<char, Unit> S = Token(c => c is ' ' or '\t' or '\n' or '\r').SkipMany();

    // int = "0" / (["-"] DIGIT1 *DIGIT)
    private static readonly Parser<char, string> IntText =
        OneOf(
            Char('0').Select(_ => "0"),
            Map((minus, first, rest) => (minus.HasValue ? "-" : "") + first + rest,
                Char('-').Optional(),
                Token(c => c is >= '1' and <= '9').Labelled("digit"),
                Token(c => c is >= '0' and <= '9').ManyString()))
        .Labelled("integer");

    private static readonly Parser<char, long> Int = IntText.Select(ParseInt);

    private static long ParseInt(string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : text[0] == '-' ? -Overflow : Overflow;

    // hexchar = non-surrogate / (high-surrogate "\" %x75 low-surrogate)
    private static readonly Parser<char, int> Hex4 =
        Token(char.IsAsciiHexDigit).Labelled("hex digit").Repeat(4).Select(cs => int.Parse(new string(cs.ToArray()), NumberStyles.HexNumber, CultureInfo.InvariantCulture));

    private static readonly Parser<char, string> UnicodeEscape =
        Char('u').Then(Hex4).Then(code => code switch
        {
            >= 0xD800 and <= 0xDBFF => String("\\u").Then(Hex4.Assert(low => low is >= 0xDC00 and <= 0xDFFF, "a high surrogate escape must be followed by a low surrogate escape"))
                .Select(low => new string([(char)code, (char)low])),
            >= 0xDC00 and <= 0xDFFF => Fail<string>("a low surrogate escape must follow a high surrogate"),
            _ => Return(((char)code).ToString()),
        });

    private static Parser<char, string> Escape(char quote) =>
        Char('\\').Then(OneOf(
            Char(quote).Select(c => c.ToString()),
            Char('b').ThenReturn("\b"),
            Char('f').ThenReturn("\f"),
            Char('n').ThenReturn("\n"),
            Char('r').ThenReturn("\r"),
            Char('t').ThenReturn("\t"),
            Char('/').ThenReturn("/"),
            Char('\\').ThenReturn("\\"),
            UnicodeEscape).Labelled("escape sequence"));

    // unescaped = %x20-21 / %x23-26 / %x28-5B / %x5D-D7FF / %xE000-10FFFF, plus the other quote
    private static Parser<char, string> StringChars(char quote) =>
        OneOf(
            Token(c => c >= 0x20 && c != quote && c != '\\' && !char.IsSurrogate(c)).Select(c => c.ToString()),
            SurrogatePair,
            Escape(quote))
        .Many()
        .Select(static parts => string.Concat(parts));

    private static readonly Parser<char, string> SurrogatePair =
        Token(char.IsHighSurrogate).Then(Token(char.IsLowSurrogate), (h, l) => new string([h, l]));

    // string-literal = %x22 *double-quoted %x22 / %x27 *single-quoted %x27
    private static readonly Parser<char, string> StringLiteral =
        OneOf(
            StringChars('"').Between(Char('"'), Char('"').Labelled("closing '\"'")),
            StringChars('\'').Between(Char('\''), Char('\'').Labelled("closing \"'\"")))
        .Labelled("string");

    // member-name-shorthand = name-first *name-char
    private static bool IsNameFirst(char c) => char.IsAsciiLetter(c) || c == '_' || (c >= 0x80 && !char.IsSurrogate(c));

    private static readonly Parser<char, string> MemberName =
        Map((first, rest) => first + rest,
            Token(IsNameFirst).Select(c => c.ToString()).Or(SurrogatePair),
            Token(c => IsNameFirst(c) || char.IsAsciiDigit(c)).Select(c => c.ToString()).Or(SurrogatePair).Many().Select(static parts => string.Concat(parts)))
        .Labelled("member name");

    private static readonly Parser<char, SelectorSyntax> NameSelector =
        WithSpan(StringLiteral, static SelectorSyntax (name, span) => new NameSelectorSyntax(name, span));

    private static readonly Parser<char, SelectorSyntax> WildcardSelector =
        WithSpan(Char('*'), static SelectorSyntax (_, span) => new WildcardSelectorSyntax(span));

    // slice-selector = [start S] ":" S [end S] [":" [S step]]
    private static readonly Parser<char, (long? End, long? Step)> SliceRest =
        Char(':').Then(S).Then(Map(
            (end, step) => ((long?)(end.HasValue ? end.Value : null), step.HasValue && step.Value.HasValue ? (long?)step.Value.Value : null),
            Int.Before(S).Optional(),
            Char(':').Then(Try(S.Then(Int)).Optional()).Optional()));

    private static readonly Parser<char, SelectorSyntax> IndexOrSliceSelector =
        WithSpan(
            OneOf(
                Int.Then(Try(S.Then(SliceRest)).Optional(), (start, rest) => (Start: (long?)start, IsSlice: rest.HasValue, Tail: rest.GetValueOrDefault())),
                SliceRest.Select(rest => (Start: (long?)null, IsSlice: true, Tail: rest))),
            static SelectorSyntax (s, span) => s.IsSlice
                ? new SliceSelectorSyntax(s.Start, s.Tail.End, s.Tail.Step, span)
                : new IndexSelectorSyntax(s.Start!.Value, span));

    // --- filter expressions -------------------------------------------------------------------

    private static readonly Parser<char, FilterExpressionSyntax> LogicalExpression = Rec(() => LogicalOr!);

    private static readonly Parser<char, SelectorSyntax> FilterSelector =
        WithSpan(Char('?').Then(S).Then(LogicalExpression), static SelectorSyntax (e, span) => new FilterSelectorSyntax(e, span));

    // selector = name-selector / wildcard-selector / slice-selector / index-selector / filter-selector
    private static readonly Parser<char, SelectorSyntax> Selector =
        OneOf(NameSelector, WildcardSelector, IndexOrSliceSelector, FilterSelector).Labelled("selector");

    // bracketed-selection = "[" S selector *(S "," S selector) S "]"
    private static readonly Parser<char, ImmutableArray<SelectorSyntax>> BracketedSelection =
        Char('[').Then(S).Then(Selector.SeparatedAtLeastOnce(Try(S.Then(Char(','))).Then(S)))
            .Before(S).Before(Char(']').Labelled("']'"))
            .Select(selectors => selectors.ToImmutableArray());

    private static readonly Parser<char, ImmutableArray<SelectorSyntax>> ShorthandSelection =
        OneOf(
            WildcardSelector,
            WithSpan(MemberName, static SelectorSyntax (name, span) => new NameSelectorSyntax(name, span)))
        .Select(selector => ImmutableArray.Create(selector));

    // segment = child-segment / descendant-segment
    private static readonly Parser<char, SegmentSyntax> Segment =
        WithSpan(
            OneOf(
                BracketedSelection.Select(selectors => (Descendant: false, Selectors: selectors)),
                Char('.').Then(OneOf(
                    Char('.').Then(BracketedSelection.Or(ShorthandSelection)).Select(selectors => (Descendant: true, Selectors: selectors)),
                    ShorthandSelection.Select(selectors => (Descendant: false, Selectors: selectors))))),
            static (s, span) => new SegmentSyntax(s.Descendant, s.Selectors, span));

    // segments = *(S segment): commit once a '.' or '[' follows the blanks.
    private static readonly Parser<char, ImmutableArray<SegmentSyntax>> Segments =
        Try(S.Then(Lookahead(OneOf('.', '[')))).Then(Segment).Many().Select(segments => segments.ToImmutableArray());

    private static Parser<char, QuerySyntax> QueryFrom(char identifier, bool relative) =>
        WithSpan(Char(identifier).Then(Segments), (segments, span) => new QuerySyntax(relative, segments, span));

    private static readonly Parser<char, QuerySyntax> RootQuery = QueryFrom('$', relative: false);

    private static readonly Parser<char, FilterExpressionSyntax> FilterQuery =
        QueryFrom('@', relative: true).Or(RootQuery).Select<FilterExpressionSyntax>(q => new QueryExpressionSyntax(q));

    // number = (int / "-0") [ frac ] [ exp ]
    private static readonly Parser<char, string> NumberText =
        Map((integer, fraction, exponent) => integer + fraction.GetValueOrDefault("") + exponent.GetValueOrDefault(""),
            Try(String("-0")).Or(IntText),
            Char('.').Then(AsciiDigit.AtLeastOnceString(), (dot, digits) => dot + digits).Optional(),
            Map((e, sign, digits) => "e" + (sign.HasValue ? sign.Value.ToString() : "") + digits,
                OneOf('e', 'E'), OneOf('+', '-').Optional(), AsciiDigit.AtLeastOnceString()).Optional());

    private static readonly Parser<char, FilterExpressionSyntax> Literal =
        WithSpan(
            OneOf(
                NumberText.Select(Json),
                StringLiteral.Select(text => JsonSerializer.SerializeToElement(text)),
                Try(String("true")).ThenReturn(Json("true")),
                Try(String("false")).ThenReturn(Json("false")),
                String("null").ThenReturn(Json("null"))),
            static FilterExpressionSyntax (value, span) => new LiteralExpressionSyntax(value, span))
        .Labelled("literal");

    // function-name = LCALPHA *(LCALPHA / "_" / DIGIT); function-expr = function-name "(" S [arg *(S "," S arg)] S ")"
    private static readonly Parser<char, FilterExpressionSyntax> FunctionCall =
        Map(
            (start, name, nameEnd, arguments, end) => (FilterExpressionSyntax)new FunctionCallSyntax(name, arguments.ToImmutableArray(), SourceSpan.FromBounds(start, nameEnd), SourceSpan.FromBounds(start, end)),
            CurrentOffset,
            Try(Token(char.IsAsciiLetterLower).Then(Token(c => char.IsAsciiLetterLower(c) || c == '_' || char.IsAsciiDigit(c)).ManyString(), (f, r) => f + r).Before(Lookahead(Char('(')))),
            CurrentOffset,
            Char('(').Then(S).Then(LogicalExpression.SeparatedAtLeastOnce(Try(S.Then(Char(','))).Then(S)).Optional()).Before(S).Before(Char(')').Labelled("')'"))
                .Select(args => args.HasValue ? args.Value : []),
            CurrentOffset);

    private static readonly Parser<char, FilterExpressionSyntax> Parenthesized =
        WithSpan(
            Char('(').Then(S).Then(LogicalExpression).Before(S).Before(Char(')').Labelled("')'")),
            static FilterExpressionSyntax (inner, span) => new ParenthesizedExpressionSyntax(inner, span));

    private static readonly Parser<char, FilterExpressionSyntax> Primary = Rec(() => OneOf(
        Parenthesized,
        WithSpan(Char('!').Then(S).Then(Primary!), static FilterExpressionSyntax (operand, span) => new NotExpressionSyntax(operand, span)),
        FunctionCall,
        FilterQuery,
        Literal).Labelled("filter expression"));

    private static readonly Parser<char, JsonPathComparison> ComparisonOp =
        OneOf(
            String("==").ThenReturn(JsonPathComparison.Equal),
            String("!=").ThenReturn(JsonPathComparison.NotEqual),
            Char('<').Then(Char('=').Optional(), (_, eq) => eq.HasValue ? JsonPathComparison.LessOrEqual : JsonPathComparison.Less),
            Char('>').Then(Char('=').Optional(), (_, eq) => eq.HasValue ? JsonPathComparison.GreaterOrEqual : JsonPathComparison.Greater))
        .Labelled("comparison operator");

    // comparison-expr = comparable S comparison-op S comparable (operands are checked later)
    private static readonly Parser<char, FilterExpressionSyntax> Comparison =
        Map(
            (start, left, rest, end) => rest.HasValue
                ? new ComparisonExpressionSyntax(left, rest.Value.Op, rest.Value.Right, SourceSpan.FromBounds(start, end))
                : left,
            CurrentOffset,
            Primary,
            Try(S.Then(ComparisonOp)).Then(S.Then(Primary), (op, right) => (Op: op, Right: right)).Optional(),
            CurrentOffset);

    private static Parser<char, FilterExpressionSyntax> Chain(Parser<char, FilterExpressionSyntax> operand, string op, Func<ImmutableArray<FilterExpressionSyntax>, SourceSpan, FilterExpressionSyntax> build) =>
        Map(
            (start, operands, end) =>
            {
                var list = operands.ToImmutableArray();
                return list.Length == 1 ? list[0] : build(list, SourceSpan.FromBounds(start, end));
            },
            CurrentOffset,
            operand.SeparatedAtLeastOnce(Try(S.Then(String(op))).Then(S)),
            CurrentOffset);

    private static readonly Parser<char, FilterExpressionSyntax> LogicalAnd =
        Chain(Comparison, "&&", (operands, span) => new AndExpressionSyntax(operands, span));

    private static readonly Parser<char, FilterExpressionSyntax> LogicalOr =
        Chain(LogicalAnd, "||", (operands, span) => new OrExpressionSyntax(operands, span));

    /// <summary>jsonpath-query = root-identifier segments, and nothing after it (no blanks either).</summary>
    public static readonly Parser<char, QuerySyntax> Query = RootQuery.Before(End.Labelled("end of query"));

    private static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
