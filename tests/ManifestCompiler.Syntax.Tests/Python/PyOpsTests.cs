using static ManifestCompiler.Syntax.Tests.Python.PythonOutcome;

namespace ManifestCompiler.Syntax.Tests.Python;

/// <summary>
/// The operators of the webhook subset (<c>PyOps</c> in Runtime.Support): arithmetic on ints, floats and sequences,
/// comparisons, membership and truth; each result, exception class and message is what CPython 3.11 gives.
/// </summary>
public class PyOpsTests
{
    [Theory]
    [InlineData("1 + 2, 1 + 2.5, True + True, 'a' + 'b', [1] + [2], (1,) + (2,), 2 - 3, 2.5 - 1, 3 * 4, 'ab' * 2, 2 * 'ab', [0] * 3, 3 * (1,), 'a' * -1, 'a' * True, [1] * 0", "(3, 3.5, 2, 'ab', [1, 2], (1, 2), -1, 1.5, 12, 'abab', 'abab', [0, 0, 0], (1, 1, 1), '', 'a', [])")]
    [InlineData("7 / 2, 8 / 4, -7 / 2, 1 / 3, 10 ** 20 / 10 ** 10, 7 // 2, -7 // 2, 7 // -2, 7.0 // 2, -7.5 // 2, 7 % 3, -7 % 3, 7 % -3, 7.5 % 2, -7.5 % 2, 7.5 % -2, 0.0 % 1, -0.0 % 1", "(3.5, 2.0, -3.5, 0.3333333333333333, 10000000000.0, 3, -4, -4, 3.0, -4.0, 1, 2, -2, 1.5, 0.5, -0.5, 0.0, 0.0)")]
    [InlineData("2 ** 10, 2 ** -1, 2.0 ** 3, (-8) ** (1 / 3) == (-8) ** (1 / 3), 0 ** 0, 0.0 ** 0, 10 ** 0.5, (-2) ** 2, (-2) ** 3, 2 ** 0.5, 4 ** 0.5, 1.5 ** 2, True ** 2", "(1024, 0.5, 8.0, True, 1, 1.0, 3.1622776601683795, 4, -8, 1.4142135623730951, 2.0, 2.25, 1)")]
    [InlineData("1 / 0", "ZeroDivisionError: division by zero")]
    [InlineData("1 // 0", "ZeroDivisionError: integer division or modulo by zero")]
    [InlineData("1 % 0", "ZeroDivisionError: integer modulo by zero")]
    [InlineData("1.0 / 0", "ZeroDivisionError: float division by zero")]
    [InlineData("1.0 // 0.0", "ZeroDivisionError: float floor division by zero")]
    [InlineData("1.0 % 0.0", "ZeroDivisionError: float modulo")]
    [InlineData("0.0 ** -1", "ZeroDivisionError: 0.0 cannot be raised to a negative power")]
    [InlineData("0 ** -1", "ZeroDivisionError: 0.0 cannot be raised to a negative power")]
    [InlineData("10.0 ** 400", "OverflowError: (34, 'Numerical result out of range')")]
    [InlineData("2 ** 10000 / 1", "OverflowError: integer division result too large for a float")]
    [InlineData("'a' + 1", "TypeError: can only concatenate str (not \"int\") to str")]
    [InlineData("1 + 'a'", "TypeError: unsupported operand type(s) for +: 'int' and 'str'")]
    [InlineData("[1] + (1,)", "TypeError: can only concatenate list (not \"tuple\") to list")]
    [InlineData("(1,) + [1]", "TypeError: can only concatenate tuple (not \"list\") to tuple")]
    [InlineData("'a' * 1.5", "TypeError: can't multiply sequence by non-int of type 'float'")]
    [InlineData("[1] * 'a'", "TypeError: can't multiply sequence by non-int of type 'str'")]
    [InlineData("1.5 * 'a'", "TypeError: can't multiply sequence by non-int of type 'float'")]
    [InlineData("'a' - 'b'", "TypeError: unsupported operand type(s) for -: 'str' and 'str'")]
    [InlineData("[1] - [1]", "TypeError: unsupported operand type(s) for -: 'list' and 'list'")]
    [InlineData("None + 1", "TypeError: unsupported operand type(s) for +: 'NoneType' and 'int'")]
    [InlineData("{} + {}", "TypeError: unsupported operand type(s) for +: 'dict' and 'dict'")]
    [InlineData("1 < 2, 1 <= 1, 2 > 1.5, 1 >= True, 'a' < 'b', 'B' < 'a', [1, 2] < [1, 3], (1, 2) < (1, 2, 0), [1] == [1.0], (1,) != (1,), 'a' == 1, None == None, None != 0, 1 == 1.0, {'a': 1} == {'a': 1.0}, {'a': 1} != {'a': 2}, [1, [2]] == [1, [2]], 1 < 2 < 3, 3 > 2 > 2", "(True, True, True, True, True, True, True, True, True, False, False, True, True, True, True, True, True, True, False)")]
    [InlineData("1 < 'a'", "TypeError: '<' not supported between instances of 'int' and 'str'")]
    [InlineData("'a' >= 1", "TypeError: '>=' not supported between instances of 'str' and 'int'")]
    [InlineData("None < 1", "TypeError: '<' not supported between instances of 'NoneType' and 'int'")]
    [InlineData("[1] < (1,)", "TypeError: '<' not supported between instances of 'list' and 'tuple'")]
    [InlineData("{} < {}", "TypeError: '<' not supported between instances of 'dict' and 'dict'")]
    [InlineData("[1, 'a'] < [1, 2]", "TypeError: '<' not supported between instances of 'str' and 'int'")]
    [InlineData("1 is 1, None is None, 'a' is not None, [] is [], True is True", "(True, True, True, False, True)")]
    [InlineData("1 in [1, 2], 'b' in 'abc', '' in 'abc', 'x' not in 'abc', 1.0 in (1,), 'a' in {'a': 1}, 1 in {'a': 1}.values(), ('a', 1) in {'a': 1}.items(), 'a' in {'a': 1}.keys(), [1] in [[1]], 3 not in [1, 2]", "(True, True, True, True, True, True, True, True, True, True, True)")]
    [InlineData("1 in 'abc'", "TypeError: 'in <string>' requires string as left operand, not int")]
    [InlineData("1 in 1", "TypeError: argument of type 'int' is not iterable")]
    [InlineData("'a' in None", "TypeError: argument of type 'NoneType' is not iterable")]
    [InlineData("[1] in {'a': 1}", "TypeError: unhashable type: 'list'")]
    [InlineData("not [], not [0], bool(0.0), bool(-0.0), bool(''), bool(' '), bool(None), bool({}), bool(()), 0 or 'x', 1 and 2, [] and 1, '' or [] or 0", "(True, False, False, False, False, True, False, False, False, 'x', 2, [], 0)")]
    [InlineData("abs(-2 ** 63), -(2 ** 63) // -1, 2 ** 64 % 7, -2 ** 64 % 7, 10 ** 30 // 7, (10 ** 30) % -7, 5 // True, 0.1 + 0.2, 1e308 * 10, -1e308 * 10, 1e308 + 1e308 - 1e308", "(9223372036854775808, 9223372036854775808, 2, 5, 142857142857142857142857142857, -6, 5, 0.30000000000000004, inf, -inf, inf)")]
    [InlineData("float('inf') - float('inf'), float('nan') == float('nan'), float('nan') != float('nan'), float('inf') > 10 ** 400, 10 ** 400 > 1.5, 10 ** 400 == float('inf'), 2 ** 53 + 1 > 2.0 ** 53, 2 ** 53 + 1 == 2.0 ** 53 + 1, 1.5 < 10 ** 400, -10 ** 400 < -1.5", "(nan, False, True, True, True, False, True, False, True, True)")]
    [InlineData("10 ** 400 + 0.5", "OverflowError: int too large to convert to float")]
    [InlineData("10 ** 400 / 2", "OverflowError: integer division result too large for a float")]
    [InlineData("1 / 10 ** 400, 10 ** 400 // 10 ** 399, 10 ** 400 % 3, (-10) ** 401 // 10 ** 400", "(0.0, 10, 1, -10)")]
    [InlineData("-(-3), -(2 ** 100), +(-1.5), -0.0, -(0), --1", "(3, -1267650600228229401496703205376, -1.5, -0.0, 0, 1)")]
    [InlineData("(-4) ** 0.5 == (-4) ** 0.5", "True")]
    [InlineData("(-4) ** 0.5 < 1", "TypeError: '<' not supported between instances of 'complex' and 'int'")]
    [InlineData("{[1]: 1}", "TypeError: unhashable type: 'list'")]
    [InlineData("{'a': 1, 'a': 2}, {1: 'a', 1.0: 'b', True: 'c'}, {(1, 2): 3}", "({'a': 2}, {1: 'c'}, {(1, 2): 3})")]
    [InlineData("{(1, [2]): 3}", "TypeError: unhashable type: 'list'")]
    [InlineData("1.5 // 0.5, -1.5 // 0.5, 5 % 2.5, 1e300 % 7, -1e-300 % 1, 1 % -1e-300", "(3.0, -3.0, 0.0, 1.0, 1.0, -1.0368134719602886e-301)")]
    [InlineData("7 % float('inf'), -7 % float('inf'), 7 // float('inf'), -7 // float('inf'), float('inf') % 3", "(7.0, inf, 0.0, -1.0, nan)")]
    [InlineData("2 ** 1.5, (-2.0) ** 2, (-2.0) ** 0.5 == (-2.0) ** 0.5, 0.0 ** 0.5, 2 ** -2, (-2) ** -2, 1.0 ** float('nan'), float('nan') ** 0", "(2.8284271247461903, 4.0, True, 0.0, 0.25, 0.25, 1.0, 1.0)")]
    [InlineData("10.0 ** 308 * 10", "inf")]
    [InlineData("(-10.0) ** 309", "OverflowError: (34, 'Numerical result out of range')")]
    public void Operators_match_cpython(string expression, string outcome) => Assert.Equal(outcome, Outcome(expression));

    /// <summary>A complex value (from a negative number's fractional power) prints, but the subset does no arithmetic on it.</summary>
    [Fact]
    public void Arithmetic_on_a_complex_value_is_refused_with_a_clear_error() =>
        Assert.Equal("NotImplementedError: arithmetic on complex numbers is not supported in webhook expressions", Outcome("1 + (-4) ** 0.5"));


    /// <summary>
    /// More of CPython's operators: set-like dict views (keys and items compare and contain as sets of keys and pairs),
    /// infinite float bases, sequence counts beyond a Py_ssize_t, exact int/float mixes and sign of zero in floor division.
    /// </summary>
    [Theory]
    [InlineData("float('-inf') ** 0.5, float('-inf') ** 1.5, float('-inf') ** -0.5, (-2.0) ** float('inf'), (-0.5) ** float('inf'), (-0.0) ** 0.5, float('-inf') ** 2, float('-inf') ** 3", "(inf, inf, 0.0, inf, 0.0, 0.0, inf, -inf)")]
    [InlineData("bool({}.keys()), bool({'a': 1}.values()), bool({}.items()), not {'a': 1}.items()", "(False, True, False, False)")]
    [InlineData("{'a': 1}.items() == {'a': 1}.items(), {'a': 1}.keys() == {'a': 2}.keys(), {'a': 1}.keys() == {'b': 1}.keys(), {'a': 1}.keys() == {'a': 1, 'b': 2}.keys(), {'a': 1}.values() == {'a': 1}.values(), {'a': 1} == {'a': 1, 'b': 2}, {'a': 1} == {'b': 1}, {'a': 1}.keys() == ['a'], {'a': 1}.items() == [('a', 1)]", "(True, True, False, False, False, False, False, False, False)")]
    [InlineData("{(1, 2): 0}.keys() == {1: 2}.items(), {'a': 1}.keys() == {'a': 1}.items(), {'a': 1}.items() == {'a': 2}.items(), {'a': 1}.items() == {'b': 1}.items(), {'a': 1}.items() != {'a': 1}.items(), {}.items() == {}.keys(), {'a': 1, 'b': 2}.items() == {'b': 2, 'a': 1}.items()", "(True, False, False, False, False, True, True)")]
    [InlineData("{'a': [1]}.items() == {'a': [1]}.keys()", "TypeError: unhashable type: 'list'")]
    [InlineData("([1], 2) in {'a': 1}.items()", "TypeError: unhashable type: 'list'")]
    [InlineData("(1, 2, 3) in {1: 2}.items(), [1, 2] in {1: 2}.items(), (1, 2) in {1: 2}.items(), (1, 3) in {1: 2}.items(), (True, 2.0) in {1: 2}.items(), 'a' in {'a': 1}.items()", "(False, False, True, False, True, False)")]
    [InlineData("float('nan') < 1, float('nan') >= 1, 1 <= float('nan'), float('nan') > float('nan'), '\\uffff' < '😀', 'a' <= 'a', 'b' > 'a', 'a' >= 'b', [1, 2] <= [1, 2], [1, 2] > [1], (1,) >= (1, 0), (1, 2) > (1, 1), [] < [0], [0] <= []", "(False, False, False, False, True, True, True, False, True, True, False, True, True, False)")]
    [InlineData("[1] in {'a': 1}.keys()", "TypeError: unhashable type: 'list'")]
    [InlineData("[1] in {'a': [1]}.values(), 2 in {'a': 1}.values(), 'b' in {'a': 1}.keys(), 'a😀' in 'xa😀', (1, 2) in [(1, 2)], None in [None], 'ab' in 'ba'", "(True, False, False, True, True, True, False)")]
    [InlineData("'a' * None", "TypeError: can't multiply sequence by non-int of type 'NoneType'")]
    [InlineData("None * 'a'", "TypeError: can't multiply sequence by non-int of type 'NoneType'")]
    [InlineData("'a' * {}", "TypeError: can't multiply sequence by non-int of type 'dict'")]
    [InlineData("{} * 'a'", "TypeError: can't multiply sequence by non-int of type 'dict'")]
    [InlineData("[1] * [1]", "TypeError: can't multiply sequence by non-int of type 'list'")]
    [InlineData("'a' * 'b'", "TypeError: can't multiply sequence by non-int of type 'str'")]
    [InlineData("(1,) * 1.5", "TypeError: can't multiply sequence by non-int of type 'float'")]
    [InlineData("None * None", "TypeError: unsupported operand type(s) for *: 'NoneType' and 'NoneType'")]
    [InlineData("{} * 2", "TypeError: unsupported operand type(s) for *: 'dict' and 'int'")]
    [InlineData("2 * {}", "TypeError: unsupported operand type(s) for *: 'int' and 'dict'")]
    [InlineData("None * 2", "TypeError: unsupported operand type(s) for *: 'NoneType' and 'int'")]
    [InlineData("'' * 10 ** 30", "OverflowError: cannot fit 'int' into an index-sized integer")]
    [InlineData("[] * 10 ** 30", "OverflowError: cannot fit 'int' into an index-sized integer")]
    [InlineData("'a' * -10 ** 30", "OverflowError: cannot fit 'int' into an index-sized integer")]
    [InlineData("10 ** 30 * (1,)", "OverflowError: cannot fit 'int' into an index-sized integer")]
    [InlineData("'a' * 2 ** 63", "OverflowError: cannot fit 'int' into an index-sized integer")]
    [InlineData("'a' * -2 ** 63, [] * (2 ** 63 - 1), (1,) * -(2 ** 63), 2 ** 63 - 1 and '' * (2 ** 63 - 1)", "('', [], (), '')")]
    [InlineData("len('ab' * 5), '' * 10 ** 18, [] * 10 ** 18, () * 10 ** 18, 'a' * -10 ** 18, (1,) * 0, [1] * -1, (1, 2) * 2, 2 * [None]", "(10, '', [], (), '', (), [], (1, 2, 1, 2), [None, None])")]
    [InlineData("1 ** 10 ** 30, (-1) ** 10 ** 30, (-1) ** (10 ** 30 + 1), 0 ** 10 ** 30, 5 ** 0, (-2) ** 5, len(str(2 ** 13000)), (-3) ** 3", "(1, 1, -1, 0, 1, -32, 3914, -27)")]
    [InlineData("-10 ** 30 / 7, 1 / -(10 ** 30), (2 ** 53 + 1) / 1, 10 ** 400 // 7 // 10 ** 390, (2 ** 64 + 1) / 2 ** 64, 2 ** 53 / 3, -(2 ** 54) / 2 ** 54, 3 / 2 ** 60", "(-1.4285714285714285e+29, -1e-30, 9007199254740992.0, 1428571428, 1.0, 3002399751580330.5, -1.0, 2.6020852139652106e-18)")]
    [InlineData("0.0 % -1.0, 0.0 // -1.0, -1.0 // 3, 0.3 // 0.1, 0.3 % 0.1, 5.0 // -2, -5 % 2.0, 5 // -2.0, -0.0 // 1, 1 // 3.0, -1 // 3.0", "(-0.0, -0.0, -1.0, 2.0, 0.09999999999999998, -3.0, 1.0, -3.0, -0.0, 0.0, -1.0)")]
    [InlineData("0 ** -1.5", "ZeroDivisionError: 0.0 cannot be raised to a negative power")]
    [InlineData("True + 1.5, 3 - True, 2 * 1.5, True * 'ab', 'ab' * False, 4 / True, 7 // 2.0, 7 % 2.0, 2 ** True, 9 ** 0.5, True ** -1", "(2.5, 2, 3.0, 'ab', '', 4.0, 3.0, 1.0, 2, 3.0, 1.0)")]
    [InlineData("2 ** 64 + 0.5, 2 ** 63 + 1 == 2.0 ** 63, 2 ** 63 + 1 > 2.0 ** 63, -(2 ** 63) - 1 < -(2.0 ** 63), 2 ** 1023 * 2 > 1e308, 2 ** 64 * 1.0, (2 ** 64 + 2 ** 11) * 1.0, (2 ** 64 + 2 ** 11 + 1) * 1.0, (2 ** 64 + 3 * 2 ** 11) * 1.0", "(1.8446744073709552e+19, False, True, True, True, 1.8446744073709552e+19, 1.8446744073709552e+19, 1.8446744073709556e+19, 1.844674407370956e+19)")]
    [InlineData("2 ** 1024 * 1.0", "OverflowError: int too large to convert to float")]
    [InlineData("3.5 == 3, 3 == 3.0, 3 < 3.5, 4 > 3.5, -3 > -3.5, -4 < -3.5, 3.0 <= 3, 10 ** 20 == 1e20, 10 ** 20 + 1 == 1e20, 10 ** 20 + 1 > 1e20, 1e20 < 10 ** 20 + 1", "(False, True, True, True, True, True, True, True, False, True, True)")]
    public void More_operators_match_cpython(string expression, string outcome) => Assert.Equal(outcome, Outcome(expression));

    /// <summary>The subset's own bounds (PyOps.MaxSequenceLength, MaxIntBits): a result past them is a MemoryError, not an exhausted host.</summary>
    [Theory]
    [InlineData("'ab' * 5000001", "MemoryError: the result would have more than 10,000,000 items; webhook expressions are bounded")]
    [InlineData("[0] * 10000001", "MemoryError: the result would have more than 10,000,000 items; webhook expressions are bounded")]
    [InlineData("10000001 * (0,)", "MemoryError: the result would have more than 10,000,000 items; webhook expressions are bounded")]
    [InlineData("3 ** 10000000", "MemoryError: the integer would have more than 4,000,000 bits; webhook expressions are bounded")]
    [InlineData("4 ** 2000001", "MemoryError: the integer would have more than 4,000,000 bits; webhook expressions are bounded")]
    public void Results_past_the_subsets_bounds_are_a_memory_error(string expression, string outcome) => Assert.Equal(outcome, Outcome(expression));


    /// <summary>The same bounds where reaching them means building a 10-million-item or 4-million-bit value (seconds under load).</summary>
    [Theory]
    [Trait("Category", "Slow")]
    [InlineData("('a' * 10000000) + 'b'", "MemoryError: the result would have more than 10,000,000 items; webhook expressions are bounded")]
    [InlineData("len('a' * 10000000 + ''), len([0] * 9999999 + [1])", "(10000000, 10000000)")]
    [InlineData("2 ** 3999999 * 2", "MemoryError: the integer would have more than 4,000,000 bits; webhook expressions are bounded")]
    [InlineData("2 ** 2000001 * 2 ** 2000000", "MemoryError: the integer would have more than 4,000,000 bits; webhook expressions are bounded")]
    [InlineData("2 ** 3999999 + 2 ** 3999999", "MemoryError: the integer would have more than 4,000,000 bits; webhook expressions are bounded")]
    [InlineData("-2 ** 3999999 - 2 ** 3999999", "MemoryError: the integer would have more than 4,000,000 bits; webhook expressions are bounded")]
    [InlineData("2 ** 3999999 > 0, 2 ** 2000000 * 2 ** 1999999 > 0, (-1) ** 10 ** 30", "(True, True, 1)")]
    public void Results_past_the_subsets_bounds_built_in_full_are_a_memory_error(string expression, string outcome) => Assert.Equal(outcome, Outcome(expression));
}
