using System.Globalization;
using ManifestCompiler.Runtime.Support.Python;
using ManifestCompiler.Syntax.Python;

namespace ManifestCompiler.Emit;

/// <summary>
/// Compiles an expression of the webhook subset to a C# method <c>PyValue Name(PyScope scope)</c>: one statement per
/// node, in Python's evaluation order, each value in its own local, so short-circuits (<c>and</c>, <c>or</c>,
/// comparison chains, conditionals) are plain <c>if</c>s. The operations are calls into
/// <c>ManifestCompiler.Runtime.Support.Python</c> — the code the interpreter runs — so the two engines agree by
/// construction. Equal constants of one expression are one static field, as CPython stores them once per code object
/// (which <c>is</c> can observe).
/// </summary>
public static class PythonEmitter
{
    internal const string Value = "global::ManifestCompiler.Runtime.Support.Python.PyValue";
    internal const string Scope = "global::ManifestCompiler.Runtime.Support.Python.PyScope";
    internal const string Runtime = "global::ManifestCompiler.Runtime.Support.Python.PyRuntime";
    internal const string Ops = "global::ManifestCompiler.Runtime.Support.Python.PyOps";
    private const string Namespace = "global::ManifestCompiler.Runtime.Support.Python.";

    /// <summary>
    /// Writes the constant fields and the method for one expression into <paramref name="writer"/>; a
    /// <paramref name="summary"/> (XML text) is written as the method's doc comment, after the fields.
    /// </summary>
    public static void EmitMethod(SourceWriter writer, string modifiers, string name, PyExpressionSyntax expression, string? summary = null)
    {
        var method = new MethodEmitter(name);
        var result = method.Emit(expression);
        foreach (var field in method.Fields)
        {
            writer.Line(field);
        }
        if (summary is not null)
        {
            writer.Line($"/// <summary>{summary}</summary>");
        }
        writer.Open($"{modifiers} {Value} {name}({Scope} scope)");
        writer.Append(method.Body);
        writer.Line($"return {result};");
        writer.Close();
    }

    /// <summary>
    /// A static class with one public method per expression and <c>All</c>, the methods in the order given (the
    /// compiled conformance suites run them).
    /// </summary>
    public static string EmitClass(string @namespace, string className, IReadOnlyList<(string Name, PyExpressionSyntax Expression)> expressions)
    {
        var writer = new SourceWriter();
        writer.FileHeader();
        writer.Open($"namespace {@namespace}");
        writer.Open($"public static class {className}");
        writer.Line($"public static readonly global::System.Func<{Scope}, {Value}>[] All =");
        writer.Line("[");
        foreach (var (name, _) in expressions)
        {
            writer.Line($"    {name},");
        }
        writer.Line("];");
        foreach (var (name, expression) in expressions)
        {
            writer.Line();
            EmitMethod(writer, "public static", name, expression);
        }
        writer.Close();
        writer.Close();
        return writer.ToString();
    }

    private sealed class MethodEmitter(string methodName)
    {
        private readonly Dictionary<(string Kind, string Key), string> _constants = [];
        private int _temps;

        public List<string> Fields { get; } = [];

        public SourceWriter Body { get; private set; } = new();

        /// <summary>Writes the statements that compute <paramref name="node"/> and returns the local (or constant) holding it.</summary>
        public string Emit(PyExpressionSyntax node)
        {
            switch (node)
            {
                case PyIntLiteral i:
                    var digits = i.Value.ToString(CultureInfo.InvariantCulture);
                    return Constant("int", digits, i.Value >= long.MinValue && i.Value <= long.MaxValue
                        ? $"{Namespace}PyInt.Of({digits}L)"
                        : $"{Namespace}PyInt.Of(global::System.Numerics.BigInteger.Parse({CSharpLiterals.String(digits)}, global::System.Globalization.CultureInfo.InvariantCulture))");
                case PyFloatLiteral f:
                    var bits = BitConverter.DoubleToInt64Bits(f.Value);
                    return Constant("float", bits.ToString(CultureInfo.InvariantCulture), $"new {Namespace}PyFloat(global::System.BitConverter.Int64BitsToDouble({CSharpLiterals.Long(bits)}))");
                case PyBoolLiteral b:
                    return b.Value ? $"{Namespace}PyBool.True" : $"{Namespace}PyBool.False";
                case PyNoneLiteral:
                    return $"{Namespace}PyNone.Instance";
                case PyStringLiteral s:
                    return EmitString(s);
                case PyHole hole:
                    return Temp($"scope.Hole({CSharpLiterals.String(hole.Name)})");
                case PyName name:
                    return Temp($"scope.Name({CSharpLiterals.String(name.Name)})");
                case PyParenthesized p:
                    return Emit(p.Inner);
                case PyListDisplay list:
                    return Temp($"{Runtime}.List({string.Join(", ", list.Items.Select(Emit).ToList())})");
                case PyTupleDisplay tuple:
                    return Temp($"{Runtime}.Tuple({string.Join(", ", tuple.Items.Select(Emit).ToList())})");
                case PyDictDisplay dict:
                    var builder = Temp($"{Runtime}.Dict()", "var");
                    foreach (var (keyNode, valueNode) in dict.Entries)
                    {
                        var key = Emit(keyNode);
                        var value = Emit(valueNode);
                        Body.Line($"{builder} = {builder}.Add({key}, {value});");
                    }
                    return Temp($"{builder}.Build()");
                case PyUnary unary:
                    return Temp($"{Runtime}.Unary({Namespace}PyUnaryOperator.{unary.Operator}, {Emit(unary.Operand)})");
                case PyBinary binary:
                    var left = Emit(binary.Left);
                    var right = Emit(binary.Right);
                    return Temp($"{Ops}.Binary({Namespace}PyBinaryOperator.{binary.Operator}, {left}, {right})");
                case PyComparison comparison:
                    return EmitComparison(comparison);
                case PyBoolOperation boolean:
                    return EmitBoolOperation(boolean);
                case PyConditional conditional:
                    var result = Declare();
                    var test = Emit(conditional.Test);
                    Body.Open($"if ({Ops}.IsTruthy({test}))");
                    Body.Line($"{result} = {Emit(conditional.Body)};");
                    Body.Close();
                    Body.Open("else");
                    Body.Line($"{result} = {Emit(conditional.OrElse)};");
                    Body.Close();
                    return result;
                case PySubscript subscript:
                    var target = Emit(subscript.Target);
                    var index = Emit(subscript.Index);
                    return Temp($"{Runtime}.Subscript({target}, {index})");
                case PySlice slice:
                    var sliced = Emit(slice.Target);
                    var lower = slice.Lower is null ? "null" : Emit(slice.Lower);
                    var upper = slice.Upper is null ? "null" : Emit(slice.Upper);
                    var step = slice.Step is null ? "null" : Emit(slice.Step);
                    return Temp($"{Runtime}.Slice({sliced}, {lower}, {upper}, {step})");
                case PyCall call:
                    return EmitCall(call);
                default:
                    return Temp($"{Runtime}.Unsupported({CSharpLiterals.String(node.GetType().Name)})");
            }
        }

        private string EmitString(PyStringLiteral literal)
        {
            if (literal.Parts.All(p => p is PyTextPart))
            {
                var text = string.Concat(literal.Parts.Cast<PyTextPart>().Select(p => p.Text));
                return Constant("str", text, $"{Namespace}PyStr.Of({CSharpLiterals.String(text)})");
            }
            if (literal.Parts is [PyHolePart only])
            {
                // '{{type}}': the hole's text is the string; no builder (issue 17).
                return Temp($"{Runtime}.String(scope.HoleText({CSharpLiterals.String(only.Name)}, {CSharpLiterals.String(only.Text)}))");
            }
            // The thread's pooled builder: an f-string allocates only its result (issue 17). If a field raises, the
            // builder is simply not returned and the next string rents a new one.
            var builder = Temp("global::ManifestCompiler.Runtime.Support.Text.PooledStringBuilder.Rent()", "var");
            foreach (var part in literal.Parts)
            {
                switch (part)
                {
                    case PyTextPart text:
                        Body.Line($"{builder}.Append({CSharpLiterals.String(text.Text)});");
                        break;
                    case PyHolePart hole:
                        Body.Line($"{builder}.Append(scope.HoleText({CSharpLiterals.String(hole.Name)}, {CSharpLiterals.String(hole.Text)}));");
                        break;
                    case PyFieldPart field:
                        var value = Emit(field.Expression);
                        var conversion = field.Conversion is { } c ? CSharpLiterals.String(c.ToString()) + "[0]" : "null";
                        Body.Line($"{Runtime}.AppendField({builder}, {value}, {conversion});");
                        break;
                }
            }
            return Temp($"{Runtime}.String(global::ManifestCompiler.Runtime.Support.Text.PooledStringBuilder.ToStringAndReturn({builder}))");
        }

        /// <summary><c>a &lt; b &lt;= c</c>: each operand is computed only if the comparison before it held.</summary>
        private string EmitComparison(PyComparison comparison)
        {
            if (HoleTextTest(comparison) is { } test)
            {
                return test;
            }
            var result = Declare($"{Namespace}PyBool.True");
            var current = Emit(comparison.First);
            var opened = 0;
            for (var i = 0; i < comparison.Rest.Length; i++)
            {
                var (op, operandNode) = comparison.Rest[i];
                var next = Emit(operandNode);
                Body.Open($"if (!{Ops}.Compare({Namespace}PyComparisonOperator.{op}, {current}, {next}))");
                Body.Line($"{result} = {Namespace}PyBool.False;");
                Body.Close();
                if (i < comparison.Rest.Length - 1)
                {
                    Body.Open("else");
                    opened++;
                }
                current = next;
            }
            for (var i = 0; i < opened; i++)
            {
                Body.Close();
            }
            return result;
        }

        /// <summary>
        /// <c>'{{type}}' == 'x'</c>, <c>!=</c>, and <c>in</c> / <c>not in</c> a display of string literals: the hole's
        /// text compared with each literal on the document (PyScope.HoleTextIs), with no Python value made (issue 17);
        /// null for any other comparison. The literals have no side effects, so skipping their display changes nothing.
        /// </summary>
        private string? HoleTextTest(PyComparison comparison)
        {
            if (comparison.First is not PyStringLiteral { Parts: [PyHolePart hole] } || comparison.Rest is not [var (op, operand)])
            {
                return null;
            }
            while (operand is PyParenthesized parenthesized)
            {
                operand = parenthesized.Inner;
            }
            var literals = op switch
            {
                PyComparisonOperator.Equal or PyComparisonOperator.NotEqual => TextOf(operand) is { } text ? new[] { text } : null,
                PyComparisonOperator.In or PyComparisonOperator.NotIn => operand switch
                {
                    PyTupleDisplay tuple => TextsOf(tuple.Items),
                    PyListDisplay list => TextsOf(list.Items),
                    _ => null,
                },
                _ => null,
            };
            if (literals is null)
            {
                return null;
            }
            var name = CSharpLiterals.String(hole.Name);
            var holeText = CSharpLiterals.String(hole.Text);
            var tests = literals.Length == 0 ? "false" : string.Join(" || ", literals.Select(l => $"scope.HoleTextIs({name}, {holeText}, {CSharpLiterals.String(l)})"));
            var negated = op is PyComparisonOperator.NotEqual or PyComparisonOperator.NotIn;
            return Temp($"{Namespace}PyBool.Of({(negated ? "!(" + tests + ")" : tests)})");
        }

        private static string? TextOf(PyExpressionSyntax node) =>
            node is PyStringLiteral literal && literal.Parts.All(p => p is PyTextPart) ? string.Concat(literal.Parts.Cast<PyTextPart>().Select(p => p.Text)) : null;

        private static string[]? TextsOf(IEnumerable<PyExpressionSyntax> items)
        {
            var texts = new List<string>();
            foreach (var item in items)
            {
                if (TextOf(item) is not { } text)
                {
                    return null;
                }
                texts.Add(text);
            }
            return [.. texts];
        }

        /// <summary><c>a and b or c</c>: the first operand that decides the result, evaluated left to right.</summary>
        private string EmitBoolOperation(PyBoolOperation boolean)
        {
            var result = Declare();
            var opened = 0;
            for (var i = 0; i < boolean.Operands.Length; i++)
            {
                Body.Line($"{result} = {Emit(boolean.Operands[i])};");
                if (i < boolean.Operands.Length - 1)
                {
                    Body.Open($"if ({Ops}.IsTruthy({result}) == {CSharpLiterals.Bool(boolean.IsAnd)})");
                    opened++;
                }
            }
            for (var i = 0; i < opened; i++)
            {
                Body.Close();
            }
            return result;
        }

        private string EmitCall(PyCall call)
        {
            string? target = null;
            string name;
            switch (call.Callee)
            {
                case PyName callee:
                    name = callee.Name;
                    break;
                case PyAttribute attribute:
                    target = Emit(attribute.Target);
                    name = attribute.Name;
                    break;
                default:
                    return Temp($"{Runtime}.Unsupported(\"a call of this callee\")");
            }
            var args = new List<string>();
            var kwargs = new List<string>();
            foreach (var argument in call.Arguments)
            {
                var value = Emit(argument.Value);
                if (argument.Keyword is null)
                {
                    args.Add(value);
                }
                else
                {
                    kwargs.Add($"({CSharpLiterals.String(argument.Keyword)}, {value})");
                }
            }
            var argArray = args.Count == 0 ? $"global::System.Array.Empty<{Value}>()" : $"new {Value}[] {{ {string.Join(", ", args)} }}";
            var kwargArray = kwargs.Count == 0 ? $"{Runtime}.NoKeywords" : $"new (string, {Value})[] {{ {string.Join(", ", kwargs)} }}";
            return target is null
                ? Temp($"{Runtime}.CallBuiltin({CSharpLiterals.String(name)}, {argArray}, {kwargArray})")
                : Temp($"{Runtime}.CallMethod({target}, {CSharpLiterals.String(name)}, {argArray}, {kwargArray})");
        }

        private string Constant(string kind, string key, string initializer)
        {
            if (!_constants.TryGetValue((kind, key), out var field))
            {
                field = $"{methodName}_c{_constants.Count}";
                _constants[(kind, key)] = field;
                Fields.Add($"private static readonly {Value} {field} = {initializer};");
            }
            return field;
        }

        private string Temp(string initializer, string type = Value)
        {
            var name = "t" + _temps++;
            Body.Line($"{type} {name} = {initializer};");
            return name;
        }

        private string Declare(string? initializer = null)
        {
            var name = "t" + _temps++;
            Body.Line(initializer is null ? $"{Value} {name};" : $"{Value} {name} = {initializer};");
            return name;
        }
    }
}
