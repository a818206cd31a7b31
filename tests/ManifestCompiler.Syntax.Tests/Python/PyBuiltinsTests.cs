using static ManifestCompiler.Syntax.Tests.Python.PythonOutcome;

namespace ManifestCompiler.Syntax.Tests.Python;

/// <summary>
/// The builtins and methods of the webhook subset (<see cref="ManifestCompiler.Runtime.Support.Python.PyBuiltins"/>):
/// each result, exception class and message is what CPython 3.11 gives for the same expression.
/// </summary>
public class PyBuiltinsTests
{
    [Theory]
    [InlineData("str(), str(1), str('a'), str(1.5), str(None), str([1, 'a'])", "('', '1', 'a', '1.5', 'None', \"[1, 'a']\")")]
    [InlineData("int(), int(3.9), int(-3.9), int(True), int('  42  '), int('-0x1f', 16), int('0x1f', 0), int('0b101', 0), int('0o17', 0), int('1_000'), int('z', 36), int('Z', 36), int('٣')", "(0, 3, -3, 1, 42, -31, 31, 5, 15, 1000, 35, 35, 3)")]
    [InlineData("int('ff', base=16), int('10', 2), int('+7'), int('0', 0), int('00', 0), int('0x_f', 0)", "(255, 2, 7, 0, 0, 15)")]
    [InlineData("int('08', 0)", "ValueError: invalid literal for int() with base 0: '08'")]
    [InlineData("int('1__0')", "ValueError: invalid literal for int() with base 10: '1__0'")]
    [InlineData("int('_1')", "ValueError: invalid literal for int() with base 10: '_1'")]
    [InlineData("int('1_')", "ValueError: invalid literal for int() with base 10: '1_'")]
    [InlineData("int('')", "ValueError: invalid literal for int() with base 10: ''")]
    [InlineData("int('0x', 16)", "ValueError: invalid literal for int() with base 16: '0x'")]
    [InlineData("int('12', 2)", "ValueError: invalid literal for int() with base 2: '12'")]
    [InlineData("int(' ', 10)", "ValueError: invalid literal for int() with base 10: ' '")]
    [InlineData("int('9', 1)", "ValueError: int() base must be >= 2 and <= 36, or 0")]
    [InlineData("int('9', 37)", "ValueError: int() base must be >= 2 and <= 36, or 0")]
    [InlineData("int('9', 0.5)", "TypeError: 'float' object cannot be interpreted as an integer")]
    [InlineData("int(5, 10)", "TypeError: int() can't convert non-string with explicit base")]
    [InlineData("int(1, 2, 3)", "TypeError: int() takes at most 2 arguments (3 given)")]
    [InlineData("int(x=1)", "TypeError: 'x' is an invalid keyword argument for int()")]
    [InlineData("int(base=10)", "TypeError: int() missing string argument")]
    [InlineData("int(float('nan'))", "ValueError: cannot convert float NaN to integer")]
    [InlineData("int(float('inf'))", "OverflowError: cannot convert float infinity to integer")]
    [InlineData("int(None)", "TypeError: int() argument must be a string, a bytes-like object or a real number, not 'NoneType'")]
    [InlineData("int('1.5')", "ValueError: invalid literal for int() with base 10: '1.5'")]
    [InlineData("int('0x10', 10)", "ValueError: invalid literal for int() with base 10: '0x10'")]
    [InlineData("float(), float(1), float('1.5'), float(' -2.5e3 '), float('1_000.5'), float('inf'), float('-Infinity'), float('+nan'), float('.5'), float('5.'), float('1e-3'), float(True)", "(0.0, 1.0, 1.5, -2500.0, 1000.5, inf, -inf, nan, 0.5, 5.0, 0.001, 1.0)")]
    [InlineData("float('--inf')", "ValueError: could not convert string to float: '--inf'")]
    [InlineData("float('1e')", "ValueError: could not convert string to float: '1e'")]
    [InlineData("float('e5')", "ValueError: could not convert string to float: 'e5'")]
    [InlineData("float('.')", "ValueError: could not convert string to float: '.'")]
    [InlineData("float('1_')", "ValueError: could not convert string to float: '1_'")]
    [InlineData("float('_1')", "ValueError: could not convert string to float: '_1'")]
    [InlineData("float('1__0')", "ValueError: could not convert string to float: '1__0'")]
    [InlineData("float('abc')", "ValueError: could not convert string to float: 'abc'")]
    [InlineData("float(None)", "TypeError: float() argument must be a string or a real number, not 'NoneType'")]
    [InlineData("float(1, 2)", "TypeError: float expected at most 1 argument, got 2")]
    [InlineData("float(x=1)", "TypeError: float() takes no keyword arguments")]
    [InlineData("bool(), bool(0), bool([]), bool('a'), bool(0.0), bool({}), bool((0,))", "(False, False, False, True, False, False, True)")]
    [InlineData("bool(1, 2)", "TypeError: bool expected at most 1 argument, got 2")]
    [InlineData("len('a😀'), len([1, 2]), len((1,)), len({'a': 1}), len({'a': 1}.keys()), len(''), len({'a': 1, 'b': 2}.items())", "(2, 2, 1, 1, 1, 0, 2)")]
    [InlineData("len(1)", "TypeError: object of type 'int' has no len()")]
    [InlineData("len()", "TypeError: len() takes exactly one argument (0 given)")]
    [InlineData("len('a', 'b')", "TypeError: len() takes exactly one argument (2 given)")]
    [InlineData("abs(-2), abs(-2.5), abs((-4) ** 0.5), abs(True), abs(-0.0), abs(2)", "(2, 2.5, 2.0, 1, 0.0, 2)")]
    [InlineData("abs('a')", "TypeError: bad operand type for abs(): 'str'")]
    [InlineData("abs(None)", "TypeError: bad operand type for abs(): 'NoneType'")]
    [InlineData("min(3, 1, 2), max(3, 1, 2), min([3, 1]), max('bca'), min((2, 1)), max([], default=5), min([4], default=5), max({'a': 1, 'b': 2}), max(1, 1.0), min(1.0, 1), max([1, 3, 3.0])", "(1, 3, 1, 'c', 1, 5, 4, 'b', 1, 1.0, 3)")]
    [InlineData("max()", "TypeError: max expected at least 1 argument, got 0")]
    [InlineData("min([])", "ValueError: min() arg is an empty sequence")]
    [InlineData("max([])", "ValueError: max() arg is an empty sequence")]
    [InlineData("min(1, 2, default=3)", "TypeError: Cannot specify a default for min() with multiple positional arguments")]
    [InlineData("min(1, 'a')", "TypeError: '<' not supported between instances of 'str' and 'int'")]
    [InlineData("max(1)", "TypeError: 'int' object is not iterable")]
    [InlineData("min({'b': 1, 'a': 2}.items())", "('a', 2)")]
    [InlineData("round(2.5), round(3.5), round(-2.5), round(2.675, 2), round(5, -1), round(15, -1), round(25, -1), round(-15, -1), round(14, -1), round(16, -1), round(True), round(7, 2), round(1.5, None)", "(2, 4, -2, 2.67, 0, 20, 20, -20, 10, 20, 1, 7, 2)")]
    [InlineData("round(1234, -2), round(1250, -2), round(1350, -2), round(-1250, -2), round(5, -10001), round(12345, -3), round(-5, -1), round(1.25, 1), round(-1.25, 1), round(1e300, -300), round(1.5e300, -300)", "(1200, 1200, 1400, -1200, 0, 12000, 0, 1.2, -1.2, 1e+300, 2e+300)")]
    [InlineData("round(1e308, -308), round(1e-320, 2), round(0.0, 2), round(-0.0, 2), round(float('inf'), 2), round(123.456, -1), round(123.456, -2), round(-123.456, -2), round(2.5, 0), round(1e16 + 1, -1)", "(1e+308, 0.0, 0.0, -0.0, inf, 120.0, 100.0, -100.0, 2.0, 1e+16)")]
    [InlineData("round(float('nan'))", "ValueError: cannot convert float NaN to integer")]
    [InlineData("round(float('inf'))", "OverflowError: cannot convert float infinity to integer")]
    [InlineData("round(float('-inf'))", "OverflowError: cannot convert float infinity to integer")]
    [InlineData("round(1.7e308, -308)", "OverflowError: rounded value too large to represent")]
    [InlineData("round('a')", "TypeError: type str doesn't define __round__ method")]
    [InlineData("round(None)", "TypeError: type NoneType doesn't define __round__ method")]
    [InlineData("round()", "TypeError: round() missing required argument 'number' (pos 1)")]
    [InlineData("round(1, 2, 3)", "TypeError: round() takes at most 2 arguments (3 given)")]
    [InlineData("round(1.5, 'a')", "TypeError: 'str' object cannot be interpreted as an integer")]
    [InlineData("round(number=1.5), round(1.55, ndigits=1), round(number=2.5, ndigits=None)", "(2, 1.6, 2)")]
    [InlineData("{'a': 1}.get('a'), {'a': 1}.get('b'), {'a': 1}.get('b', 2), {1: 'x'}.get(True), {'a': 1}.get('a', 2)", "(1, None, 2, 'x', 1)")]
    [InlineData("{'a': 1}.get()", "TypeError: get expected at least 1 argument, got 0")]
    [InlineData("{'a': 1}.get(1, 2, 3)", "TypeError: get expected at most 2 arguments, got 3")]
    [InlineData("{'a': 1}.get([1])", "TypeError: unhashable type: 'list'")]
    [InlineData("{'a': 1}.keys(), {'a': 1}.values(), {'a': 1}.items()", "(dict_keys(['a']), dict_values([1]), dict_items([('a', 1)]))")]
    [InlineData("{'a': 1}.keys(1)", "TypeError: dict.keys() takes no arguments (1 given)")]
    [InlineData("{'a': 1}.items(1, 2)", "TypeError: dict.items() takes no arguments (2 given)")]
    [InlineData("[1, 2, 1, 1.0, True].count(1), ['a', 'b'].count('a'), [].count(None), [[1]].count([1])", "(4, 1, 0, 1)")]
    [InlineData("[1, 2].count()", "TypeError: list.count() takes exactly one argument (0 given)")]
    [InlineData("[1, 2].count(1, 2)", "TypeError: list.count() takes exactly one argument (2 given)")]
    [InlineData("[1, 2, 3, 2].index(2), [1, 2, 3, 2].index(2, 2), [1, 2, 3, 2].index(2, -1), [1, 2, 3, 2].index(2, 0, 2), [1, 2, 3].index(3, -5, 10), [1.0].index(1)", "(1, 3, 3, 1, 2, 0)")]
    [InlineData("[1, 2, 3].index(3, 0, 2)", "ValueError: 3 is not in list")]
    [InlineData("[1, 2].index(5)", "ValueError: 5 is not in list")]
    [InlineData("[1, 2].index('a')", "ValueError: 'a' is not in list")]
    [InlineData("[1, 2].index()", "TypeError: index expected at least 1 argument, got 0")]
    [InlineData("[1, 2].index(1, 0, 1, 2)", "TypeError: index expected at most 3 arguments, got 4")]
    [InlineData("[1, 2].index(1, 'a')", "TypeError: slice indices must be integers or have an __index__ method")]
    [InlineData("[1].keys()", "AttributeError: 'list' object has no attribute 'keys'")]
    [InlineData("{'a': 1}.count(1)", "AttributeError: 'dict' object has no attribute 'count'")]
    [InlineData("None.get(1)", "AttributeError: 'NoneType' object has no attribute 'get'")]
    [InlineData("'a'.get(1)", "AttributeError: 'str' object has no attribute 'get'")]
    [InlineData("int('0_1', 0)", "ValueError: invalid literal for int() with base 0: '0_1'")]
    [InlineData("[1, 2].index(1, None)", "TypeError: slice indices must be integers or have an __index__ method")]
    [InlineData("[1, 2].index(1, 0, None)", "TypeError: slice indices must be integers or have an __index__ method")]
    [InlineData("'ab'.find('a', 'x')", "TypeError: slice indices must be integers or None or have an __index__ method")]
    [InlineData("'ab'.find('b', None, None)", "1")]
    [InlineData("abs(1, 2)", "TypeError: abs() takes exactly one argument (2 given)")]
    [InlineData("bool(x=1)", "TypeError: bool() takes no keyword arguments")]
    [InlineData("int(1, x=2)", "TypeError: 'x' is an invalid keyword argument for int()")]
    public void Builtins_and_methods_match_cpython(string expression, string outcome) => Assert.Equal(outcome, Outcome(expression));


    /// <summary>
    /// int() and float() of text: CPython 3.11's digit limit (4,300 digits in a base that is not a power of two, counted
    /// before any conversion), any script's decimal digits, the blanks they strip, and the 200-character cut of the
    /// literal an error quotes.
    /// </summary>
    [Theory]
    [InlineData("len(str(int('1' * 4300))), int('-' + '9' * 4300) < 0, int(' ' * 9 + '1' * 4300 + ' ' * 9) > 0, int('1' * 4301, 16) > 0, int('1' * 4301, 8) > 0, int('0x' + '1' * 4301, 0) > 0, int('0b_' + '1' * 4301, 0) > 0, int('1' * 4301, 32) > 0, int('1' * 4301, 2) > 0, int('1' * 4301, 4) > 0", "(4300, True, True, True, True, True, True, True, True, True)")]
    [InlineData("int('1' * 4301)", "ValueError: Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit")]
    [InlineData("int('+' + '1' * 4301)", "ValueError: Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit")]
    [InlineData("int('1_' * 4300 + '1')", "ValueError: Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit")]
    [InlineData("int('0' * 4301, 0)", "ValueError: Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit")]
    [InlineData("int('1' * 4301, 36)", "ValueError: Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit")]
    [InlineData("int('1' * 4301, 3)", "ValueError: Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit")]
    [InlineData("int('٣' * 4301)", "ValueError: Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit")]
    [InlineData("int('1' * 5000 + 'x')", "ValueError: Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase the limit")]
    [InlineData("int('0b1', 16), int('𝟙𝟚'), int('١٢', 16), int('z' * 3, 36), int('-0'), int(' \\u3000 7 \\x85')", "(177, 12, 18, 46655, 0, 7)")]
    [InlineData("int('1\\x1c')", "ValueError: invalid literal for int() with base 10: '1\\x1c'")]
    [InlineData("int('\\x1d1')", "ValueError: invalid literal for int() with base 10: '\\x1d1'")]
    [InlineData("float('٣.٥'), float(' ١e٢ '), float('𝟙'), float('١_٢'), float('1e5_0'), float('-.5'), float('-nan'), float('iNfInItY'), float('1_0e1_0'), float('+1E+2'), float('-0'), float('\\u2003 1.5 \\x85\\xa0')", "(3.5, 100.0, 1.0, 12.0, 1e+50, -0.5, nan, inf, 100000000000.0, 100.0, -0.0, 1.5)")]
    [InlineData("float('1.5\\x1c')", "ValueError: could not convert string to float: '1.5\\x1c'")]
    [InlineData("float('\\x1f1.5')", "ValueError: could not convert string to float: '\\x1f1.5'")]
    [InlineData("float('1_e5')", "ValueError: could not convert string to float: '1_e5'")]
    [InlineData("float('+-1')", "ValueError: could not convert string to float: '+-1'")]
    [InlineData("float('in f')", "ValueError: could not convert string to float: 'in f'")]
    [InlineData("float('1.5e+')", "ValueError: could not convert string to float: '1.5e+'")]
    [InlineData("float('1e-')", "ValueError: could not convert string to float: '1e-'")]
    [InlineData("float('+')", "ValueError: could not convert string to float: '+'")]
    [InlineData("float('')", "ValueError: could not convert string to float: ''")]
    [InlineData("float('1._5')", "ValueError: could not convert string to float: '1._5'")]
    public void Int_and_float_read_text_as_cpython_does(string expression, string outcome) => Assert.Equal(outcome, Outcome(expression));

    /// <summary>
    /// A base that is a power of two has no digit limit: a megabyte of hex digits from a webhook body is a 4,000,000-bit
    /// value, read in one linear pass (digit by digit it was quadratic). Digits that cross byte boundaries, prefixes,
    /// underscores and the invalid literals are CPython's.
    /// </summary>
    [Theory]
    [InlineData("int('f' * 1000000, 16) // 16 ** 999999, int('f' * 1000000, 16) - 15 * 16 ** 999999 == 16 ** 999999 - 1, int('f' * 1000000, 16) % 1000007, int('1' + '0' * 999999, 16) == 16 ** 999999, int('-' + '1' * 4000000, 2) % 1000003", "(15, True, 930596, True, 417971)")]
    [InlineData("int('0x_dead_BEEF', 0), int('-0o1_7', 0), int('0b1_0_1', 0), int('vv', 32), int('333', 4), int('777', 8), int('0B11', 2), int('0O7', 8), int('1' + '0' * 8, 2), int('1' * 9, 2), int('v' * 7, 32) == 32 ** 7 - 1, int('٣f', 16), int('0x' + 'A' * 17, 0)", "(3735928559, -15, 5, 1023, 63, 511, 3, 7, 256, 511, True, 63, 196765270119568550570)")]
    [InlineData("int('1__0', 16)", "ValueError: invalid literal for int() with base 16: '1__0'")]
    [InlineData("int('0x', 0)", "ValueError: invalid literal for int() with base 0: '0x'")]
    [InlineData("int('g', 16)", "ValueError: invalid literal for int() with base 16: 'g'")]
    [InlineData("int('0x1g', 0)", "ValueError: invalid literal for int() with base 0: '0x1g'")]
    public void Int_reads_power_of_two_bases_of_any_length_in_linear_time(string expression, string outcome) => Assert.Equal(outcome, Outcome(expression));

    /// <summary>
    /// Decimal digits are CPython 3.11's, Unicode 14.0's: the supplementary planes' digits added since (Kawi in 15.0;
    /// Garay, Kirat Rai, Sunuwar and Outlined digits in 16.0), which .NET's newer tables know, are not digits.
    /// </summary>
    [Theory]
    [InlineData("\U00011F51", null)]
    [InlineData("\U00010D41", null)]
    [InlineData("\U00016D71", null)]
    [InlineData("\U00011BF1", null)]
    [InlineData("\U0001CCF1", null)]
    [InlineData("1\U00011F50", null)]
    [InlineData("\U0001D7D9\U000104A3\U0001FBF9", "139")]
    [InlineData("\U00011D59\U0001E950\U000116C9", "909")]
    public void Int_reads_the_decimal_digits_of_unicode_14_only(string text, string? value)
    {
        Assert.Equal(value, ManifestCompiler.Runtime.Support.Python.PyBuiltins.TryParseInt(text, 10, out var parsed) ? parsed.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    /// <summary>A misplaced underscore in the leading digits is an invalid literal however many digits there are; the quoted literal is cut to 200 characters (CPython's %.200R), float()'s is not.</summary>
    [Theory]
    [InlineData("int('9' * 4301 + '_')", "invalid literal for int() with base 10: ", "'", '9', 199)]
    [InlineData("int('9' * 4301 + '__1')", "invalid literal for int() with base 10: ", "'", '9', 199)]
    [InlineData("int('_' + '1' * 4301)", "invalid literal for int() with base 10: ", "'_", '1', 198)]
    [InlineData("int('x' * 300)", "invalid literal for int() with base 10: ", "'", 'x', 199)]
    [InlineData("int('é' * 300, 16)", "invalid literal for int() with base 16: ", "'", 'é', 199)]
    public void A_long_invalid_int_literal_is_quoted_cut_to_200_characters(string expression, string message, string start, char repeated, int count) =>
        Assert.Equal("ValueError: " + message + start + new string(repeated, count), Outcome(expression));

    [Fact]
    public void A_short_invalid_literal_is_quoted_whole()
    {
        Assert.Equal("ValueError: invalid literal for int() with base 10: '" + new string('x', 198) + "'", Outcome("int('x' * 198)"));
        Assert.Equal("ValueError: could not convert string to float: '" + new string('x', 300) + "'", Outcome("float('x' * 300)"));
    }

    /// <summary>min(), max() and round() check their arguments in CPython's order: the positional count, a missing or doubly given argument, then an unknown keyword.</summary>
    [Theory]
    [InlineData("max(default=1)", "TypeError: max expected at least 1 argument, got 0")]
    [InlineData("max(x=2)", "TypeError: max expected at least 1 argument, got 0")]
    [InlineData("min(default=1)", "TypeError: min expected at least 1 argument, got 0")]
    [InlineData("max([], default=1, x=2)", "TypeError: 'x' is an invalid keyword argument for max()")]
    [InlineData("max(1, 2, x=3)", "TypeError: 'x' is an invalid keyword argument for max()")]
    [InlineData("round(ndigits=1)", "TypeError: round() missing required argument 'number' (pos 1)")]
    [InlineData("round(x=1)", "TypeError: round() missing required argument 'number' (pos 1)")]
    [InlineData("round(1.5, number=2)", "TypeError: argument for round() given by name ('number') and position (1)")]
    [InlineData("round(1.5, ndigits=1, number=2)", "TypeError: round() takes at most 2 arguments (3 given)")]
    [InlineData("round(1, 2, x=3)", "TypeError: round() takes at most 2 arguments (3 given)")]
    [InlineData("round(a=1, b=2, c=3)", "TypeError: round() takes at most 2 keyword arguments (3 given)")]
    [InlineData("round(a=1, b=2)", "TypeError: round() missing required argument 'number' (pos 1)")]
    [InlineData("round(1, x=3)", "TypeError: 'x' is an invalid keyword argument for round()")]
    [InlineData("round(x=1, number=2)", "TypeError: 'x' is an invalid keyword argument for round()")]
    [InlineData("round(ndigits=2, number=1.234), round(number=2.5), round(2.5, ndigits=None), round(number=1234, ndigits=-2)", "(1.23, 2, 2, 1200)")]
    public void Min_max_and_round_check_arguments_in_cpythons_order(string expression, string outcome) => Assert.Equal(outcome, Outcome(expression));
}
