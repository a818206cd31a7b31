using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using System.Text;
using ManifestCompiler.Syntax.Text;
using Pidgin;
using static ManifestCompiler.Syntax.Parsing.CommonParsers;
using static Pidgin.Parser;
using static Pidgin.Parser<char>;

using ManifestCompiler.Runtime.Support.Python;

namespace ManifestCompiler.Syntax.Python;

/// <summary>
/// The Python expression grammar (grammars/python-expression.ebnf), rule for rule. Tokens swallow the blanks
/// after them; the whole expression may be surrounded by blanks.
/// </summary>
internal static class PythonGrammar
{
    // --- lexical -------------------------------------------------------------------------------

    /// <summary>Blanks, newlines and backslash line continuations (eval() allows newlines only inside brackets;
    /// we accept them anywhere, the one place this grammar is more lenient than CPython).</summary>
    private static readonly Parser<char, Unit> Blank =
        OneOf(
            Token(c => c is ' ' or '\t' or '\f' or '\n' or '\r').IgnoreResult(),
            Try(Char('\\').Then(OneOf('\n', '\r'))).IgnoreResult())
        .SkipMany();

    private static Parser<char, T> Tok<T>(Parser<char, T> parser) => parser.Before(Blank);

    private static Parser<char, string> Symbol(string text) => Tok(Try(String(text)));

    /// <summary>An operator that must not be the start of a longer one ("*" but not "**" or "*=").</summary>
    private static Parser<char, string> Operator(string text, string notFollowedBy) =>
        Tok(Try(String(text).Before(Not(OneOf(notFollowedBy)))));

    private static bool IsIdentifierStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c == '_' || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.ConnectorPunctuation;

    private static readonly Parser<char, string> Identifier =
        Token(IsIdentifierStart).Then(Token(IsIdentifierChar).ManyString(), (first, rest) => first + rest).Labelled("name");

    internal static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
        "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    };

    private static Parser<char, string> Keyword(string word) =>
        Tok(Try(String(word).Before(Not(Token(IsIdentifierChar))))).Labelled("'" + word + "'");

    private static readonly Parser<char, PyExpressionSyntax> Name =
        Tok(WithSpan(Try(Identifier.Where(id => !Keywords.Contains(id))), static PyExpressionSyntax (name, span) => new PyName(name, span)));

    // --- numbers -------------------------------------------------------------------------------

    // digitpart = digit (["_"] digit)*
    private static Parser<char, string> DigitPart(Parser<char, char> digit) =>
        digit.Then(Try(Char('_').Optional().Then(digit)).Many(), (first, rest) => first + string.Concat(rest));

    private static readonly Parser<char, string> Exponent =
        Map((e, sign, digits) => "e" + (sign.HasValue ? sign.Value.ToString() : "") + digits,
            OneOf('e', 'E'), OneOf('+', '-').Optional(), DigitPart(AsciiDigit));

    private static readonly Parser<char, PyExpressionSyntax> Number = Tok(WithSpan(
        OneOf(
            Try(Char('0').Then(OneOf('x', 'X', 'o', 'O', 'b', 'B'))).Then(radix => char.ToLowerInvariant(radix) switch
            {
                'x' => Char('_').Optional().Then(DigitPart(Token(char.IsAsciiHexDigit))).Select(d => (Kind: 'x', Text: d)),
                'o' => Char('_').Optional().Then(DigitPart(Token(c => c is >= '0' and <= '7'))).Select(d => (Kind: 'o', Text: d)),
                _ => Char('_').Optional().Then(DigitPart(Token(c => c is '0' or '1'))).Select(d => (Kind: 'b', Text: d)),
            }),
            Char('.').Then(DigitPart(AsciiDigit)).Then(Exponent.Optional(), (fraction, exponent) => (Kind: 'f', Text: "0." + fraction + exponent.GetValueOrDefault(""))),
            Map(
                (whole, fraction, exponent) => fraction.HasValue || exponent.HasValue
                    ? (Kind: 'f', Text: whole + (fraction.HasValue ? "." + fraction.Value : "") + exponent.GetValueOrDefault(""))
                    : (Kind: 'd', Text: whole),
                DigitPart(AsciiDigit),
                // "1.", "1.5", "1.e5" and "1.5e2" are floats; "1.x" is not an attribute of 1 but CPython's "invalid decimal literal" (end of number).
                Try(Char('.').Then(DigitPart(AsciiDigit).Optional())).Select(d => d.GetValueOrDefault("0")).Optional(),
                Exponent.Optional()))
        .Before(Not(Token(IsIdentifierChar)).Labelled("end of number"))
        .Assert(n => n.Kind != 'd' || n.Text == "0" || n.Text[0] != '0' || n.Text.All(c => c == '0'), "leading zeros in decimal integer literals are not permitted"),
        static PyExpressionSyntax (n, span) => n.Kind switch
        {
            'f' => new PyFloatLiteral(double.Parse(n.Text, NumberStyles.Float, CultureInfo.InvariantCulture), span),
            'd' => new PyIntLiteral(BigInteger.Parse(n.Text, NumberStyles.None, CultureInfo.InvariantCulture), span),
            var radix => new PyIntLiteral(ParseRadix(n.Text, radix == 'x' ? 16 : radix == 'o' ? 8 : 2), span),
        }));

    private static BigInteger ParseRadix(string digits, int radix)
    {
        var value = BigInteger.Zero;
        foreach (var c in digits)
        {
            value = value * radix + Convert.ToInt32(c.ToString(), 16);
        }
        return value;
    }

    // --- strings -------------------------------------------------------------------------------

    private readonly record struct StringPrefix(bool Raw, bool Format, bool Bytes);

    private static readonly Parser<char, StringPrefix> Prefix =
        Try(Token(c => "rRuUfFbB".Contains(c)).AtLeastOnceString().Before(Lookahead(OneOf('\'', '"'))))
            .Assert(p => p.Length <= 2 && p.ToLowerInvariant() is "r" or "u" or "f" or "b" or "rf" or "fr" or "rb" or "br", "invalid string prefix")
            .Select(p => new StringPrefix(p.Contains('r') || p.Contains('R'), p.Contains('f') || p.Contains('F'), p.Contains('b') || p.Contains('B')))
            .Optional()
            .Select(p => p.HasValue ? p.Value : default(StringPrefix));

    private static readonly Parser<char, string> Quote =
        OneOf(Try(String("'''")), Try(String("\"\"\"")), String("'"), String("\"")).Labelled("string");

    private static readonly Parser<char, char> OctalDigit = Token(c => c is >= '0' and <= '7');

    private static readonly Parser<char, string> Hex2 = Token(char.IsAsciiHexDigit).Repeat(2).Select(cs => new string(cs.ToArray()));

    /// <summary>Python's escapes in a non-raw string; an unknown escape keeps its backslash (as CPython does).</summary>
    private static readonly Parser<char, string> Escape =
        Char('\\').Then(OneOf(
            OneOf('\n').ThenReturn(""),
            Try(String("\r\n")).ThenReturn(""),
            Char('\\').ThenReturn("\\"),
            Char('\'').ThenReturn("'"),
            Char('"').ThenReturn("\""),
            Char('a').ThenReturn("\a"),
            Char('b').ThenReturn("\b"),
            Char('f').ThenReturn("\f"),
            Char('n').ThenReturn("\n"),
            Char('r').ThenReturn("\r"),
            Char('t').ThenReturn("\t"),
            Char('v').ThenReturn("\v"),
            Char('x').Then(Hex2.Labelled("two hex digits")).Select(h => ((char)int.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToString()),
            Char('u').Then(Token(char.IsAsciiHexDigit).Repeat(4).Labelled("four hex digits")).Select(h => ((char)int.Parse(new string(h.ToArray()), NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToString()),
            Char('U').Then(Token(char.IsAsciiHexDigit).Repeat(8).Labelled("eight hex digits"))
                .Select(h => int.Parse(new string(h.ToArray()), NumberStyles.HexNumber, CultureInfo.InvariantCulture))
                .Assert(cp => cp <= 0x10FFFF, "\\U escape beyond U+10FFFF")
                .Select(CodePoints.ToText),
            Char('N').Then(Fail<string>("\\N{...} escapes are not supported")),
            // At most three octal digits: '\1234' is 'S' then '4', as in CPython.
            Map((first, second, third) => ((char)Convert.ToInt32($"{first}{(second.HasValue ? second.Value.ToString() : "")}{(third.HasValue ? third.Value.ToString() : "")}", 8)).ToString(),
                OctalDigit, OctalDigit.Optional(), OctalDigit.Optional()),
            Any.Select(c => "\\" + c)));

    // A hole's inside: anything up to "}}" but quotes, backslashes, braces and line breaks, not only blanks.
    private static readonly Parser<char, string> HoleInside =
        Token(c => c is not ('}' or '{' or '\'' or '"' or '\\' or '\n' or '\r')).AtLeastOnceString()
            .Where(s => !string.IsNullOrWhiteSpace(s));

    /// <summary>
    /// Fails (a diagnostic) instead of recursing further when the stack runs low: expressions recurse through
    /// brackets, unary operators, '**', 'not' and conditionals, and a stack overflow would end the process.
    /// </summary>
    private static readonly Parser<char, Unit> EnoughStack =
        Return(Unit.Value).Assert(_ => System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack(), "expression nested too deeply");

    private static readonly Parser<char, PyExpressionSyntax> Expression = Rec(() => EnoughStack.Then(Conditional!));

    private static readonly Parser<char, PyStringPart> FormatField =
        WithSpan(
            Char('{').Then(Blank).Then(Map(
                (expression, conversion, spec) => (expression, conversion, spec),
                Expression,
                Char('!').Then(OneOf('r', 's', 'a')).Before(Blank).Optional(),
                Char(':').Then(Token(c => c is not ('}' or '{' or '\'' or '"' or '\n')).ManyString()).Optional()))
            .Before(Char('}').Labelled("'}'")),
            static PyStringPart (f, span) => new PyFieldPart(f.expression, f.conversion.HasValue ? f.conversion.Value : null, f.spec.HasValue ? f.spec.Value : null, span));

    /// <summary>The parts of one literal's body, up to (not including) the closing quote.</summary>
    private static Parser<char, IEnumerable<PyStringPart>> Body(StringPrefix prefix, string quote)
    {
        var triple = quote.Length == 3;
        var q = quote[0];
        // A character of text: not the quote (unless a triple quote's lone quote), not a backslash, not a line
        // break in a single-quoted string, and not a brace that starts something.
        var hole = WithSpan(Try(String("{{").Then(HoleInside).Before(String("}}"))), static PyStringPart (inside, span) => new PyHolePart(inside.Trim(), "{{" + inside + "}}", span));
        var textChar = OneOf(
            Token(c => c != q && c != '\\' && c != '{' && c != '}' && (triple || (c != '\n' && c != '\r'))).Select(c => c.ToString()),
            // In a triple-quoted string a quote is text unless it starts the closing triple; look before consuming.
            triple ? Not(Lookahead(Try(String(quote)))).Then(Char(q)).Select(c => c.ToString()) : Fail<string>(),
            prefix.Raw ? Char('\\').Then(Any, (b, c) => "\\" + c) : Escape,
            prefix.Format
                ? Try(String("{{")).ThenReturn("{").Or(Try(String("}}")).ThenReturn("}"))
                : Not(Lookahead(hole)).Then(OneOf('{', '}')).Select(c => c.ToString()));

        var text = WithSpan(textChar.AtLeastOnce().Select(static parts => string.Concat(parts)), static PyStringPart (t, span) => new PyTextPart(t, span));
        if (prefix.Format)
        {
            return OneOf(text, FormatField).Many();
        }
        return OneOf(hole, text).Many();
    }

    private static readonly Parser<char, (StringPrefix Prefix, IEnumerable<PyStringPart> Parts)> OneString =
        Prefix.Then(prefix => Quote.Then(quote => Body(prefix, quote).Before(String(quote).Labelled("closing " + quote))).Select(parts => (prefix, parts)));

    /// <summary>Adjacent literals concatenate; byte strings are outside the subset.</summary>
    private static readonly Parser<char, PyExpressionSyntax> Strings =
        Tok(WithSpan(
            OneString.Then(Try(Blank.Then(OneString)).Many(), (first, rest) => rest.Prepend(first)),
            static PyExpressionSyntax (pieces, span) => pieces.Any(p => p.Prefix.Bytes)
                ? new PyUnsupported("byte strings", span)
                : new PyStringLiteral(pieces.SelectMany(p => p.Parts).ToImmutableArray(), span)));

    // --- atoms ---------------------------------------------------------------------------------

    private static readonly Parser<char, PyExpressionSyntax> BareHole =
        Tok(WithSpan(Try(String("{{").Then(HoleInside).Before(String("}}"))), static PyExpressionSyntax (inside, span) => new PyHole(inside.Trim(), span)));

    private static readonly Parser<char, PyExpressionSyntax> Constant =
        OneOf(
            Tok(WithSpan(Keyword("True"), static PyExpressionSyntax (_, span) => new PyBoolLiteral(true, span))),
            Tok(WithSpan(Keyword("False"), static PyExpressionSyntax (_, span) => new PyBoolLiteral(false, span))),
            Tok(WithSpan(Keyword("None"), static PyExpressionSyntax (_, span) => new PyNoneLiteral(span))));

    /// <summary>
    /// Text with balanced brackets, up to an unmatched closer or the end: the extent of a construct the subset
    /// leaves out, so it is reported once, at its start, and the brackets around it still close.
    /// </summary>
    private static readonly Parser<char, Unit> BalancedRun = Rec(() => EnoughStack.Then(OneOf(
            Token(c => c is not ('(' or ')' or '[' or ']' or '{' or '}')).IgnoreResult(),
            BalancedRun!.Between(Char('('), Char(')')),
            BalancedRun!.Between(Char('['), Char(']')),
            BalancedRun!.Between(Char('{'), Char('}')))
        .SkipMany()));

    private static Parser<char, PyExpressionSyntax> Unsupported(Parser<char, string> start, string what) =>
        WithSpan(start.Then(BalancedRun), (_, span) => (PyExpressionSyntax)new PyUnsupported(what, span));

    private static readonly Parser<char, PyExpressionSyntax> UnsupportedKeyword =
        OneOf(
            Unsupported(Keyword("lambda"), "lambda expressions"),
            Unsupported(Keyword("yield"), "yield expressions"),
            Unsupported(Keyword("await"), "await expressions"));

    private static readonly Parser<char, PyExpressionSyntax> Comprehension =
        Unsupported(Keyword("for").Or(Keyword("async")), "comprehensions and generator expressions");

    private static readonly Parser<char, PyExpressionSyntax> Starred =
        Unsupported(Symbol("**").Or(Symbol("*")), "unpacking (* and **)");

    private static readonly Parser<char, PyExpressionSyntax> Item = OneOf(Starred, Expression);

    private static readonly Parser<char, Unit> Comma = Symbol(",").IgnoreResult();

    /// <summary>Items separated by commas, with an optional trailing comma; the flag says whether any comma was seen.</summary>
    private static readonly Parser<char, (ImmutableArray<PyExpressionSyntax> Items, bool HadComma)> Items =
        Item.Then(Try(Comma.Then(Item)).Many(), (first, rest) => (First: first, Others: rest.ToList()))
            .Then(Comma.Optional(), (items, trailing) => (Items: items.Others.Prepend(items.First).ToImmutableArray(), HadComma: items.Others.Count > 0 || trailing.HasValue))
            .Optional()
            .Select(r => r.GetValueOrDefault((ImmutableArray<PyExpressionSyntax>.Empty, false)));

    private static readonly Parser<char, PyExpressionSyntax> ParenthesizedOrTuple =
        Tok(WithSpan(
            Symbol("(").Then(OneOf(Comprehension.Select(c => (Items: (ImmutableArray<PyExpressionSyntax>)[c], HadComma: false)), Items.Then(Comprehension.Optional(), (items, comp) => comp.HasValue ? (Items: (ImmutableArray<PyExpressionSyntax>)[comp.Value], HadComma: false) : items))).Before(Char(')').Labelled("')'")),
            static PyExpressionSyntax (r, span) => r.Items.Length == 1 && !r.HadComma
                ? r.Items[0] is PyUnsupported u ? u : new PyParenthesized(r.Items[0], span)
                : new PyTupleDisplay(r.Items, span)));

    private static readonly Parser<char, PyExpressionSyntax> ListDisplay =
        Tok(WithSpan(
            Symbol("[").Then(Items.Then(Comprehension.Optional(), (items, comp) => comp.HasValue ? [comp.Value] : items.Items)).Before(Char(']').Labelled("']'")),
            static PyExpressionSyntax (items, span) => items.Length == 1 && items[0] is PyUnsupported u && u.What.StartsWith("comprehension", StringComparison.Ordinal) ? u : new PyListDisplay(items, span)));

    private static readonly Parser<char, (PyExpressionSyntax Key, PyExpressionSyntax? Value)> DictOrSetItem =
        OneOf(
            Starred.Select(s => (s, (PyExpressionSyntax?)null)),
            Expression.Then(Symbol(":").Then(Expression).Optional(), (key, value) => (key, value.HasValue ? value.Value : null)));

    private static readonly Parser<char, PyExpressionSyntax> DictOrSetDisplay =
        Tok(WithSpan(
            Symbol("{").Then(
                DictOrSetItem.Then(Try(Comma.Then(DictOrSetItem)).Many(), (first, rest) => rest.Prepend(first).ToList()).Before(Comma.Optional()).Optional()
                    .Then(Comprehension.Optional(), (items, comp) => (Items: items.GetValueOrDefault([]), Comprehension: comp)))
            .Before(Char('}').Labelled("'}'")),
            static PyExpressionSyntax (r, span) =>
                r.Comprehension.HasValue ? r.Comprehension.Value
                : r.Items.FirstOrDefault(i => i.Key is PyUnsupported).Key is PyUnsupported u ? u
                : r.Items.Count > 0 && r.Items.All(i => i.Value is null) ? new PySetDisplay(r.Items.Select(i => i.Key).ToImmutableArray(), span)
                : r.Items.Any(i => i.Value is null) ? new PyUnsupported("a mix of dict and set items", span)
                : new PyDictDisplay(r.Items.Select(i => (i.Key, i.Value!)).ToImmutableArray(), span)));

    private static readonly Parser<char, PyExpressionSyntax> Atom =
        OneOf(
            BareHole,
            Strings,
            Number,
            Constant,
            UnsupportedKeyword,
            Name,
            ParenthesizedOrTuple,
            ListDisplay,
            DictOrSetDisplay)
        .Labelled("expression");

    // --- trailers: calls, subscripts, slices, attributes ---------------------------------------

    private abstract record Trailer(int End);

    private sealed record CallTrailer(ImmutableArray<PyArgument> Arguments, int End) : Trailer(End);

    private sealed record SubscriptTrailer(PyExpressionSyntax Index, int End) : Trailer(End);

    private sealed record SliceTrailer(PyExpressionSyntax? Lower, PyExpressionSyntax? Upper, PyExpressionSyntax? Step, int End) : Trailer(End);

    private sealed record AttributeTrailer(string Name, SourceSpan NameSpan, int End) : Trailer(End);

    private static readonly Parser<char, PyArgument> Argument =
        OneOf(
            Try(Map((start, name, value, end) => new PyArgument(name, value, SourceSpan.FromBounds(start, end)),
                CurrentOffset, Tok(Identifier).Before(Operator("=", "=")), Expression, CurrentOffset)),
            Starred.Select(s => new PyArgument(null, s, s.Span)),
            WithSpan(Expression, static (value, span) => new PyArgument(null, value, span)));

    private static readonly Parser<char, Trailer> CallArguments =
        Symbol("(").Then(Argument.Then(Try(Comma.Then(Argument)).Many(), (first, rest) => rest.Prepend(first).ToImmutableArray()).Before(Comma.Optional()).Optional())
            .Then(Comprehension.Optional(), (args, comp) => comp.HasValue ? [new PyArgument(null, comp.Value, comp.Value.Span)] : args.GetValueOrDefault([]))
            .Then(Map(end => end, CurrentOffset.Before(Symbol(")").Labelled("')'"))), (args, end) => (Trailer)new CallTrailer(args, end + 1));

    // subscript = expr | [expr] ":" [expr] [":" [expr]]  (tuples of subscripts: expr "," ...)
    private static readonly Parser<char, Trailer> SubscriptOrSlice =
        Symbol("[").Then(OneOf(
                Symbol(":").Then(Map((upper, step) => (Slice: true, Lower: (PyExpressionSyntax?)null, Upper: upper, Step: step),
                    Expression.Optional().Select(e => e.HasValue ? e.Value : null),
                    Symbol(":").Then(Expression.Optional()).Optional().Select(s => s.HasValue && s.Value.HasValue ? s.Value.Value : null))),
                // A subscript needs an index; a slice's lower bound is one expression, not a tuple.
                Items.Assert(items => items.Items.Length > 0, "expected an index").Then(
                    Symbol(":").Then(Map((upper, step) => (upper, step),
                        Expression.Optional().Select(e => e.HasValue ? e.Value : null),
                        Symbol(":").Then(Expression.Optional()).Optional().Select(s => s.HasValue && s.Value.HasValue ? s.Value.Value : null))).Optional(),
                    (items, slice) => (Items: items, Slice: slice))
                    .Assert(r => !r.Slice.HasValue || (r.Items.Items.Length == 1 && !r.Items.HadComma), "a slice's start must be a single expression")
                    .Select(r => r.Slice.HasValue
                        ? (Slice: true, Lower: (PyExpressionSyntax?)r.Items.Items[0], Upper: r.Slice.Value.upper, Step: r.Slice.Value.step)
                        : (Slice: false, Lower: r.Items.HadComma ? new PyTupleDisplay(r.Items.Items, TupleSpan(r.Items.Items)) : r.Items.Items[0], Upper: null, Step: null))))
            .Then(CurrentOffset.Before(Symbol("]").Labelled("']'")), (s, end) => s.Slice
                ? (Trailer)new SliceTrailer(s.Lower, s.Upper, s.Step, end + 1)
                : new SubscriptTrailer(s.Lower!, end + 1));

    private static SourceSpan TupleSpan(ImmutableArray<PyExpressionSyntax> items) => SourceSpan.FromBounds(items[0].Span.Start, items[^1].Span.End);

    private static readonly Parser<char, Trailer> AttributeAccess =
        Symbol(".").Then(Map((start, name, end) => (Trailer)new AttributeTrailer(name, SourceSpan.FromBounds(start, end), end), CurrentOffset, Identifier, CurrentOffset)).Before(Blank);

    private static readonly Parser<char, PyExpressionSyntax> Primary =
        Map(
            (atom, trailers) => trailers.Aggregate(atom, (target, trailer) =>
            {
                var span = SourceSpan.FromBounds(target.Span.Start, trailer.End);
                return trailer switch
                {
                    CallTrailer call => new PyCall(target, call.Arguments, span),
                    SubscriptTrailer subscript => new PySubscript(target, subscript.Index, span),
                    SliceTrailer slice => new PySlice(target, slice.Lower, slice.Upper, slice.Step, span),
                    AttributeTrailer attribute => (PyExpressionSyntax)new PyAttribute(target, attribute.Name, attribute.NameSpan, span),
                    _ => target,
                };
            }),
            Atom,
            OneOf(CallArguments, SubscriptOrSlice, AttributeAccess).Many());

    // --- operators -----------------------------------------------------------------------------

    private static readonly Parser<char, PyExpressionSyntax> Factor = Rec(() => EnoughStack.Then(OneOf(
        WithSpan(Map((op, operand) => (op, operand), OneOf(
                Operator("-", "=").ThenReturn(PyUnaryOperator.Negate),
                Operator("+", "=").ThenReturn(PyUnaryOperator.Plus),
                Operator("~", "=").ThenReturn(PyUnaryOperator.Invert)), Factor!),
            static PyExpressionSyntax (u, span) => new PyUnary(u.op, u.operand, span)),
        Power!)));

    // power = primary ["**" factor]   (right-associative through factor)
    private static readonly Parser<char, PyExpressionSyntax> Power =
        Map(
            (left, right) => right.HasValue ? new PyBinary(left, PyBinaryOperator.Power, right.Value.Span, right.Value.Operand, SourceSpan.FromBounds(left.Span.Start, right.Value.Operand.Span.End)) : left,
            Primary,
            Map((start, end, operand) => (Span: SourceSpan.FromBounds(start, end), Operand: operand), CurrentOffset, Try(String("**").Before(Not(Char('=')))).Then(CurrentOffset).Before(Blank), Factor).Optional());

    private static Parser<char, PyExpressionSyntax> LeftAssociative(Parser<char, PyExpressionSyntax> operand, params (string Text, string NotFollowedBy, PyBinaryOperator Op)[] operators) =>
        operand.Then(
            Map((start, op, end, right) => (Op: op, Span: SourceSpan.FromBounds(start, end), Right: right),
                CurrentOffset,
                OneOf(operators.Select(o => Try(String(o.Text).Before(Not(OneOf(o.NotFollowedBy)))).ThenReturn(o.Op))),
                CurrentOffset.Before(Blank),
                operand).Many(),
            (left, rest) => rest.Aggregate(left, (l, r) => new PyBinary(l, r.Op, r.Span, r.Right, SourceSpan.FromBounds(l.Span.Start, r.Right.Span.End))));

    private static readonly Parser<char, PyExpressionSyntax> Term =
        LeftAssociative(Factor, ("//", "=", PyBinaryOperator.FloorDivide), ("/", "=/", PyBinaryOperator.Divide), ("*", "=*", PyBinaryOperator.Multiply), ("%", "=", PyBinaryOperator.Modulo), ("@", "=", PyBinaryOperator.MatrixMultiply));

    private static readonly Parser<char, PyExpressionSyntax> Arithmetic =
        LeftAssociative(Term, ("+", "=", PyBinaryOperator.Add), ("-", "=", PyBinaryOperator.Subtract));

    private static readonly Parser<char, PyExpressionSyntax> Shift =
        LeftAssociative(Arithmetic, ("<<", "=", PyBinaryOperator.LeftShift), (">>", "=", PyBinaryOperator.RightShift));

    private static readonly Parser<char, PyExpressionSyntax> BitAnd = LeftAssociative(Shift, ("&", "=", PyBinaryOperator.BitAnd));

    private static readonly Parser<char, PyExpressionSyntax> BitXor = LeftAssociative(BitAnd, ("^", "=", PyBinaryOperator.BitXor));

    private static readonly Parser<char, PyExpressionSyntax> BitOr = LeftAssociative(BitXor, ("|", "=", PyBinaryOperator.BitOr));

    private static readonly Parser<char, PyComparisonOperator> ComparisonOperator =
        OneOf(
            Operator("==", "").ThenReturn(PyComparisonOperator.Equal),
            Operator("!=", "").ThenReturn(PyComparisonOperator.NotEqual),
            Operator("<=", "").ThenReturn(PyComparisonOperator.LessOrEqual),
            Operator(">=", "").ThenReturn(PyComparisonOperator.GreaterOrEqual),
            Operator("<", "<=").ThenReturn(PyComparisonOperator.Less),
            Operator(">", ">=").ThenReturn(PyComparisonOperator.Greater),
            Keyword("in").ThenReturn(PyComparisonOperator.In),
            Try(Keyword("not").Then(Keyword("in"))).ThenReturn(PyComparisonOperator.NotIn),
            Keyword("is").Then(Keyword("not").Optional()).Select(not => not.HasValue ? PyComparisonOperator.IsNot : PyComparisonOperator.Is));

    private static readonly Parser<char, PyExpressionSyntax> Comparison =
        BitOr.Then(ComparisonOperator.Then(BitOr, (op, operand) => (op, operand)).Many(), (first, rest) =>
        {
            var list = rest.ToImmutableArray();
            return list.IsEmpty ? first : new PyComparison(first, list, SourceSpan.FromBounds(first.Span.Start, list[^1].operand.Span.End));
        });

    private static readonly Parser<char, PyExpressionSyntax> NotTest = Rec(() => EnoughStack.Then(OneOf(
        Map((start, operand) => (PyExpressionSyntax)new PyUnary(PyUnaryOperator.Not, operand, SourceSpan.FromBounds(start, operand.Span.End)), CurrentOffset, Keyword("not").Then(NotTest!)),
        Comparison)));

    private static Parser<char, PyExpressionSyntax> BoolChain(Parser<char, PyExpressionSyntax> operand, string keyword, bool isAnd) =>
        operand.Then(Keyword(keyword).Then(operand).Many(), (first, rest) =>
        {
            var operands = rest.Prepend(first).ToImmutableArray();
            return operands.Length == 1 ? first : new PyBoolOperation(isAnd, operands, SourceSpan.FromBounds(first.Span.Start, operands[^1].Span.End));
        });

    private static readonly Parser<char, PyExpressionSyntax> AndTest = BoolChain(NotTest, "and", isAnd: true);

    private static readonly Parser<char, PyExpressionSyntax> OrTest = BoolChain(AndTest, "or", isAnd: false);

    // conditional = or_test ["if" or_test "else" conditional]; a walrus is recognized to be reported
    private static readonly Parser<char, PyExpressionSyntax> Conditional = Rec(() =>
        OrTest.Then(
            OneOf(
                Keyword("if").Then(OrTest).Then(Keyword("else").Then(Conditional!), (test, orElse) => (Test: (PyExpressionSyntax?)test, OrElse: orElse)),
                Unsupported(Symbol(":="), "assignment expressions (:=)").Select(u => (Test: (PyExpressionSyntax?)null, OrElse: u))).Optional(),
            (body, tail) => !tail.HasValue ? body
                : tail.Value.Test is null ? tail.Value.OrElse
                : new PyConditional(body, tail.Value.Test, tail.Value.OrElse, SourceSpan.FromBounds(body.Span.Start, tail.Value.OrElse.Span.End))));

    /// <summary>A whole expression: blanks, one expression (a bare tuple if commas follow), blanks, end.</summary>
    public static readonly Parser<char, PyExpressionSyntax> TopLevel =
        Blank.Then(WithSpan(Items, static PyExpressionSyntax (r, span) => r.Items.Length == 1 && !r.HadComma ? r.Items[0] : new PyTupleDisplay(r.Items, span)))
            .Before(End.Labelled("end of expression"));
}
