using System.Collections.Immutable;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Syntax.JsonPath;

/// <summary>
/// The rules RFC 9535 states beside its grammar: integers within ±(2^53−1), singular queries in comparisons,
/// and the function type system (§2.4.3) — so ill-typed queries are rejected when parsed, never at run time.
/// </summary>
internal sealed class JsonPathChecker
{
    private const long MaxSafeInteger = (1L << 53) - 1;

    private readonly string _source;
    private readonly ImmutableArray<Diagnostic>.Builder _diagnostics = ImmutableArray.CreateBuilder<Diagnostic>();

    private JsonPathChecker(string source) => _source = source;

    public static ImmutableArray<Diagnostic> Check(QuerySyntax query, string source)
    {
        var checker = new JsonPathChecker(source);
        checker.CheckQuery(query);
        return checker._diagnostics.ToImmutable();
    }

    private void CheckQuery(QuerySyntax query)
    {
        foreach (var segment in query.Segments)
        {
            foreach (var selector in segment.Selectors)
            {
                switch (selector)
                {
                    case IndexSelectorSyntax index:
                        CheckInteger(index.Index, index);
                        break;
                    case SliceSelectorSyntax slice:
                        CheckInteger(slice.Start, slice);
                        CheckInteger(slice.End, slice);
                        CheckInteger(slice.Step, slice);
                        break;
                    case FilterSelectorSyntax filter:
                        CheckLogical(filter.Expression);
                        break;
                }
            }
        }
    }

    private void CheckInteger(long? value, SelectorSyntax selector)
    {
        if (value is { } v && (v > MaxSafeInteger || v < -MaxSafeInteger))
        {
            _diagnostics.Add(SyntaxDiagnostics.JsonPathIntegerOutOfRange.Create(selector.Span, v));
        }
    }

    /// <summary>An expression in a test position (filter, operand of &amp;&amp; || !, LogicalType argument).</summary>
    private void CheckLogical(FilterExpressionSyntax expression)
    {
        switch (expression)
        {
            case OrExpressionSyntax or:
                or.Operands.ToList().ForEach(CheckLogical);
                break;
            case AndExpressionSyntax and:
                and.Operands.ToList().ForEach(CheckLogical);
                break;
            case NotExpressionSyntax not:
                // logical-not-op applies to one paren-expr or test-expr: "!!@.a" is not in the grammar.
                if (not.Operand is NotExpressionSyntax)
                {
                    _diagnostics.Add(SyntaxDiagnostics.JsonPathSyntax.Create(not.Operand.Span, "'!' must be followed by a query, a function call or a parenthesized expression"));
                    return;
                }
                CheckLogical(not.Operand);
                break;
            case ParenthesizedExpressionSyntax paren:
                CheckLogical(paren.Inner);
                break;
            case ComparisonExpressionSyntax comparison:
                CheckComparable(comparison.Left);
                CheckComparable(comparison.Right);
                break;
            case QueryExpressionSyntax query:
                CheckQuery(query.Query);
                break;
            case FunctionCallSyntax call:
                var result = CheckFunction(call);
                if (result == JsonPathType.Value)
                {
                    _diagnostics.Add(SyntaxDiagnostics.JsonPathNotLogical.Create(call.Span, $"'{call.Name}()' returns a value, which"));
                }
                break;
            case LiteralExpressionSyntax literal:
                _diagnostics.Add(SyntaxDiagnostics.JsonPathNotLogical.Create(literal.Span, $"The literal {SourceText(literal.Span)}"));
                break;
        }
    }

    private void CheckComparable(FilterExpressionSyntax expression)
    {
        switch (expression)
        {
            case LiteralExpressionSyntax:
                break;
            case QueryExpressionSyntax query:
                if (!query.Query.IsSingular)
                {
                    _diagnostics.Add(SyntaxDiagnostics.JsonPathNonSingularQuery.Create(query.Span, SourceText(query.Span)));
                }
                CheckQuery(query.Query);
                break;
            case FunctionCallSyntax call:
                var result = CheckFunction(call);
                if (result is { } type && type != JsonPathType.Value)
                {
                    _diagnostics.Add(SyntaxDiagnostics.JsonPathNotComparable.Create(call.Span, $"'{call.Name}()' returns {Describe(type)}, which"));
                }
                break;
            default:
                _diagnostics.Add(SyntaxDiagnostics.JsonPathNotComparable.Create(expression.Span, $"'{SourceText(expression.Span)}'"));
                break;
        }
    }

    /// <summary>Checks a call and its arguments; returns its result type, or null when the function is unknown.</summary>
    private JsonPathType? CheckFunction(FunctionCallSyntax call)
    {
        if (!JsonPathFunctions.All.TryGetValue(call.Name, out var function))
        {
            _diagnostics.Add(SyntaxDiagnostics.JsonPathUnknownFunction.Create(call.NameSpan, call.Name));
            return null;
        }
        if (call.Arguments.Length != function.Parameters.Length)
        {
            _diagnostics.Add(SyntaxDiagnostics.JsonPathFunctionArity.Create(call.Span, call.Name, function.Parameters.Length, call.Arguments.Length));
            return function.Result;
        }
        for (var i = 0; i < call.Arguments.Length; i++)
        {
            CheckArgument(call, i, function.Parameters[i], call.Arguments[i]);
        }
        if ((function == JsonPathFunctions.Match || function == JsonPathFunctions.Search)
            && call.Arguments[1] is LiteralExpressionSyntax { Value.ValueKind: System.Text.Json.JsonValueKind.String } pattern)
        {
            var regex = JsonStrings.GetString(pattern.Value);
            if (!IRegexp.TryTranslate(regex, out _, out var error))
            {
                _diagnostics.Add(SyntaxDiagnostics.InvalidIRegexp.Create(pattern.Span, regex, error));
            }
        }
        return function.Result;
    }

    private void CheckArgument(FunctionCallSyntax call, int index, JsonPathType parameter, FilterExpressionSyntax argument)
    {
        var found = ArgumentType(argument);
        var ok = parameter switch
        {
            // A singular query converts to ValueType; any query or Nodes result converts to LogicalType.
            JsonPathType.Value => argument is LiteralExpressionSyntax || (argument is QueryExpressionSyntax q && q.Query.IsSingular) || found == JsonPathType.Value,
            // Stryker disable once all: none of RFC 9535's functions takes a LogicalType parameter (docs/mutation-testing.md).
            JsonPathType.Logical => argument is not LiteralExpressionSyntax && found != JsonPathType.Value,
            _ => found == JsonPathType.Nodes,
        };
        // An unknown function (found is null) is reported where it is named (MC3004); its result has no type to blame.
        if (!ok && found is { } foundType)
        {
            var description = argument switch
            {
                QueryExpressionSyntax => "a query that can select several nodes",
                LiteralExpressionSyntax => "a literal",
                _ => Describe(foundType),
            };
            _diagnostics.Add(SyntaxDiagnostics.JsonPathArgumentType.Create(argument.Span, call.Name, index + 1, Describe(parameter), description));
        }

        // Check inside the argument too (nested filters, calls and comparisons).
        switch (argument)
        {
            case QueryExpressionSyntax query:
                CheckQuery(query.Query);
                break;
            case FunctionCallSyntax nested:
                CheckFunction(nested);
                break;
            case LiteralExpressionSyntax:
                break;
            default:
                // Stryker disable once all: an argument that is a logical expression is "ok" only for a LogicalType parameter, which no function has (docs/mutation-testing.md).
                if (ok)
                {
                    CheckLogical(argument);
                }
                break;
        }
    }

    private static JsonPathType? ArgumentType(FilterExpressionSyntax argument) => argument switch
    {
        LiteralExpressionSyntax => JsonPathType.Value,
        QueryExpressionSyntax => JsonPathType.Nodes,
        FunctionCallSyntax call => JsonPathFunctions.All.TryGetValue(call.Name, out var f) ? f.Result : null,
        _ => JsonPathType.Logical,
    };

    private static string Describe(JsonPathType type) => type switch
    {
        JsonPathType.Value => "a value (ValueType)",
        JsonPathType.Logical => "a logical result (LogicalType)",
        _ => "a node list (NodesType)",
    };

    private string SourceText(SourceSpan span) =>
        // Stryker disable once Conditional,Logical,String: the checker reads spans the parser made inside this source, where the guard is always true (docs/mutation-testing.md).
        span.Start >= 0 && span.End <= _source.Length ? _source.Substring(span.Start, span.Length) : string.Empty;
}
