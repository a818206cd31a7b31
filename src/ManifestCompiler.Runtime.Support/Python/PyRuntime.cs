using System.Numerics;
using System.Text;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Json;
using ManifestCompiler.Runtime.Support.Text;

namespace ManifestCompiler.Runtime.Support.Python;

/// <summary>
/// What an expression of the webhook subset can see: <c>body</c> and <c>headers</c> (converted once, so
/// <c>body is body</c> holds), memory values by name, and <c>{{hole}}</c> lookups (<see cref="WebhookHoles"/>: the
/// body's top-level key, then a header matched without regard to case). One scope serves every expression of one
/// webhook request (its names are cleared between trigger steps). Not thread-safe: lookups cache what they read, so a
/// scope belongs to one request on one thread.
/// </summary>
public sealed class PyScope
{
    private readonly bool _lazily;
    private Dictionary<string, PyValue>? _names;
    private PyValue? _body;
    private PyValue? _headers;

    // The last hole resolved, and its text once read: steps of one request usually test the same hole ('{{type}}' == ...).
    private string? _holeName;
    private bool _holeFound;
    private JsonElement _holeValue;
    private string? _holeText;

    // The body's top-level members looked up so far in this request, found or not (issue 17: the validation, the
    // conditions' holes and the payloads read the same few keys; a member is looked up in the document once).
    private (string Name, bool Found, JsonElement Value)[]? _bodyMembers;
    private int _bodyMemberCount;

    public PyScope(JsonElement body, JsonElement headers, IReadOnlyDictionary<string, PyValue>? names = null)
        : this(body, headers, lazily: false)
    {
        if (names is not null)
        {
            foreach (var (name, value) in names)
            {
                Set(name, value);
            }
        }
    }

    /// <summary>
    /// With <paramref name="lazily"/>, <c>body</c> and <c>headers</c> are converted only as far as expressions read
    /// them (<see cref="PyValue.FromJson(JsonElement, bool)"/>): the documents must outlive every value taken from
    /// this scope.
    /// </summary>
    public PyScope(JsonElement body, JsonElement headers, bool lazily)
    {
        Body = body;
        Headers = headers;
        _lazily = lazily;
    }

    /// <summary>A webhook request's scope whose names are <paramref name="names"/> (the router's memory, so a memory value is bound once).</summary>
    internal PyScope(JsonElement body, JsonElement headers, Dictionary<string, PyValue> names)
        : this(body, headers, lazily: true) => _names = names;

    /// <summary>The bound names themselves (with the constructor above: the router's memory).</summary>
    internal Dictionary<string, PyValue> Names => _names ??= new(StringComparer.Ordinal);

    public JsonElement Body { get; private set; }

    public JsonElement Headers { get; private set; }

    /// <summary>Starts the next request with this scope (the router keeps one per thread): nothing of the last one stays.</summary>
    internal void Reset(JsonElement body, JsonElement headers)
    {
        Body = body;
        Headers = headers;
        _body = null;
        _headers = null;
        _holeName = null;
        _holeFound = false;
        _holeValue = default;
        _holeText = null;
        if (_bodyMembers is not null)
        {
            // Cleared, not just forgotten: an entry holds its document, which the scope must not keep alive.
            Array.Clear(_bodyMembers, 0, _bodyMemberCount);
        }
        _bodyMemberCount = 0;
        _names?.Clear();
    }

    /// <summary>A top-level member of the request body (false when the body is not an object or has no such key).</summary>
    internal bool TryGetBodyMember(string name, out JsonElement value)
    {
        for (var i = 0; i < _bodyMemberCount; i++)
        {
            ref var entry = ref _bodyMembers![i];
            if (string.Equals(entry.Name, name, StringComparison.Ordinal))
            {
                value = entry.Value;
                return entry.Found;
            }
        }
        value = default;
        var found = Body.ValueKind == JsonValueKind.Object && JsonMembers.TryGet(Body, name, out value);
        _bodyMembers ??= new (string, bool, JsonElement)[8];
        if (_bodyMemberCount < _bodyMembers.Length)
        {
            _bodyMembers[_bodyMemberCount++] = (name, found, value);
        }
        return found;
    }

    /// <summary>Binds a name (a memory key) for the expressions evaluated after it.</summary>
    public void Set(string name, PyValue value) => (_names ??= new(StringComparer.Ordinal))[name] = value;

    /// <summary>
    /// Forgets the bound names before the next trigger step; <c>body</c> and <c>headers</c> stay converted (no
    /// expression can change a value, so sharing them between steps cannot be observed).
    /// </summary>
    public void ClearNames() => _names?.Clear();

    public bool TryGetName(string name, out PyValue value)
    {
        if (_names is not null && _names.TryGetValue(name, out value!))
        {
            return true;
        }
        switch (name)
        {
            case "body":
                value = _body ??= PyValue.FromJson(Body, _lazily);
                return true;
            case "headers":
                value = _headers ??= PyValue.FromJson(Headers, _lazily);
                return true;
            default:
                value = PyNone.Instance;
                return false;
        }
    }

    /// <summary>A name in expression position; NameError when nothing defines it.</summary>
    public PyValue Name(string name) =>
        TryGetName(name, out var value) ? value : throw new PyException("NameError", $"name '{name}' is not defined");

    /// <summary>A hole's value by <see cref="WebhookHoles"/>' rule for expressions (the body's top-level key, else a header matched without regard to case); null if neither.</summary>
    public PyValue? ResolveHole(string name) =>
        WebhookHoles.TryResolve(name, WebhookHoleSources.Expression, null, this, out _, out var value) ? PyValue.FromJson(value, _lazily) : null;

    /// <summary>A bare <c>{{name}}</c> in expression position: its value, or NameError.</summary>
    public PyValue Hole(string name) =>
        ResolveHole(name) ?? throw new PyException("NameError", $"name '{{{{{name}}}}}' is not defined: no body key or header '{name}'");

    /// <summary>A hole inside a string: <c>str(value)</c> as data, never code; an unresolved hole keeps its text.</summary>
    public string HoleText(string name, string text)
    {
        if (!TryResolveHoleCached(name, out var value))
        {
            return text;
        }
        // str() of a string is the string itself: no Python value needed. Holes read only the body and headers, which
        // no step changes: the text holds for the whole request.
        return _holeText ??= value.ValueKind == JsonValueKind.String ? JsonStrings.GetString(value) : PyFormat.Str(PyValue.FromJson(value, _lazily));
    }

    /// <summary>
    /// Whether <see cref="HoleText"/> is <paramref name="literal"/>: a condition's <c>'{{type}}' == 'x'</c>, compared on
    /// the document's string without making a string or Python value of it (issue 17). Equal str values are all that
    /// <c>==</c> and <c>in</c> between two str test, so the truth is the same.
    /// </summary>
    public bool HoleTextIs(string name, string text, string literal)
    {
        if (!TryResolveHoleCached(name, out var value))
        {
            return string.Equals(text, literal, StringComparison.Ordinal);
        }
        if (_holeText is not null)
        {
            return string.Equals(_holeText, literal, StringComparison.Ordinal);
        }
        return value.ValueKind == JsonValueKind.String
            ? JsonStrings.ValueEquals(value, literal)
            : string.Equals(HoleText(name, text), literal, StringComparison.Ordinal);
    }

    private bool TryResolveHoleCached(string name, out JsonElement value)
    {
        if (!string.Equals(_holeName, name, StringComparison.Ordinal))
        {
            _holeFound = WebhookHoles.TryResolve(name, WebhookHoleSources.Expression, null, this, out _, out _holeValue);
            _holeName = name;
            _holeText = null;
        }
        value = _holeValue;
        return _holeFound;
    }

    /// <summary>The router's payload scope over this scope, kept with it so a dispatch does not allocate one (WebhookRouterPlan).</summary>
    internal Plans.TemplateScope? WebhookPayloadScope { get; set; }
}

/// <summary>
/// The operations of the webhook subset that are not plain value operations (<see cref="PyOps"/>): subscripts,
/// slices, calls, displays. The interpreter and generated code both call these, so the two engines cannot drift.
/// </summary>
public static class PyRuntime
{
    public static readonly IReadOnlyList<(string Name, PyValue Value)> NoKeywords = [];

    public static PyValue Subscript(PyValue target, PyValue index)
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
                if (i < long.MinValue || i > long.MaxValue)
                {
                    // CPython reads an index as a Py_ssize_t first (PyNumber_AsSsize_t with IndexError).
                    throw new PyException("IndexError", "cannot fit 'int' into an index-sized integer");
                }
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

    /// <summary><c>target[lower:upper:step]</c>; a missing bound is null.</summary>
    public static PyValue Slice(PyValue target, PyValue? lower, PyValue? upper, PyValue? step)
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
    private static List<int> SliceIndexes(PyValue? lower, PyValue? upper, PyValue? step, int length)
    {
        static BigInteger? Index(PyValue? value) => value is null or PyNone ? null
            : PyOps.AsInteger(value) ?? throw new PyException("TypeError", "slice indices must be integers or None or have an __index__ method");
        var stepValue = Index(step) ?? 1;
        if (stepValue.IsZero)
        {
            throw new PyException("ValueError", "slice step cannot be zero");
        }
        var negative = stepValue.Sign < 0;
        BigInteger Adjust(BigInteger? value, BigInteger missing)
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

    /// <summary>Starts a dict display; <see cref="DictBuilder.Add"/> checks each key as CPython does, after its value.</summary>
    public static DictBuilder Dict() => new(new PyDict());

    public readonly struct DictBuilder(PyDict dict)
    {
        public DictBuilder Add(PyValue key, PyValue value)
        {
            PyOps.RequireHashable(key);
            dict.Set(key, value);
            return this;
        }

        public PyDict Build() => dict;
    }

    public static PyList List(params PyValue[] items) => new([.. items]);

    public static PyTuple Tuple(params PyValue[] items) => items.Length == 0 ? PyTuple.Empty : new PyTuple(items);

    public static PyValue Not(PyValue value) => PyBool.Of(!PyOps.IsTruthy(value));

    public static PyValue Unary(PyUnaryOperator op, PyValue operand) => op switch
    {
        PyUnaryOperator.Not => Not(operand),
        PyUnaryOperator.Negate => PyOps.Negate(operand),
        PyUnaryOperator.Plus => PyOps.Plus(operand),
        _ => throw new PyException("TypeError", "bitwise operators are not supported"),
    };

    /// <summary>An f-string field: <c>str()</c>, <c>repr()</c> or <c>ascii()</c> of its value (the checker rejects format specs).</summary>
    public static string Field(PyValue value, char? conversion) => conversion switch
    {
        'r' => PyFormat.Repr(value),
        'a' => PyFormat.Ascii(value),
        _ => PyFormat.Str(value),
    };

    /// <summary><see cref="Field"/> appended to an f-string's builder: <c>str()</c> of a string or float adds no string of its own (issue 17).</summary>
    public static void AppendField(StringBuilder builder, PyValue value, char? conversion)
    {
        if (conversion is null)
        {
            PyFormat.AppendStr(builder, value);
        }
        else
        {
            builder.Append(Field(value, conversion));
        }
    }

    /// <summary>A string literal built from parts (holes, fields): a fresh object, as CPython builds it at run time.</summary>
    public static PyValue String(string text) => PyStr.Fresh(text);

    /// <summary>A node the subset checker rejects; generated code for it raises instead of failing to compile.</summary>
    public static PyValue Unsupported(string what) => throw new PyException("SyntaxError", what + " cannot be evaluated");

    public static PyValue CallBuiltin(string name, IReadOnlyList<PyValue> args, IReadOnlyList<(string Name, PyValue Value)> kwargs) =>
        PyBuiltins.Call(name, args, kwargs);

    public static PyValue CallMethod(PyValue target, string name, IReadOnlyList<PyValue> args, IReadOnlyList<(string Name, PyValue Value)> kwargs) =>
        PyBuiltins.CallMethod(target, name, args, kwargs);

    /// <summary>
    /// Runs a compiled expression and turns a Python exception into a result, as the interpreter does; the value
    /// operations are deep-recursion safe, and a stack that runs out is Python's RecursionError.
    /// </summary>
    public static PyResult Run(Func<PyScope, PyValue> expression, PyScope scope)
    {
        try
        {
            return new PyResult(expression(scope), null, null);
        }
        catch (PyException e)
        {
            return new PyResult(null, e.ExceptionClass, e.Message);
        }
        catch (InsufficientExecutionStackException)
        {
            return new PyResult(null, "RecursionError", "expression nested too deeply to evaluate");
        }
    }
}

/// <summary>A compiled expression's outcome: a value, or CPython's exception class and message.</summary>
public readonly record struct PyResult(PyValue? Value, string? ExceptionClass, string? Message)
{
    public bool Success => ExceptionClass is null;

    public bool IsTruthy => Value is not null && PyOps.IsTruthy(Value);
}
