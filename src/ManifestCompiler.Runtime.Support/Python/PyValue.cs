using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Json;
using ManifestCompiler.Runtime.Support.Values;

namespace ManifestCompiler.Runtime.Support.Python;

/// <summary>A Python value of the webhook subset: what <c>json.loads</c> produces, plus tuples and dict views.</summary>
public abstract class PyValue
{
    /// <summary>CPython's <c>type(x).__name__</c>.</summary>
    public abstract string TypeName { get; }

    public override string ToString() => PyFormat.Repr(this);

    public static PyValue FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => PyDict.FromJsonObject(element),
        JsonValueKind.Array => new PyList(element.EnumerateArray().Select(FromJson).ToList()),
        JsonValueKind.String => PyStr.Of(JsonStrings.GetString(element)),
        JsonValueKind.Number => PythonFormat.IsInteger(element) ? PyInt.Of(PythonFormat.ParseInteger(element)) : new PyFloat(PythonFormat.ParseFloat(element)),
        JsonValueKind.True => PyBool.True,
        JsonValueKind.False => PyBool.False,
        _ => PyNone.Instance,
    };
}

public sealed class PyNone : PyValue
{
    public static readonly PyNone Instance = new();

    private PyNone()
    {
    }

    public override string TypeName => "NoneType";
}

/// <summary><c>True</c>/<c>False</c>: a subtype of int in Python, so arithmetic treats them as 1 and 0.</summary>
public sealed class PyBool : PyValue
{
    public static readonly PyBool True = new(true);
    public static readonly PyBool False = new(false);

    private PyBool(bool value) => Value = value;

    public bool Value { get; }

    public override string TypeName => "bool";

    public static PyBool Of(bool value) => value ? True : False;
}

public sealed class PyInt : PyValue
{
    // CPython keeps one object for each of -5..256, which 'is' can observe.
    private static readonly PyInt[] Small = Enumerable.Range(-5, 262).Select(i => new PyInt(i)).ToArray();

    private PyInt(BigInteger value) => Value = value;

    public BigInteger Value { get; }

    public override string TypeName => "int";

    public static PyInt Of(BigInteger value) => value >= -5 && value <= 256 ? Small[(int)value + 5] : new PyInt(value);
}

public sealed class PyFloat(double value) : PyValue
{
    public double Value { get; } = value;

    public override string TypeName => "float";
}

/// <summary>Only as a result: a negative number to a fractional power. Arithmetic on it is refused, not approximated.</summary>
public sealed class PyComplex(double real, double imaginary) : PyValue
{
    public double Real { get; } = real;

    public double Imaginary { get; } = imaginary;

    public override string TypeName => "complex";
}

public sealed class PyStr : PyValue
{
    // CPython shares the empty string and one-character Latin-1 strings.
    private static readonly PyStr[] Latin1 = Enumerable.Range(0, 256).Select(c => new PyStr(((char)c).ToString())).ToArray();
    private static readonly PyStr Empty = new(string.Empty);

    private PyStr(string value) => Value = value;

    public string Value { get; }

    public override string TypeName => "str";

    public static PyStr Of(string value) => value.Length == 0 ? Empty : value.Length == 1 && value[0] < 256 ? Latin1[value[0]] : new PyStr(value);

    /// <summary>Copies a string so 'is' does not see a literal and a computed string as one object.</summary>
    public static PyStr Fresh(string value) => value.Length <= 1 ? Of(value) : new PyStr(value);
}

public sealed class PyList(List<PyValue> items) : PyValue
{
    public List<PyValue> Items { get; } = items;

    public override string TypeName => "list";
}

public sealed class PyTuple(IReadOnlyList<PyValue> items) : PyValue
{
    public static readonly PyTuple Empty = new([]);

    public IReadOnlyList<PyValue> Items { get; } = items;

    public override string TypeName => "tuple";
}

/// <summary>An insertion-ordered dict keyed by Python equality (1, 1.0 and True are one key).</summary>
public sealed class PyDict : PyValue
{
    private readonly List<KeyValuePair<PyValue, PyValue>> _entries = [];
    private readonly Dictionary<PyValue, int> _index = new(PyKeyComparer.Instance);

    public override string TypeName => "dict";

    public int Count => _entries.Count;

    public IEnumerable<KeyValuePair<PyValue, PyValue>> Entries => _entries;

    public IEnumerable<PyValue> Keys => _entries.Select(e => e.Key);

    public IEnumerable<PyValue> Values => _entries.Select(e => e.Value);

    public static PyDict FromJsonObject(JsonElement element)
    {
        var dict = new PyDict();
        foreach (var property in element.EnumerateObject())
        {
            dict.Set(PyStr.Fresh(JsonStrings.GetName(property)), FromJson(property.Value));
        }
        return dict;
    }

    /// <summary>Sets a key; the key must be hashable (the caller checks and raises TypeError).</summary>
    public void Set(PyValue key, PyValue value)
    {
        if (_index.TryGetValue(key, out var at))
        {
            // The first key object stays; the value is replaced (as in CPython).
            _entries[at] = new KeyValuePair<PyValue, PyValue>(_entries[at].Key, value);
            return;
        }
        _index[key] = _entries.Count;
        _entries.Add(new KeyValuePair<PyValue, PyValue>(key, value));
    }

    public bool TryGet(PyValue key, out PyValue value)
    {
        if (_index.TryGetValue(key, out var at))
        {
            value = _entries[at].Value;
            return true;
        }
        value = PyNone.Instance;
        return false;
    }
}

public enum PyDictViewKind
{
    Keys,
    Values,
    Items,
}

/// <summary>What <c>dict.keys()</c>, <c>values()</c> and <c>items()</c> return.</summary>
public sealed class PyDictView(PyDict dict, PyDictViewKind kind) : PyValue
{
    public PyDict Dict { get; } = dict;

    public PyDictViewKind Kind { get; } = kind;

    public override string TypeName => Kind switch
    {
        PyDictViewKind.Keys => "dict_keys",
        PyDictViewKind.Values => "dict_values",
        _ => "dict_items",
    };

    public IEnumerable<PyValue> Items => Kind switch
    {
        PyDictViewKind.Keys => Dict.Keys,
        PyDictViewKind.Values => Dict.Values,
        _ => Dict.Entries.Select(e => (PyValue)new PyTuple([e.Key, e.Value])),
    };
}

/// <summary>Hashing and equality of dict keys with Python's rules.</summary>
internal sealed class PyKeyComparer : IEqualityComparer<PyValue>
{
    public static readonly PyKeyComparer Instance = new();

    public bool Equals(PyValue? x, PyValue? y) => x is not null && y is not null && PyOps.AreEqual(x, y);

    public int GetHashCode(PyValue value) => value switch
    {
        PyBool b => b.Value ? 1 : 0,
        PyInt i => i.Value.GetHashCode(),
        PyFloat f when double.IsFinite(f.Value) && Math.Floor(f.Value) == f.Value => new BigInteger(f.Value).GetHashCode(),
        PyFloat f => f.Value.GetHashCode(),
        PyComplex c when c.Imaginary == 0 => GetHashCode(new PyFloat(c.Real)),
        PyComplex c => HashCode.Combine(c.Real, c.Imaginary),
        PyStr s => StringComparer.Ordinal.GetHashCode(s.Value),
        PyTuple t => t.Items.Aggregate(17, (h, item) => h * 31 + GetHashCode(item)),
        PyNone => 0x5eed,
        _ => 0,
    };
}

/// <summary>CPython's <c>repr()</c> and <c>str()</c> of every value type.</summary>
public static class PyFormat
{
    /// <summary>CPython 3.11 refuses to print ints of more than 4300 digits (sys.set_int_max_str_digits).</summary>
    public const int MaxIntDigits = 4300;

    public static string Repr(PyValue value)
    {
        var builder = new StringBuilder();
        AppendRepr(builder, value);
        return builder.ToString();
    }

    public static string Str(PyValue value) => value is PyStr s ? s.Value : Repr(value);

    /// <summary><c>ascii()</c>: the repr with every non-ASCII character escaped.</summary>
    public static string Ascii(PyValue value)
    {
        var repr = Repr(value);
        var builder = new StringBuilder(repr.Length);
        for (var i = 0; i < repr.Length; i++)
        {
            int cp = repr[i];
            if (char.IsSurrogatePair(repr, i))
            {
                cp = char.ConvertToUtf32(repr[i], repr[i + 1]);
                i++;
            }
            builder.Append(cp < 0x80 ? ((char)cp).ToString()
                : cp < 0x100 ? "\\x" + cp.ToString("x2", CultureInfo.InvariantCulture)
                : cp < 0x10000 ? "\\u" + cp.ToString("x4", CultureInfo.InvariantCulture)
                : "\\U" + cp.ToString("x8", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    private static void AppendRepr(StringBuilder builder, PyValue value)
    {
        switch (value)
        {
            case PyNone:
                builder.Append("None");
                break;
            case PyBool b:
                builder.Append(b.Value ? "True" : "False");
                break;
            case PyInt i:
                builder.Append(IntToString(i.Value));
                break;
            case PyFloat f:
                builder.Append(PythonFormat.FloatRepr(f.Value));
                break;
            case PyComplex c:
                // CPython's complex_repr: parts without a forced ".0"; a positive-zero real part is left out.
                if (c.Real == 0 && !double.IsNegative(c.Real))
                {
                    builder.Append(ComplexPart(c.Imaginary)).Append('j');
                }
                else
                {
                    var imaginary = ComplexPart(c.Imaginary);
                    builder.Append('(').Append(ComplexPart(c.Real)).Append(imaginary.StartsWith('-') ? "" : "+").Append(imaginary).Append("j)");
                }
                break;
            case PyStr s:
                builder.Append(PythonFormat.StringRepr(s.Value));
                break;
            case PyList l:
                AppendItems(builder, "[", l.Items, "]");
                break;
            case PyTuple t:
                AppendItems(builder, "(", t.Items, t.Items.Count == 1 ? ",)" : ")");
                break;
            case PyDict d:
                builder.Append('{');
                var first = true;
                foreach (var entry in d.Entries)
                {
                    builder.Append(first ? "" : ", ");
                    AppendRepr(builder, entry.Key);
                    builder.Append(": ");
                    AppendRepr(builder, entry.Value);
                    first = false;
                }
                builder.Append('}');
                break;
            case PyDictView v:
                builder.Append(v.TypeName).Append('(');
                AppendItems(builder, "[", v.Items.ToList(), "]");
                builder.Append(')');
                break;
        }
    }

    private static string ComplexPart(double value)
    {
        var text = PythonFormat.FloatRepr(value);
        return text.EndsWith(".0", StringComparison.Ordinal) ? text[..^2] : text;
    }

    private static void AppendItems(StringBuilder builder, string open, IReadOnlyList<PyValue> items, string close)
    {
        builder.Append(open);
        for (var i = 0; i < items.Count; i++)
        {
            builder.Append(i == 0 ? "" : ", ");
            AppendRepr(builder, items[i]);
        }
        builder.Append(close);
    }

    public static string IntToString(BigInteger value)
    {
        // A quick bound first: 4300 digits is about 14,284 bits.
        if (value.GetBitLength() > 14_000)
        {
            var text = BigInteger.Abs(value).ToString(CultureInfo.InvariantCulture);
            if (text.Length > MaxIntDigits)
            {
                throw new PyException("ValueError", $"Exceeds the limit ({MaxIntDigits} digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit");
            }
        }
        return value.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// A Python exception raised by a value operation: CPython's class name and message. The interpreter records the
/// failing node's position in <see cref="Location"/> (start, length); generated code reports the expression.
/// </summary>
public sealed class PyException(string exceptionClass, string message) : Exception(message)
{
    public string ExceptionClass { get; } = exceptionClass;

    public (int Start, int Length)? Location { get; set; }
}
