using System.Collections.Immutable;
using System.Text.RegularExpressions;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Syntax.Python;

/// <summary>
/// Holds an expression to the webhook subset before it ever runs: only the caller's names, the listed builtins
/// called, the listed methods called, no dunders, no operators or constructs outside the subset. Each problem is
/// reported at its own position.
/// </summary>
internal sealed class PythonChecker
{
    // The subset's names live beside their semantics in Runtime.Support.
    public static ImmutableArray<string> Builtins => PyBuiltins.Names;

    public static ImmutableArray<string> StringMethods => PyBuiltins.StringMethods;

    public static ImmutableArray<string> DictMethods => PyBuiltins.DictMethods;

    public static ImmutableArray<string> ListMethods => PyBuiltins.ListMethods;

    // "{{name}" or "{{name" at the end: a hole missing a closing brace (a complete hole is a PyHolePart, not text).
    private static readonly Regex UnclosedPlaceholder = new(@"\{\{\s*[A-Za-z_][\w.\-]*\s*(\}(?!\})|$)", RegexOptions.CultureInvariant);

    private readonly PythonCheckScope _scope;
    private readonly ImmutableArray<Diagnostic>.Builder _diagnostics = ImmutableArray.CreateBuilder<Diagnostic>();

    private PythonChecker(PythonCheckScope scope) => _scope = scope;

    public static ImmutableArray<Diagnostic> Check(PyExpressionSyntax expression, PythonCheckScope scope)
    {
        var checker = new PythonChecker(scope);
        checker.Visit(expression);
        return checker._diagnostics.OrderBy(d => d.Span.Start).ToImmutableArray();
    }

    private static bool IsDunder(string name) => name.Length > 4 && name.StartsWith("__", StringComparison.Ordinal) && name.EndsWith("__", StringComparison.Ordinal);

    private static bool IsMethod(string name) => StringMethods.Contains(name) || DictMethods.Contains(name) || ListMethods.Contains(name);

    private void Visit(PyExpressionSyntax expression)
    {
        switch (expression)
        {
            case PyName name:
                CheckName(name, called: false);
                break;
            case PyCall call:
                CheckCallee(call.Callee);
                foreach (var argument in call.Arguments)
                {
                    Visit(argument.Value);
                }
                break;
            case PyAttribute attribute:
                if (IsDunder(attribute.Name))
                {
                    _diagnostics.Add(SyntaxDiagnostics.PythonDunderName.Create(attribute.NameSpan, attribute.Name));
                }
                else
                {
                    _diagnostics.Add(Attribute(attribute, IsMethod(attribute.Name)
                        ? $"'.{attribute.Name}' is a method: call it"
                        : $"'.{attribute.Name}' is not available (attributes can only be the listed methods, called)"));
                }
                Visit(attribute.Target);
                break;
            case PyBinary binary:
                if (binary.Operator is PyBinaryOperator.BitOr or PyBinaryOperator.BitXor or PyBinaryOperator.BitAnd
                    or PyBinaryOperator.LeftShift or PyBinaryOperator.RightShift or PyBinaryOperator.MatrixMultiply)
                {
                    _diagnostics.Add(SyntaxDiagnostics.PythonUnsupportedConstruct.Create(binary.OperatorSpan, $"Bitwise and matrix operators ('{OperatorText(binary.Operator)}')"));
                }
                Visit(binary.Left);
                Visit(binary.Right);
                break;
            case PyUnary unary:
                if (unary.Operator == PyUnaryOperator.Invert)
                {
                    _diagnostics.Add(SyntaxDiagnostics.PythonUnsupportedConstruct.Create(new Text.SourceSpan(unary.Span.Start, 1), "Bitwise operators ('~')"));
                }
                Visit(unary.Operand);
                break;
            case PySetDisplay set:
                _diagnostics.Add(SyntaxDiagnostics.PythonUnsupportedConstruct.Create(set.Span, "Set displays"));
                set.Items.ToList().ForEach(Visit);
                break;
            case PyStringLiteral literal:
                foreach (var text in literal.Parts.OfType<PyTextPart>())
                {
                    foreach (Match match in UnclosedPlaceholder.Matches(text.Text))
                    {
                        // The text is decoded; its offsets are the source's unless an escape comes first.
                        var start = Math.Min(text.Span.Start + match.Index, Math.Max(text.Span.Start, text.Span.End - 1));
                        _diagnostics.Add(SyntaxDiagnostics.PythonUnclosedPlaceholder.Create(new SourceSpan(start, Math.Min(match.Length, text.Span.End - start)), match.Value));
                    }
                }
                foreach (var field in literal.Parts.OfType<PyFieldPart>())
                {
                    if (!string.IsNullOrEmpty(field.FormatSpec))
                    {
                        _diagnostics.Add(SyntaxDiagnostics.PythonUnsupportedConstruct.Create(field.Span, $"Format specifications in f-strings (':{field.FormatSpec}')"));
                    }
                    Visit(field.Expression);
                }
                break;
            case PyUnsupported unsupported:
                _diagnostics.Add(SyntaxDiagnostics.PythonUnsupportedConstruct.Create(unsupported.Span, char.ToUpperInvariant(unsupported.What[0]) + unsupported.What[1..]));
                break;
            default:
                foreach (var child in Children(expression))
                {
                    Visit(child);
                }
                break;
        }
    }

    private void CheckName(PyName name, bool called)
    {
        if (IsDunder(name.Name))
        {
            _diagnostics.Add(SyntaxDiagnostics.PythonDunderName.Create(name.Span, name.Name));
        }
        else if (_scope.Contains(name.Name))
        {
            if (called)
            {
                _diagnostics.Add(SyntaxDiagnostics.PythonCallNotAllowed.Create(name.Span, $"'{name.Name}' is a value, not a function", string.Join(" ", Builtins)));
            }
        }
        else if (Builtins.Contains(name.Name))
        {
            if (!called)
            {
                _diagnostics.Add(SyntaxDiagnostics.PythonCallNotAllowed.Create(name.Span, $"the builtin '{name.Name}' can only be called", string.Join(" ", Builtins)));
            }
        }
        else if (called)
        {
            _diagnostics.Add(SyntaxDiagnostics.PythonCallNotAllowed.Create(name.Span, $"'{name.Name}' is not available", string.Join(" ", Builtins)));
        }
        else
        {
            _diagnostics.Add(SyntaxDiagnostics.PythonUnknownName.Create(name.Span, name.Name, string.Join(", ", _scope.Names.Order(StringComparer.Ordinal))));
        }
    }

    private void CheckCallee(PyExpressionSyntax callee)
    {
        switch (callee)
        {
            case PyName name:
                CheckName(name, called: true);
                break;
            case PyAttribute attribute when IsDunder(attribute.Name):
                _diagnostics.Add(SyntaxDiagnostics.PythonDunderName.Create(attribute.NameSpan, attribute.Name));
                Visit(attribute.Target);
                break;
            case PyAttribute attribute:
                if (!IsMethod(attribute.Name))
                {
                    _diagnostics.Add(Attribute(attribute, $"'.{attribute.Name}()' is not available"));
                }
                Visit(attribute.Target);
                break;
            case PyUnsupported or PyParenthesized { Inner: PyUnsupported }:
                // Calling a lambda and the like: the construct itself is the problem to report.
                Visit(callee);
                break;
            default:
                _diagnostics.Add(SyntaxDiagnostics.PythonCallNotAllowed.Create(callee.Span, "only builtins and methods can be called", string.Join(" ", Builtins)));
                Visit(callee);
                break;
        }
    }

    private static Diagnostic Attribute(PyAttribute attribute, string what) =>
        SyntaxDiagnostics.PythonAttributeNotAllowed.Create(attribute.NameSpan, what, string.Join(" ", StringMethods), string.Join(" ", DictMethods), string.Join(" ", ListMethods));

    /// <summary>The sub-expressions of nodes with no rule of their own.</summary>
    internal static IEnumerable<PyExpressionSyntax> Children(PyExpressionSyntax expression) => expression switch
    {
        PyStringLiteral s => s.Parts.OfType<PyFieldPart>().Select(f => f.Expression),
        PyListDisplay l => l.Items,
        PyTupleDisplay t => t.Items,
        PySetDisplay s => s.Items,
        PyDictDisplay d => d.Entries.SelectMany(e => new[] { e.Key, e.Value }),
        PyParenthesized p => [p.Inner],
        PyUnary u => [u.Operand],
        PyBinary b => [b.Left, b.Right],
        PyComparison c => c.Rest.Select(r => r.Operand).Prepend(c.First),
        PyBoolOperation o => o.Operands,
        PyConditional c => [c.Body, c.Test, c.OrElse],
        PySubscript s => [s.Target, s.Index],
        PySlice s => new[] { s.Target, s.Lower, s.Upper, s.Step }.OfType<PyExpressionSyntax>(),
        PyAttribute a => [a.Target],
        PyCall c => c.Arguments.Select(a => a.Value).Prepend(c.Callee),
        _ => [],
    };

    private static string OperatorText(PyBinaryOperator op) => op switch
    {
        PyBinaryOperator.BitOr => "|",
        PyBinaryOperator.BitXor => "^",
        PyBinaryOperator.BitAnd => "&",
        PyBinaryOperator.LeftShift => "<<",
        PyBinaryOperator.RightShift => ">>",
        _ => "@",
    };
}
