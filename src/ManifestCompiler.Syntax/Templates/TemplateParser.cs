using System.Collections.Immutable;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.Parsing;
using ManifestCompiler.Syntax.Text;
using Pidgin;
using static Pidgin.Parser;
using static Pidgin.Parser<char>;

namespace ManifestCompiler.Syntax.Templates;

/// <summary>
/// Parses templates (grammar: grammars/template.ebnf). The structure grammar accepts any text, so one bad
/// placeholder does not hide the others; each placeholder's body is then held to the strict grammar.
/// </summary>
public static class TemplateParser
{
    // --- placeholder expression (strict) --------------------------------------------------------

    private static readonly Parser<char, Unit> Blank = SkipWhitespaces;

    private static readonly Parser<char, PathSegmentSyntax> Segment =
        Map(
            (start, name, end) => new PathSegmentSyntax(name, SourceSpan.FromBounds(start, end)),
            CurrentOffset,
            Token(c => char.IsLetterOrDigit(c) || c == '_').AtLeastOnceString().Labelled("name"),
            CurrentOffset);

    private static readonly Parser<char, VariablePathSyntax> Path =
        Map(
            (start, segments, end) => new VariablePathSyntax(segments.ToImmutableArray(), SourceSpan.FromBounds(start, end)),
            CurrentOffset,
            Segment.SeparatedAtLeastOnce(Char('.')),
            CurrentOffset);

    private static Parser<char, string> QuotedString(char quote) =>
        Token(c => c != quote && c != '\\')
            .Or(Char('\\').Then(Any))
            .ManyString()
            .Between(Char(quote), Char(quote).Labelled("closing " + quote));

    private static readonly Parser<char, FilterArgumentSyntax> Argument =
        OneOf(
            Map(
                (start, value, end) => (FilterArgumentSyntax)new StringArgumentSyntax(value, SourceSpan.FromBounds(start, end)),
                CurrentOffset,
                QuotedString('\'').Or(QuotedString('"')),
                CurrentOffset),
            Map(
                (start, text, end) => (FilterArgumentSyntax)new NumberArgumentSyntax(text, SourceSpan.FromBounds(start, end)),
                CurrentOffset,
                Char('-').Then(CommonParsers.AsciiDigit.AtLeastOnceString(), (sign, digits) => sign + digits),
                CurrentOffset),
            // "1" and "1.5" are numbers, as in Django; longer all-digit paths stay paths.
            Path.Select(p => p.Segments.All(s => s.IsIndex) && p.Segments.Length <= 2
                ? (FilterArgumentSyntax)new NumberArgumentSyntax(p.ToString(), p.Span)
                : new VariableArgumentSyntax(p)))
        .Labelled("filter argument");

    private static readonly Parser<char, FilterSyntax> Filter =
        Map(
            (start, name, argument, end) => new FilterSyntax(name.Name, name.Span, argument.HasValue ? argument.Value : null, SourceSpan.FromBounds(start, end)),
            CurrentOffset,
            Segment.Labelled("filter name"),
            Char(':').Then(Argument).Optional(),
            CurrentOffset);

    private static readonly Parser<char, (VariablePathSyntax Path, IEnumerable<FilterSyntax> Filters)> Expression =
        Blank.Then(Path.Labelled("variable name"))
            .Then(Try(Blank.Then(Char('|'))).Then(Blank).Then(Filter).Many(), (path, filters) => (path, filters))
            .Before(Blank);

    private static readonly Parser<char, Unit> Close = String("}}").Labelled("'}}'").IgnoreResult();

    /// <summary>The placeholder body on its own, used to explain why a placeholder is invalid.</summary>
    private static readonly Parser<char, Unit> StandaloneBody = Expression.Then(End.Labelled("'|' or '}}'"));

    // --- template structure (tolerant) ----------------------------------------------------------

    private static readonly Parser<char, char> TextChar =
        Token(c => c != '{').Or(Try(Char('{').Before(Not(OneOf('{', '%', '#')))));

    private static readonly Parser<char, TemplatePart> Text =
        Map((start, text, end) => (TemplatePart)new TextPart(text, SourceSpan.FromBounds(start, end)), CurrentOffset, TextChar.AtLeastOnceString(), CurrentOffset);

    private static Parser<char, string> RawUntil(char closer) =>
        Token(c => c != closer).Or(Try(Char(closer).Before(Not(Char('}'))))).ManyString();

    private static readonly Parser<char, TemplatePart> Placeholder =
        Map((start, _) => start, CurrentOffset, String("{{")).Then(
            start => OneOf(
                Try(Expression.Before(Close)).Then(CurrentOffset, (e, end) => (TemplatePart)new PlaceholderSyntax(e.Path, e.Filters.ToImmutableArray(), SourceSpan.FromBounds(start, end))),
                RawUntil('}').Then(
                    Close.Then(CurrentOffset).Optional(),
                    (raw, end) => end.HasValue
                        ? (TemplatePart)new InvalidPlaceholderSyntax("{{" + raw + "}}", SourceSpan.FromBounds(start, end.Value))
                        : new UnterminatedPlaceholderSyntax("{{" + raw, new SourceSpan(start, 2 + raw.Length)))));

    private static readonly Parser<char, TemplatePart> Tag =
        Map(
            (start, open, raw, close, end) => (TemplatePart)new UnsupportedTagSyntax(open + raw + (close.HasValue ? close.Value : ""), SourceSpan.FromBounds(start, end)),
            CurrentOffset,
            Try(String("{%")).Or(String("{#")),
            Token(c => c != '%' && c != '#').Or(Try(OneOf('%', '#').Before(Not(Char('}'))))).ManyString(),
            Try(String("%}")).Or(String("#}")).Optional(),
            CurrentOffset);

    private static readonly Parser<char, IEnumerable<TemplatePart>> Template =
        OneOf(Text, Try(Placeholder), Tag).Many().Before(End);

    public static ParseResult<TemplateSyntax> Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var result = Template.Parse(source);
        if (!result.Success)
        {
            // The structure grammar accepts every string; reaching here would be a bug in it, reported, not thrown.
            var error = result.Error!;
            // Stryker disable once all: the structure grammar accepts every string, so this never runs (docs/mutation-testing.md).
            return new ParseResult<TemplateSyntax>(null, [SyntaxDiagnostics.InvalidPlaceholder.Create(new SourceSpan(Math.Min(error.ErrorOffset, source.Length), 0), ParseErrors.Describe(error))]);
        }

        var parts = result.Value.ToImmutableArray();
        var diagnostics = ImmutableArray.CreateBuilder<Diagnostic>();
        foreach (var part in parts)
        {
            CheckPart(part, diagnostics);
        }
        var hasErrors = diagnostics.Any(d => d.IsError);
        return new ParseResult<TemplateSyntax>(new TemplateSyntax(source, parts, hasErrors), diagnostics.ToImmutable());
    }

    private static void CheckPart(TemplatePart part, ImmutableArray<Diagnostic>.Builder diagnostics)
    {
        switch (part)
        {
            case PlaceholderSyntax placeholder:
                CheckPath(placeholder.Path, diagnostics);
                foreach (var filter in placeholder.Filters)
                {
                    CheckFilter(filter, diagnostics);
                }
                break;
            case InvalidPlaceholderSyntax invalid:
                diagnostics.Add(ExplainInvalidBody(invalid.Text[2..^2], invalid.Span.Start + 2));
                break;
            case UnterminatedPlaceholderSyntax unterminated:
                diagnostics.Add(SyntaxDiagnostics.UnterminatedPlaceholder.Create(new SourceSpan(unterminated.Span.Start, 2)));
                break;
            case UnsupportedTagSyntax tag:
                diagnostics.Add(SyntaxDiagnostics.UnsupportedTemplateTag.Create(tag.Span, tag.Text[..2] + " " + (tag.Text[1] == '%' ? "%}" : "#}")));
                break;
        }
    }

    private static Diagnostic ExplainInvalidBody(string body, int bodyStart)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return SyntaxDiagnostics.EmptyPlaceholder.Create(new SourceSpan(bodyStart - 2, body.Length + 4));
        }
        var result = StandaloneBody.Parse(body);
        if (result.Success)
        {
            // Only '}' inside the body can make the whole placeholder fail while its body parses alone.
            return SyntaxDiagnostics.InvalidPlaceholder.Create(new SourceSpan(bodyStart, body.Length), "unexpected '}' inside the placeholder");
        }
        var offset = Math.Min(result.Error!.ErrorOffset, body.Length);
        return SyntaxDiagnostics.InvalidPlaceholder.Create(new SourceSpan(bodyStart + offset, offset < body.Length ? 1 : 0), ParseErrors.Describe(result.Error));
    }

    private static void CheckPath(VariablePathSyntax path, ImmutableArray<Diagnostic>.Builder diagnostics)
    {
        foreach (var segment in path.Segments)
        {
            if (segment.Name.StartsWith('_'))
            {
                diagnostics.Add(SyntaxDiagnostics.UnderscoreName.Create(segment.Span, segment.Name));
            }
        }
    }

    private static void CheckFilter(FilterSyntax filter, ImmutableArray<Diagnostic>.Builder diagnostics)
    {
        if (!TemplateFilters.Known.TryGetValue(filter.Name, out var argumentKind))
        {
            diagnostics.Add(SyntaxDiagnostics.UnknownFilter.Create(filter.NameSpan, filter.Name, TemplateFilters.KnownList));
            return;
        }
        if (argumentKind == FilterArgumentKind.Required && filter.Argument is null)
        {
            diagnostics.Add(SyntaxDiagnostics.FilterArgumentMismatch.Create(filter.NameSpan, filter.Name, "requires an argument (':value')"));
        }
        else if (argumentKind == FilterArgumentKind.None && filter.Argument is not null)
        {
            diagnostics.Add(SyntaxDiagnostics.FilterArgumentMismatch.Create(filter.Argument.Span, filter.Name, "takes no argument"));
        }
        if (filter.Argument is VariableArgumentSyntax variable)
        {
            CheckPath(variable.Path, diagnostics);
        }
    }
}
