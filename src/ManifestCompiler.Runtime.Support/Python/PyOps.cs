using System.Numerics;
using System.Text;
using ManifestCompiler.Runtime.Support.Text;

namespace ManifestCompiler.Runtime.Support.Python;

/// <summary>CPython 3.11's operators over <see cref="PyValue"/>s. Failures raise <see cref="PyException"/> with CPython's class.</summary>
public static class PyOps
{
    /// <summary>Results beyond these are refused instead of exhausting memory or time.</summary>
    public const int MaxSequenceLength = 10_000_000;
    public const long MaxIntBits = 4_000_000;

    public static bool IsTruthy(PyValue value) => value switch
    {
        PyNone => false,
        PyBool b => b.Value,
        PyInt i => !i.Value.IsZero,
        PyFloat f => f.Value != 0,
        PyComplex c => c.Real != 0 || c.Imaginary != 0,
        PyStr s => s.Value.Length > 0,
        PyList l => l.Items.Count > 0,
        PyTuple t => t.Items.Count > 0,
        PyDict d => d.Count > 0,
        PyDictView v => v.Dict.Count > 0,
        _ => true,
    };

    /// <summary>int or bool as an integer; null for anything else.</summary>
    public static BigInteger? AsInteger(PyValue value) => value switch
    {
        PyBool b => b.Value ? BigInteger.One : BigInteger.Zero,
        PyInt i => i.Value,
        _ => null,
    };

    private static bool IsNumber(PyValue value) => value is PyBool or PyInt or PyFloat;

    /// <summary>int → float rounded to nearest-even, as CPython does (.NET's BigInteger → double conversion truncates).</summary>
    public static double ToDouble(BigInteger value)
    {
        var result = RoundToDouble(value);
        if (double.IsInfinity(result))
        {
            throw new PyException("OverflowError", "int too large to convert to float");
        }
        return result;
    }

    internal static double RoundToDouble(BigInteger value)
    {
        var magnitude = BigInteger.Abs(value);
        var bits = magnitude.GetBitLength();
        double result;
        if (bits <= 63)
        {
            result = (long)magnitude;
        }
        else
        {
            // The top 64 bits, with a sticky bit for everything below: the hardware's ulong → double conversion then
            // rounds to nearest-even exactly as rounding the whole number would.
            var shift = (int)(bits - 64);
            var top = (ulong)(magnitude >> shift);
            if (!(magnitude & ((BigInteger.One << shift) - 1)).IsZero)
            {
                top |= 1;
            }
            result = shift > 1100 ? double.PositiveInfinity : Math.ScaleB((double)top, shift);
        }
        return value.Sign < 0 ? -result : result;
    }

    private static double AsDouble(PyValue value) => value is PyFloat f ? f.Value : ToDouble(AsInteger(value)!.Value);

    public static void RequireHashable(PyValue key)
    {
        switch (key)
        {
            case PyList or PyDict or PyDictView:
                throw new PyException("TypeError", $"unhashable type: '{key.TypeName}'");
            case PyTuple t:
                foreach (var item in t.Items)
                {
                    RequireHashable(item);
                }
                break;
        }
    }

    // --- equality and order ----------------------------------------------------------------------

    public static bool AreEqual(PyValue a, PyValue b)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return CompareNumbers(a, b) == 0;
        }
        return (a, b) switch
        {
            (PyStr x, PyStr y) => x.Value == y.Value,
            (PyComplex x, PyComplex y) => x.Real == y.Real && x.Imaginary == y.Imaginary,
            (PyComplex x, _) when IsNumber(b) => x.Imaginary == 0 && CompareNumbersOrNull(new PyFloat(x.Real), b) == 0,
            (_, PyComplex y) when IsNumber(a) => y.Imaginary == 0 && CompareNumbersOrNull(a, new PyFloat(y.Real)) == 0,
            (PyNone, PyNone) => true,
            (PyList x, PyList y) => SequenceEqual(x.Items, y.Items),
            (PyTuple x, PyTuple y) => SequenceEqual(x.Items, y.Items),
            (PyDict x, PyDict y) => x.Count == y.Count && x.Entries.All(e => y.TryGet(e.Key, out var v) && AreEqual(e.Value, v)),
            // Keys and items views are set-like (CPython's dictview_richcompare): equal when of one size and each
            // element of one is in the other, so a keys view of pairs can equal an items view.
            (PyDictView { Kind: not PyDictViewKind.Values } x, PyDictView { Kind: not PyDictViewKind.Values } y) => x.Dict.Count == y.Dict.Count && x.Items.All(e => Contains(y, e)),
            _ => ReferenceEquals(a, b),
        };
    }

    private static bool SequenceEqual(IReadOnlyList<PyValue> x, IReadOnlyList<PyValue> y)
    {
        if (x.Count != y.Count)
        {
            return false;
        }
        for (var i = 0; i < x.Count; i++)
        {
            // Identity first, as CPython's list comparison does (it matters for nan).
            if (!ReferenceEquals(x[i], y[i]) && !AreEqual(x[i], y[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Exact comparison of int, bool and float values (CPython never rounds an int to compare it); NaN compares as unordered (returns null).</summary>
    private static int? CompareNumbersOrNull(PyValue a, PyValue b)
    {
        var ia = AsInteger(a);
        var ib = AsInteger(b);
        if (ia is { } x && ib is { } y)
        {
            return x.CompareTo(y);
        }
        if (ia is null && ib is null)
        {
            var (fa, fb) = (((PyFloat)a).Value, ((PyFloat)b).Value);
            return double.IsNaN(fa) || double.IsNaN(fb) ? null : fa.CompareTo(fb);
        }
        return ia is { } i ? CompareIntFloat(i, ((PyFloat)b).Value) : -CompareIntFloat(ib!.Value, ((PyFloat)a).Value);
    }

    private static int CompareNumbers(PyValue a, PyValue b) => CompareNumbersOrNull(a, b) ?? 2;

    private static int? CompareIntFloat(BigInteger i, double f)
    {
        if (double.IsNaN(f))
        {
            return null;
        }
        if (double.IsInfinity(f))
        {
            return f > 0 ? -1 : 1;
        }
        var floor = Math.Floor(f);
        var whole = new BigInteger(floor);
        var c = i.CompareTo(whole);
        if (c != 0)
        {
            return c;
        }
        return f > floor ? -1 : 0;
    }

    public static bool Compare(PyComparisonOperator op, PyValue a, PyValue b) => op switch
    {
        PyComparisonOperator.Equal => AreEqual(a, b),
        PyComparisonOperator.NotEqual => !AreEqual(a, b),
        PyComparisonOperator.In => Contains(b, a),
        PyComparisonOperator.NotIn => !Contains(b, a),
        PyComparisonOperator.Is => IsSame(a, b),
        PyComparisonOperator.IsNot => !IsSame(a, b),
        _ => Order(op, a, b),
    };

    private static bool IsSame(PyValue a, PyValue b) => ReferenceEquals(a, b);

    private static bool Order(PyComparisonOperator op, PyValue a, PyValue b)
    {
        int? c;
        if (IsNumber(a) && IsNumber(b))
        {
            c = CompareNumbersOrNull(a, b);
            if (c is null)
            {
                return false;
            }
        }
        else if (a is PyStr sa && b is PyStr sb)
        {
            c = CodePoints.Compare(sa.Value, sb.Value);
        }
        else if ((a, b) is (PyList, PyList) or (PyTuple, PyTuple))
        {
            return OrderSequences(op, Items(a), Items(b));
        }
        else
        {
            throw new PyException("TypeError", $"'{Symbol(op)}' not supported between instances of '{a.TypeName}' and '{b.TypeName}'");
        }
        return op switch
        {
            PyComparisonOperator.Less => c < 0,
            PyComparisonOperator.LessOrEqual => c <= 0,
            PyComparisonOperator.Greater => c > 0,
            _ => c >= 0,
        };
    }

    private static IReadOnlyList<PyValue> Items(PyValue value) => value is PyList l ? l.Items : ((PyTuple)value).Items;

    private static bool OrderSequences(PyComparisonOperator op, IReadOnlyList<PyValue> a, IReadOnlyList<PyValue> b)
    {
        var n = Math.Min(a.Count, b.Count);
        for (var i = 0; i < n; i++)
        {
            if (!ReferenceEquals(a[i], b[i]) && !AreEqual(a[i], b[i]))
            {
                return Order(op, a[i], b[i]);
            }
        }
        return op switch
        {
            PyComparisonOperator.Less => a.Count < b.Count,
            PyComparisonOperator.LessOrEqual => a.Count <= b.Count,
            PyComparisonOperator.Greater => a.Count > b.Count,
            _ => a.Count >= b.Count,
        };
    }

    private static string Symbol(PyComparisonOperator op) => op switch
    {
        PyComparisonOperator.Less => "<",
        PyComparisonOperator.LessOrEqual => "<=",
        PyComparisonOperator.Greater => ">",
        _ => ">=",
    };

    public static bool Contains(PyValue container, PyValue item)
    {
        switch (container)
        {
            case PyStr s:
                if (item is not PyStr sub)
                {
                    throw new PyException("TypeError", $"'in <string>' requires string as left operand, not {item.TypeName}");
                }
                return s.Value.Contains(sub.Value, StringComparison.Ordinal);
            case PyList or PyTuple:
                return Items(container).Any(x => ReferenceEquals(x, item) || AreEqual(x, item));
            case PyDict d:
                RequireHashable(item);
                return d.TryGet(item, out _);
            case PyDictView { Kind: PyDictViewKind.Keys } keys:
                RequireHashable(item);
                return keys.Dict.TryGet(item, out _);
            case PyDictView { Kind: PyDictViewKind.Items } items:
                // CPython's dictitems_contains: a pair whose key is looked up (so it must be hashable), then its value compared.
                if (item is not PyTuple { Items.Count: 2 } pair)
                {
                    return false;
                }
                RequireHashable(pair.Items[0]);
                return items.Dict.TryGet(pair.Items[0], out var value) && (ReferenceEquals(value, pair.Items[1]) || AreEqual(value, pair.Items[1]));
            case PyDictView view:
                return view.Items.Any(x => ReferenceEquals(x, item) || AreEqual(x, item));
            default:
                throw new PyException("TypeError", $"argument of type '{container.TypeName}' is not iterable");
        }
    }

    // --- arithmetic ---------------------------------------------------------------------------------

    public static PyValue Negate(PyValue value) => value switch
    {
        PyComplex c => new PyComplex(-c.Real, -c.Imaginary),
        PyFloat f => new PyFloat(-f.Value),
        _ when AsInteger(value) is { } i => PyInt.Of(-i),
        _ => throw new PyException("TypeError", $"bad operand type for unary -: '{value.TypeName}'"),
    };

    public static PyValue Plus(PyValue value) => value switch
    {
        PyFloat => value,
        _ when AsInteger(value) is { } i => PyInt.Of(i),
        _ => throw new PyException("TypeError", $"bad operand type for unary +: '{value.TypeName}'"),
    };

    public static PyValue Binary(PyBinaryOperator op, PyValue a, PyValue b)
    {
        if (a is PyComplex || b is PyComplex)
        {
            throw new PyException("NotImplementedError", "arithmetic on complex numbers is not supported in webhook expressions");
        }
        if (IsNumber(a) && IsNumber(b))
        {
            return Arithmetic(op, a, b);
        }
        switch (op)
        {
            case PyBinaryOperator.Add:
                switch (a, b)
                {
                    case (PyStr x, PyStr y):
                        CheckLength((long)x.Value.Length + y.Value.Length);
                        return PyStr.Fresh(x.Value + y.Value);
                    case (PyList x, PyList y):
                        CheckLength((long)x.Items.Count + y.Items.Count);
                        return new PyList([.. x.Items, .. y.Items]);
                    case (PyTuple x, PyTuple y):
                        CheckLength((long)x.Items.Count + y.Items.Count);
                        return new PyTuple([.. x.Items, .. y.Items]);
                }
                if (a is PyStr)
                {
                    throw new PyException("TypeError", $"can only concatenate str (not \"{b.TypeName}\") to str");
                }
                if (a is PyList or PyTuple)
                {
                    throw new PyException("TypeError", $"can only concatenate {a.TypeName} (not \"{b.TypeName}\") to {a.TypeName}");
                }
                break;
            case PyBinaryOperator.Multiply:
                if (AsInteger(b) is { } times && a is PyStr or PyList or PyTuple)
                {
                    return Repeat(a, times);
                }
                if (AsInteger(a) is { } times2 && b is PyStr or PyList or PyTuple)
                {
                    return Repeat(b, times2);
                }
                if (a is PyStr or PyList or PyTuple && b is PyStr or PyList or PyTuple or PyFloat or PyNone or PyDict)
                {
                    throw new PyException("TypeError", $"can't multiply sequence by non-int of type '{(a is PyStr or PyList or PyTuple ? b : a).TypeName}'");
                }
                if (b is PyStr or PyList or PyTuple && a is PyFloat or PyNone or PyDict)
                {
                    throw new PyException("TypeError", $"can't multiply sequence by non-int of type '{a.TypeName}'");
                }
                break;
            case PyBinaryOperator.Modulo when a is PyStr format:
                return PyStr.Fresh(PyPercentFormat.Format(format.Value, b));
        }
        throw new PyException("TypeError", $"unsupported operand type(s) for {OperatorSymbol(op)}: '{a.TypeName}' and '{b.TypeName}'");
    }

    private static PyValue Repeat(PyValue sequence, BigInteger times)
    {
        if (times < long.MinValue || times > long.MaxValue)
        {
            // CPython reads the count as a Py_ssize_t before anything else, even for an empty sequence.
            throw new PyException("OverflowError", "cannot fit 'int' into an index-sized integer");
        }
        if (times <= 0)
        {
            return sequence switch
            {
                PyStr => PyStr.Of(string.Empty),
                PyList => new PyList([]),
                _ => PyTuple.Empty,
            };
        }
        var length = sequence switch
        {
            PyStr s => s.Value.Length,
            PyList l => l.Items.Count,
            _ => ((PyTuple)sequence).Items.Count,
        };
        if (length == 0)
        {
            return sequence is PyList ? new PyList([]) : sequence;
        }
        if (times > MaxSequenceLength || (long)times * length > MaxSequenceLength)
        {
            throw new PyException("MemoryError", $"the result would have more than {MaxSequenceLength:N0} items; webhook expressions are bounded");
        }
        var n = (int)times;
        return sequence switch
        {
            PyStr s => PyStr.Fresh(new StringBuilder(s.Value.Length * n).Insert(0, s.Value, n).ToString()),
            PyList l => new PyList(Enumerable.Repeat(l.Items, n).SelectMany(x => x).ToList()),
            _ => new PyTuple(Enumerable.Repeat(((PyTuple)sequence).Items, n).SelectMany(x => x).ToList()),
        };
    }

    private static void CheckLength(long length)
    {
        if (length > MaxSequenceLength)
        {
            throw new PyException("MemoryError", $"the result would have more than {MaxSequenceLength:N0} items; webhook expressions are bounded");
        }
    }

    private static PyValue Arithmetic(PyBinaryOperator op, PyValue a, PyValue b)
    {
        var ia = AsInteger(a);
        var ib = AsInteger(b);
        if (ia is { } x && ib is { } y)
        {
            return op switch
            {
                PyBinaryOperator.Add => CheckedInt(x + y),
                PyBinaryOperator.Subtract => CheckedInt(x - y),
                PyBinaryOperator.Multiply => MultiplyInts(x, y),
                PyBinaryOperator.Divide => new PyFloat(TrueDivide(x, y)),
                PyBinaryOperator.FloorDivide => PyInt.Of(FloorDivide(x, y)),
                PyBinaryOperator.Modulo => PyInt.Of(Modulo(x, y)),
                PyBinaryOperator.Power => PowerInts(x, y),
                _ => throw Unsupported(op, a, b),
            };
        }
        var fa = AsDouble(a);
        var fb = AsDouble(b);
        switch (op)
        {
            case PyBinaryOperator.Add:
                return new PyFloat(fa + fb);
            case PyBinaryOperator.Subtract:
                return new PyFloat(fa - fb);
            case PyBinaryOperator.Multiply:
                return new PyFloat(fa * fb);
            case PyBinaryOperator.Divide:
                if (fb == 0)
                {
                    throw new PyException("ZeroDivisionError", "float division by zero");
                }
                return new PyFloat(fa / fb);
            case PyBinaryOperator.FloorDivide:
            case PyBinaryOperator.Modulo:
                if (fb == 0)
                {
                    throw new PyException("ZeroDivisionError", op == PyBinaryOperator.Modulo ? "float modulo" : "float floor division by zero");
                }
                var (div, mod) = FloatDivMod(fa, fb);
                return new PyFloat(op == PyBinaryOperator.Modulo ? mod : div);
            case PyBinaryOperator.Power:
                return PowerFloats(fa, fb);
            default:
                throw Unsupported(op, a, b);
        }
    }

    private static PyException Unsupported(PyBinaryOperator op, PyValue a, PyValue b) =>
        new("TypeError", $"unsupported operand type(s) for {OperatorSymbol(op)}: '{a.TypeName}' and '{b.TypeName}'");

    private static PyInt CheckedInt(BigInteger value)
    {
        // The magnitude's bits: GetBitLength of -2^n is n (two's complement), one less than of 2^n.
        if ((value.Sign < 0 ? BigInteger.Negate(value) : value).GetBitLength() > MaxIntBits)
        {
            throw new PyException("MemoryError", $"the integer would have more than {MaxIntBits:N0} bits; webhook expressions are bounded");
        }
        return PyInt.Of(value);
    }

    private static PyInt MultiplyInts(BigInteger x, BigInteger y)
    {
        if (x.GetBitLength() + y.GetBitLength() > MaxIntBits + 1)
        {
            throw new PyException("MemoryError", $"the integer would have more than {MaxIntBits:N0} bits; webhook expressions are bounded");
        }
        return CheckedInt(x * y);
    }

    /// <summary>int / int, correctly rounded as CPython does (even when the operands exceed a double).</summary>
    // 2^53 needs an array of its own: made once, not per division (issue 17).
    private static readonly BigInteger ExactInDouble = BigInteger.One << 53;

    private static double TrueDivide(BigInteger x, BigInteger y)
    {
        if (y.IsZero)
        {
            throw new PyException("ZeroDivisionError", "division by zero");
        }
        if (BigInteger.Abs(x) <= ExactInDouble && BigInteger.Abs(y) <= ExactInDouble)
        {
            return (double)x / (double)y;
        }
        var negative = x.Sign * y.Sign < 0;
        var n = BigInteger.Abs(x);
        var d = BigInteger.Abs(y);
        // Scale so the quotient has at least 66 significant bits, then keep a sticky bit for correct rounding.
        var shift = (int)(66 - (n.GetBitLength() - d.GetBitLength()));
        var scaledN = shift > 0 ? n << shift : n;
        var scaledD = shift < 0 ? d << -shift : d;
        var q = BigInteger.DivRem(scaledN, scaledD, out var r);
        if (!r.IsZero)
        {
            q |= BigInteger.One;
        }
        var result = Math.ScaleB(RoundToDouble(q), -shift);
        if (double.IsInfinity(result))
        {
            throw new PyException("OverflowError", "integer division result too large for a float");
        }
        return negative ? -result : result;
    }

    internal static BigInteger FloorDivide(BigInteger x, BigInteger y)
    {
        if (y.IsZero)
        {
            throw new PyException("ZeroDivisionError", "integer division or modulo by zero");
        }
        var q = BigInteger.DivRem(x, y, out var r);
        return !r.IsZero && (r.Sign < 0) != (y.Sign < 0) ? q - 1 : q;
    }

    internal static BigInteger Modulo(BigInteger x, BigInteger y)
    {
        if (y.IsZero)
        {
            // CPython 3.11's message for '%' ('//' keeps "integer division or modulo by zero").
            throw new PyException("ZeroDivisionError", "integer modulo by zero");
        }
        var r = BigInteger.Remainder(x, y);
        return !r.IsZero && (r.Sign < 0) != (y.Sign < 0) ? r + y : r;
    }

    /// <summary>CPython's float_divmod, step for step (signs of zero included).</summary>
    private static (double Div, double Mod) FloatDivMod(double vx, double wx)
    {
        var mod = vx % wx; // fmod
        var div = (vx - mod) / wx;
        if (mod != 0)
        {
            if ((wx < 0) != (mod < 0))
            {
                mod += wx;
                div -= 1.0;
            }
        }
        else
        {
            mod = Math.CopySign(0.0, wx);
        }
        double floordiv;
        if (div != 0)
        {
            floordiv = Math.Floor(div);
            if (div - floordiv > 0.5)
            {
                floordiv += 1.0;
            }
        }
        else
        {
            floordiv = Math.CopySign(0.0, vx / wx);
        }
        return (floordiv, mod);
    }

    private static PyValue PowerInts(BigInteger x, BigInteger y)
    {
        if (y.Sign < 0)
        {
            if (x.IsZero)
            {
                throw new PyException("ZeroDivisionError", "0.0 cannot be raised to a negative power");
            }
            return PowerFloats(ToDouble(x), ToDouble(y));
        }
        if (x.IsZero || x.IsOne || y.IsZero)
        {
            return PyInt.Of(y.IsZero ? BigInteger.One : x);
        }
        if (x == BigInteger.MinusOne)
        {
            return PyInt.Of(y.IsEven ? BigInteger.One : BigInteger.MinusOne);
        }
        if (y > MaxIntBits || (x.GetBitLength() - 1) * (long)y > MaxIntBits)
        {
            throw new PyException("MemoryError", $"the integer would have more than {MaxIntBits:N0} bits; webhook expressions are bounded");
        }
        return CheckedInt(BigInteger.Pow(x, (int)y));
    }

    private static PyValue PowerFloats(double x, double y)
    {
        if (x == 0 && y < 0)
        {
            throw new PyException("ZeroDivisionError", "0.0 cannot be raised to a negative power");
        }
        if (x < 0 && double.IsFinite(x) && double.IsFinite(y) && Math.Floor(y) != y)
        {
            // Python 3 gives a complex number here: CPython's _Py_c_pow for a real base and exponent.
            var length = Math.Pow(-x, y);
            var phase = Math.Atan2(0.0, x) * y;
            return new PyComplex(length * Math.Cos(phase), length * Math.Sin(phase));
        }
        var result = Math.Pow(x, y);
        if (double.IsInfinity(result) && double.IsFinite(x) && double.IsFinite(y))
        {
            throw new PyException("OverflowError", "(34, 'Numerical result out of range')");
        }
        return new PyFloat(result);
    }

    internal static string OperatorSymbol(PyBinaryOperator op) => op switch
    {
        PyBinaryOperator.Add => "+",
        PyBinaryOperator.Subtract => "-",
        PyBinaryOperator.Multiply => "*",
        PyBinaryOperator.Divide => "/",
        PyBinaryOperator.FloorDivide => "//",
        PyBinaryOperator.Modulo => "%",
        PyBinaryOperator.Power => "** or pow()",
        _ => op.ToString(),
    };
}
