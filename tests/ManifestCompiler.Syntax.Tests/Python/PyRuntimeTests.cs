using System.Text;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Python;
using ManifestCompiler.Syntax.Python;

namespace ManifestCompiler.Syntax.Tests.Python;

/// <summary>
/// The operations both engines share (<see cref="PyRuntime"/>: subscripts, slices, unary operators, f-string fields)
/// and what an expression sees of its webhook request (<see cref="PyScope"/>: names, holes, the hole text a condition
/// compares). Expected values and messages are CPython 3.11's.
/// </summary>
public class PyRuntimeTests
{
    private static readonly JsonElement Headers = JsonDocument.Parse("""{"Content-Type": "application/json", "X-Event": "ping"}""").RootElement;

    private static string Outcome(string expression, string body = "{}") => PythonOutcome.Outcome(expression, body, Headers);

    [Theory]
    [InlineData("'abc'[-3], 'abc'[2], '😀a'[1], '😀a'[-2]", "('a', 'c', 'a', '😀')")]
    [InlineData("'abc'[-4]", "IndexError: string index out of range")]
    [InlineData("'abc'[3]", "IndexError: string index out of range")]
    [InlineData("[1, 2][-2], [1, 2][True], (1,)[-1], (1, 2)[1]", "(1, 2, 1, 2)")]
    [InlineData("[1, 2][2]", "IndexError: list index out of range")]
    [InlineData("[1, 2][-3]", "IndexError: list index out of range")]
    [InlineData("(1,)[1]", "IndexError: tuple index out of range")]
    [InlineData("'abc'['x']", "TypeError: string indices must be integers, not 'str'")]
    [InlineData("[1]['x']", "TypeError: list indices must be integers or slices, not str")]
    [InlineData("(1,)[1.0]", "TypeError: tuple indices must be integers or slices, not float")]
    [InlineData("{'a': 1}['b']", "KeyError: 'b'")]
    [InlineData("{'a': 1}[1]", "KeyError: 1")]
    [InlineData("{'a': 1}['a'], {1: 'x'}[True]", "(1, 'x')")]
    [InlineData("{}[[1]]", "TypeError: unhashable type: 'list'")]
    [InlineData("None[0]", "TypeError: 'NoneType' object is not subscriptable")]
    [InlineData("body['n'][0]", "TypeError: 'int' object is not subscriptable")]
    public void Subscripts_index_code_points_and_fail_as_cpython_does(string expression, string outcome) =>
        Assert.Equal(outcome, Outcome(expression, """{"n": 5}"""));

    [Theory]
    [InlineData("'abcdef'[1:4], 'abcdef'[::-1], 'abcdef'[::2], 'abcdef'[::-2]", "('bcd', 'fedcba', 'ace', 'fdb')")]
    [InlineData("'abcdef'[-2:], 'abcdef'[-10:2], 'abcdef'[2:100], 'abcdef'[100:], 'abcdef'[:-100]", "('ef', 'ab', 'cdef', '', '')")]
    [InlineData("'abcdef'[5:1:-1], 'abcdef'[-100::-1], 'abcdef'[100::-1], 'abcdef'[:-100:-1], 'abcdef'[:100:-1]", "('fedc', '', 'fedcba', 'fedcba', '')")]
    [InlineData("'abcdef'[-1:-3:-1], 'abcdef'[6:], 'abcdef'[:6], 'abcdef'[-6:], 'abcdef'[5::-1], 'abcdef'[6::-1]", "('fe', '', 'abcdef', 'abcdef', 'fedcba', 'fedcba')")]
    [InlineData("[1, 2, 3][None:2], (1, 2, 3)[1:], [1, 2, 3][::-1], [1, 2, 3][True:], (1, 2, 3)[::None]", "([1, 2], (2, 3), [3, 2, 1], [2, 3], (1, 2, 3))")]
    [InlineData("'😀ab'[0:2], '😀ab'[::-1]", "('😀a', 'ba😀')")]
    [InlineData("[1, 2, 3][0:3:0]", "ValueError: slice step cannot be zero")]
    [InlineData("'abc'['a':]", "TypeError: slice indices must be integers or None or have an __index__ method")]
    [InlineData("{}[1:2]", "TypeError: unhashable type: 'slice'")]
    [InlineData("body['n'][1:2]", "TypeError: 'int' object is not subscriptable")]
    public void Slices_clamp_their_bounds_as_cpython_does(string expression, string outcome) =>
        Assert.Equal(outcome, Outcome(expression, """{"n": 5}"""));

    [Theory]
    [InlineData("not 0, not 'a', -True, +True, -(1.5), +2", "(True, False, -1, 1, -1.5, 2)")]
    [InlineData("+'a'", "TypeError: bad operand type for unary +: 'str'")]
    [InlineData("-'a'", "TypeError: bad operand type for unary -: 'str'")]
    [InlineData("f'{\"a\"!r}|{\"é\"!a}|{\"a\"!s}|{1.0}|{None!r}|{\"b\"}'", "\"'a'|'\\\\xe9'|a|1.0|None|b\"")]
    public void Unary_operators_and_fstring_fields_match_cpython(string expression, string outcome) =>
        Assert.Equal(outcome, Outcome(expression));

    [Fact]
    public void The_shared_operations_give_what_generated_code_reads()
    {
        Assert.Same(PyTuple.Empty, PyRuntime.Tuple());
        Assert.Equal("(1, 'a')", PyFormat.Repr(PyRuntime.Tuple(PyInt.Of(1), PyStr.Of("a"))));
        Assert.Equal("[]", PyFormat.Repr(PyRuntime.List()));
        Assert.Equal("{'a': 1, 'b': 2}", PyFormat.Repr(PyRuntime.Dict().Add(PyStr.Of("a"), PyInt.Of(1)).Add(PyStr.Of("b"), PyInt.Of(2)).Build()));
        var unhashable = Assert.Throws<PyException>(() => PyRuntime.Dict().Add(PyRuntime.List(), PyInt.Of(1)));
        Assert.Equal(("TypeError", "unhashable type: 'list'"), (unhashable.ExceptionClass, unhashable.Message));
        Assert.Same(PyBool.True, PyRuntime.Unary(PyUnaryOperator.Not, PyStr.Of("")));
        Assert.Equal("-3", PyFormat.Repr(PyRuntime.Unary(PyUnaryOperator.Negate, PyInt.Of(3))));
        Assert.Equal("3", PyFormat.Repr(PyRuntime.Unary(PyUnaryOperator.Plus, PyInt.Of(3))));
        var builder = new StringBuilder();
        PyRuntime.AppendField(builder, PyStr.Of("é"), null);
        PyRuntime.AppendField(builder, PyStr.Of("é"), 'r');
        PyRuntime.AppendField(builder, PyStr.Of("é"), 'a');
        PyRuntime.AppendField(builder, PyFloat(2.5), null);
        Assert.Equal("é'é''\\xe9'2.5", builder.ToString());
        var unsupported = Assert.Throws<PyException>(() => PyRuntime.Unsupported("lambda"));
        Assert.Equal(("SyntaxError", "lambda cannot be evaluated"), (unsupported.ExceptionClass, unsupported.Message));
    }

    private static PyFloat PyFloat(double value) => new(value);

    [Fact]
    public void Run_turns_a_python_exception_or_an_exhausted_stack_into_a_result()
    {
        var scope = new PyScope(default, default);
        var value = PyRuntime.Run(_ => PyInt.Of(0), scope);
        Assert.True(value.Success);
        Assert.False(value.IsTruthy);
        Assert.True(PyRuntime.Run(_ => PyStr.Of("x"), scope).IsTruthy);

        var failed = PyRuntime.Run(s => s.Name("missing"), scope);
        Assert.Equal((false, false, "NameError", "name 'missing' is not defined"), (failed.Success, failed.IsTruthy, failed.ExceptionClass, failed.Message));
        Assert.Null(failed.Value);

        var deep = PyRuntime.Run(_ => throw new InsufficientExecutionStackException(), scope);
        Assert.Equal(("RecursionError", "expression nested too deeply to evaluate"), (deep.ExceptionClass, deep.Message));
    }

    private static PyScope Scope(string body, string headers = """{"X-Event": "ping", "X-Count": "3"}""", bool lazily = false) =>
        new(JsonDocument.Parse(body).RootElement, JsonDocument.Parse(headers).RootElement, lazily);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Names_see_memory_first_then_body_and_headers(bool lazily)
    {
        var scope = Scope("""{"a": [1, 2]}""", lazily: lazily);
        Assert.Equal("{'a': [1, 2]}", PyFormat.Repr(scope.Name("body")));
        Assert.Same(scope.Name("body"), scope.Name("body"));
        Assert.Equal("{'X-Event': 'ping', 'X-Count': '3'}", PyFormat.Repr(scope.Name("headers")));
        Assert.Same(scope.Name("headers"), scope.Name("headers"));
        Assert.False(scope.TryGetName("other", out var none));
        Assert.Same(PyNone.Instance, none);

        scope.Set("other", PyInt.Of(7));
        scope.Set("body", PyStr.Of("memory wins"));
        Assert.Equal("7", PyFormat.Repr(scope.Name("other")));
        Assert.Equal("'memory wins'", PyFormat.Repr(scope.Name("body")));
        scope.ClearNames();
        Assert.Equal("{'a': [1, 2]}", PyFormat.Repr(scope.Name("body")));
        var error = Assert.Throws<PyException>(() => scope.Name("other"));
        Assert.Equal(("NameError", "name 'other' is not defined"), (error.ExceptionClass, error.Message));

        var withNames = new PyScope(default, default, new Dictionary<string, PyValue> { ["limit"] = PyInt.Of(10) });
        Assert.Equal("10", PyFormat.Repr(withNames.Name("limit")));
    }

    [Fact]
    public void Holes_read_a_body_key_then_a_header_without_regard_to_case()
    {
        var scope = Scope("""{"type": "invoice.paid", "amount": 150, "X-Event": "from the body", "items": [1, "a"], "none": null}""");
        Assert.Equal("'invoice.paid'", PyFormat.Repr(scope.Hole("type")));
        Assert.Equal("150", PyFormat.Repr(scope.Hole("amount")));
        Assert.Equal("'from the body'", PyFormat.Repr(scope.Hole("X-Event")));
        Assert.Equal("'3'", PyFormat.Repr(scope.Hole("x-count")));
        Assert.Null(scope.ResolveHole("missing"));
        var error = Assert.Throws<PyException>(() => scope.Hole("missing"));
        Assert.Equal(("NameError", "name '{{missing}}' is not defined: no body key or header 'missing'"), (error.ExceptionClass, error.Message));

        Assert.Equal("invoice.paid", scope.HoleText("type", "{{type}}"));
        Assert.Equal("150", scope.HoleText("amount", "{{amount}}"));
        Assert.Equal("[1, 'a']", scope.HoleText("items", "{{items}}"));
        Assert.Equal("None", scope.HoleText("none", "{{none}}"));
        Assert.Equal("ping", scope.HoleText("x-event", "{{x-event}}"));
        Assert.Equal("{{ missing }}", scope.HoleText("missing", "{{ missing }}"));
        // A body that is not an object has no keys: holes fall through to the headers.
        Assert.Equal("ping", Scope("[1]").HoleText("X-Event", "{{X-Event}}"));
        Assert.Null(Scope("\"text\"").ResolveHole("type"));
    }

    [Fact]
    public void A_condition_compares_a_holes_text_as_str_would_give_it()
    {
        var scope = Scope("""{"type": "invoice.paid", "amount": 150, "other": "x", "flag": true}""");
        // Alternating holes (each resolved anew), then the same hole twice (its text kept for the request).
        Assert.True(scope.HoleTextIs("type", "{{type}}", "invoice.paid"));
        Assert.False(scope.HoleTextIs("other", "{{other}}", "invoice.paid"));
        Assert.True(scope.HoleTextIs("other", "{{other}}", "x"));
        Assert.False(scope.HoleTextIs("type", "{{type}}", "invoice"));
        Assert.True(scope.HoleTextIs("amount", "{{amount}}", "150"));
        Assert.False(scope.HoleTextIs("amount", "{{amount}}", "150.0"));
        Assert.True(scope.HoleTextIs("amount", "{{amount}}", "150"));
        Assert.Equal("150", scope.HoleText("amount", "{{amount}}"));
        Assert.True(scope.HoleTextIs("amount", "{{amount}}", "150"));
        Assert.False(scope.HoleTextIs("amount", "{{amount}}", "15"));
        Assert.True(scope.HoleTextIs("flag", "{{flag}}", "True"));
        Assert.True(scope.HoleTextIs("x-event", "{{x-event}}", "ping"));
        // An unresolved hole is its own text.
        Assert.True(scope.HoleTextIs("missing", "{{missing}}", "{{missing}}"));
        Assert.False(scope.HoleTextIs("missing", "{{missing}}", "missing"));
        Assert.Equal("invoice.paid", scope.HoleText("type", "{{type}}"));
    }

    [Fact]
    public void Every_body_key_a_request_reads_is_found_past_the_first_eight()
    {
        var keys = Enumerable.Range(0, 12).Select(i => "k" + i).ToList();
        var scope = Scope("{" + string.Join(", ", keys.Select((k, i) => $"\"{k}\": {i}")) + "}");
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < keys.Count; i++)
            {
                Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), scope.HoleText(keys[i], "?"));
                Assert.Equal("?", scope.HoleText("absent" + i, "?"));
            }
        }
    }

    [Fact]
    public void A_reset_scope_sees_only_the_next_request()
    {
        var scope = Scope("""{"type": "first", "only": 1}""", """{"X-Event": "one"}""", lazily: true);
        Assert.Equal("first", scope.HoleText("type", "{{type}}"));
        Assert.True(scope.HoleTextIs("type", "{{type}}", "first"));
        Assert.Equal("one", scope.HoleText("x-event", "?"));
        Assert.Equal("{'type': 'first', 'only': 1}", PyFormat.Repr(scope.Name("body")));
        Assert.Equal("{'X-Event': 'one'}", PyFormat.Repr(scope.Name("headers")));
        scope.Set("memo", PyInt.Of(1));

        var second = JsonDocument.Parse("""{"type": "second"}""").RootElement;
        scope.Reset(second, JsonDocument.Parse("""{"X-Event": "two"}""").RootElement);
        Assert.Equal("second", scope.HoleText("type", "{{type}}"));
        Assert.False(scope.HoleTextIs("type", "{{type}}", "first"));
        Assert.Equal("?", scope.HoleText("only", "?"));
        Assert.Equal("two", scope.HoleText("x-event", "?"));
        Assert.Equal("{'type': 'second'}", PyFormat.Repr(scope.Name("body")));
        Assert.Equal("{'X-Event': 'two'}", PyFormat.Repr(scope.Name("headers")));
        Assert.False(scope.TryGetName("memo", out _));

        // The same hole text resolves anew after a reset even when the last read was of the same hole.
        scope.Reset(JsonDocument.Parse("""{"type": 3}""").RootElement, default);
        Assert.True(scope.HoleTextIs("type", "{{type}}", "3"));
        Assert.Equal("3", scope.HoleText("type", "{{type}}"));
    }


    private const string DuplicateKeysBody = """{"a": {"x": 1}, "b": [1, 2], "c": "s", "a": {"x": 2}, "d": null, "e": 1.5, "f": {"g": {"h": 3}}, "\u00e9": 7}""";

    /// <summary>
    /// A body read member by member (the router's lazy scope) and one converted whole give the same values, and the
    /// same objects ('is'), as json.loads: the last of duplicate keys at the first one's place, a member looked up
    /// before the whole dict is read is the object the whole dict holds (past the first eight lookups too).
    /// </summary>
    [Theory]
    [InlineData("body['a'] is body['a'], body['b'] is body['b'], body['f']['g'] is body['f']['g'], body['c'] is body['c'], body['a'], body['é']", "(True, True, True, True, {'x': 2}, 7)")]
    [InlineData("[body['a'], len(body)][0] is body['a']", "True")]
    [InlineData("[body['a'], body['b'], body['c'], body['e'], body['f'], body['d'], len(body)][4] is body['f']", "True")]
    [InlineData("[body['b'], body['c'], body['e'], body['f'], body['d'], body['a'], body][5] is body['a']", "True")]
    [InlineData("[body['f'], body['f']['g'], body['f']][1] is body['f']['g']", "True")]
    [InlineData("body", "{'a': {'x': 2}, 'b': [1, 2], 'c': 's', 'd': None, 'e': 1.5, 'f': {'g': {'h': 3}}, 'é': 7}")]
    [InlineData("body[1]", "KeyError: 1")]
    [InlineData("body['zz']", "KeyError: 'zz'")]
    [InlineData("body.get(1), body.get('zz'), body.get('d', 5), 1 in body, 'a' in body, body['b'][1], body['b'][-1], len(body['b'])", "(None, None, None, False, True, 2, 2, 2)")]
    [InlineData("[body['a'], body.keys()][1], [body['b'], body['c'], body['e'], body['f'], body.items()][4], max(body)", "(dict_keys(['a', 'b', 'c', 'd', 'e', 'f', 'é']), dict_items([('a', {'x': 2}), ('b', [1, 2]), ('c', 's'), ('d', None), ('e', 1.5), ('f', {'g': {'h': 3}}), ('é', 7)]), 'é')")]
    [InlineData("body['b'] == [1, 2], body == body, body['f'] == {'g': {'h': 3}}, str(body['f']), body['e'] * 2", "(True, True, True, \"{'g': {'h': 3}}\", 3.0)")]
    public void A_body_read_lazily_or_whole_gives_what_json_loads_gives(string expression, string outcome)
    {
        var parsed = PythonExpression.Parse(expression);
        Assert.True(parsed.Success, string.Join("; ", parsed.Diagnostics));
        foreach (var lazily in new[] { false, true })
        {
            var result = PythonEvaluator.Evaluate(parsed.Value!.Syntax, Scope(DuplicateKeysBody, "{}", lazily), withRepr: true);
            Assert.Equal(outcome, result.Error?.ToString() ?? result.Repr);
        }
    }


    /// <summary>Slice steps and bounds far outside the sequence, and an index beyond a Py_ssize_t (CPython's IndexError for it).</summary>
    [Theory]
    [InlineData("'abcdef'[1:5:2], 'abcdef'[::-3], (1, 2, 3, 4)[-1:0:-2], 'abc'[0:], [1, 2, 3][0:2], 'abc'[::10 ** 30], 'abc'[::-10 ** 30], 'abc'[10 ** 30:], [1, 2, 3][-10 ** 30:10 ** 30], 'abc'[-10 ** 30::-1], 'abc'[:-10 ** 30:-1], 'abcdef'[0:6:4], 'abcdef'[5:0:-4], [1, 2, 3][False:True]", "('bd', 'fc', (4, 2), 'abc', [1, 2], 'a', 'c', '', [1, 2, 3], '', 'cba', 'ae', 'fb', [1])")]
    [InlineData("'abc'[10 ** 30]", "IndexError: cannot fit 'int' into an index-sized integer")]
    [InlineData("[1][-10 ** 30]", "IndexError: cannot fit 'int' into an index-sized integer")]
    [InlineData("(1,)[2 ** 63]", "IndexError: cannot fit 'int' into an index-sized integer")]
    [InlineData("'abc'[::'x']", "TypeError: slice indices must be integers or None or have an __index__ method")]
    [InlineData("(1, 2)[::0]", "ValueError: slice step cannot be zero")]
    [InlineData("'a😀b'[-1], '😀'[0], 'a😀b'[1:], [1, 2][-1], (1, 2, 3)[-3], (1,)[2 ** 63 - 1 - (2 ** 63 - 1)]", "('b', '😀', '😀b', 2, 1, 1)")]
    public void Huge_indexes_and_slice_steps_behave_as_in_cpython(string expression, string outcome) => Assert.Equal(outcome, Outcome(expression));
}
