using System.Collections.Immutable;
using System.Text.Json;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.Parsing;
using ManifestCompiler.Syntax.Text;
using Pidgin;

namespace ManifestCompiler.Syntax.JsonPath;

/// <summary>
/// A well-formed, well-typed RFC 9535 query, ready to evaluate. Equal queries are equal text: parsing is
/// deterministic, so the text decides everything (which lets the IR hold parsed queries and stay equatable).
/// </summary>
public sealed class JsonPathQuery : IEquatable<JsonPathQuery>
{
    internal JsonPathQuery(string source, QuerySyntax syntax)
    {
        Source = source;
        Syntax = syntax;
    }

    public string Source { get; }

    public QuerySyntax Syntax { get; }

    /// <summary>Selects at most one node (RFC 9535 §2.3.5.1).</summary>
    public bool IsSingular => Syntax.IsSingular;

    /// <summary>The nodes the query selects from <paramref name="document"/>, in RFC order, with normalized paths.</summary>
    public IReadOnlyList<JsonPathNode> Evaluate(JsonElement document) => JsonPathEvaluator.Evaluate(Syntax, document);

    public bool Equals(JsonPathQuery? other) => other is not null && Source == other.Source;

    public override bool Equals(object? obj) => Equals(obj as JsonPathQuery);

    public override int GetHashCode() => Source.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Source;
}

public static class JsonPath
{
    /// <summary>Nesting (brackets, parentheses, '!') beyond this is refused before parsing; see <see cref="NestingGuard"/>.</summary>
    public const int MaxNestingDepth = NestingGuard.MaxDepth;

    public static ParseResult<JsonPathQuery> Parse(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (NestingGuard.Exceeds(query, "([", ")]", "!", "'\"", out var at))
        {
            return Fail(SyntaxDiagnostics.JsonPathSyntax.Create(new SourceSpan(at, 1), $"nesting deeper than {MaxNestingDepth} levels"));
        }

        var result = JsonPathGrammar.Query.Parse(query);
        if (!result.Success)
        {
            var offset = Math.Min(result.Error!.ErrorOffset, query.Length);
            return Fail(SyntaxDiagnostics.JsonPathSyntax.Create(new SourceSpan(offset, offset < query.Length ? 1 : 0), ParseErrors.Describe(result.Error)));
        }
        var diagnostics = JsonPathChecker.Check(result.Value, query);
        return diagnostics.Any(d => d.IsError)
            ? new ParseResult<JsonPathQuery>(null, diagnostics)
            : new ParseResult<JsonPathQuery>(new JsonPathQuery(query, result.Value), diagnostics);
    }

    private static ParseResult<JsonPathQuery> Fail(Diagnostic diagnostic) => new(null, [diagnostic]);
}
