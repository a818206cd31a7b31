using System.Collections.Immutable;
using System.Text.Json;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Syntax.JsonPath;

/// <summary>A parsed RFC 9535 query: <c>$</c> (or <c>@</c> inside filters) followed by segments.</summary>
public sealed record QuerySyntax(bool IsRelative, ImmutableArray<SegmentSyntax> Segments, SourceSpan Span)
{
    /// <summary>RFC 9535 §2.3.5.1: only child segments with one name or index selector each.</summary>
    public bool IsSingular => Segments.All(s => !s.IsDescendant && s.Selectors.Length == 1 && s.Selectors[0] is NameSelectorSyntax or IndexSelectorSyntax);
}

/// <summary>A child (<c>.name</c>, <c>[...]</c>) or descendant (<c>..name</c>, <c>..[...]</c>) segment.</summary>
public sealed record SegmentSyntax(bool IsDescendant, ImmutableArray<SelectorSyntax> Selectors, SourceSpan Span);

public abstract record SelectorSyntax(SourceSpan Span);

public sealed record NameSelectorSyntax(string Name, SourceSpan Span) : SelectorSyntax(Span)
{
    /// <summary>The name in UTF-8, so lookups in System.Text.Json documents do not transcode it on every call.</summary>
    /// <remarks>Null when the name holds a lone surrogate, which UTF-8 cannot carry; lookups then use the string.</remarks>
    public byte[]? Utf8Name { get; } = HasLoneSurrogate(Name) ? null : System.Text.Encoding.UTF8.GetBytes(Name);

    private static bool HasLoneSurrogate(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(name[i]))
            {
                return true;
            }
        }
        return false;
    }

    // Equality is by name and span; the UTF-8 copy is derived from the name.
    public bool Equals(NameSelectorSyntax? other) => other is not null && Name == other.Name && Span == other.Span;

    public override int GetHashCode() => HashCode.Combine(Name, Span);
}

public sealed record WildcardSelectorSyntax(SourceSpan Span) : SelectorSyntax(Span);

/// <summary>An index; values beyond ±(2^53−1) are kept (saturated) so the checker can report them.</summary>
public sealed record IndexSelectorSyntax(long Index, SourceSpan Span) : SelectorSyntax(Span);

public sealed record SliceSelectorSyntax(long? Start, long? End, long? Step, SourceSpan Span) : SelectorSyntax(Span);

public sealed record FilterSelectorSyntax(FilterExpressionSyntax Expression, SourceSpan Span) : SelectorSyntax(Span);

/// <summary>
/// Filter expressions as written. The grammar reads every operand the same way; <see cref="JsonPathChecker"/>
/// then enforces which forms may stand where (RFC 9535 §2.3.5 and the function type system of §2.4).
/// </summary>
public abstract record FilterExpressionSyntax(SourceSpan Span);

public sealed record OrExpressionSyntax(ImmutableArray<FilterExpressionSyntax> Operands, SourceSpan Span) : FilterExpressionSyntax(Span);

public sealed record AndExpressionSyntax(ImmutableArray<FilterExpressionSyntax> Operands, SourceSpan Span) : FilterExpressionSyntax(Span);

public sealed record NotExpressionSyntax(FilterExpressionSyntax Operand, SourceSpan Span) : FilterExpressionSyntax(Span);

public sealed record ParenthesizedExpressionSyntax(FilterExpressionSyntax Inner, SourceSpan Span) : FilterExpressionSyntax(Span);

public sealed record ComparisonExpressionSyntax(FilterExpressionSyntax Left, JsonPathComparison Operator, FilterExpressionSyntax Right, SourceSpan Span) : FilterExpressionSyntax(Span);

/// <summary>A number, string, <c>true</c>, <c>false</c> or <c>null</c>, held as a JSON value.</summary>
public sealed record LiteralExpressionSyntax(JsonElement Value, SourceSpan Span) : FilterExpressionSyntax(Span);

public sealed record QueryExpressionSyntax(QuerySyntax Query) : FilterExpressionSyntax(Query.Span);

public sealed record FunctionCallSyntax(string Name, ImmutableArray<FilterExpressionSyntax> Arguments, SourceSpan NameSpan, SourceSpan Span) : FilterExpressionSyntax(Span);
