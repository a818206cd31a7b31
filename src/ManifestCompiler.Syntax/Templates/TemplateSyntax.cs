using System.Collections.Immutable;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Syntax.Templates;

/// <summary>A parsed template: literal text interleaved with <c>{{ path|filter:arg }}</c> placeholders.</summary>
public sealed class TemplateSyntax
{
    public TemplateSyntax(string source, ImmutableArray<TemplatePart> parts, bool hasErrors = false)
    {
        Source = source;
        Parts = parts;
        HasErrors = hasErrors;
        IsConstant = parts.All(p => p is TextPart);
    }

    /// <summary>True when parsing reported an error; such a template is kept for tools but never rendered.</summary>
    public bool HasErrors { get; }

    public string Source { get; }

    public ImmutableArray<TemplatePart> Parts { get; }

    public SourceSpan Span => new(0, Source.Length);

    public IEnumerable<PlaceholderSyntax> Placeholders => Parts.OfType<PlaceholderSyntax>();

    /// <summary>True when the template is plain text: no placeholders, nothing invalid (it renders to its source).</summary>
    public bool IsConstant { get; }
}

public abstract record TemplatePart(SourceSpan Span);

public sealed record TextPart(string Text, SourceSpan Span) : TemplatePart(Span);

/// <summary><c>{{ path|filter... }}</c>; <see cref="TemplatePart.Span"/> covers the braces.</summary>
public sealed record PlaceholderSyntax(VariablePathSyntax Path, ImmutableArray<FilterSyntax> Filters, SourceSpan Span) : TemplatePart(Span);

/// <summary>A placeholder that could not be read; its diagnostic says why. Kept so tools still see every part.</summary>
public sealed record InvalidPlaceholderSyntax(string Text, SourceSpan Span) : TemplatePart(Span);

/// <summary>A placeholder with no closing braces: it runs to the end of the text.</summary>
public sealed record UnterminatedPlaceholderSyntax(string Text, SourceSpan Span) : TemplatePart(Span);

/// <summary>A Django tag or comment (<c>{% %}</c>, <c>{# #}</c>), which this language does not support.</summary>
public sealed record UnsupportedTagSyntax(string Text, SourceSpan Span) : TemplatePart(Span);

/// <summary><c>a.b.0</c>: a root variable name, then keys or list indexes.</summary>
public sealed record VariablePathSyntax(ImmutableArray<PathSegmentSyntax> Segments, SourceSpan Span)
{
    public string Root => Segments[0].Name;

    public override string ToString() => string.Join(".", Segments.Select(s => s.Name));
}

public sealed record PathSegmentSyntax(string Name, SourceSpan Span)
{
    /// <summary>All ASCII digits: tried as a dict key first, then as a (non-negative) list index.</summary>
    public bool IsIndex => Name.Length > 0 && Name.All(c => c is >= '0' and <= '9');
}

public sealed record FilterSyntax(string Name, SourceSpan NameSpan, FilterArgumentSyntax? Argument, SourceSpan Span);

public abstract record FilterArgumentSyntax(SourceSpan Span);

public sealed record StringArgumentSyntax(string Value, SourceSpan Span) : FilterArgumentSyntax(Span);

public sealed record NumberArgumentSyntax(string Text, SourceSpan Span) : FilterArgumentSyntax(Span);

public sealed record VariableArgumentSyntax(VariablePathSyntax Path) : FilterArgumentSyntax(Path.Span);
