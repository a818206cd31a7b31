using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using System.Text;
using ManifestCompiler.Runtime.Support.Values;
using ManifestCompiler.Runtime.Support.Text;

namespace ManifestCompiler.Runtime.Support.Python;

/// <summary>The builtins and methods of the subset, with CPython 3.11's results and exceptions.</summary>
public static class PyBuiltins
{
    /// <summary>The builtins and methods of the webhook subset (the checker allows exactly these).</summary>
    public static readonly ImmutableArray<string> Names = ["str", "int", "float", "bool", "len", "abs", "min", "max", "round"];

    public static readonly ImmutableArray<string> StringMethods =
        ["lower", "upper", "strip", "lstrip", "rstrip", "title", "startswith", "endswith", "split", "replace", "find", "count", "join", "isdigit"];

    public static readonly ImmutableArray<string> DictMethods = ["get", "keys", "values", "items"];

    public static readonly ImmutableArray<string> ListMethods = ["count", "index"];

    public static PyValue Call(string name, IReadOnlyList<PyValue> args, IReadOnlyList<(string Name, PyValue Value)> kwargs)
    {
        switch (name)
        {
            case "str":
                NoKeywords(name, kwargs);
                AtMostOne(name, args);
                return args.Count == 0 ? PyStr.Of(string.Empty) : args[0] is PyStr s ? s : PyStr.Fresh(PyFormat.Str(args[0]));
            case "int":
                return Int(args, kwargs);
            case "float":
                NoKeywords(name, kwargs);
                AtMostOne(name, args);
                return args.Count == 0 ? new PyFloat(0) : Float(args[0]);
            case "bool":
                NoKeywords(name, kwargs);
                AtMostOne(name, args);
                return PyBool.Of(args.Count > 0 && PyOps.IsTruthy(args[0]));
            case "len":
                NoKeywords(name, kwargs);
                ExactlyOne(name, args);
                return PyInt.Of(Length(args[0]));
            case "abs":
                NoKeywords(name, kwargs);
                ExactlyOne(name, args);
                return args[0] switch
                {
                    PyFloat f => new PyFloat(Math.Abs(f.Value)),
                    PyComplex c => new PyFloat(double.Hypot(c.Real, c.Imaginary)),
                    _ when PyOps.AsInteger(args[0]) is { } i => PyInt.Of(BigInteger.Abs(i)),
                    _ => throw new PyException("TypeError", $"bad operand type for abs(): '{args[0].TypeName}'"),
                };
            case "min":
            case "max":
                return MinMax(name, args, kwargs);
            case "round":
                return Round(args, kwargs);
            default:
                throw new PyException("NameError", $"name '{name}' is not defined");
        }
    }

    private static void NoKeywords(string name, IReadOnlyList<(string Name, PyValue Value)> kwargs)
    {
        if (kwargs.Count > 0)
        {
            throw new PyException("TypeError", $"{name}() takes no keyword arguments");
        }
    }

    /// <summary>A function of one argument (CPython's METH_O): "takes exactly one argument".</summary>
    private static void ExactlyOne(string name, IReadOnlyList<PyValue> args)
    {
        if (args.Count != 1)
        {
            throw new PyException("TypeError", $"{name}() takes exactly one argument ({args.Count} given)");
        }
    }

    /// <summary>A constructor of an optional argument (<c>str</c>, <c>float</c>, <c>bool</c>).</summary>
    private static void AtMostOne(string name, IReadOnlyList<PyValue> args)
    {
        if (args.Count > 1)
        {
            throw new PyException("TypeError", $"{name} expected at most 1 argument, got {args.Count}");
        }
    }

    public static int Length(PyValue value) => value switch
    {
        PyStr s => CodePoints.Count(s.Value),
        PyList l => l.Items.Count,
        PyTuple t => t.Items.Count,
        PyDict d => d.Count,
        PyDictView v => v.Dict.Count,
        _ => throw new PyException("TypeError", $"object of type '{value.TypeName}' has no len()"),
    };

    /// <summary>Iterating a value as a for loop would: characters, items, or dict keys.</summary>
    public static IEnumerable<PyValue> Iterate(PyValue value) => value switch
    {
        PyStr s => CodePoints.Of(s.Value).Select(cp => (PyValue)PyStr.Fresh(CodePoints.ToText(cp))),
        PyList l => l.Items,
        PyTuple t => t.Items,
        PyDict d => d.Keys,
        PyDictView v => v.Items,
        _ => throw new PyException("TypeError", $"'{value.TypeName}' object is not iterable"),
    };

    private static PyValue Int(IReadOnlyList<PyValue> args, IReadOnlyList<(string Name, PyValue Value)> kwargs)
    {
        var all = args.ToList();
        foreach (var (key, value) in kwargs)
        {
            if (key != "base")
            {
                throw new PyException("TypeError", $"'{key}' is an invalid keyword argument for int()");
            }
            if (all.Count == 0)
            {
                throw new PyException("TypeError", "int() missing string argument");
            }
            all.Add(value);
        }
        if (all.Count > 2)
        {
            throw new PyException("TypeError", $"int() takes at most 2 arguments ({all.Count} given)");
        }
        if (all.Count == 0)
        {
            return PyInt.Of(0);
        }
        var x = all[0];
        if (all.Count == 2)
        {
            if (x is not PyStr text)
            {
                throw new PyException("TypeError", "int() can't convert non-string with explicit base");
            }
            var radix = PyOps.AsInteger(all[1]) ?? throw new PyException("TypeError", $"'{all[1].TypeName}' object cannot be interpreted as an integer");
            if (radix != 0 && (radix < 2 || radix > 36))
            {
                throw new PyException("ValueError", "int() base must be >= 2 and <= 36, or 0");
            }
            return PyInt.Of(ParseInt(text.Value, (int)radix));
        }
        return x switch
        {
            PyFloat f when double.IsNaN(f.Value) => throw new PyException("ValueError", "cannot convert float NaN to integer"),
            PyFloat f when double.IsInfinity(f.Value) => throw new PyException("OverflowError", "cannot convert float infinity to integer"),
            PyFloat f => PyInt.Of(new BigInteger(Math.Truncate(f.Value))),
            PyStr s => PyInt.Of(ParseInt(s.Value, 10)),
            _ when PyOps.AsInteger(x) is { } i => PyInt.Of(i),
            _ => throw new PyException("TypeError", $"int() argument must be a string, a bytes-like object or a real number, not '{x.TypeName}'"),
        };
    }

    private static BigInteger ParseInt(string text, int radix)
    {
        // CPython 3.11 (Objects/longobject.c) scans the leading digits first: a misplaced underscore there is an invalid
        // literal, more than sys.get_int_max_str_digits() digits in a base that is not a power of two is refused before
        // any conversion (which costs time quadratic in the digits), and only then is the rest checked.
        var ascii = AsciiDigits(text);
        var digits = LeadingDigits(ascii, radix, out var wellFormed);
        if (wellFormed && digits > PyFormat.MaxIntDigits)
        {
            throw new PyException("ValueError", $"Exceeds the limit ({PyFormat.MaxIntDigits} digits) for integer string conversion: value has {digits} digits; use sys.set_int_max_str_digits() to increase the limit");
        }
        if (wellFormed && TryParseInt(ascii, radix, out var value))
        {
            return value;
        }
        // CPython formats the literal with %.200R: its repr cut to 200 characters.
        var repr = CodePoints.Of(PyFormat.StringRepr(text));
        throw new PyException("ValueError", $"invalid literal for int() with base {radix}: {(repr.Length > 200 ? CodePoints.ToText(repr.Take(200)) : CodePoints.ToText(repr))}");
    }

    /// <summary>
    /// The digits CPython counts against the digit limit: the run of digits (and single underscores) after the blanks,
    /// the sign and a prefix, in a base whose conversion is not linear (not a power of two); 0 otherwise.
    /// </summary>
    private static int LeadingDigits(string text, int radix, out bool wellFormed)
    {
        wellFormed = true;
        var s = text.AsSpan().Trim(WhiteSpace);
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            s = s[1..];
        }
        if (radix == 0)
        {
            if (s.Length >= 2 && s[0] == '0' && char.ToLowerInvariant(s[1]) is 'x' or 'o' or 'b')
            {
                return 0;
            }
            radix = 10;
        }
        if (BitOperations.IsPow2(radix))
        {
            return 0;
        }
        var digits = 0;
        var previous = '\0';
        foreach (var c in s)
        {
            if (c != '_' && DigitValue(c) >= radix)
            {
                break;
            }
            if (c == '_' && previous is '_' or '\0')
            {
                wellFormed = false;
                return digits;
            }
            digits += c == '_' ? 0 : 1;
            previous = c;
        }
        wellFormed = previous != '_';
        return digits;
    }

    /// <summary>
    /// <paramref name="text"/> with every decimal digit of any script (supplementary planes too, such as U+1D7D9) as its
    /// ASCII digit: CPython's int() and float() read them so (_PyUnicode_TransformDecimalAndSpaceToASCII).
    /// </summary>
    private static string AsciiDigits(string text)
    {
        if (Ascii.IsValid(text))
        {
            return text;
        }
        var builder = new StringBuilder(text.Length);
        for (var k = 0; k < text.Length; k++)
        {
            var digit = CharUnicodeInfo.GetDecimalDigitValue(text, k);
            var pair = char.IsHighSurrogate(text[k]) && k + 1 < text.Length && char.IsLowSurrogate(text[k + 1]);
            if (digit >= 0 && pair && Array.BinarySearch(Unicode14SupplementaryZeros, char.ConvertToUtf32(text[k], text[k + 1]) - digit) < 0)
            {
                digit = -1;
            }
            if (digit >= 0)
            {
                builder.Append((char)('0' + digit));
            }
            else
            {
                builder.Append(text, k, pair ? 2 : 1);
            }
            k += pair ? 1 : 0;
        }
        return builder.ToString();
    }

    // The zeros of the supplementary planes' decimal digit runs in Unicode 14.0, CPython 3.11's unicodedata. .NET's
    // tables are newer: digits added since (Kawi, Garay, Sunuwar and others) are not digits to CPython 3.11. The BMP's
    // decimal digits are the same in both.
    private static readonly int[] Unicode14SupplementaryZeros =
    [
        0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50,
        0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
    ];

    /// <summary>A character's digit value in bases up to 36 (any script's decimal digits, then Latin letters); 99 if none.</summary>
    private static int DigitValue(char c)
    {
        var digit = CharUnicodeInfo.GetDecimalDigitValue(c);
        return digit >= 0 ? digit : c is >= 'a' and <= 'z' ? c - 'a' + 10 : c is >= 'A' and <= 'Z' ? c - 'A' + 10 : 99;
    }

    /// <summary>
    /// Python's <c>int(str, base)</c>: blanks around, a sign, digits (any script's decimal digits) with single
    /// underscores between them, a 0x/0o/0b prefix when base is 0 or matches. The one parser for Python integers.
    /// </summary>
    internal static bool TryParseInt(string text, int radix, out BigInteger result)
    {
        result = BigInteger.Zero;
        var s = AsciiDigits(text).AsSpan().Trim(WhiteSpace);
        var negative = false;
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s.Length >= 2 && s[0] == '0' && char.ToLowerInvariant(s[1]) is 'x' or 'o' or 'b')
        {
            var prefixRadix = char.ToLowerInvariant(s[1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
            if (radix == 0 || radix == prefixRadix)
            {
                radix = prefixRadix;
                s = s[2..];
                if (s.Length > 0 && s[0] == '_')
                {
                    s = s[1..];
                }
            }
        }
        else if (radix == 0)
        {
            radix = 10;
            if (s.Length > 1 && s[0] == '0' && s.ToString().Replace("_", "", StringComparison.Ordinal).Any(c => c != '0'))
            {
                return false;
            }
        }
        if (s.Length == 0 || s[0] == '_' || s[^1] == '_')
        {
            return false;
        }
        // One linear pass checks the digits and underscores; the conversion follows. A base that is a power of two has
        // no digit limit in CPython (its conversion is linear), so its digits are packed as bits: building the value
        // digit by digit would copy the growing number once per digit, quadratic in a webhook value of a megabyte.
        // Other bases stop at the digit limit ParseInt reports, which also bounds every other caller.
        var digitCount = 0;
        var previousUnderscore = false;
        foreach (var c in s)
        {
            if (c == '_')
            {
                if (previousUnderscore)
                {
                    return false;
                }
                previousUnderscore = true;
                continue;
            }
            previousUnderscore = false;
            if (DigitValue(c) >= radix)
            {
                return false;
            }
            digitCount++;
        }
        var value = BigInteger.Zero;
        if (BitOperations.IsPow2(radix))
        {
            var bitsPerDigit = BitOperations.Log2((uint)radix);
            var bytes = new byte[(((long)digitCount * bitsPerDigit) >> 3) + 2];
            var bit = 0L;
            for (var k = s.Length - 1; k >= 0; k--)
            {
                if (s[k] != '_')
                {
                    var shifted = DigitValue(s[k]) << (int)(bit & 7);
                    bytes[bit >> 3] |= (byte)shifted;
                    bytes[(bit >> 3) + 1] |= (byte)(shifted >> 8);
                    bit += bitsPerDigit;
                }
            }
            value = new BigInteger(bytes, isUnsigned: true);
        }
        else
        {
            if (digitCount > PyFormat.MaxIntDigits)
            {
                return false;
            }
            foreach (var c in s)
            {
                if (c != '_')
                {
                    value = value * radix + DigitValue(c);
                }
            }
        }
        result = negative ? -value : value;
        return true;
    }

    // The blanks int() and float() strip: str.isspace's, less the separators \x1c-\x1f (CPython turns only non-ASCII
    // spaces into ' ' before its ASCII strip, and ASCII's isspace does not count the separators).
    private static readonly char[] WhiteSpace = Enumerable.Range(0, 0x3001).Select(c => (char)c).Where(c => IsPythonSpace(c) && c is not (>= '\x1c' and <= '\x1f')).ToArray();

    /// <summary>str.isspace per character: Unicode White_Space plus the information separators \x1c-\x1f.</summary>
    public static bool IsPythonSpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\v' or '\f' or (>= '\x1c' and <= '\x1f') or '\x85' or '\xa0'
        || (c > 0xff && char.IsWhiteSpace(c));

    private static PyValue Float(PyValue x)
    {
        switch (x)
        {
            case PyFloat:
                return x;
            case PyStr s:
                var text = AsciiDigits(s.Value).Trim(WhiteSpace);
                var normalized = text.ToLowerInvariant();
                var sign = normalized.StartsWith('-') ? -1.0 : 1.0;
                var unsigned = normalized.TrimStart('+', '-');
                if (normalized.Length - unsigned.Length <= 1)
                {
                    if (unsigned is "inf" or "infinity")
                    {
                        return new PyFloat(sign * double.PositiveInfinity);
                    }
                    if (unsigned == "nan")
                    {
                        return new PyFloat(double.NaN);
                    }
                }
                if (IsFloatLiteral(text) && double.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                {
                    return new PyFloat(d);
                }
                throw new PyException("ValueError", $"could not convert string to float: {PyFormat.StringRepr(s.Value)}");
            default:
                if (PyOps.AsInteger(x) is { } i)
                {
                    return new PyFloat(PyOps.ToDouble(i));
                }
                throw new PyException("TypeError", $"float() argument must be a string or a real number, not '{x.TypeName}'");
        }
    }

    /// <summary>[sign] digits [. digits] [e [sign] digits], underscores only between digits.</summary>
    private static bool IsFloatLiteral(string text)
    {
        var i = 0;
        if (i < text.Length && text[i] is '+' or '-')
        {
            i++;
        }
        var digits = ReadDigits(text, ref i);
        var fraction = 0;
        if (i < text.Length && text[i] == '.')
        {
            i++;
            fraction = ReadDigits(text, ref i);
        }
        if (digits + fraction == 0 || digits < 0 || fraction < 0)
        {
            return false;
        }
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }
            if (ReadDigits(text, ref i) <= 0)
            {
                return false;
            }
        }
        return i == text.Length;

        static int ReadDigits(string s, ref int i)
        {
            var count = 0;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || (s[i] == '_' && count > 0 && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]))))
            {
                if (s[i] != '_')
                {
                    count++;
                }
                i++;
            }
            return count;
        }
    }

    private static PyValue MinMax(string name, IReadOnlyList<PyValue> args, IReadOnlyList<(string Name, PyValue Value)> kwargs)
    {
        // CPython checks the positional arguments before any keyword (bltinmodule.c's min_max).
        if (args.Count == 0)
        {
            throw new PyException("TypeError", $"{name} expected at least 1 argument, got 0");
        }
        PyValue? defaultValue = null;
        foreach (var (key, value) in kwargs)
        {
            if (key == "default" && args.Count == 1)
            {
                defaultValue = value;
            }
            else if (key == "default")
            {
                throw new PyException("TypeError", $"Cannot specify a default for {name}() with multiple positional arguments");
            }
            else
            {
                throw new PyException("TypeError", $"'{key}' is an invalid keyword argument for {name}()");
            }
        }
        var items = args.Count == 1 ? Iterate(args[0]).ToList() : args.ToList();
        if (items.Count == 0)
        {
            return defaultValue ?? throw new PyException("ValueError", $"{name}() arg is an empty sequence");
        }
        var best = items[0];
        var op = name == "max" ? PyComparisonOperator.Greater : PyComparisonOperator.Less;
        for (var i = 1; i < items.Count; i++)
        {
            if (PyOps.Compare(op, items[i], best))
            {
                best = items[i];
            }
        }
        return best;
    }

    private static PyValue Round(IReadOnlyList<PyValue> args, IReadOnlyList<(string Name, PyValue Value)> kwargs)
    {
        // Argument Clinic's order (CPython 3.11's _PyArg_UnpackKeywords): the count, a missing number, an argument
        // given by name and position, then an unknown keyword.
        var total = args.Count + kwargs.Count;
        if (total > 2)
        {
            // Argument Clinic says "keyword arguments" when every argument was given by name.
            throw new PyException("TypeError", $"round() takes at most 2 {(args.Count == 0 ? "keyword arguments" : "arguments")} ({total} given)");
        }
        var number = args.Count > 0 ? args[0] : Keyword(kwargs, "number")
            ?? throw new PyException("TypeError", "round() missing required argument 'number' (pos 1)");
        var ndigitsArgument = args.Count > 1 ? args[1] : Keyword(kwargs, "ndigits");
        foreach (var (key, _) in kwargs)
        {
            var position = key switch { "number" => 1, "ndigits" => 2, _ => 0 };
            if (position == 0)
            {
                throw new PyException("TypeError", $"'{key}' is an invalid keyword argument for round()");
            }
            if (position <= args.Count)
            {
                throw new PyException("TypeError", $"argument for round() given by name ('{key}') and position ({position})");
            }
        }
        var ndigits = ndigitsArgument is PyNone ? null : ndigitsArgument;
        if (ndigits is not null && PyOps.AsInteger(ndigits) is null)
        {
            throw new PyException("TypeError", $"'{ndigits.TypeName}' object cannot be interpreted as an integer");
        }
        switch (number)
        {
            case PyFloat f when ndigits is null:
                if (double.IsNaN(f.Value))
                {
                    throw new PyException("ValueError", "cannot convert float NaN to integer");
                }
                if (double.IsInfinity(f.Value))
                {
                    throw new PyException("OverflowError", "cannot convert float infinity to integer");
                }
                return PyInt.Of(new BigInteger(Math.Round(f.Value, MidpointRounding.ToEven)));
            case PyFloat f:
                return new PyFloat(RoundFloat(f.Value, PyOps.AsInteger(ndigits!)!.Value));
            case PyBool or PyInt:
                var i = PyOps.AsInteger(number)!.Value;
                if (ndigits is null || PyOps.AsInteger(ndigits)!.Value >= 0)
                {
                    return PyInt.Of(i);
                }
                var digits = -PyOps.AsInteger(ndigits)!.Value;
                if (digits > 10_000)
                {
                    return PyInt.Of(0);
                }
                var pow = BigInteger.Pow(10, (int)digits);
                var q = PyOps.FloorDivide(i, pow);
                var r = i - q * pow;
                var twice = r * 2;
                if (twice > pow || (twice == pow && !q.IsEven))
                {
                    q += 1;
                }
                return PyInt.Of(q * pow);
            default:
                throw new PyException("TypeError", $"type {number.TypeName} doesn't define __round__ method");
        }
    }

    private static PyValue? Keyword(IReadOnlyList<(string Name, PyValue Value)> kwargs, string name)
    {
        foreach (var (key, value) in kwargs)
        {
            if (key == name)
            {
                return value;
            }
        }
        return null;
    }

    /// <summary>round(x, n) for floats: the exact binary value rounded half-even in decimal, as CPython's double_round.</summary>
    // mantissa (< 2^53) * 10^22 (< 2^74) stays below 2^128.
    private const int MaxSmallRoundDigits = 22;

    private static readonly UInt128[] PowersOfTen = Enumerable.Range(0, MaxSmallRoundDigits + 1)
        .Select(n => Enumerable.Repeat((UInt128)10, n).Aggregate(UInt128.One, (product, ten) => product * ten)).ToArray();

    /// <summary>
    /// <see cref="RoundFloat"/>'s exact rounding in 128 bits when it fits (0 &lt;= n &lt;= 22, 2^-127 &lt; scale): the
    /// same half-even quotient and the same correctly rounded parse, with no BigInteger or string (issue 17).
    /// </summary>
    private static double RoundSmall(ulong mantissa, int shift, int n)
    {
        var numerator = mantissa * PowersOfTen[n];
        var q = numerator >> shift;
        var r = numerator - (q << shift);
        var half = UInt128.One << (shift - 1);
        if (r > half || (r == half && (q & UInt128.One) == UInt128.One))
        {
            q += 1;
        }
        Span<char> text = stackalloc char[64];
        q.TryFormat(text, out var length, default, CultureInfo.InvariantCulture);
        text[length++] = 'e';
        text[length++] = '-';
        n.TryFormat(text[length..], out var written, default, CultureInfo.InvariantCulture);
        return double.Parse(text[..(length + written)], NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static double RoundFloat(double x, BigInteger ndigits)
    {
        if (!double.IsFinite(x) || x == 0)
        {
            return x;
        }
        if (ndigits > 323)
        {
            return x;
        }
        if (ndigits < -308)
        {
            return Math.CopySign(0.0, x);
        }
        var n = (int)ndigits;
        // x = mantissa * 2^exponent exactly; scale by 10^n and round the exact rational half-even.
        var bits = BitConverter.DoubleToInt64Bits(x);
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            mantissa |= 1L << 52;
        }
        exponent -= 1075;
        if (n is >= 0 and <= MaxSmallRoundDigits && exponent is < 0 and > -128)
        {
            return Math.CopySign(RoundSmall((ulong)mantissa, -exponent, n), x);
        }
        BigInteger numerator = mantissa;
        var denominator = BigInteger.One;
        if (exponent > 0)
        {
            numerator <<= exponent;
        }
        else
        {
            denominator <<= -exponent;
        }
        if (n >= 0)
        {
            numerator *= BigInteger.Pow(10, n);
        }
        else
        {
            denominator *= BigInteger.Pow(10, -n);
        }
        var q = BigInteger.DivRem(numerator, denominator, out var r);
        var twice = r * 2;
        if (twice > denominator || (twice == denominator && !q.IsEven))
        {
            q += 1;
        }
        // q / 10^n, converted with one correctly rounded parse.
        var text = n >= 0 ? q.ToString(CultureInfo.InvariantCulture) + "e-" + n.ToString(CultureInfo.InvariantCulture) : q.ToString(CultureInfo.InvariantCulture) + "e" + (-n).ToString(CultureInfo.InvariantCulture);
        var result = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsInfinity(result))
        {
            throw new PyException("OverflowError", "rounded value too large to represent");
        }
        return Math.CopySign(result, x);
    }

    // --- methods --------------------------------------------------------------------------------

    public static PyValue CallMethod(PyValue target, string method, IReadOnlyList<PyValue> args, IReadOnlyList<(string Name, PyValue Value)> kwargs)
    {
        switch (target)
        {
            case PyStr s when StringMethods.Contains(method):
                return PyStrMethods.Call(s.Value, method, args, kwargs);
            case PyDict d when DictMethods.Contains(method):
                NoKeywords(method, kwargs);
                switch (method)
                {
                    case "get":
                        if (args.Count is 0 or > 2)
                        {
                            throw new PyException("TypeError", args.Count == 0 ? "get expected at least 1 argument, got 0" : $"get expected at most 2 arguments, got {args.Count}");
                        }
                        PyOps.RequireHashable(args[0]);
                        return d.TryGet(args[0], out var found) ? found : args.Count == 2 ? args[1] : PyNone.Instance;
                    default:
                        if (args.Count > 0)
                        {
                            throw new PyException("TypeError", $"dict.{method}() takes no arguments ({args.Count} given)");
                        }
                        return new PyDictView(d, method switch { "keys" => PyDictViewKind.Keys, "values" => PyDictViewKind.Values, _ => PyDictViewKind.Items });
                }
            case PyList l when ListMethods.Contains(method):
                NoKeywords(method, kwargs);
                if (method == "count")
                {
                    ExactlyOne("list.count", args);
                    return PyInt.Of(l.Items.Count(x => ReferenceEquals(x, args[0]) || PyOps.AreEqual(x, args[0])));
                }
                if (args.Count is 0 or > 3)
                {
                    throw new PyException("TypeError", args.Count == 0 ? "index expected at least 1 argument, got 0" : $"index expected at most 3 arguments, got {args.Count}");
                }
                if (args.Skip(1).Any(bound => PyOps.AsInteger(bound) is null))
                {
                    // list.index takes no None bound, unlike str.find, and its message says so.
                    throw new PyException("TypeError", "slice indices must be integers or have an __index__ method");
                }
                var (start, end) = PyStrMethods.Bounds(args.Count > 1 ? args[1] : null, args.Count > 2 ? args[2] : null, l.Items.Count);
                for (var i = start; i < end; i++)
                {
                    if (ReferenceEquals(l.Items[i], args[0]) || PyOps.AreEqual(l.Items[i], args[0]))
                    {
                        return PyInt.Of(i);
                    }
                }
                throw new PyException("ValueError", $"{PyFormat.Repr(args[0])} is not in list");
            default:
                throw new PyException("AttributeError", $"'{target.TypeName}' object has no attribute '{method}'");
        }
    }
}
