using System.Collections.Immutable;
using ManifestCompiler.Syntax.Diagnostics;
using System.Text.Json;
using ManifestCompiler.Syntax.Parsing;
using ManifestCompiler.Runtime.Support.Python;
using ManifestCompiler.Syntax.Text;
using Pidgin;

namespace ManifestCompiler.Syntax.Python;

/// <summary>The names an expression may use: <c>body</c> and <c>headers</c>, plus memory keys where the caller says so.</summary>
public sealed class PythonCheckScope
{
    public static readonly PythonCheckScope Webhook = new(["body", "headers"]);

    public PythonCheckScope(IEnumerable<string> names) => Names = names.ToImmutableHashSet(StringComparer.Ordinal);

    public ImmutableHashSet<string> Names { get; }

    public bool Contains(string name) => Names.Contains(name);

    public PythonCheckScope With(IEnumerable<string> names) => new(Names.Union(names));
}

/// <summary>
/// A checked Python expression of the webhook subset. Equal expressions are equal text: parsing is deterministic
/// (the scope only decides whether a name is accepted), so the IR can hold parsed expressions and stay equatable.
/// </summary>
public sealed class PythonExpression : IEquatable<PythonExpression>
{
    private PythonExpression(string source, PyExpressionSyntax syntax)
    {
        Source = source;
        Syntax = syntax;
    }

    public string Source { get; }

    public PyExpressionSyntax Syntax { get; }

    /// <summary>Parses and checks; anything outside the subset is a diagnostic at its position. Never throws on input.</summary>
    public static ParseResult<PythonExpression> Parse(string source, PythonCheckScope? scope = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        scope ??= PythonCheckScope.Webhook;
        if (string.IsNullOrWhiteSpace(source))
        {
            // The grammar reads nothing as an empty tuple display; CPython's eval('') is a SyntaxError.
            return new ParseResult<PythonExpression>(null, [SyntaxDiagnostics.PythonSyntax.Create(new SourceSpan(source.Length, 0), "expected expression, found end of input")]);
        }
        var result = PythonGrammar.TopLevel.Parse(source);
        if (!result.Success)
        {
            var offset = Math.Min(result.Error!.ErrorOffset, source.Length);
            return new ParseResult<PythonExpression>(null, [SyntaxDiagnostics.PythonSyntax.Create(new SourceSpan(offset, offset < source.Length ? 1 : 0), ParseErrors.Describe(result.Error))]);
        }
        var diagnostics = PythonChecker.Check(result.Value, scope);
        return diagnostics.Any(d => d.IsError)
            ? new ParseResult<PythonExpression>(null, diagnostics)
            : new ParseResult<PythonExpression>(new PythonExpression(source, result.Value), diagnostics);
    }

    /// <summary>
    /// Evaluates over a webhook's body and headers (and memory values, for names the scope added). A Python
    /// exception is returned as <see cref="PythonInterpreterResult.Error"/> with the failing node's span; nothing throws.
    /// </summary>
    public PythonInterpreterResult Evaluate(JsonElement body, JsonElement headers, IReadOnlyDictionary<string, PyValue>? names = null, bool withRepr = false) =>
        PythonEvaluator.Evaluate(Syntax, body, headers, names, withRepr);

    /// <summary>The grammar alone, without the subset checks (for tests that compare trees with CPython's).</summary>
    internal static PyExpressionSyntax? ParseSyntaxOnly(string source)
    {
        var result = PythonGrammar.TopLevel.Parse(source);
        return result.Success ? result.Value : null;
    }

    public bool Equals(PythonExpression? other) => other is not null && Source == other.Source;

    public override bool Equals(object? obj) => Equals(obj as PythonExpression);

    public override int GetHashCode() => Source.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Source;
}
