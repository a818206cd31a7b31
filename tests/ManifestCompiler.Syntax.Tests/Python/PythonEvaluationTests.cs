using System.Text.Json;
using ManifestCompiler.Syntax.Python;

namespace ManifestCompiler.Syntax.Tests.Python;

/// <summary>Semantics beyond the conformance data: injection safety, bounds, error positions.</summary>
public class PythonEvaluationTests
{
    private static readonly JsonElement Headers = JsonDocument.Parse("""{"Content-Type": "application/json", "X-Event": "ping"}""").RootElement;

    private static PythonInterpreterResult Evaluate(string expression, string body = "{}")
    {
        var parsed = PythonExpression.Parse(expression);
        Assert.True(parsed.Success, string.Join("; ", parsed.Diagnostics));
        return parsed.Value!.Evaluate(JsonDocument.Parse(body).RootElement, Headers, withRepr: true);
    }

    [Theory]
    [InlineData("x' or 'a' == 'a")]
    [InlineData("' + str(__import__('os')) + '")]
    [InlineData("\\\\' == '\\\\")]
    [InlineData("{{event_type}}")]
    public void A_hole_value_is_data_never_code(string hostile)
    {
        var body = JsonSerializer.Serialize(new { event_type = hostile });
        var result = Evaluate("'{{event_type}}' == 'contact.updated'", body);

        Assert.Equal("False", result.Repr);
        Assert.Equal($"'{hostile}'", Evaluate("'{{event_type}}'", body).Repr!.Replace("\\\\", "\\", StringComparison.Ordinal).Replace("\"", "'", StringComparison.Ordinal));
    }

    [Fact]
    public void Holes_fall_back_to_headers_case_insensitively_and_keep_their_text_when_unresolved()
    {
        Assert.Equal("'ping'", Evaluate("'{{x-event}}'").Repr);
        Assert.Equal("'{{ missing }}'", Evaluate("'{{ missing }}'").Repr);
        Assert.Equal("NameError", Evaluate("{{missing}}").Error!.ExceptionClass);
        Assert.Equal("True", Evaluate("{{amount}} > 100", """{"amount": 150}""").Repr);
    }

    [Theory]
    [InlineData("'a' * 10 ** 12")]
    [InlineData("10 ** 10 ** 8")]
    [InlineData("[1, 2] * 10 ** 9")]
    [InlineData("str(10 ** 5000)")]
    public void Absurd_results_fail_fast_instead_of_exhausting_memory(string expression)
    {
        var result = Evaluate(expression);

        Assert.False(result.Success);
        Assert.Contains(result.Error!.ExceptionClass, new[] { "MemoryError", "ValueError" });
    }

    [Fact]
    public void Errors_carry_the_class_and_the_position_of_the_failing_node()
    {
        const string expression = "body['data']['missing'] == 1";
        var error = Evaluate(expression, """{"data": {}}""").Error!;

        Assert.Equal("KeyError", error.ExceptionClass);
        Assert.Equal("body['data']['missing']", expression.Substring(error.Span.Start, error.Span.Length));

        var typeError = Evaluate("1 + len('ab') < 'x'").Error!;
        Assert.Equal("TypeError", typeError.ExceptionClass);
        Assert.Equal("'<' not supported between instances of 'int' and 'str'", typeError.Message);
    }

    /// <summary>
    /// A failed comparison in a chain is reported on the pair that failed: from the chain's first operand to the
    /// right operand of that pair (CPython points at the whole comparison; a narrower span is what a user reads here).
    /// </summary>
    [Theory]
    [InlineData("'x' < 1 < 2", "'x' < 1")]
    [InlineData("0 < 1 < 'x'", "0 < 1 < 'x'")]
    [InlineData("len('a') and 'x' < 1 < 2", "'x' < 1")]
    [InlineData("len('a') and 0 < 1 < 'x' < 3", "0 < 1 < 'x'")]
    public void A_failed_comparison_points_at_the_pair_that_failed(string expression, string failing)
    {
        var error = Evaluate(expression).Error!;

        Assert.Equal("TypeError", error.ExceptionClass);
        Assert.Equal(failing, expression.Substring(error.Span.Start, error.Span.Length));
    }

    /// <summary>
    /// What a router reads from a condition: its truth value, false when evaluation failed; the repr only when asked
    /// for; an error prints as CPython's last traceback line does.
    /// </summary>
    [Theory]
    [InlineData("body['a']", true)]
    [InlineData("body['zero']", false)]
    [InlineData("body['empty']", false)]
    [InlineData("[]", false)]
    [InlineData("body['missing']", false)]
    [InlineData("1 / 0", false)]
    public void A_condition_holds_when_its_value_is_truthy(string expression, bool holds)
    {
        var parsed = PythonExpression.Parse(expression);
        var result = parsed.Value!.Evaluate(JsonDocument.Parse("""{"a": 1, "zero": 0, "empty": ""}""").RootElement, Headers);

        Assert.Equal(holds, result.IsTruthy);
        Assert.Null(result.Repr);
    }

    [Fact]
    public void An_error_reads_as_its_class_and_message()
    {
        var error = Evaluate("body['missing']").Error!;

        Assert.Equal("KeyError: 'missing'", error.ToString());
    }

    [Theory]
    [InlineData("float(8340148826371741606)", "8.340148826371742e+18")]
    [InlineData("(-2) ** 0.5", "(8.659560562354934e-17+1.4142135623730951j)")]
    [InlineData("round(2.675, 2)", "2.67")]
    [InlineData("round(2.5)", "2")]
    // round(x, n) in 128 bits (0 <= n <= 22) and, past that, with BigInteger: exact ties half-even, signs, extremes.
    [InlineData("round(0.125, 2), round(0.375, 2), round(-0.125, 2), round(10.235, 2), round(1.0005, 3)", "(0.12, 0.38, -0.12, 10.23, 1.0)")]
    [InlineData("round(123456.789, 1), round(1e-20, 22), round(5e-324, 2), round(0.5, 0), round(-1.5, 0)", "(123456.8, 1e-20, 0.0, 0.0, -2.0)")]
    [InlineData("round(2.675, 22), round(1e300, 2), round(1e-20, 23), round(1234.5678, -2)", "(2.675, 1e+300, 1e-20, 1200.0)")]
    [InlineData("-7 // 2, -7 % 2, 7 % -2, -7.5 // 2, -0.0 % 5", "(-4, 1, -1, -4.0, 0.0)")]
    [InlineData("10 ** 30 / 3", "3.333333333333333e+29")]
    [InlineData("'ß'.upper(), 'ΑΣ'.lower(), 'ß'.title()", "('SS', 'ας', 'Ss')")]
    [InlineData("'a😀b'[1], len('a😀b'), 'a😀b'.find('b')", "('😀', 3, 2)")]
    [InlineData("True == 1, 1 == 1.0, 2 ** 53 + 1 == 2.0 ** 53", "(True, True, False)")]
    [InlineData("{'a': 1}.keys(), {'a': 1}.items()", "(dict_keys(['a']), dict_items([('a', 1)]))")]
    [InlineData("f'{\"é😀\"!a}|{1.5!r}|{None}'", "\"'\\\\xe9\\\\U0001f600'|1.5|None\"")]
    public void Matches_cpython(string expression, string repr) => Assert.Equal(repr, Evaluate(expression).Repr);

    [Fact]
    public void Lone_surrogates_from_json_are_characters_not_crashes()
    {
        // JSON may carry "\ud800" alone; Python keeps it as a character (found by the property test).
        const string body = """{"s": "a\ud800b"}""";

        Assert.Equal("'-a-\\ud800-b-'", Evaluate("body['s'].replace('', '-')", body).Repr);
        Assert.Equal("'\\ud800'", Evaluate("body['s'][1]", body).Repr);
        Assert.Equal("['a', '\\ud800', 'b']", Evaluate("[body['s'][0], body['s'][1], body['s'][2]]", body).Repr);
        Assert.Equal("'A\\ud800B'", Evaluate("body['s'].upper()", body).Repr);
    }
}
