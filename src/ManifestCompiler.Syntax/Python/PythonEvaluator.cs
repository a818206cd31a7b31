using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using ManifestCompiler.Syntax.Python.Runtime;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Syntax.Python;

/// <summary>A Python exception from evaluation: CPython's class (<c>KeyError</c>, <c>TypeError</c>, …), its message, and where.</summary>
public sealed record PythonError(string ExceptionClass, string Message, SourceSpan Span)
{
    public override string ToString() => $"{ExceptionClass}: {Message}";
}

/// <summary>The outcome of an evaluation: a value (with its repr when asked for) or a Python error.</summary>
public sealed record PythonEvaluationResult(PyValue? Value, string? Repr, PythonError? Error)
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
    private readonly IReadOnlyDictionary<string, PyValue> _names;
    private readonly JsonElement _body;
    private readonly JsonElement _headers;

    // CPython stores equal constants of one expression once, which 'is' can observe.
    private readonly Dictionary<(Type, string), PyValue> _constants = [];

    private PythonEvaluator(IReadOnlyDictionary<string, PyValue> names, JsonElement body, JsonElement headers)
    {
        _names = names;
        _body = body;
        _headers = headers;
    }

    public static PythonEvaluationResult Evaluate(PyExpressionSyntax expression, JsonElement body, JsonElement headers, IReadOnlyDictionary<string, PyValue>? extraNames, bool withRepr)
    {
        var names = new Dictionary<string, PyValue>(StringComparer.Ordinal)
        {
            ["body"] = PyValue.FromJson(body),
            ["headers"] = PyValue.FromJson(headers),
        };
        foreach (var (name, value) in extraNames ?? ImmutableDictionary<string, PyValue>.Empty)
        {
            names[name] = value;
        }
        var evaluator = new PythonEvaluator(names, body, headers);
        try
        {
            var value = evaluator.Eval(expression);
            return new PythonEvaluationResult(value, withRepr ? PyFormat.Repr(value) : null, null);
        }
        catch (PyException e)
        {
            return new PythonEvaluationResult(null, null, new PythonError(e.ExceptionClass, e.Message, e.Span ?? expression.Span));
        }
        catch (InsufficientExecutionStackException)
        {
            return new PythonEvaluationResult(null, null, new PythonError("RecursionError", "expression nested too deeply to evaluate", expression.Span));
        }
    }

    private PyValue Eval(PyExpressionSyntax node)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        try
        {
            return EvalCore(node);
        }
        catch (PyException e) when (e.Span is null)
        {
            e.Span = node.Span;
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
                return ResolveHole(hole.Name) ?? throw new PyException("NameError", $"name '{{{{{hole.Name}}}}}' is not defined: no body key or header '{hole.Name}'");
            case PyName name:
                return _names.TryGetValue(name.Name, out var value) ? value : throw new PyException("NameError", $"name '{name.Name}' is not defined");
            case PyParenthesized p:
                return Eval(p.Inner);
            case PyListDisplay list:
                return new PyList(list.Items.Select(Eval).ToList());
            case PyTupleDisplay tuple:
                return tuple.Items.IsEmpty ? PyTuple.Empty : new PyTuple(tuple.Items.Select(Eval).ToList());
            case PyDictDisplay dict:
                var result = new PyDict();
                foreach (var (keyNode, valueNode) in dict.Entries)
                {
                    var key = Eval(keyNode);
                    var item = Eval(valueNode);
                    PyOps.RequireHashable(key);
                    result.Set(key, item);
                }
                return result;
            case PyUnary unary:
                var operand = Eval(unary.Operand);
                return unary.Operator switch
                {
                    PyUnaryOperator.Not => PyBool.Of(!PyOps.IsTruthy(operand)),
                    PyUnaryOperator.Negate => PyOps.Negate(operand),
                    PyUnaryOperator.Plus => PyOps.Plus(operand),
                    _ => throw new PyException("TypeError", "bitwise operators are not supported"),
                };
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
                    catch (PyException e) when (e.Span is null)
                    {
                        e.Span = SourceSpan.FromBounds(comparison.First.Span.Start, operandNode.Span.End);
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
                return Subscript(Eval(subscript.Target), Eval(subscript.Index));
            case PySlice slice:
                var target = Eval(slice.Target);
                return Slice(target, slice.Lower is null ? null : Eval(slice.Lower), slice.Upper is null ? null : Eval(slice.Upper), slice.Step is null ? null : Eval(slice.Step));
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
                    // Data, never code: the value's str() joins the string's text.
                    builder.Append(ResolveHole(hole.Name) is { } value ? PyFormat.Str(value) : hole.Text);
                    break;
                case PyFieldPart field:
                    var fieldValue = Eval(field.Expression);
                    // The checker rejects format specs, so a field is str(), repr() or ascii() of its value.
                    builder.Append(field.Conversion switch
                    {
                        'r' => PyFormat.Repr(fieldValue),
                        'a' => PyFormat.Ascii(fieldValue),
                        _ => PyFormat.Str(fieldValue),
                    });
                    break;
            }
        }
        return PyStr.Fresh(builder.ToString());
    }

    /// <summary>A hole's value: the body's top-level key, else a header matched without regard to case.</summary>
    private PyValue? ResolveHole(string name)
    {
        if (_body.ValueKind == JsonValueKind.Object && JsonMembers.TryGet(_body, name, out var value))
        {
            return PyValue.FromJson(value);
        }
        if (_headers.ValueKind == JsonValueKind.Object)
        {
            foreach (var header in _headers.EnumerateObject())
            {
                if (string.Equals(JsonStrings.GetName(header), name, StringComparison.OrdinalIgnoreCase))
                {
                    return PyValue.FromJson(header.Value);
                }
            }
        }
        return null;
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
        return target is null ? PyBuiltins.Call(name, args, kwargs) : PyBuiltins.CallMethod(target, name, args, kwargs);
    }

    private static PyValue Subscript(PyValue target, PyValue index)
    {
        switch (target)
        {
            case PyDict dict:
                PyOps.RequireHashable(index);
                return dict.TryGet(index, out var value) ? value : throw new PyException("KeyError", PyFormat.Repr(index));
            case PyStr or PyList or PyTuple:
                var i = PyOps.AsInteger(index) ?? throw new PyException("TypeError", target is PyStr
                    ? $"string indices must be integers, not '{index.TypeName}'"
                    : $"{target.TypeName} indices must be integers or slices, not {index.TypeName}");
                if (target is PyStr s)
                {
                    var cps = CodePoints.Of(s.Value);
                    var at = i < 0 ? i + cps.Length : i;
                    return at < 0 || at >= cps.Length
                        ? throw new PyException("IndexError", "string index out of range")
                        : PyStr.Fresh(CodePoints.ToText(cps[(int)at]));
                }
                var items = target is PyList l ? l.Items : ((PyTuple)target).Items;
                var position = i < 0 ? i + items.Count : i;
                return position < 0 || position >= items.Count
                    ? throw new PyException("IndexError", $"{target.TypeName} index out of range")
                    : items[(int)position];
            default:
                throw new PyException("TypeError", $"'{target.TypeName}' object is not subscriptable");
        }
    }

    private static PyValue Slice(PyValue target, PyValue? lower, PyValue? upper, PyValue? step)
    {
        if (target is PyDict)
        {
            throw new PyException("TypeError", "unhashable type: 'slice'");
        }
        if (target is not (PyStr or PyList or PyTuple))
        {
            throw new PyException("TypeError", $"'{target.TypeName}' object is not subscriptable");
        }
        int[]? cps = target is PyStr s ? CodePoints.Of(s.Value) : null;
        var items = target switch
        {
            PyList l => l.Items,
            PyTuple t => t.Items,
            _ => null,
        };
        var length = cps?.Length ?? items!.Count;
        var indexes = SliceIndexes(lower, upper, step, length);
        return target switch
        {
            PyStr => PyStr.Fresh(CodePoints.ToText(indexes.Select(i => cps![i]))),
            PyList => new PyList(indexes.Select(i => items![i]).ToList()),
            _ => new PyTuple(indexes.Select(i => items![i]).ToList()),
        };
    }

    /// <summary>slice.indices(length), then the positions it selects (CPython's PySlice_AdjustIndices).</summary>
    private static IEnumerable<int> SliceIndexes(PyValue? lower, PyValue? upper, PyValue? step, int length)
    {
        static System.Numerics.BigInteger? Index(PyValue? value) => value is null or PyNone ? null
            : PyOps.AsInteger(value) ?? throw new PyException("TypeError", "slice indices must be integers or None or have an __index__ method");
        var stepValue = Index(step) ?? 1;
        if (stepValue.IsZero)
        {
            throw new PyException("ValueError", "slice step cannot be zero");
        }
        var negative = stepValue.Sign < 0;
        System.Numerics.BigInteger Adjust(System.Numerics.BigInteger? value, System.Numerics.BigInteger missing)
        {
            if (value is not { } v)
            {
                return missing;
            }
            if (v < 0)
            {
                v += length;
                if (v < 0)
                {
                    v = negative ? -1 : 0;
                }
            }
            else if (v >= length)
            {
                v = negative ? length - 1 : length;
            }
            return v;
        }
        var start = Adjust(Index(lower), negative ? length - 1 : 0);
        var stop = Adjust(Index(upper), negative ? -1 : length);
        var result = new List<int>();
        for (var i = start; negative ? i > stop : i < stop; i += stepValue)
        {
            result.Add((int)i);
        }
        return result;
    }
}
