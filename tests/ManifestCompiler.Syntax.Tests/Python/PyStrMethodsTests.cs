using System.Text.Json;
using ManifestCompiler.Syntax.Python;

namespace ManifestCompiler.Syntax.Tests.Python;

/// <summary>
/// The str methods of the webhook subset (<c>PyStrMethods</c> in Runtime.Support): results (code point indexes,
/// Unicode case rules, whitespace) and each exception class and message are what CPython 3.11 gives.
/// </summary>
public class PyStrMethodsTests
{
    private static string Outcome(string expression)
    {
        var parsed = PythonExpression.Parse(expression);
        Assert.True(parsed.Success, string.Join("; ", parsed.Diagnostics));
        var result = parsed.Value!.Evaluate(JsonDocument.Parse("{}").RootElement, JsonDocument.Parse("{}").RootElement, withRepr: true);
        return result.Error?.ToString() ?? result.Repr!;
    }

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
}
