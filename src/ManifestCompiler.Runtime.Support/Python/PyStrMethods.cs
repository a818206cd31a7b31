using System.Globalization;
using System.Numerics;
using System.Text;
using ManifestCompiler.Runtime.Support.Text;

namespace ManifestCompiler.Runtime.Support.Python;

/// <summary>The str methods of the subset. Indexes count code points, as Python's do.</summary>
internal static class PyStrMethods
{
    public static PyValue Call(string text, string method, IReadOnlyList<PyValue> args, IReadOnlyList<(string Name, PyValue Value)> kwargs)
    {
        if (method != "split" && kwargs.Count > 0)
        {
            throw new PyException("TypeError", $"str.{method}() takes no keyword arguments");
        }
        switch (method)
        {
            case "lower":
                NoArguments(method, args);
                return PyStr.Fresh(Lower(text));
            case "upper":
                NoArguments(method, args);
                return PyStr.Fresh(Upper(text));
            case "title":
                NoArguments(method, args);
                return PyStr.Fresh(Title(text));
            case "isdigit":
                NoArguments(method, args);
                return PyBool.Of(IsDigit(text));
            case "strip":
            case "lstrip":
            case "rstrip":
                return PyStr.Fresh(Strip(text, method, args));
            case "startswith":
            case "endswith":
                return PyBool.Of(StartsOrEndsWith(text, method, args));
            case "split":
                return Split(text, args, kwargs);
            case "replace":
                return PyStr.Fresh(Replace(text, args));
            case "find":
                return PyInt.Of(Find(text, args));
            case "count":
                return PyInt.Of(Count(text, args));
            case "join":
                return PyStr.Fresh(Join(text, args));
            default:
                throw new PyException("AttributeError", $"'str' object has no attribute '{method}'");
        }
    }

    private static void NoArguments(string method, IReadOnlyList<PyValue> args)
    {
        if (args.Count > 0)
        {
            throw new PyException("TypeError", $"str.{method}() takes no arguments ({args.Count} given)");
        }
    }

    /// <summary>The count check of find, count, startswith and endswith: a needle, then an optional start and end.</summary>
    private static void NeedleStartEnd(string method, IReadOnlyList<PyValue> args)
    {
        if (args.Count == 0)
        {
            throw new PyException("TypeError", $"{method}() takes at least 1 argument (0 given)");
        }
        if (args.Count > 3)
        {
            throw new PyException("TypeError", $"{method}() takes at most 3 arguments ({args.Count} given)");
        }
    }

    /// <summary>The argument count check of the methods CPython declares with Argument Clinic (<c>strip</c>, <c>replace</c>).</summary>
    private static void ExpectedArguments(string method, IReadOnlyList<PyValue> args, int min, int max)
    {
        if (args.Count < min)
        {
            throw new PyException("TypeError", $"{method} expected at least {min} arguments, got {args.Count}");
        }
        if (args.Count > max)
        {
            throw new PyException("TypeError", $"{method} expected at most {max} argument{(max == 1 ? "" : "s")}, got {args.Count}");
        }
    }

    /// <summary>A count argument read as CPython's Py_ssize_t (split's maxsplit, replace's count): beyond it, OverflowError.</summary>
    private static long SsizeT(BigInteger value) => value >= long.MinValue && value <= long.MaxValue
        ? (long)value
        : throw new PyException("OverflowError", "Python int too large to convert to C ssize_t");

    private static string RequireStr(PyValue value) =>
        value is PyStr s ? s.Value : throw new PyException("TypeError", $"must be str, not {value.TypeName}");

    /// <summary>start/end arguments as for a slice: None or ints (negative from the end), clamped to [0, length].</summary>
    internal static (int Start, int End) Bounds(PyValue? start, PyValue? end, int length)
    {
        // CPython clamps end to the length but not start: a start past the end finds nothing, not even ''. Any
        // start past the end behaves alike, so length + 1 stands for all of them.
        return (Clamp(start, 0, length + 1), Clamp(end, length, length));

        int Clamp(PyValue? value, int missing, int max)
        {
            if (value is null or PyNone)
            {
                return missing;
            }
            var i = PyOps.AsInteger(value) ?? throw new PyException("TypeError", "slice indices must be integers or None or have an __index__ method");
            if (i < 0)
            {
                i += length;
            }
            return (int)BigInteger.Clamp(i, 0, max);
        }
    }

    // Case mappings that change length or depend on context, which .NET's invariant mapping does not apply.
    private static readonly Dictionary<int, string> SpecialUpper = new()
    {
        [0x00DF] = "SS", [0xFB00] = "FF", [0xFB01] = "FI", [0xFB02] = "FL", [0xFB03] = "FFI", [0xFB04] = "FFL", [0xFB05] = "ST", [0xFB06] = "ST",
        [0x0149] = "\u02BCN", [0x01F0] = "J\u030C", [0x0390] = "\u0399\u0308\u0301", [0x03B0] = "\u03A5\u0308\u0301", [0x0587] = "\u0535\u0552",
        [0x1E96] = "H\u0331", [0x1E97] = "T\u0308", [0x1E98] = "W\u030A", [0x1E99] = "Y\u030A", [0x1E9A] = "A\u02BE",
    };

    private static readonly Dictionary<int, string> SpecialTitle = new()
    {
        [0x00DF] = "Ss", [0xFB00] = "Ff", [0xFB01] = "Fi", [0xFB02] = "Fl", [0xFB03] = "Ffi", [0xFB04] = "Ffl", [0xFB05] = "St", [0xFB06] = "St",
    };

    private static string Upper(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var cp in CodePoints.Of(text))
        {
            builder.Append(SpecialUpper.TryGetValue(cp, out var special) ? special : MapSimple(cp, upper: true));
        }
        return builder.ToString();
    }

    private static string Lower(string text)
    {
        var cps = CodePoints.Of(text);
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < cps.Length; i++)
        {
            var cp = cps[i];
            if (cp == 0x0130)
            {
                builder.Append("i\u0307");
            }
            else if (cp == 0x03A3)
            {
                builder.Append(IsFinalSigma(cps, i) ? 'ς' : 'σ');
            }
            else
            {
                builder.Append(MapSimple(cp, upper: false));
            }
        }
        return builder.ToString();
    }

    /// <summary>Unicode's Final_Sigma: a cased letter before (skipping case-ignorables), none after.</summary>
    private static bool IsFinalSigma(int[] cps, int at)
    {
        var before = false;
        for (var j = at - 1; j >= 0; j--)
        {
            if (IsCaseIgnorable(cps[j]))
            {
                continue;
            }
            before = IsCased(cps[j]);
            break;
        }
        if (!before)
        {
            return false;
        }
        for (var j = at + 1; j < cps.Length; j++)
        {
            if (IsCaseIgnorable(cps[j]))
            {
                continue;
            }
            return !IsCased(cps[j]);
        }
        return true;
    }

    /// <summary>Unicode's Cased (what CPython's title() and final sigma test): the case letters plus Other_Lowercase and Other_Uppercase.</summary>
    private static bool IsCased(int cp)
    {
        if (CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter)
        {
            return true;
        }
        foreach (var (first, last) in OtherCased)
        {
            if (cp >= first && cp <= last)
            {
                return true;
            }
        }
        return false;
    }

    // Other_Lowercase and Other_Uppercase of Unicode 14.0 (CPython 3.11's unicodedata), such as ª, ʰ, Ⅰ and Ⓐ.
    private static readonly (int First, int Last)[] OtherCased =
    [
        (0xAA, 0xAA), (0xBA, 0xBA), (0x2B0, 0x2B8), (0x2C0, 0x2C1), (0x2E0, 0x2E4), (0x345, 0x345), (0x37A, 0x37A), (0x1D2C, 0x1D6A),
        (0x1D78, 0x1D78), (0x1D9B, 0x1DBF), (0x2071, 0x2071), (0x207F, 0x207F), (0x2090, 0x209C), (0x2160, 0x217F), (0x24B6, 0x24E9),
        (0x2C7C, 0x2C7D), (0xA69C, 0xA69D), (0xA770, 0xA770), (0xA7F8, 0xA7F9), (0xAB5C, 0xAB5F), (0x10780, 0x10780), (0x10783, 0x10785),
        (0x10787, 0x107B0), (0x107B2, 0x107BA), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189),
    ];

    private static bool IsCaseIgnorable(int cp) => cp is '\'' or '.' or ':' or '^' or '`' or 0xB7 or 0x2019
        || CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;

    private static string MapSimple(int cp, bool upper)
    {
        var s = CodePoints.ToText(cp);
        return upper ? s.ToUpperInvariant() : s.ToLowerInvariant();
    }

    /// <summary>str.title: a cased character after a cased one is lowered; any other starts a word.</summary>
    internal static string Title(string text)
    {
        var builder = new StringBuilder(text.Length);
        var previousCased = false;
        foreach (var cp in CodePoints.Of(text))
        {
            if (previousCased)
            {
                builder.Append(cp == 0x0130 ? "i\u0307" : MapSimple(cp, upper: false));
            }
            else
            {
                builder.Append(SpecialTitle.TryGetValue(cp, out var special) ? special : TitleCase(cp));
            }
            previousCased = IsCased(cp);
        }
        return builder.ToString();
    }

    private static string TitleCase(int cp) => cp switch
    {
        // Digraphs have their own titlecase letters.
        0x01C4 or 0x01C5 or 0x01C6 => "\u01C5",
        0x01C7 or 0x01C8 or 0x01C9 => "\u01C8",
        0x01CA or 0x01CB or 0x01CC => "\u01CB",
        0x01F1 or 0x01F2 or 0x01F3 => "\u01F2",
        _ => SpecialUpper.TryGetValue(cp, out var special) ? special : MapSimple(cp, upper: true),
    };

    private static bool IsDigit(string text)
    {
        if (text.Length == 0)
        {
            return false;
        }
        for (var i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1)
        {
            if (CharUnicodeInfo.GetDigitValue(text, i) < 0)
            {
                return false;
            }
        }
        return true;
    }

    private static string Strip(string text, string method, IReadOnlyList<PyValue> args)
    {
        ExpectedArguments(method, args, 0, 1);
        var chars = args.Count == 0 || args[0] is PyNone ? null
            : args[0] is PyStr s ? CodePoints.Of(s.Value).ToHashSet()
            : throw new PyException("TypeError", $"{method} arg must be None or str");
        var cps = CodePoints.Of(text);
        bool Strippable(int cp) => chars is null ? cp <= 0xFFFF && PyBuiltins.IsPythonSpace((char)cp) : chars.Contains(cp);
        var start = 0;
        var end = cps.Length;
        if (method != "rstrip")
        {
            while (start < end && Strippable(cps[start]))
            {
                start++;
            }
        }
        if (method != "lstrip")
        {
            while (end > start && Strippable(cps[end - 1]))
            {
                end--;
            }
        }
        return CodePoints.ToText(cps[start..end]);
    }

    private static bool StartsOrEndsWith(string text, string method, IReadOnlyList<PyValue> args)
    {
        NeedleStartEnd(method, args);
        var candidates = args[0] switch
        {
            PyStr s => [s.Value],
            PyTuple t => t.Items.Select(i => i is PyStr s ? s.Value : throw new PyException("TypeError", $"tuple for {method} must only contain str, not {i.TypeName}")).ToList(),
            _ => throw new PyException("TypeError", $"{method} first arg must be str or a tuple of str, not {args[0].TypeName}"),
        };
        var cps = CodePoints.Of(text);
        var (start, end) = Bounds(args.Count > 1 ? args[1] : null, args.Count > 2 ? args[2] : null, cps.Length);
        // CPython: a start beyond the text fails even for an empty prefix.
        if (start > cps.Length)
        {
            return false;
        }
        var window = end < start ? string.Empty : CodePoints.ToText(cps[start..end]);
        if (end < start)
        {
            return false;
        }
        return candidates.Any(c => method == "startswith" ? window.StartsWith(c, StringComparison.Ordinal) : window.EndsWith(c, StringComparison.Ordinal));
    }

    private static PyValue Split(string text, IReadOnlyList<PyValue> args, IReadOnlyList<(string Name, PyValue Value)> kwargs)
    {
        if (args.Count + kwargs.Count > 2)
        {
            throw new PyException("TypeError", $"split() takes at most 2 {(args.Count == 0 ? "keyword " : "")}arguments ({args.Count + kwargs.Count} given)");
        }
        PyValue separator = args.Count > 0 ? args[0] : PyNone.Instance;
        PyValue maxsplitValue = args.Count > 1 ? args[1] : PyInt.Of(-1);
        foreach (var (key, value) in kwargs)
        {
            if (key == "sep" && args.Count < 1)
            {
                separator = value;
            }
            else if (key == "maxsplit" && args.Count < 2)
            {
                maxsplitValue = value;
            }
            else
            {
                throw new PyException("TypeError", key is "sep" or "maxsplit"
                    ? $"argument for split() given by name ('{key}') and position ({(key == "sep" ? 1 : 2)})"
                    : $"'{key}' is an invalid keyword argument for split()");
            }
        }
        var maxsplit = PyOps.AsInteger(maxsplitValue) ?? throw new PyException("TypeError", $"'{maxsplitValue.TypeName}' object cannot be interpreted as an integer");
        var limit = SsizeT(maxsplit) < 0 ? int.MaxValue : (int)BigInteger.Min(maxsplit, int.MaxValue);
        var parts = new List<PyValue>();
        if (separator is PyNone)
        {
            var cps = CodePoints.Of(text);
            bool IsSpace(int cp) => cp <= 0xFFFF && PyBuiltins.IsPythonSpace((char)cp);
            var i = 0;
            while (true)
            {
                while (i < cps.Length && IsSpace(cps[i]))
                {
                    i++;
                }
                if (i >= cps.Length)
                {
                    break;
                }
                if (parts.Count == limit)
                {
                    // The rest as it is: CPython strips only the whitespace before it.
                    parts.Add(PyStr.Fresh(CodePoints.ToText(cps[i..])));
                    break;
                }
                var start = i;
                while (i < cps.Length && !IsSpace(cps[i]))
                {
                    i++;
                }
                parts.Add(PyStr.Fresh(CodePoints.ToText(cps[start..i])));
            }
            return new PyList(parts);
        }
        var sep = separator is PyStr s ? s.Value : throw new PyException("TypeError", $"must be str or None, not {separator.TypeName}");
        if (sep.Length == 0)
        {
            throw new PyException("ValueError", "empty separator");
        }
        var position = 0;
        while (parts.Count < limit)
        {
            var next = text.IndexOf(sep, position, StringComparison.Ordinal);
            if (next < 0)
            {
                break;
            }
            parts.Add(PyStr.Fresh(text[position..next]));
            position = next + sep.Length;
        }
        parts.Add(PyStr.Fresh(text[position..]));
        return new PyList(parts);
    }

    private static string Replace(string text, IReadOnlyList<PyValue> args)
    {
        ExpectedArguments("replace", args, 2, 3);
        var old = args[0] is PyStr o ? o.Value : throw new PyException("TypeError", $"replace() argument 1 must be str, not {args[0].TypeName}");
        var replacement = args[1] is PyStr r ? r.Value : throw new PyException("TypeError", $"replace() argument 2 must be str, not {args[1].TypeName}");
        var countValue = args.Count > 2 ? PyOps.AsInteger(args[2]) ?? throw new PyException("TypeError", $"'{args[2].TypeName}' object cannot be interpreted as an integer") : -1;
        var count = SsizeT(countValue) < 0 ? long.MaxValue : SsizeT(countValue);
        var builder = new StringBuilder();
        if (old.Length == 0)
        {
            var cps = CodePoints.Of(text);
            long done = 0;
            for (var i = 0; i <= cps.Length; i++)
            {
                if (done < count)
                {
                    builder.Append(replacement);
                    done++;
                }
                if (i < cps.Length)
                {
                    builder.Append(CodePoints.ToText(cps[i]));
                }
                if (builder.Length > PyOps.MaxSequenceLength)
                {
                    throw new PyException("MemoryError", "the result would be too large; webhook expressions are bounded");
                }
            }
            return builder.ToString();
        }
        var position = 0;
        long replaced = 0;
        while (replaced < count)
        {
            var next = text.IndexOf(old, position, StringComparison.Ordinal);
            if (next < 0)
            {
                break;
            }
            builder.Append(text, position, next - position).Append(replacement);
            position = next + old.Length;
            replaced++;
            if (builder.Length > PyOps.MaxSequenceLength)
            {
                throw new PyException("MemoryError", "the result would be too large; webhook expressions are bounded");
            }
        }
        return builder.Append(text, position, text.Length - position).ToString();
    }

    private static (int[] Haystack, int[] Needle, int Start, int End) SearchArguments(string method, string text, IReadOnlyList<PyValue> args)
    {
        NeedleStartEnd(method, args);
        var sub = RequireStr(args[0]);
        var cps = CodePoints.Of(text);
        var (start, end) = Bounds(args.Count > 1 ? args[1] : null, args.Count > 2 ? args[2] : null, cps.Length);
        return (cps, CodePoints.Of(sub), start, end);
    }

    private static int Find(string text, IReadOnlyList<PyValue> args)
    {
        var (hay, needle, start, end) = SearchArguments("find", text, args);
        for (var i = start; i + needle.Length <= end; i++)
        {
            if (hay.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }
        return -1;
    }

    private static int Count(string text, IReadOnlyList<PyValue> args)
    {
        var (hay, needle, start, end) = SearchArguments("count", text, args);
        if (start > hay.Length || end < start)
        {
            return 0;
        }
        if (needle.Length == 0)
        {
            return end - start + 1;
        }
        var count = 0;
        for (var i = start; i + needle.Length <= end;)
        {
            if (hay.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                count++;
                i += needle.Length;
            }
            else
            {
                i++;
            }
        }
        return count;
    }

    private static string Join(string separator, IReadOnlyList<PyValue> args)
    {
        if (args.Count != 1)
        {
            throw new PyException("TypeError", $"str.join() takes exactly one argument ({args.Count} given)");
        }
        IEnumerable<PyValue> items;
        try
        {
            items = PyBuiltins.Iterate(args[0]).ToList();
        }
        catch (PyException)
        {
            throw new PyException("TypeError", "can only join an iterable");
        }
        var builder = new StringBuilder();
        var index = 0;
        foreach (var item in items)
        {
            if (item is not PyStr s)
            {
                throw new PyException("TypeError", $"sequence item {index}: expected str instance, {item.TypeName} found");
            }
            if (index > 0)
            {
                builder.Append(separator);
            }
            builder.Append(s.Value);
            index++;
            if (builder.Length > PyOps.MaxSequenceLength)
            {
                throw new PyException("MemoryError", "the result would be too large; webhook expressions are bounded");
            }
        }
        return builder.ToString();
    }
}
