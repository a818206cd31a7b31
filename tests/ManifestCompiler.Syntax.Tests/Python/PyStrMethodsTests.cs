using static ManifestCompiler.Syntax.Tests.Python.PythonOutcome;

namespace ManifestCompiler.Syntax.Tests.Python;

/// <summary>
/// The str methods of the webhook subset (<c>PyStrMethods</c> in Runtime.Support): results (code point indexes,
/// Unicode case rules, whitespace) and each exception class and message are what CPython 3.11 gives.
/// </summary>
public class PyStrMethodsTests
{
    [Theory]
    [InlineData("'AbÇ'.lower(), 'abç'.upper(), 'ß'.upper(), 'ﬁx'.upper(), 'İ'.lower(), 'ΌΣΟΣ'.lower(), 'Σ'.lower(), 'ΑΣ.'.lower(), 'ΑΣΑ'.lower(), 'Α.Σ'.lower(), 'ΑΣ\\'Α'.lower()", "('abç', 'ABÇ', 'SS', 'FIX', 'i̇', 'όσος', 'σ', 'ας.', 'ασα', 'α.ς', \"ασ'α\")")]
    [InlineData("'a'.lower(1)", "TypeError: str.lower() takes no arguments (1 given)")]
    [InlineData("'a'.upper(1, 2)", "TypeError: str.upper() takes no arguments (2 given)")]
    [InlineData("'hello wORLD'.title(), \"they're bill's\".title(), 'ǆa'.title(), 'ßa'.title(), 'ﬁx'.title(), 'aİ'.title(), 'a1b c-d'.title(), ''.title()", "('Hello World', \"They'Re Bill'S\", 'ǅa', 'Ssa', 'Fix', 'Ai̇', 'A1B C-D', '')")]
    [InlineData("'123'.isdigit(), ''.isdigit(), '١٢'.isdigit(), '²'.isdigit(), '1a'.isdigit(), '𝟙'.isdigit(), '½'.isdigit()", "(True, False, True, True, False, True, False)")]
    [InlineData("'a'.isdigit(1)", "TypeError: str.isdigit() takes no arguments (1 given)")]
    [InlineData("'  a b  '.strip(), '  a '.lstrip(), ' a  '.rstrip(), 'xxaxx'.strip('x'), 'xyaxy'.lstrip('yx'), 'xyaxy'.rstrip('yx'), '\\x1c\\x85a\\u3000'.strip(), 'a'.strip(None), 'xx'.strip('x'), ''.strip(), '😀a😀'.strip('😀')", "('a b', 'a ', ' a', 'a', 'axy', 'xya', 'a', 'a', '', '', 'a')")]
    [InlineData("'a'.strip(1)", "TypeError: strip arg must be None or str")]
    [InlineData("'a'.strip('a', 'b')", "TypeError: strip expected at most 1 argument, got 2")]
    [InlineData("'a'.lstrip(1)", "TypeError: lstrip arg must be None or str")]
    [InlineData("'abc'.startswith('a'), 'abc'.startswith('b'), 'abc'.endswith('c'), 'abc'.startswith(('x', 'a')), 'abc'.endswith(('x', 'y')), 'abc'.startswith('b', 1), 'abc'.startswith('', 3), 'abc'.startswith('', 4), 'abc'.endswith('b', 0, 2), 'abc'.endswith('c', 0, -1), 'abc'.startswith('a', -10), 'abc'.startswith('', 2, 1)", "(True, False, True, True, False, True, True, False, True, False, True, False)")]
    [InlineData("'abc'.startswith()", "TypeError: startswith() takes at least 1 argument (0 given)")]
    [InlineData("'abc'.startswith('a', 1, 2, 3)", "TypeError: startswith() takes at most 3 arguments (4 given)")]
    [InlineData("'abc'.startswith(1)", "TypeError: startswith first arg must be str or a tuple of str, not int")]
    [InlineData("'abc'.endswith(('a', 1))", "TypeError: tuple for endswith must only contain str, not int")]
    [InlineData("'abc'.startswith('a', 'x')", "TypeError: slice indices must be integers or None or have an __index__ method")]
    [InlineData("'abc'.startswith('a', x=1)", "TypeError: str.startswith() takes no keyword arguments")]
    [InlineData("'a b  c'.split(), ' a b '.split(None, 1), 'a,b,,c'.split(','), 'a,b,c'.split(',', 1), 'a b c'.split(maxsplit=1), 'a,b'.split(sep=','), ''.split(), ''.split(','), 'a  b  '.split(None, 1), 'a b'.split(None, 0), 'a,b'.split(',', 0), 'a,b'.split(',', -1), '  '.split(' ')", "(['a', 'b', 'c'], ['a', 'b '], ['a', 'b', '', 'c'], ['a', 'b,c'], ['a', 'b c'], ['a', 'b'], [], [''], ['a', 'b  '], ['a b'], ['a,b'], ['a', 'b'], ['', '', ''])")]
    [InlineData("'a b'.split(' ', 1, 2)", "TypeError: split() takes at most 2 arguments (3 given)")]
    [InlineData("'a'.split('')", "ValueError: empty separator")]
    [InlineData("'a'.split(1)", "TypeError: must be str or None, not int")]
    [InlineData("'a'.split(',', 'x')", "TypeError: 'str' object cannot be interpreted as an integer")]
    [InlineData("'a'.split(',', sep=',')", "TypeError: argument for split() given by name ('sep') and position (1)")]
    [InlineData("'a'.split(',', 1, maxsplit=1)", "TypeError: split() takes at most 2 arguments (3 given)")]
    [InlineData("'a'.split(x=1)", "TypeError: 'x' is an invalid keyword argument for split()")]
    [InlineData("'aaa'.replace('a', 'b'), 'aaa'.replace('a', 'b', 2), 'ab'.replace('', '-'), 'ab'.replace('', '-', 2), 'aaa'.replace('a', 'b', -1), 'ab'.replace('x', 'y'), 'aaa'.replace('aa', 'b'), ''.replace('', 'x'), 'ab'.replace('', '-', 0), 'abab'.replace('ab', '', 1)", "('bbb', 'bba', '-a-b-', '-a-b', 'bbb', 'ab', 'ba', 'x', 'ab', 'ab')")]
    [InlineData("'a'.replace('a')", "TypeError: replace expected at least 2 arguments, got 1")]
    [InlineData("'a'.replace('a', 'b', 1, 2)", "TypeError: replace expected at most 3 arguments, got 4")]
    [InlineData("'a'.replace(1, 'b')", "TypeError: replace() argument 1 must be str, not int")]
    [InlineData("'a'.replace('a', 1)", "TypeError: replace() argument 2 must be str, not int")]
    [InlineData("'a'.replace('a', 'b', 'c')", "TypeError: 'str' object cannot be interpreted as an integer")]
    [InlineData("'abcabc'.find('c'), 'abcabc'.find('c', 3), 'abcabc'.find('c', -2), 'abcabc'.find('c', 0, 2), 'abc'.find(''), 'abc'.find('', 3), 'abc'.find('', 4), 'abc'.find('x'), 'a😀b'.find('b'), 'abc'.find('abc', 0, 3), 'abc'.find('abc', 0, 2), 'abc'.find('c', None, None)", "(2, 5, 5, -1, 0, 3, -1, -1, 2, 0, -1, 2)")]
    [InlineData("'a'.find()", "TypeError: find() takes at least 1 argument (0 given)")]
    [InlineData("'a'.find(1)", "TypeError: must be str, not int")]
    [InlineData("'a'.find('a', 1, 2, 3)", "TypeError: find() takes at most 3 arguments (4 given)")]
    [InlineData("'aaaa'.count('aa'), 'abcabc'.count('c'), 'abc'.count(''), 'abc'.count('', 1), 'abc'.count('', 4), 'abc'.count('', 2, 1), 'abc'.count('x'), 'abcabc'.count('c', 3), 'abcabc'.count('c', 0, 2), 'aaa'.count('a', -2), ''.count(''), 'abcabc'.count('abc', 0, 6), 'abcabc'.count('abc', 1, 6)", "(2, 2, 4, 3, 0, 0, 0, 1, 0, 2, 1, 2, 1)")]
    [InlineData("'a'.count()", "TypeError: count() takes at least 1 argument (0 given)")]
    [InlineData("'a'.count(1)", "TypeError: must be str, not int")]
    [InlineData("', '.join(['a', 'b']), ''.join('abc'), '-'.join(()), '-'.join(['a']), '-'.join({'a': 1, 'b': 2}), '-'.join({'x': 1}.keys()), '😀'.join(['a', 'b'])", "('a, b', 'abc', '', 'a', 'a-b', 'x', 'a😀b')")]
    [InlineData("'-'.join(1)", "TypeError: can only join an iterable")]
    [InlineData("'-'.join(['a', 1])", "TypeError: sequence item 1: expected str instance, int found")]
    [InlineData("'-'.join(['a', 'b', None])", "TypeError: sequence item 2: expected str instance, NoneType found")]
    [InlineData("'-'.join()", "TypeError: str.join() takes exactly one argument (0 given)")]
    [InlineData("'-'.join(['a'], ['b'])", "TypeError: str.join() takes exactly one argument (2 given)")]
    [InlineData("'a'.lower(x=1)", "TypeError: str.lower() takes no keyword arguments")]
    [InlineData("'a'.split(sep=',', maxsplit=1, x=1)", "TypeError: split() takes at most 2 keyword arguments (3 given)")]
    [InlineData("'a'.split(',', maxsplit=1, sep=1)", "TypeError: split() takes at most 2 arguments (3 given)")]
    [InlineData("'a'.split(x=1, sep=1)", "TypeError: 'x' is an invalid keyword argument for split()")]
    [InlineData("'a'.split(maxsplit=1, sep=',')", "['a']")]
    [InlineData("'a'.split(',', maxsplit=1)", "['a']")]
    [InlineData("'a'.replace()", "TypeError: replace expected at least 2 arguments, got 0")]
    [InlineData("'a'.strip(1, 2, 3)", "TypeError: strip expected at most 1 argument, got 3")]
    [InlineData("'abc'.find('', 3), 'abc'.count('', 3), 'abc'.count('', 10 ** 30), 'abc'.find('', -10 ** 30), 'abc'.endswith('', 4), 'abc'.endswith('', 3), 'abc'.find('c', 4, 2)", "(3, 1, 0, 0, False, True, -1)")]
    [InlineData("[1, 2].index(1, 5)", "ValueError: 1 is not in list")]
    public void String_methods_match_cpython(string expression, string outcome) => Assert.Equal(outcome, Outcome(expression));


    /// <summary>
    /// More of the str methods at their edges: code point indexes past astral characters, split's maxsplit extremes and
    /// whitespace classes, the context of a final sigma, special case mappings, Unicode digits.
    /// </summary>
    [Theory]
    [InlineData("'a b'.split(' ', 1, maxsplit=1)", "TypeError: split() takes at most 2 arguments (3 given)")]
    [InlineData("'a'.split(None, None)", "TypeError: 'NoneType' object cannot be interpreted as an integer")]
    [InlineData("'a'.split(maxsplit=None)", "TypeError: 'NoneType' object cannot be interpreted as an integer")]
    [InlineData("'-'.join({'a': 1}.items())", "TypeError: sequence item 0: expected str instance, tuple found")]
    [InlineData("'-'.join({'a': 1}.values())", "TypeError: sequence item 0: expected str instance, int found")]
    [InlineData("'-'.join(None)", "TypeError: can only join an iterable")]
    [InlineData("'-'.join('😀a'), '-'.join(('a', 'b')), ''.join([]), 'ab'.join(['x', 'y', 'z'])", "('😀-a', 'a-b', '', 'xabyabz')")]
    [InlineData("'abc'.find('c', -1), 'a😀b😀'.find('😀', 2), 'a😀b😀'.find('b😀'), 'abc'.find('a', 1), 'abc'.find('bc', 1, 3), 'abc'.find('bc', 1, 2), 'abc'.find('', 2, 1), 'abc'.find('', -1), 'aaa'.find('aa', 1)", "(2, 3, 2, -1, 1, -1, -1, 2, 1)")]
    [InlineData("'a😀a😀'.count('😀'), 'a😀a😀'.count('a', 1), 'aaa'.count('a', 0, -1), 'abc'.count('', -1), 'abc'.count('', 0, 0), 'abab'.count('ab', 1), 'abab'.count('ab', 0, 3), 'abc'.count('', 3, 3)", "(2, 1, 2, 2, 1, 1, 1, 1)")]
    [InlineData("'abc'.startswith(()), 'abc'.endswith('', 3, 2), 'abc'.endswith('c', -1), 'abc'.endswith('bc', 1, 3), 'abc'.endswith('ab', 0, 2), 'a😀'.endswith('😀', 1), 'a😀'.startswith('😀', 1), 'abc'.startswith('abc', 0, 2), 'abc'.endswith(('a', 'c')), 'abc'.startswith('', 0, 0), 'abc'.endswith('', 0, 0), 'abc'.endswith('c', 0, 10 ** 30)", "(False, False, True, True, True, True, True, False, True, True, True, True)")]
    [InlineData("'abc'.endswith()", "TypeError: endswith() takes at least 1 argument (0 given)")]
    [InlineData("'abc'.endswith(None)", "TypeError: endswith first arg must be str or a tuple of str, not NoneType")]
    [InlineData("'abc'.startswith((None,))", "TypeError: tuple for startswith must only contain str, not NoneType")]
    [InlineData("'ŉ'.upper(), 'ǰ'.upper(), 'ΐ'.upper(), 'ẖ'.upper(), 'ﬅ'.upper(), 'ﬆ'.title(), 'ǅ'.lower(), 'ǈ'.title(), 'ǉ'.upper(), 'Ǳ'.title(), 'ǳ'.title(), 'և'.upper(), 'ẚ'.upper(), 'ẗẘẙ'.upper(), 'ﬀﬂﬃﬄ'.upper(), 'ﬀ'.title(), 'K'.lower(), 'ẞ'.lower(), 'ǆǉǌ'.title(), 'Ǆ'.title(), 'ǋ'.upper()", "('ʼN', 'J̌', 'Ϊ́', 'H̱', 'ST', 'St', 'ǆ', 'ǈ', 'Ǉ', 'ǲ', 'ǲ', 'ԵՒ', 'Aʾ', 'T̈W̊Y̊', 'FFFLFFIFFL', 'Ff', 'k', 'ß', 'ǅǉǌ', 'ǅ', 'Ǌ')")]
    [InlineData("'Α:Σ'.lower(), 'Α^Σ'.lower(), 'Α`Σ'.lower(), 'Α·Σ'.lower(), 'Α’Σ'.lower(), 'Α\\u0301Σ'.lower(), 'ΑΣ\\u0301'.lower(), 'ΑΣ\\u0301Α'.lower(), 'ΑΣ\\u00adΑ'.lower(), 'ΑʰΣ'.lower(), '1Σ'.lower(), 'ǅΣ'.lower(), 'Σ1'.lower(), 'ΑΣΣ'.lower(), 'Α Σ'.lower(), 'ΑΣ Α'.lower(), 'Α\\u20ddΣ'.lower(), 'Α˚Σ'.lower()", "('α:ς', 'α^ς', 'α`ς', 'α·ς', 'α’ς', 'άς', 'ας́', 'ασ́α', 'ασ\\xadα', 'αʰς', '1σ', 'ǆς', 'σ1', 'ασς', 'α σ', 'ας α', 'α⃝ς', 'α˚ς')")]
    [InlineData("'İx'.title(), 'xİ'.title(), 'a_b'.title(), \"a'b\".title(), '𐐨𐐨'.title(), '𐐀𐐀'.lower(), '𐐨'.upper(), 'ß'.title(), 'aß'.title(), 'ǆ'.upper(), 'ΐa'.title()", "('İx', 'Xi̇', 'A_B', \"A'B\", '𐐀𐐨', '𐐨𐐨', '𐐀', 'Ss', 'Aß', 'Ǆ', 'Ϊ́a')")]
    [InlineData("'①'.isdigit(), '٣'.isdigit(), '𝟙'.isdigit(), '¹²³'.isdigit(), '1 '.isdigit(), '⑴'.isdigit(), '𑁧'.isdigit(), '一'.isdigit()", "(True, True, True, True, False, True, True, False)")]
    [InlineData("'  '.strip(), 'ab'.strip('ba'), 'ab'.lstrip('a'), 'ab'.rstrip('a'), '\\x1c\\x1da'.lstrip(), 'a\\x1e\\x1f'.rstrip(), 'a\\u200b'.strip(), '\\u3000a\\u2028'.strip(), 'xa'.strip(''), 'aa'.lstrip('a'), 'a'.rstrip(None), 'a😀'.rstrip('😀a')", "('', '', 'b', 'ab', 'a', 'a', 'a\\u200b', 'a', 'xa', '', 'a', '')")]
    [InlineData("'a'.rstrip(1)", "TypeError: rstrip arg must be None or str")]
    [InlineData("'a'.lstrip('a', 'b')", "TypeError: lstrip expected at most 1 argument, got 2")]
    [InlineData("'a'.rstrip('a', 'b')", "TypeError: rstrip expected at most 1 argument, got 2")]
    [InlineData("'a'.title(1)", "TypeError: str.title() takes no arguments (1 given)")]
    [InlineData("'a'.title(x=1)", "TypeError: str.title() takes no keyword arguments")]
    [InlineData("'a'.find('a', x=1)", "TypeError: str.find() takes no keyword arguments")]
    [InlineData("'a b c'.split(None, True), 'a,b'.split(',', 2 ** 63 - 1), 'a,b'.split(',', -2 ** 63), 'a\\x1cb\\u3000c\\x85d'.split(), 'a\\u200bb'.split(), 'a b c d'.split(None, 2), 'a😀b😀c'.split('😀', 1), 'a b'.split(maxsplit=0), ' a '.split(maxsplit=0), 'a,,b'.split(',', 1), ',a,'.split(','), 'abab'.split('ab'), 'aaa'.replace('a', 'b', 2 ** 63 - 1), 'aaa'.replace('a', 'b', -2 ** 63)", "(['a', 'b c'], ['a', 'b'], ['a', 'b'], ['a', 'b', 'c', 'd'], ['a\\u200bb'], ['a', 'b', 'c d'], ['a', 'b😀c'], ['a b'], ['a '], ['a', ',b'], ['', 'a', ''], ['', '', ''], 'bbb', 'bbb')")]
    [InlineData("'a,b'.split(',', 2 ** 63)", "OverflowError: Python int too large to convert to C ssize_t")]
    [InlineData("'a,b'.split(',', -2 ** 63 - 1)", "OverflowError: Python int too large to convert to C ssize_t")]
    [InlineData("'a b'.split(maxsplit=10 ** 30)", "OverflowError: Python int too large to convert to C ssize_t")]
    [InlineData("'aaa'.replace('a', 'b', 10 ** 30)", "OverflowError: Python int too large to convert to C ssize_t")]
    [InlineData("'aaa'.replace('a', 'b', -2 ** 63 - 1)", "OverflowError: Python int too large to convert to C ssize_t")]
    [InlineData("'ªa'.title(), 'ⓐb'.title(), 'ʰa'.title(), 'Ⅰa'.title(), 'ⓐσ'.lower(), 'ªΣ'.lower(), 'Ⓐ'.lower(), 'ⅰ'.upper(), 'ⅰΣ'.lower(), 'aʰΣ'.lower(), '🄰a'.title(), 'ΑΣⓐ'.lower(), 'ºx'.title()", "('ªa', 'Ⓐb', 'ʰa', 'Ⅰa', 'ⓐσ', 'ªς', 'ⓐ', 'Ⅰ', 'ⅰς', 'aʰς', '🄰a', 'ασⓐ', 'ºx')")]
    public void More_string_methods_match_cpython(string expression, string outcome) => Assert.Equal(outcome, Outcome(expression));


    /// <summary>The subset's bound on a method's result (PyOps.MaxSequenceLength characters), reached by building a 10-million-character string.</summary>
    [Theory]
    [Trait("Category", "Slow")]
    [InlineData("('a' * 5000001).replace('a', 'bb')", "MemoryError: the result would be too large; webhook expressions are bounded")]
    [InlineData("('a' * 100).replace('', 'x' * 200000)", "MemoryError: the result would be too large; webhook expressions are bounded")]
    [InlineData("','.join(['a' * 5000000, 'b' * 5000001])", "MemoryError: the result would be too large; webhook expressions are bounded")]
    [InlineData("len(''.replace('', 'x' * 10000000))", "10000000")]
    [InlineData("'a'.replace('', 'x' * 10000000)", "MemoryError: the result would be too large; webhook expressions are bounded")]
    public void A_method_result_past_the_subsets_bound_is_a_memory_error(string expression, string outcome) => Assert.Equal(outcome, Outcome(expression));
}
