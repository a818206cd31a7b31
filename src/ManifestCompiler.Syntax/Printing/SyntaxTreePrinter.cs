using System.Text;
using System.Text.Json;
using ManifestCompiler.Syntax.DotPaths;
using ManifestCompiler.Syntax.JsonPath;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Syntax.Templates;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Syntax.Printing;

/// <summary>
/// Prints a syntax tree one node per line, indented, each with its span <c>[start..end)</c> and source text:
/// the readable form for the CLI and for golden files.
/// </summary>
public static class SyntaxTreePrinter
{
    public static string Print(TemplateSyntax template)
    {
        var writer = new TreeWriter(template.Source);
        writer.Node(0, "template", template.Span);
        foreach (var part in template.Parts)
        {
            switch (part)
            {
                case TextPart text:
                    writer.Node(1, "text", text.Span);
                    break;
                case PlaceholderSyntax placeholder:
                    writer.Node(1, "placeholder", placeholder.Span);
                    PrintPath(writer, 2, placeholder.Path);
                    foreach (var filter in placeholder.Filters)
                    {
                        writer.Node(2, "filter " + filter.Name, filter.Span);
                        switch (filter.Argument)
                        {
                            case StringArgumentSyntax s:
                                writer.Node(3, "string " + Quote(s.Value), s.Span);
                                break;
                            case NumberArgumentSyntax n:
                                writer.Node(3, "number " + n.Text, n.Span);
                                break;
                            case VariableArgumentSyntax v:
                                PrintPath(writer, 3, v.Path);
                                break;
                        }
                    }
                    break;
                default:
                    writer.Node(1, "invalid", part.Span);
                    break;
            }
        }
        return writer.ToString();
    }

    public static string Print(DotPathSyntax path)
    {
        var writer = new TreeWriter(path.Source);
        writer.Node(0, path.IsWholeValue ? "dotpath (whole value)" : "dotpath", new SourceSpan(0, path.Source.Length));
        foreach (var segment in path.Segments)
        {
            writer.Node(1, "key", segment.Span);
        }
        return writer.ToString();
    }

    public static string Print(JsonPathQuery query)
    {
        var writer = new TreeWriter(query.Source);
        PrintQuery(writer, 0, query.Syntax);
        return writer.ToString();
    }

    public static string Print(PythonExpression expression)
    {
        var writer = new TreeWriter(expression.Source);
        PrintPython(writer, 0, expression.Syntax);
        return writer.ToString();
    }

    private static void PrintPython(TreeWriter writer, int depth, PyExpressionSyntax node)
    {
        var label = node switch
        {
            PyIntLiteral i => "int " + i.Value,
            PyFloatLiteral f => "float " + PyFormat.FloatRepr(f.Value),
            PyBoolLiteral b => b.Value ? "True" : "False",
            PyNoneLiteral => "None",
            PyStringLiteral => "string",
            PyHole h => "hole " + h.Name,
            PyName n => "name " + n.Name,
            PyListDisplay => "list",
            PyTupleDisplay => "tuple",
            PyDictDisplay => "dict",
            // Stryker disable once String: the checker reports every set display as unsupported, so no parsed expression holds one (docs/mutation-testing.md).
            PySetDisplay => "set",
            PyParenthesized => "parenthesized",
            PyUnary u => "unary " + u.Operator,
            PyBinary b => "binary " + b.Operator,
            PyComparison c => "comparison " + string.Join(" ", c.Rest.Select(r => r.Operator)),
            PyBoolOperation o => o.IsAnd ? "and" : "or",
            PyConditional => "conditional",
            PySubscript => "subscript",
            PySlice => "slice",
            PyAttribute a => "attribute " + a.Name,
            PyCall => "call",
            // Stryker disable once String: a PythonExpression exists only when the checker found no error, and every unsupported node is one (docs/mutation-testing.md).
            PyUnsupported u => "unsupported " + u.What,
            _ => node.GetType().Name,
        };
        writer.Node(depth, label, node.Span);
        if (node is PyStringLiteral literal)
        {
            foreach (var part in literal.Parts)
            {
                switch (part)
                {
                    case PyTextPart text:
                        writer.Node(depth + 1, "text", text.Span);
                        break;
                    case PyHolePart hole:
                        writer.Node(depth + 1, "hole " + hole.Name, hole.Span);
                        break;
                    case PyFieldPart field:
                        writer.Node(depth + 1, "field", field.Span);
                        PrintPython(writer, depth + 2, field.Expression);
                        break;
                }
            }
            return;
        }
        foreach (var child in PythonChecker.Children(node))
        {
            PrintPython(writer, depth + 1, child);
        }
    }

    private static void PrintPath(TreeWriter writer, int depth, VariablePathSyntax path)
    {
        writer.Node(depth, "path", path.Span);
        foreach (var segment in path.Segments)
        {
            writer.Node(depth + 1, segment.IsIndex ? "key-or-index" : "key", segment.Span);
        }
    }

    private static void PrintQuery(TreeWriter writer, int depth, QuerySyntax query)
    {
        writer.Node(depth, (query.IsRelative ? "relative-query" : "query") + (query.IsSingular ? " (singular)" : ""), query.Span);
        foreach (var segment in query.Segments)
        {
            writer.Node(depth + 1, segment.IsDescendant ? "descendant-segment" : "child-segment", segment.Span);
            foreach (var selector in segment.Selectors)
            {
                switch (selector)
                {
                    case NameSelectorSyntax name:
                        writer.Node(depth + 2, "name " + Quote(name.Name), name.Span);
                        break;
                    case WildcardSelectorSyntax wildcard:
                        writer.Node(depth + 2, "wildcard", wildcard.Span);
                        break;
                    case IndexSelectorSyntax index:
                        writer.Node(depth + 2, "index " + index.Index, index.Span);
                        break;
                    case SliceSelectorSyntax slice:
                        writer.Node(depth + 2, $"slice {slice.Start}:{slice.End}:{slice.Step}", slice.Span);
                        break;
                    case FilterSelectorSyntax filter:
                        writer.Node(depth + 2, "filter", filter.Span);
                        PrintExpression(writer, depth + 3, filter.Expression);
                        break;
                }
            }
        }
    }

    private static void PrintExpression(TreeWriter writer, int depth, FilterExpressionSyntax expression)
    {
        switch (expression)
        {
            case OrExpressionSyntax or:
                writer.Node(depth, "or", or.Span);
                or.Operands.ToList().ForEach(o => PrintExpression(writer, depth + 1, o));
                break;
            case AndExpressionSyntax and:
                writer.Node(depth, "and", and.Span);
                and.Operands.ToList().ForEach(o => PrintExpression(writer, depth + 1, o));
                break;
            case NotExpressionSyntax not:
                writer.Node(depth, "not", not.Span);
                PrintExpression(writer, depth + 1, not.Operand);
                break;
            case ParenthesizedExpressionSyntax paren:
                writer.Node(depth, "parenthesized", paren.Span);
                PrintExpression(writer, depth + 1, paren.Inner);
                break;
            case ComparisonExpressionSyntax comparison:
                writer.Node(depth, "comparison " + comparison.Operator, comparison.Span);
                PrintExpression(writer, depth + 1, comparison.Left);
                PrintExpression(writer, depth + 1, comparison.Right);
                break;
            case LiteralExpressionSyntax literal:
                writer.Node(depth, "literal " + (literal.Value.ValueKind == JsonValueKind.String ? Quote(literal.Value.GetString()!) : literal.Value.GetRawText()), literal.Span);
                break;
            case QueryExpressionSyntax query:
                PrintQuery(writer, depth, query.Query);
                break;
            case FunctionCallSyntax call:
                writer.Node(depth, "function " + call.Name, call.Span);
                call.Arguments.ToList().ForEach(a => PrintExpression(writer, depth + 1, a));
                break;
        }
    }

    private sealed class TreeWriter(string source)
    {
        private readonly StringBuilder _builder = new();

        public void Node(int depth, string label, SourceSpan span)
        {
            // Stryker disable once Logical,String: parsers give spans inside their source, where '&&' and '||' agree and the fallback is never read (docs/mutation-testing.md).
            var text = span.Start >= 0 && span.End <= source.Length ? source.Substring(span.Start, span.Length) : string.Empty;
            _builder.Append(' ', depth * 2).Append(label).Append(' ').Append('[').Append(span.Start).Append("..").Append(span.End).Append(") ")
                .Append(Quote(text)).Append('\n');
        }

        public override string ToString() => _builder.ToString();
    }

    // Keep non-ASCII text and quotes readable in the dump, in labels as in spanned text: only JSON's required escapes.
    private static readonly JsonSerializerOptions EscapingOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Quote(string text) => JsonSerializer.Serialize(text, EscapingOptions);
}
