using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ManifestCompiler.Conformance;
using ManifestCompiler.Runtime.Support.Python;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Runtime.Support.Values;
using Xunit.Abstractions;

namespace ManifestCompiler.Syntax.Tests.Python;

/// <summary>
/// Differential test of the grammar: every conformance expression parsed by us and by CPython's own <c>ast</c>
/// module (python3, run once), both printed as the same s-expressions. Precedence, associativity, chained
/// comparisons, string escapes and number literals must agree exactly.
/// </summary>
public class PythonAstComparisonTests(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Slow")] // one CPython process over every conformance expression
    public void Our_syntax_trees_match_cpython_ast_on_every_conformance_expression()
    {
        var directory = Path.Combine(ConformanceRunner.ResolveDirectory(), "pyexpr");
        var expressions = new[] { "generated.jsonl", "holes.jsonl" }
            .SelectMany(f => File.ReadLines(Path.Combine(directory, f)))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("expr").GetString()!)
            .ToList();
        var expected = CPythonDumps(expressions);

        var mismatches = new List<string>();
        for (var i = 0; i < expressions.Count; i++)
        {
            var parsed = PythonExpression.ParseSyntaxOnly(expressions[i]);
            var ours = parsed is null ? null : Dump(parsed);
            if (ours != expected[i])
            {
                mismatches.Add($"{expressions[i]}\n  cpython: {expected[i]}\n  ours:    {ours}");
            }
        }

        output.WriteLine($"{expressions.Count - mismatches.Count}/{expressions.Count} expressions parse as CPython parses them");
        mismatches.Take(10).ToList().ForEach(output.WriteLine);
        Assert.Empty(mismatches);
    }

    private static List<string?> CPythonDumps(List<string> expressions)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Python", "ast_dump.py");
        var start = new ProcessStartInfo("python3", ["-I", "-S", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        process.StandardInput.Write(JsonSerializer.Serialize(expressions));
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "python3 failed: " + stderr);
        return JsonSerializer.Deserialize<List<string?>>(stdout)!;
    }

    /// <summary>Our tree in ast_dump.py's notation.</summary>
    internal static string Dump(PyExpressionSyntax node) => node switch
    {
        PyIntLiteral i => $"(int {i.Value.ToString(CultureInfo.InvariantCulture)})",
        PyFloatLiteral f => $"(float {PyFormat.FloatRepr(f.Value)})",
        PyBoolLiteral b => $"(const {(b.Value ? "True" : "False")})",
        PyNoneLiteral => "(const None)",
        PyStringLiteral s when !s.Parts.OfType<PyFieldPart>().Any() => $"(str {Json(string.Concat(s.Parts.Select(TextOf)))})",
        PyStringLiteral s => "(fstr " + string.Join(" ", FParts(s)) + ")",
        PyName n => $"(name {n.Name})",
        PyListDisplay l => "(list " + string.Join(" ", l.Items.Select(Dump)) + ")",
        PyTupleDisplay t => "(tuple " + string.Join(" ", t.Items.Select(Dump)) + ")",
        PySetDisplay s => "(set " + string.Join(" ", s.Items.Select(Dump)) + ")",
        PyDictDisplay d => "(dict " + string.Join(" ", d.Entries.Select(e => Dump(e.Key) + ":" + Dump(e.Value))) + ")",
        PyParenthesized p => Dump(p.Inner),
        PyUnary u => $"({u.Operator switch { PyUnaryOperator.Negate => "neg", PyUnaryOperator.Plus => "pos", PyUnaryOperator.Not => "not", _ => "inv" }} {Dump(u.Operand)})",
        PyBinary b => $"({BinaryText(b.Operator)} {Dump(b.Left)} {Dump(b.Right)})",
        PyBoolOperation o => $"({(o.IsAnd ? "and" : "or")} " + string.Join(" ", o.Operands.Select(Dump)) + ")",
        PyComparison c => "(cmp " + Dump(c.First) + string.Concat(c.Rest.Select(r => $" [{ComparisonText(r.Operator)}] {Dump(r.Operand)}")) + ")",
        PyConditional c => $"(if {Dump(c.Test)} {Dump(c.Body)} {Dump(c.OrElse)})",
        PySubscript s => $"(sub {Dump(s.Target)} {Dump(s.Index)})",
        PySlice s => $"(slice {Dump(s.Target)} {DumpOptional(s.Lower)} {DumpOptional(s.Upper)} {DumpOptional(s.Step)})",
        PyAttribute a => $"(attr {Dump(a.Target)} {a.Name})",
        PyCall c => $"(call {Dump(c.Callee)}" + string.Concat(c.Arguments.Select(a => " " + (a.Keyword is null ? Dump(a.Value) : a.Keyword + "=" + Dump(a.Value)))) + ")",
        // CPython reads a bare {{name}} as a set holding a set holding the name; for us it is a hole.
        PyHole h => $"(set (set (name {h.Name})))",
        _ => $"(unsupported {node.GetType().Name})",
    };

    private static string DumpOptional(PyExpressionSyntax? node) => node is null ? "_" : Dump(node);

    // CPython sees a hole as the text it is written with.
    private static string TextOf(PyStringPart part) => part switch
    {
        PyTextPart t => t.Text,
        PyHolePart h => h.Text,
        _ => string.Empty,
    };

    private static IEnumerable<string> FParts(PyStringLiteral s)
    {
        var text = new StringBuilder();
        foreach (var part in s.Parts)
        {
            if (part is PyFieldPart field)
            {
                if (text.Length > 0)
                {
                    yield return $"(str {Json(text.ToString())})";
                    text.Clear();
                }
                yield return $"(field {Dump(field.Expression)} {PyRepr(field.Conversion?.ToString() ?? "")} {PyRepr(field.FormatSpec ?? "")})";
            }
            else
            {
                text.Append(TextOf(part));
            }
        }
        if (text.Length > 0)
        {
            yield return $"(str {Json(text.ToString())})";
        }
    }

    /// <summary>Python's <c>json.dumps</c> of a string (ensure_ascii): non-ASCII as lowercase \uxxxx per UTF-16 unit.</summary>
    private static string Json(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",
                _ when c < 0x20 || c > 0x7E => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }
        return builder.Append('"').ToString();
    }

    private static string PyRepr(string text) => PyFormat.StringRepr(text);

    private static string BinaryText(PyBinaryOperator op) => op switch
    {
        PyBinaryOperator.Add => "+", PyBinaryOperator.Subtract => "-", PyBinaryOperator.Multiply => "*", PyBinaryOperator.Divide => "/",
        PyBinaryOperator.FloorDivide => "//", PyBinaryOperator.Modulo => "%", PyBinaryOperator.Power => "**", PyBinaryOperator.MatrixMultiply => "@",
        PyBinaryOperator.BitOr => "|", PyBinaryOperator.BitXor => "^", PyBinaryOperator.BitAnd => "&", PyBinaryOperator.LeftShift => "<<", _ => ">>",
    };

    private static string ComparisonText(PyComparisonOperator op) => op switch
    {
        PyComparisonOperator.Equal => "==", PyComparisonOperator.NotEqual => "!=", PyComparisonOperator.Less => "<", PyComparisonOperator.LessOrEqual => "<=",
        PyComparisonOperator.Greater => ">", PyComparisonOperator.GreaterOrEqual => ">=", PyComparisonOperator.In => "in", PyComparisonOperator.NotIn => "not in",
        PyComparisonOperator.Is => "is", _ => "is not",
    };
}
