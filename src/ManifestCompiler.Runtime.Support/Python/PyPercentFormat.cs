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
        var isMapping = args is PyDict;
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
            if (next >= values.Count || (isMapping && args is not PyTuple))
            {
                if (isMapping)
                {
                    throw new PyException("TypeError", "format requires a mapping");
                }
                throw new PyException("TypeError", "not enough arguments for format string");
            }
            var value = values[next++];
            output.Append(code switch
            {
                's' => PyFormat.Str(value),
                'r' or 'a' => PyFormat.Repr(value),
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
        PyFloat f => throw new PyException(double.IsNaN(f.Value) ? "ValueError" : "OverflowError", "cannot convert float to integer"),
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
