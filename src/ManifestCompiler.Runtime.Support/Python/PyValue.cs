using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Json;

namespace ManifestCompiler.Runtime.Support.Python;

/// <summary>A Python value of the webhook subset: what <c>json.loads</c> produces, plus tuples and dict views.</summary>
public abstract class PyValue
{
    /// <summary>CPython's <c>type(x).__name__</c>.</summary>
    public abstract string TypeName { get; }

    public override string ToString() => PyFormat.Repr(this);

    /// <summary>What <c>json.loads</c> makes of <paramref name="element"/>, converted now (the value may outlive the document).</summary>
    public static PyValue FromJson(JsonElement element) => FromJson(element, lazily: false);

    /// <summary>
    /// What <c>json.loads</c> makes of <paramref name="element"/>; with <paramref name="lazily"/> a dict or list reads
    /// its members from the document only when first used (one level at a time), so an expression pays only for the
    /// parts it reads. A lazy value must not be used after its document is disposed.
    /// </summary>
    public static PyValue FromJson(JsonElement element, bool lazily) => element.ValueKind switch
    {
        JsonValueKind.Object => new PyDict(element, lazily),
        JsonValueKind.Array => new PyList(element, lazily),
        JsonValueKind.String => PyStr.Of(JsonStrings.GetString(element)),
        // TryGetInt64 takes only plain integer literals (no fraction, no exponent), the common case, without the raw text.
        JsonValueKind.Number => element.TryGetInt64(out var small) ? PyInt.Of(small)
            : IsJsonInteger(element) ? PyInt.Of(ParseJsonInteger(element)) : new PyFloat(ParseJsonFloat(element)),
        JsonValueKind.True => PyBool.True,
        JsonValueKind.False => PyBool.False,
        _ => PyNone.Instance,
    };

    /// <summary>A JSON number that <c>json.loads</c> turns into an int: no fraction and no exponent.</summary>
    public static bool IsJsonInteger(JsonElement number) => number.GetRawText().IndexOfAny(['.', 'e', 'E']) < 0;

    public static BigInteger ParseJsonInteger(JsonElement number) => BigInteger.Parse(number.GetRawText(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    public static double ParseJsonFloat(JsonElement number) => double.Parse(number.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);
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

public sealed class PyList : PyValue
{
    private List<PyValue>? _items;
    private readonly JsonElement _source;
    private readonly bool _lazily;

    public PyList(List<PyValue> items) => _items = items;

    internal PyList(JsonElement array, bool lazily)
    {
        _source = array;
        _lazily = lazily;
        if (!lazily)
        {
            _items = Convert(array, lazily);
        }
    }

    public List<PyValue> Items => _items ??= Convert(_source, _lazily);

    public override string TypeName => "list";

    private static List<PyValue> Convert(JsonElement array, bool lazily)
    {
        var items = new List<PyValue>(array.GetArrayLength());
        foreach (var item in array.EnumerateArray())
        {
            items.Add(FromJson(item, lazily));
        }
        return items;
    }
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
    private List<KeyValuePair<PyValue, PyValue>>? _entries;
    private Dictionary<PyValue, int>? _index;

    // A JSON object not read yet (see PyValue.FromJson(element, lazily)).
    private JsonElement? _pending;

    // The members of _pending looked up by key so far (issue 17: a subscript reads one member, not the object); the
    // same values join the dict if it is read whole, so 'is' sees one object per member, as after json.loads.
    // The first one is held inline: a path like body['data']['object'] reads one member of each level.
    private string? _firstKey;
    private PyValue? _firstValue;
    private (string Key, PyValue Value)[]? _looked;
    private int _lookedCount;

    public PyDict()
    {
    }

    internal PyDict(JsonElement obj, bool lazily)
    {
        if (lazily)
        {
            _pending = obj;
        }
        else
        {
            Read(obj, lazily);
        }
    }

    public override string TypeName => "dict";

    public int Count => Materialized._entries?.Count ?? 0;

    public IEnumerable<KeyValuePair<PyValue, PyValue>> Entries => (IEnumerable<KeyValuePair<PyValue, PyValue>>?)Materialized._entries ?? [];

    public IEnumerable<PyValue> Keys => Entries.Select(e => e.Key);

    public IEnumerable<PyValue> Values => Entries.Select(e => e.Value);

    private PyDict Materialized
    {
        get
        {
            if (_pending is { } obj)
            {
                _pending = null;
                Read(obj, lazily: true);
                _firstKey = null;
                _firstValue = null;
                _looked = null;
                _lookedCount = 0;
            }
            return this;
        }
    }

    // json.loads keeps the last of duplicate keys, at the position of the first.
    private void Read(JsonElement obj, bool lazily)
    {
        foreach (var property in obj.EnumerateObject())
        {
            var name = JsonStrings.GetName(property);
            Set(PyStr.Fresh(name), Looked(name) ?? FromJson(property.Value, lazily));
        }
    }

    private PyValue? Looked(string key)
    {
        if (_firstKey is not null && string.Equals(_firstKey, key, StringComparison.Ordinal))
        {
            return _firstValue;
        }
        for (var i = 0; i < _lookedCount; i++)
        {
            if (string.Equals(_looked![i].Key, key, StringComparison.Ordinal))
            {
                return _looked[i].Value;
            }
        }
        return null;
    }

    /// <summary>Sets a key; the key must be hashable (the caller checks and raises TypeError).</summary>
    public void Set(PyValue key, PyValue value)
    {
        _ = Materialized;
        _entries ??= [];
        _index ??= new Dictionary<PyValue, int>(PyKeyComparer.Instance);
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
        if (_pending is { } obj)
        {
            // A JSON object's keys are all str, and no other value equals a str.
            if (key is not PyStr text)
            {
                value = PyNone.Instance;
                return false;
            }
            if (Looked(text.Value) is { } seen)
            {
                value = seen;
                return true;
            }
            if (!JsonMembers.TryGet(obj, text.Value, out var member))
            {
                value = PyNone.Instance;
                return false;
            }
            value = FromJson(member, lazily: true);
            if (_firstKey is null)
            {
                _firstKey = text.Value;
                _firstValue = value;
                return true;
            }
            _looked ??= new (string, PyValue)[2];
            if (_lookedCount == _looked.Length)
            {
                Array.Resize(ref _looked, _looked.Length * 2);
            }
            _looked[_lookedCount++] = (text.Value, value);
            return true;
        }
        if (_index is not null && _index.TryGetValue(key, out var at))
        {
            value = _entries![at].Value;
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

    public static string Str(PyValue value) => value switch
    {
        PyStr s => s.Value,
        // Without a builder: the common scalars in a payload or an f-string (issue 17).
        PyFloat f => FloatRepr(f.Value),
        PyInt i => IntToString(i.Value),
        _ => Repr(value),
    };

    /// <summary>Appends <c>str(value)</c> (an f-string field, a rendered value) without a string of its own for strings and floats.</summary>
    public static void AppendStr(StringBuilder builder, PyValue value)
    {
        switch (value)
        {
            case PyStr s:
                builder.Append(s.Value);
                break;
            case PyFloat f:
                Span<char> text = stackalloc char[MaxFloatReprLength];
                builder.Append(text[..FormatFloatRepr(f.Value, text)]);
                break;
            default:
                builder.Append(Str(value));
                break;
        }
    }

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
                Span<char> text = stackalloc char[MaxFloatReprLength];
                builder.Append(text[..FormatFloatRepr(f.Value, text)]);
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
                builder.Append(StringRepr(s.Value));
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
        var text = FloatRepr(value);
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

    /// <summary><c>repr(float)</c>: the shortest round-trip digits, in fixed notation for 1e-4 &lt;= |x| &lt; 1e16.</summary>
    public static string FloatRepr(double value)
    {
        Span<char> text = stackalloc char[MaxFloatReprLength];
        return new string(text[..FormatFloatRepr(value, text)]);
    }

    /// <summary>The longest <see cref="FloatRepr"/>: a sign, 17 digits, "0.000" or "e-324" around them.</summary>
    public const int MaxFloatReprLength = 32;

    /// <summary>
    /// <see cref="FloatRepr"/> written into <paramref name="destination"/> (at least <see cref="MaxFloatReprLength"/>
    /// long); returns its length. Spans only, so str() of a float costs no more than its result (issue 17).
    /// </summary>
    public static int FormatFloatRepr(double value, Span<char> destination)
    {
        if (double.IsNaN(value))
        {
            return Copy("nan", destination);
        }
        if (double.IsInfinity(value))
        {
            return Copy(value > 0 ? "inf" : "-inf", destination);
        }
        if (value == 0)
        {
            return Copy(double.IsNegative(value) ? "-0.0" : "0.0", destination);
        }

        // "R" gives the shortest round-trip digits; re-split them into digits and a decimal-point position.
        Span<char> text = stackalloc char[MaxFloatReprLength];
        Math.Abs(value).TryFormat(text, out var length, "R", CultureInfo.InvariantCulture);
        text = text[..length];
        var exponentAt = text.IndexOfAny('E', 'e');
        var mantissa = exponentAt < 0 ? text : text[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(text[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var pointAt = mantissa.IndexOf('.');
        Span<char> digitBuffer = stackalloc char[MaxFloatReprLength];
        var count = 0;
        foreach (var c in mantissa)
        {
            if (c != '.')
            {
                digitBuffer[count++] = c;
            }
        }
        ReadOnlySpan<char> digits = digitBuffer[..count];
        var pointPosition = (pointAt < 0 ? mantissa.Length : pointAt) + exponent;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        pointPosition -= leadingZeros;
        if (digits.Length == 0)
        {
            digits = "0";
        }

        var at = 0;
        if (value < 0)
        {
            destination[at++] = '-';
        }
        if (pointPosition > 16 || pointPosition < -3)
        {
            destination[at++] = digits[0];
            if (digits.Length > 1)
            {
                destination[at++] = '.';
                at += Copy(digits[1..], destination[at..]);
            }
            var e = pointPosition - 1;
            destination[at++] = 'e';
            destination[at++] = e < 0 ? '-' : '+';
            Math.Abs(e).TryFormat(destination[at..], out var written, "00", CultureInfo.InvariantCulture);
            at += written;
        }
        else if (pointPosition <= 0)
        {
            at += Copy("0.", destination[at..]);
            destination.Slice(at, -pointPosition).Fill('0');
            at += -pointPosition;
            at += Copy(digits, destination[at..]);
        }
        else if (pointPosition >= digits.Length)
        {
            at += Copy(digits, destination[at..]);
            destination.Slice(at, pointPosition - digits.Length).Fill('0');
            at += pointPosition - digits.Length;
            at += Copy(".0", destination[at..]);
        }
        else
        {
            at += Copy(digits[..pointPosition], destination[at..]);
            destination[at++] = '.';
            at += Copy(digits[pointPosition..], destination[at..]);
        }
        return at;
    }

    private static int Copy(ReadOnlySpan<char> text, Span<char> destination)
    {
        text.CopyTo(destination);
        return text.Length;
    }

    /// <summary><c>repr(str)</c>: single quotes unless the text has a single quote and no double quote.</summary>
    public static string StringRepr(string value)
    {
        var builder = new StringBuilder(value.Length + 2);
        AppendStringRepr(builder, value);
        return builder.ToString();
    }

    private static void AppendStringRepr(StringBuilder builder, string value)
    {
        var quote = value.Contains('\'') && !value.Contains('"') ? '"' : '\'';
        builder.Append(quote);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            int codePoint = c;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                codePoint = char.ConvertToUtf32(c, value[i + 1]);
            }
            switch (codePoint)
            {
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                default:
                    if (codePoint == quote)
                    {
                        builder.Append('\\').Append(quote);
                    }
                    else if (IsPrintable(codePoint))
                    {
                        builder.Append(char.ConvertFromUtf32(codePoint));
                    }
                    else if (codePoint < 0x100)
                    {
                        builder.Append("\\x").Append(codePoint.ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else if (codePoint < 0x10000)
                    {
                        builder.Append("\\u").Append(codePoint.ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append("\\U").Append(codePoint.ToString("x8", CultureInfo.InvariantCulture));
                    }
                    break;
            }
            if (codePoint > 0xFFFF)
            {
                i++;
            }
        }
        builder.Append(quote);
    }

    /// <summary>Python's <c>str.isprintable</c> per character: not Other (C*) and not a separator other than space.</summary>
    private static bool IsPrintable(int codePoint)
    {
        if (codePoint == ' ')
        {
            return true;
        }
        if (codePoint is >= 0xD800 and <= 0xDFFF)
        {
            return false;
        }
        var category = CharUnicodeInfo.GetUnicodeCategory(codePoint);
        return category switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }

    public static string IntToString(BigInteger value)
    {
        // A bound first, as CPython checks before converting (a conversion costs time quadratic in the digits): with
        // b bits a value is at least 2^(b-1), and 2^14285 has 4301 digits; up to there the digits are counted.
        var bits = BigInteger.Abs(value).GetBitLength();
        if (bits > 14_285)
        {
            throw new PyException("ValueError", $"Exceeds the limit ({MaxIntDigits} digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit");
        }
        if (bits > 14_000)
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
