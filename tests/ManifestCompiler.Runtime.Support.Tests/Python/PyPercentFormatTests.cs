using ManifestCompiler.Runtime.Support.Python;

namespace ManifestCompiler.Runtime.Support.Tests.Python;

/// <summary>
/// <c>str % args</c> as an expression's <c>%</c> computes it (<see cref="PyOps.Binary"/>): the text, or the exception a
/// step error reports. Every expected value is CPython 3.11's (<c>/usr/bin/python3</c>, <c>format % args</c>).
/// </summary>
public sealed class PyPercentFormatTests
{
    private static PyValue S(string value) => PyStr.Of(value);

    private static PyTuple T(params PyValue[] items) => new(items);

    private static PyDict D()
    {
        var dict = new PyDict();
        dict.Set(S("a"), PyInt.Of(1));
        return dict;
    }

    private static string Format(string format, PyValue args) => ((PyStr)PyOps.Binary(PyBinaryOperator.Modulo, S(format), args)).Value;

    private static string Error(string format, PyValue args)
    {
        var e = Assert.Throws<PyException>(() => PyOps.Binary(PyBinaryOperator.Modulo, S(format), args));
        return e.ExceptionClass + ": " + e.Message;
    }

    public static TheoryData<string, PyValue, string> Formatted => new()
    {
        { "%s and %r", T(S("a"), S("b")), "a and 'b'" },
        { "%r", S("é"), "'é'" },
        { "%a", S("é"), "'\\xe9'" },
        { "%a", T(S("é😀")), "'\\xe9\\U0001f600'" },
        { "%d|%i|%d|%d", T(new PyFloat(3.7), PyBool.True, new PyFloat(-3.7), PyInt.Of(System.Numerics.BigInteger.Pow(10, 20))), "3|1|-3|100000000000000000000" },
        { "%d", new PyFloat(1e20), "100000000000000000000" },
        { "%f|%f|%F|%f|%F", T(PyInt.Of(1), new PyFloat(2.5), new PyFloat(double.PositiveInfinity), new PyFloat(double.NegativeInfinity), new PyFloat(double.NaN)), "1.000000|2.500000|INF|-inf|NAN" },
        { "%f", new PyFloat(5e-7), "0.000000" },
        { "%f", new PyFloat(1e20), "100000000000000000000.000000" },
        { "%f", PyBool.True, "1.000000" },
        { "%f", new PyFloat(-0.0), "-0.000000" },
        { "100%%", T(), "100%" },
        { "%%%s%%", S("x"), "%x%" },
        { "%s|%r", T(PyNone.Instance, new PyFloat(1.5)), "None|1.5" },
        { "%s", new PyList([PyInt.Of(1), PyInt.Of(2)]), "[1, 2]" },
        { "%s", T(T(PyInt.Of(1), PyInt.Of(2))), "(1, 2)" },
        { "%s", D(), "{'a': 1}" },
        { "abc", D(), "abc" },
        { "abc", T(), "abc" },
        { "abc", new PyList([PyInt.Of(1)]), "abc" }, // a list has the mapping protocol: unused, no error
        { "%s", new PyList([]), "[]" },
    };

    [Theory]
    [MemberData(nameof(Formatted))]
    public void A_format_gives_cpythons_text(string format, PyValue args, string expected) => Assert.Equal(expected, Format(format, args));

    public static TheoryData<string, PyValue, string> Failing => new()
    {
        { "%", T(), "ValueError: incomplete format" },
        { "abc%", T(S("a")), "ValueError: incomplete format" },
        { "%s %s", T(S("a")), "TypeError: not enough arguments for format string" },
        { "%s", T(), "TypeError: not enough arguments for format string" },
        { "%s %s", D(), "TypeError: not enough arguments for format string" },
        { "%s", T(S("a"), S("b")), "TypeError: not all arguments converted during string formatting" },
        { "abc", PyInt.Of(5), "TypeError: not all arguments converted during string formatting" },
        { "abc", S("x"), "TypeError: not all arguments converted during string formatting" },
        { "abc", T(PyInt.Of(1)), "TypeError: not all arguments converted during string formatting" },
        { "%s %s", new PyList([PyInt.Of(1)]), "TypeError: not enough arguments for format string" },
        { "a%zb", PyInt.Of(1), "ValueError: unsupported format character 'z' (0x7a) at index 2" },
        { "%d", S("x"), "TypeError: %d format: a real number is required, not str" },
        { "%i", PyNone.Instance, "TypeError: %i format: a real number is required, not NoneType" },
        { "%d", D(), "TypeError: %d format: a real number is required, not dict" },
        { "%d", new PyFloat(double.NaN), "ValueError: cannot convert float NaN to integer" },
        { "%d", new PyFloat(double.PositiveInfinity), "OverflowError: cannot convert float infinity to integer" },
        { "%i", new PyFloat(double.NegativeInfinity), "OverflowError: cannot convert float infinity to integer" },
        { "%f", S("x"), "TypeError: must be real number, not str" },
        { "%F", PyNone.Instance, "TypeError: must be real number, not NoneType" },
    };

    [Theory]
    [MemberData(nameof(Failing))]
    public void A_format_that_cpython_refuses_raises_its_exception(string format, PyValue args, string expected) => Assert.Equal(expected, Error(format, args));
}
