using System.Globalization;
using System.Text;
using ManifestCompiler.Runtime.Support.Values;

namespace ManifestCompiler.Runtime.Support.Python;

/// <summary><c>str % args</c>: printf-style formatting for %s %r %a %d %i %f %%, as CPython applies it.</summary>
internal static class PyPercentFormat
{
    public static string Format(string format, PyValue args)
    {
        var values = args is PyTuple t ? t.Items : [args];
        // CPython's test (PyUnicode_Format): an argument with the mapping protocol that is not a tuple or str. Such an
        // argument left unused is no error ('abc' % {'a': 1} and 'abc' % [1] are 'abc'); lists have that protocol too.
        var isMapping = args is PyDict or PyList;
        var next = 0;
        var output = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%')
            {
                output.Append(format[i]);
                continue;
            }
            if (++i >= format.Length)
            {
                throw new PyException("ValueError", "incomplete format");
            }
            var code = format[i];
            if (code == '%')
            {
                output.Append('%');
                continue;
            }
            if (next >= values.Count)
            {
                // Without '%(key)' (not supported) a mapping is one value, as in CPython: '%s' % {'a': 1} is "{'a': 1}".
                throw new PyException("TypeError", "not enough arguments for format string");
            }
            var value = values[next++];
            output.Append(code switch
            {
                's' => PyFormat.Str(value),
                'r' => PyFormat.Repr(value),
                'a' => PyFormat.Ascii(value),
                'd' or 'i' => IntegerText(value, code),
                'f' or 'F' => FloatText(value, code),
                _ => throw new PyException("ValueError", $"unsupported format character '{code}' (0x{(int)code:x}) at index {i}"),
            });
        }
        if (next < values.Count && !isMapping)
        {
            throw new PyException("TypeError", "not all arguments converted during string formatting");
        }
        return output.ToString();
    }

    private static string IntegerText(PyValue value, char code) => value switch
    {
        PyFloat f when double.IsFinite(f.Value) => PyFormat.IntToString(new System.Numerics.BigInteger(Math.Truncate(f.Value))),
        PyFloat f when double.IsNaN(f.Value) => throw new PyException("ValueError", "cannot convert float NaN to integer"),
        PyFloat => throw new PyException("OverflowError", "cannot convert float infinity to integer"),
        _ when PyOps.AsInteger(value) is { } i => PyFormat.IntToString(i),
        _ => throw new PyException("TypeError", $"%{code} format: a real number is required, not {value.TypeName}"),
    };

    private static string FloatText(PyValue value, char code)
    {
        double d = value switch
        {
            PyFloat f => f.Value,
            _ when PyOps.AsInteger(value) is { } i => PyOps.ToDouble(i),
            _ => throw new PyException("TypeError", $"must be real number, not {value.TypeName}"),
        };
        if (!double.IsFinite(d))
        {
            var text = double.IsNaN(d) ? "nan" : d > 0 ? "inf" : "-inf";
            return code == 'F' ? text.ToUpperInvariant() : text;
        }
        return d.ToString("F6", CultureInfo.InvariantCulture);
    }
}
