using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Syntax.Python;

/// <summary>A Python exception from evaluation: CPython's class (<c>KeyError</c>, <c>TypeError</c>, …), its message, and where.</summary>
public sealed record PythonError(string ExceptionClass, string Message, SourceSpan Span)
{
    public override string ToString() => $"{ExceptionClass}: {Message}";
}

/// <summary>The outcome of an evaluation: a value (with its repr when asked for) or a Python error.</summary>
public sealed record PythonInterpreterResult(PyValue? Value, string? Repr, PythonError? Error)
{
    public bool Success => Error is null;

    /// <summary>Python's truth value of the result (a condition holds); false when evaluation failed.</summary>
    public bool IsTruthy => Value is not null && PyOps.IsTruthy(Value);
}

/// <summary>
/// Evaluates a checked expression with CPython 3.11's semantics over JSON-derived values. Holes resolve from the
/// body's top-level keys, then the headers (case-insensitive); inside a string a hole inserts <c>str(value)</c> as
/// data, and an unresolved one keeps its text; a bare unresolved hole is a NameError.
/// </summary>
internal sealed class PythonEvaluator
{
    private readonly PyScope _scope;

    // CPython stores equal constants of one expression once, which 'is' can observe.
    private readonly Dictionary<(Type, string), PyValue> _constants = [];

    private PythonEvaluator(PyScope scope) => _scope = scope;

    public static PythonInterpreterResult Evaluate(PyExpressionSyntax expression, JsonElement body, JsonElement headers, IReadOnlyDictionary<string, PyValue>? extraNames, bool withRepr) =>
        Evaluate(expression, new PyScope(body, headers, extraNames), withRepr);

    public static PythonInterpreterResult Evaluate(PyExpressionSyntax expression, PyScope scope, bool withRepr)
    {
        var evaluator = new PythonEvaluator(scope);
        try
        {
            var value = evaluator.Eval(expression);
            return new PythonInterpreterResult(value, withRepr ? PyFormat.Repr(value) : null, null);
        }
        catch (PyException e)
        {
            var span = e.Location is { } at ? new SourceSpan(at.Start, at.Length) : expression.Span;
            return new PythonInterpreterResult(null, null, new PythonError(e.ExceptionClass, e.Message, span));
        }
        catch (InsufficientExecutionStackException)
        {
            return new PythonInterpreterResult(null, null, new PythonError("RecursionError", "expression nested too deeply to evaluate", expression.Span));
        }
    }

    private PyValue Eval(PyExpressionSyntax node)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        try
        {
            return EvalCore(node);
        }
        catch (PyException e) when (e.Location is null)
        {
            e.Location = (node.Span.Start, node.Span.Length);
            throw;
        }
    }

    private PyValue EvalCore(PyExpressionSyntax node)
    {
        switch (node)
        {
            case PyIntLiteral i:
                return Constant(PyInt.Of(i.Value), i.Value.ToString());
            case PyFloatLiteral f:
                return Constant(new PyFloat(f.Value), BitConverter.DoubleToInt64Bits(f.Value).ToString(System.Globalization.CultureInfo.InvariantCulture));
            case PyBoolLiteral b:
                return PyBool.Of(b.Value);
            case PyNoneLiteral:
                return PyNone.Instance;
            case PyStringLiteral s:
                return EvalString(s);
            case PyHole hole:
                return _scope.Hole(hole.Name);
            case PyName name:
                return _scope.Name(name.Name);
            case PyParenthesized p:
                return Eval(p.Inner);
            case PyListDisplay list:
                return new PyList(list.Items.Select(Eval).ToList());
            case PyTupleDisplay tuple:
                return tuple.Items.IsEmpty ? PyTuple.Empty : new PyTuple(tuple.Items.Select(Eval).ToList());
            case PyDictDisplay dict:
                var result = PyRuntime.Dict();
                foreach (var (keyNode, valueNode) in dict.Entries)
                {
                    var key = Eval(keyNode);
                    result = result.Add(key, Eval(valueNode));
                }
                return result.Build();
            case PyUnary unary:
                return PyRuntime.Unary(unary.Operator, Eval(unary.Operand));
            case PyBinary binary:
                var left = Eval(binary.Left);
                var right = Eval(binary.Right);
                return PyOps.Binary(binary.Operator, left, right);
            case PyComparison comparison:
                var current = Eval(comparison.First);
                foreach (var (op, operandNode) in comparison.Rest)
                {
                    var next = Eval(operandNode);
                    bool holds;
                    try
                    {
                        holds = PyOps.Compare(op, current, next);
                    }
                    catch (PyException e) when (e.Location is null)
                    {
                        e.Location = (comparison.First.Span.Start, operandNode.Span.End - comparison.First.Span.Start);
                        throw;
                    }
                    if (!holds)
                    {
                        return PyBool.False;
                    }
                    current = next;
                }
                return PyBool.True;
            case PyBoolOperation boolean:
                PyValue last = PyNone.Instance;
                foreach (var operandNode in boolean.Operands)
                {
                    last = Eval(operandNode);
                    if (PyOps.IsTruthy(last) != boolean.IsAnd)
                    {
                        return last;
                    }
                }
                return last;
            case PyConditional conditional:
                return PyOps.IsTruthy(Eval(conditional.Test)) ? Eval(conditional.Body) : Eval(conditional.OrElse);
            case PySubscript subscript:
                var target = Eval(subscript.Target);
                return PyRuntime.Subscript(target, Eval(subscript.Index));
            case PySlice slice:
                var sliced = Eval(slice.Target);
                var lower = slice.Lower is null ? null : Eval(slice.Lower);
                var upper = slice.Upper is null ? null : Eval(slice.Upper);
                return PyRuntime.Slice(sliced, lower, upper, slice.Step is null ? null : Eval(slice.Step));
            case PyCall call:
                return Call(call);
            default:
                throw new PyException("SyntaxError", $"{node.GetType().Name} cannot be evaluated");
        }
    }

    private PyValue Constant(PyValue value, string key)
    {
        var id = (value.GetType(), key);
        if (_constants.TryGetValue(id, out var existing))
        {
            return existing;
        }
        _constants[id] = value;
        return value;
    }

    private PyValue EvalString(PyStringLiteral literal)
    {
        if (literal.Parts.All(p => p is PyTextPart))
        {
            var text = string.Concat(literal.Parts.Cast<PyTextPart>().Select(p => p.Text));
            return Constant(PyStr.Of(text), text);
        }
        var builder = new StringBuilder();
        foreach (var part in literal.Parts)
        {
            switch (part)
            {
                case PyTextPart text:
                    builder.Append(text.Text);
                    break;
                case PyHolePart hole:
                    builder.Append(_scope.HoleText(hole.Name, hole.Text));
                    break;
                case PyFieldPart field:
                    PyRuntime.AppendField(builder, Eval(field.Expression), field.Conversion);
                    break;
            }
        }
        return PyRuntime.String(builder.ToString());
    }

    private PyValue Call(PyCall call)
    {
        PyValue? target = null;
        string name;
        switch (call.Callee)
        {
            case PyName callee:
                name = callee.Name;
                break;
            case PyAttribute attribute:
                target = Eval(attribute.Target);
                name = attribute.Name;
                break;
            default:
                throw new PyException("TypeError", "only builtins and methods can be called");
        }
        var args = new List<PyValue>();
        var kwargs = new List<(string, PyValue)>();
        foreach (var argument in call.Arguments)
        {
            var value = Eval(argument.Value);
            if (argument.Keyword is null)
            {
                args.Add(value);
            }
            else
            {
                kwargs.Add((argument.Keyword, value));
            }
        }
        return target is null ? PyRuntime.CallBuiltin(name, args, kwargs) : PyRuntime.CallMethod(target, name, args, kwargs);
    }
}
