using ManifestCompiler.Runtime.Support.Python;
using static ManifestCompiler.Syntax.Tests.Python.PythonOutcome;

namespace ManifestCompiler.Syntax.Tests.Python;

/// <summary>
/// How values print (<c>PyFormat</c> in Runtime.Support's PyValue.cs): float repr (shortest round trip, exponent
/// thresholds), string repr and ascii escapes and quote choice, containers and dict views, the int digit limit;
/// what a user reads in a rendered payload or an error is what CPython 3.11 prints.
/// </summary>
public class PyValueFormatTests
{
    [Theory]
    [InlineData("1e16, 1e15, 123456789012345678.0, 0.0001, 0.00001, 1.5e-7, 1e22, 1e-5, -0.0, 0.1, 1/3, 2.5e300, 5e-324, 1.7976931348623157e308, 100.0, 1e100, 12345.678", "(1e+16, 1000000000000000.0, 1.2345678901234568e+17, 0.0001, 1e-05, 1.5e-07, 1e+22, 1e-05, -0.0, 0.1, 0.3333333333333333, 2.5e+300, 5e-324, 1.7976931348623157e+308, 100.0, 1e+100, 12345.678)")]
    [InlineData("str(1e16), str(0.00001), str(-0.0), str(2.5), str(1e22), str(-1.5e-10), f'{1e16}', f'{0.1!r}'", "('1e+16', '1e-05', '-0.0', '2.5', '1e+22', '-1.5e-10', '1e+16', '0.1')")]
    [InlineData("float('inf'), float('-inf'), float('nan'), str(float('inf')), f'{float(\"-inf\")}'", "(inf, -inf, nan, 'inf', '-inf')")]
    [InlineData("'a\\'b', \"a'b\", 'a\"b', 'a\\'\"b', '\\n\\t\\r\\\\', '\\x00\\x1f\\x7f', '\\x80\\x9f\\xa0\\xad', 'é\\u2028\\u200b', '😀', '\\U000e0001', '\\ud800'", "(\"a'b\", \"a'b\", 'a\"b', 'a\\'\"b', '\\n\\t\\r\\\\', '\\x00\\x1f\\x7f', '\\x80\\x9f\\xa0\\xad', 'é\\u2028\\u200b', '😀', '\\U000e0001', '\\ud800')")]
    [InlineData("[1, 'a', None, True, 1.5, [2], (3,), {'k': 'v'}], (1,), (), (1, 2), {}, {'a': [1, {'b': None}]}, str([1, 'a']), str((1, 'a')), str({'a': 'b'})", "([1, 'a', None, True, 1.5, [2], (3,), {'k': 'v'}], (1,), (), (1, 2), {}, {'a': [1, {'b': None}]}, \"[1, 'a']\", \"(1, 'a')\", \"{'a': 'b'}\")")]
    [InlineData("str(10 ** 20), str(-10 ** 20), 2 ** 64, -2 ** 63, str(True), str(None), f'{True!r}'", "('100000000000000000000', '-100000000000000000000', 18446744073709551616, -9223372036854775808, 'True', 'None', 'True')")]
    [InlineData("len(str(10 ** 4299)), len(str(-10 ** 4299))", "(4300, 4301)")]
    [InlineData("str(10 ** 4300)", "ValueError: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit")]
    [InlineData("{'a': 1}.items(), {'a': 1}.values(), {}.keys(), str({'a': 1}.keys()), [{'a': 1}.keys()]", "(dict_items([('a', 1)]), dict_values([1]), dict_keys([]), \"dict_keys(['a'])\", [dict_keys(['a'])])")]
    [InlineData("f'{\"é😀\"!a}', f'{\"plain\"!a}', f'{[\"é\", 1]!a}', f'{ {\"é\": \"ü\"}!a}', f'{\"ÿĀ\"!a}', f'{\"\"!a}'", "(\"'\\\\xe9\\\\U0001f600'\", \"'plain'\", \"['\\\\xe9', 1]\", \"{'\\\\xe9': '\\\\xfc'}\", \"'\\\\xff\\\\u0100'\", \"''\")")]
    public void Values_print_as_cpython_prints_them(string expression, string outcome) => Assert.Equal(outcome, Outcome(expression));

    /// <summary>JSON numbers become ints (any size) or floats as Python's json module reads them.</summary>
    [Theory]
    [InlineData("""{"v": 12345678901234567890}""", "12345678901234567890")]
    [InlineData("""{"v": -0}""", "0")]
    [InlineData("""{"v": 1.0}""", "1.0")]
    [InlineData("""{"v": 1e2}""", "100.0")]
    [InlineData("""{"v": 1E-7}""", "1e-07")]
    [InlineData("""{"v": -0.0}""", "-0.0")]
    [InlineData("""{"v": [true, false, null, "s", {"k": []}]}""", "[True, False, None, 's', {'k': []}]")]
    public void Json_values_read_as_pythons_json_module_reads_them(string body, string repr) => Assert.Equal(repr, Outcome("body['v']", body));


    /// <summary>
    /// The int digit limit at its edges (4,300 digits, the sign not counted) and far past it: refused before any
    /// conversion, as CPython does, so a million-bit value costs no more than a small one.
    /// </summary>
    [Theory]
    [InlineData("len(str(2 ** 14284)), len(str(-2 ** 14284)), len(str(10 ** 4300 - 1)), len(str(-10 ** 4300 + 1)), len(str(2 ** 14000)), len(str(2 ** 13999))", "(4300, 4301, 4300, 4301, 4215, 4215)")]
    [InlineData("str(2 ** 14285 - 1)", "ValueError: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit")]
    [InlineData("str(2 ** 14285)", "ValueError: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit")]
    [InlineData("str(-10 ** 4300)", "ValueError: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit")]
    [InlineData("str(-2 ** 14285)", "ValueError: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit")]
    [InlineData("f'{2 ** 20000}'", "ValueError: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit")]
    [InlineData("str(2 ** 1000000)", "ValueError: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit")]
    [InlineData("[-2 ** 1000000]", "ValueError: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit")]
    public void Ints_past_the_digit_limit_are_refused_before_converting(string expression, string outcome) => Assert.Equal(outcome, Outcome(expression));


    /// <summary>
    /// A complex result (a negative base to a fractional power) prints as CPython's complex repr and is a dict key like
    /// any hashable value; dict keys are found by Python equality (1, 1.0 and True alike, big ints, tuples of them).
    /// </summary>
    [Theory]
    [InlineData("(-4) ** 0.5, (-1) ** 0.5, (-8) ** (1 / 3), (-2.0) ** 1.5, (-8) ** -0.5, str((-4) ** 0.5), [(-1) ** 0.5], (-1e300) ** 0.5, (-1e-300) ** 1.5", "((1.2246467991473532e-16+2j), (6.123233995736766e-17+1j), (1.0000000000000002+1.7320508075688772j), (-5.19573633741296e-16-2.8284271247461903j), (2.1648901405887335e-17-0.3535533905932738j), '(1.2246467991473532e-16+2j)', [(6.123233995736766e-17+1j)], (6.123233995736766e+133+1e+150j), (-0-0j))")]
    [InlineData("f'{(-4) ** 0.5!a}', f'{(-4) ** 0.5}', bool((-4) ** 0.5), abs((-8) ** (1 / 3)), (-4) ** 0.5 == 2, 2 == (-4) ** 0.5, (-4) ** 0.5 != (-4) ** 0.5", "('(1.2246467991473532e-16+2j)', '(1.2246467991473532e-16+2j)', True, 2.0, False, False, False)")]
    [InlineData("{(-4) ** 0.5: 1}[(-4) ** 0.5], {1.0: 'a'}[1], {2 ** 70: 'a'}[2.0 ** 70], {-0.0: 'a'}[0], {(1, 2.0): 'a'}[(1.0, True + 1)], {None: 1}[None], {'é': 1}['é'], {True: 1}[1.0], {0.5: 'h'}[0.5], {2 ** 64: 1}.get(2 ** 64 + 1), {1.5: 1}.get(1)", "(1, 'a', 'a', 'a', 'a', 1, 1, 1, 'h', None, None)")]
    [InlineData("{float('nan'): 1}[float('nan')]", "KeyError: nan")]
    [InlineData("{float('inf'): 1}[float('inf')], {-10 ** 30: 'n'}[-10 ** 30], {(): 0}[()], {((1,),): 2}[((1.0,),)]", "(1, 'n', 0, 2)")]
    public void Complex_values_and_dict_keys_behave_as_in_cpython(string expression, string outcome) => Assert.Equal(outcome, Outcome(expression));

    /// <summary>CPython's complex_repr for parts no expression of the subset yields exactly (a zero real part, infinities, NaN).</summary>
    [Fact]
    public void Complex_parts_print_as_cpythons_complex_repr()
    {
        Assert.Equal("2j", PyFormat.Repr(new PyComplex(0, 2)));
        Assert.Equal("(-0+2j)", PyFormat.Repr(new PyComplex(-0.0, 2)));
        Assert.Equal("(1.5-0j)", PyFormat.Repr(new PyComplex(1.5, -0.0)));
        Assert.Equal("-1j", PyFormat.Repr(new PyComplex(0, -1)));
        Assert.Equal("(1+infj)", PyFormat.Repr(new PyComplex(1, double.PositiveInfinity)));
        Assert.Equal("(nan+1j)", PyFormat.Repr(new PyComplex(double.NaN, 1)));
        Assert.Equal("(1e+16+1e-05j)", PyFormat.Repr(new PyComplex(1e16, 1e-5)));
        Assert.Equal("0j", PyFormat.Repr(new PyComplex(0, 0)));
        Assert.Equal("(-1-2.5j)", PyFormat.Repr(new PyComplex(-1, -2.5)));
        Assert.Equal("1e-07j", PyFormat.Str(new PyComplex(0, 1e-7)));
    }
}
