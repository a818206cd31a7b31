using System.Text.Json;
using System.Text.RegularExpressions;
using ManifestCompiler.Runtime.Support.JsonPath;

namespace ManifestCompiler.Runtime.Support.Tests.JsonPath;

/// <summary>
/// RFC 9535's value semantics as the interpreter and generated queries call them: comparisons (§2.3.5.2.2), the five
/// functions (§2.4.4–§2.4.8), member and element steps, and slice bounds (§2.3.4.2.2; the indices each selects are
/// Python's <c>list(range(n))[start:end:step]</c>, checked with CPython 3.11, which agrees with the RFC for step ≠ 0).
/// </summary>
public sealed class JsonPathRuntimeTests
{
    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    private static JsonPathValue J(string json) => JsonPathValue.Of(Json(json));

    private static JsonPathValue N(double number) => JsonPathValue.OfNumber(number);

    private static readonly JsonPathComparison[] Ops =
    [
        JsonPathComparison.Equal, JsonPathComparison.NotEqual, JsonPathComparison.Less,
        JsonPathComparison.LessOrEqual, JsonPathComparison.Greater, JsonPathComparison.GreaterOrEqual,
    ];

    /// <summary>The six operators' answers, in the order == != &lt; &lt;= &gt; &gt;=.</summary>
    private static string Row(JsonPathValue left, JsonPathValue right) =>
        string.Concat(Ops.Select(op => JsonPathRuntime.Compare(left, op, right) ? "T" : "F"));

    [Fact]
    public void Each_operator_compares_numbers_strings_and_mixed_kinds_as_rfc_9535_says()
    {
        Assert.Equal("FTTTFF", Row(N(1), N(2)));
        Assert.Equal("TFFTFT", Row(N(2), N(2)));
        Assert.Equal("FTFFTT", Row(N(3), N(2)));
        // A literal number and a document number compare by value (1 == 1.0).
        Assert.Equal("TFFTFT", Row(J("1.0"), N(1)));
        Assert.Equal("TFFTFT", Row(N(1), J("1")));
        Assert.Equal("FTTTFF", Row(J("-1"), J("1e0")));
        Assert.Equal("FTTTFF", Row(J("\"a\""), J("\"b\"")));
        Assert.Equal("TFFTFT", Row(J("\"b\""), J("\"b\"")));
        Assert.Equal("FTFFTT", Row(J("\"ba\""), J("\"b\"")));
        // Strings order by code point: U+FFFF is below U+1F600, though its UTF-16 unit is above 0xD83D.
        Assert.Equal("FTTTFF", Row(J("\"\\uffff\""), J("\"😀\"")));
        Assert.Equal("FTFFTT", Row(J("\"😀\""), J("\"\\uffff\"")));
        // Different kinds are never equal and never ordered; == and != still answer.
        Assert.Equal("FTFFFF", Row(J("\"1\""), N(1)));
        Assert.Equal("FTFFFF", Row(N(1), J("\"1\"")));
        Assert.Equal("FTFFFF", Row(J("\"a\""), J("1")));
        Assert.Equal("FTFFFF", Row(J("1"), J("\"a\"")));
        Assert.Equal("FTFFFF", Row(J("true"), J("1")));
        // true, false and null equal only themselves, and <= holds through ==.
        Assert.Equal("TFFTFT", Row(J("true"), J("true")));
        Assert.Equal("FTFFFF", Row(J("true"), J("false")));
        Assert.Equal("TFFTFT", Row(J("null"), J("null")));
        Assert.Equal("FTFFFF", Row(J("null"), J("false")));
    }

    [Fact]
    public void Nothing_equals_only_nothing()
    {
        Assert.Equal("TFFTFT", Row(JsonPathValue.Nothing, JsonPathValue.Nothing));
        Assert.Equal("FTFFFF", Row(JsonPathValue.Nothing, J("null")));
        Assert.Equal("FTFFFF", Row(J("null"), JsonPathValue.Nothing));
        Assert.Equal("FTFFFF", Row(JsonPathValue.Nothing, N(0)));
        Assert.Equal("FTFFFF", Row(N(0), JsonPathValue.Nothing));
        Assert.Equal("FTFFFF", Row(J("[]"), JsonPathValue.Nothing));
    }

    [Fact]
    public void Structured_values_are_equal_member_by_member_and_element_by_element()
    {
        Assert.True(JsonPathRuntime.JsonEquals(Json("""{"a":1,"b":[2,"x"]}"""), Json("""{"b":[2.0,"x"],"a":1e0}""")));
        Assert.True(JsonPathRuntime.JsonEquals(Json("{}"), Json("{}")));
        Assert.True(JsonPathRuntime.JsonEquals(Json("[]"), Json("[]")));
        Assert.True(JsonPathRuntime.JsonEquals(Json("[1,2]"), Json("[1,2]")));
        Assert.True(JsonPathRuntime.JsonEquals(Json("\"a\\u0062\""), Json("\"ab\"")));
        Assert.False(JsonPathRuntime.JsonEquals(Json("[1,2]"), Json("[1,3]")));
        Assert.False(JsonPathRuntime.JsonEquals(Json("[1,2]"), Json("[2,1]")));
        Assert.False(JsonPathRuntime.JsonEquals(Json("[1,2]"), Json("[1,2,3]")));
        Assert.False(JsonPathRuntime.JsonEquals(Json("[1,2,3]"), Json("[1,2]")));
        Assert.False(JsonPathRuntime.JsonEquals(Json("""{"a":1}"""), Json("""{"a":1,"b":2}""")));
        Assert.False(JsonPathRuntime.JsonEquals(Json("""{"a":1,"b":2}"""), Json("""{"a":1}""")));
        Assert.False(JsonPathRuntime.JsonEquals(Json("""{"a":1}"""), Json("""{"a":2}""")));
        Assert.False(JsonPathRuntime.JsonEquals(Json("""{"a":1}"""), Json("""{"b":1}""")));
        Assert.False(JsonPathRuntime.JsonEquals(Json("1"), Json("2")));
        Assert.False(JsonPathRuntime.JsonEquals(Json("\"a\""), Json("\"b\"")));
        Assert.False(JsonPathRuntime.JsonEquals(Json("[]"), Json("{}")));
        Assert.False(JsonPathRuntime.JsonEquals(Json("0"), Json("false")));
        Assert.True(JsonPathRuntime.Compare(J("""{"k":[{"x":null}]}"""), JsonPathComparison.Equal, J("""{"k":[{"x":null}]}""")));
    }

    [Fact]
    public void Numbers_beyond_double_are_infinite_as_python_float_reads_them()
    {
        Assert.Equal(double.PositiveInfinity, JsonPathRuntime.ToDouble(Json("1e400")));
        Assert.Equal(double.NegativeInfinity, JsonPathRuntime.ToDouble(Json("-1e400")));
        Assert.Equal(0.5, JsonPathRuntime.ToDouble(Json("5e-1")));
        Assert.Equal("TFFTFT", Row(J("1e400"), J("2e999")));
        Assert.Equal("FTFFTT", Row(J("1e400"), N(double.MaxValue)));
    }

    [Fact]
    public void A_string_literal_equals_only_the_same_json_string()
    {
        Assert.True(JsonPathRuntime.EqualsString(J("\"abc\""), "abc"));
        Assert.True(JsonPathRuntime.EqualsString(J("\"\\u00e9\""), "é"));
        Assert.False(JsonPathRuntime.EqualsString(J("\"abc\""), "abd"));
        Assert.False(JsonPathRuntime.EqualsString(J("\"abc\""), "ab"));
        Assert.False(JsonPathRuntime.EqualsString(J("1"), "1"));
        Assert.False(JsonPathRuntime.EqualsString(J("null"), ""));
        Assert.False(JsonPathRuntime.EqualsString(JsonPathValue.Nothing, ""));
    }

    [Fact]
    public void Length_counts_code_points_elements_and_members_and_is_nothing_otherwise()
    {
        Assert.Equal(JsonPathValueKind.Number, JsonPathRuntime.Length(J("\"a😀\"")).Kind);
        Assert.Equal(2, JsonPathRuntime.Length(J("\"a😀\"")).Number);
        Assert.Equal(0, JsonPathRuntime.Length(J("\"\"")).Number);
        Assert.Equal(3, JsonPathRuntime.Length(J("[1,[2],3]")).Number);
        Assert.Equal(JsonPathValueKind.Number, JsonPathRuntime.Length(J("{\"a\":1,\"b\":2}")).Kind);
        Assert.Equal(2, JsonPathRuntime.Length(J("{\"a\":1,\"b\":2}")).Number);
        Assert.Equal(JsonPathValueKind.Nothing, JsonPathRuntime.Length(J("12")).Kind);
        Assert.Equal(JsonPathValueKind.Nothing, JsonPathRuntime.Length(J("true")).Kind);
        Assert.Equal(JsonPathValueKind.Nothing, JsonPathRuntime.Length(J("null")).Kind);
        Assert.Equal(JsonPathValueKind.Nothing, JsonPathRuntime.Length(JsonPathValue.Nothing).Kind);
        Assert.Equal(JsonPathValueKind.Nothing, JsonPathRuntime.Length(N(3)).Kind);
    }

    [Fact]
    public void Count_and_value_read_the_nodes()
    {
        var one = new JsonPathNode(Json("\"x\""), NormalizedPath.Root);
        var two = new JsonPathNode(Json("2"), NormalizedPath.Root.Element(1));

        Assert.Equal(0, JsonPathRuntime.Count([]).Number);
        Assert.Equal(JsonPathValueKind.Number, JsonPathRuntime.Count([one, two]).Kind);
        Assert.Equal(2, JsonPathRuntime.Count([one, two]).Number);
        var value = JsonPathRuntime.Value([one]);
        Assert.Equal(JsonPathValueKind.Json, value.Kind);
        Assert.Equal("x", value.Json.GetString());
        Assert.Equal(JsonPathValueKind.Nothing, JsonPathRuntime.Value([]).Kind);
        Assert.Equal(JsonPathValueKind.Nothing, JsonPathRuntime.Value([one, two]).Kind);
    }

    [Theory]
    [InlineData("\"abc\"", "\"b\"", false, true)]
    [InlineData("\"abc\"", "\"b\"", true, false)]
    [InlineData("\"abc\"", "\"a.c\"", true, true)]
    [InlineData("\"abc\"", "\"a.\"", true, false)]
    [InlineData("\"abc\"", "\"a.\"", false, true)]
    [InlineData("\"a😀c\"", "\"^a.c$\"", true, true)]
    [InlineData("\"\"", "\"\"", true, true)]
    // Not a string on either side, or not an I-Regexp: false, never an error.
    [InlineData("1", "\"1\"", false, false)]
    [InlineData("\"1\"", "1", false, false)]
    [InlineData("12", "\"2\"", false, false)]
    [InlineData("\"2\"", "12", false, false)]
    [InlineData("\"a(\"", "\"a(\"", false, false)]
    [InlineData("\"a\"", "\"\\\\d\"", false, false)]
    [InlineData("\"aa\"", "\"a{2,1}\"", false, false)]
    public void Match_and_search_take_strings_and_an_i_regexp(string text, string pattern, bool anchored, bool expected)
    {
        var result = JsonPathRuntime.Match(J(text), J(pattern), anchored);

        Assert.Equal(JsonPathValueKind.Logical, result.Kind);
        Assert.Equal(expected, result.Logical);
    }

    [Fact]
    public void Match_with_a_compiled_pattern_is_false_for_non_strings_and_invalid_patterns()
    {
        var regex = new Regex("^b", RegexOptions.NonBacktracking);

        Assert.True(JsonPathRuntime.Match(J("\"bc\""), regex).Logical);
        Assert.False(JsonPathRuntime.Match(J("\"cb\""), regex).Logical);
        Assert.Equal(JsonPathValueKind.Logical, JsonPathRuntime.Match(J("\"cb\""), regex).Kind);
        Assert.False(JsonPathRuntime.Match(J("[\"bc\"]"), regex).Logical);
        Assert.Equal(JsonPathValueKind.Logical, JsonPathRuntime.Match(J("1"), regex).Kind);
        Assert.False(JsonPathRuntime.Match(J("\"bc\""), null).Logical);
        Assert.False(JsonPathRuntime.Match(JsonPathValue.Nothing, regex).Logical);
    }

    /// <summary>Well-formed I-Regexps whose counted repetition is beyond what the engine builds: false, not an error.</summary>
    [Theory]
    [InlineData("a{1000000}")]
    [InlineData("(a{1000}){1000}")]
    public void A_pattern_too_large_for_the_engine_is_false(string pattern)
    {
        Assert.True(IRegexp.TryTranslate(pattern, out _, out _));
        Assert.Null(IRegexp.Compile(pattern, anchored: true));
        Assert.False(JsonPathRuntime.Match(J("\"aaa\""), J("\"" + pattern + "\""), anchored: false).Logical);
    }

    [Fact]
    public void A_match_that_times_out_is_false()
    {
        var slow = new Regex("(a+)+$", RegexOptions.None, TimeSpan.FromMilliseconds(1));

        Assert.False(JsonPathRuntime.Match(J(JsonSerializer.Serialize(new string('a', 40) + "!")), slow).Logical);
    }

    [Fact]
    public void Member_steps_find_a_member_of_an_object_only()
    {
        Assert.True(JsonPathRuntime.TryGetMember(Json("""{"a":1,"b":2}"""), "b", "b"u8.ToArray(), out var member));
        Assert.Equal(2, member.GetInt32());
        Assert.True(JsonPathRuntime.TryGetMember(Json("""{"\ud800":3}"""), "\ud800", null, out member));
        Assert.Equal(3, member.GetInt32());
        Assert.False(JsonPathRuntime.TryGetMember(Json("""{"a":1}"""), "c", "c"u8.ToArray(), out member));
        Assert.Equal(JsonValueKind.Undefined, member.ValueKind);
        Assert.False(JsonPathRuntime.TryGetMember(Json("""[{"a":1}]"""), "a", "a"u8.ToArray(), out member));
        Assert.Equal(JsonValueKind.Undefined, member.ValueKind);
        Assert.False(JsonPathRuntime.TryGetMember(Json("\"a\""), "a", "a"u8.ToArray(), out _));
    }

    [Theory]
    [InlineData(0, 10, 0)]
    [InlineData(1, 20, 1)]
    [InlineData(2, 30, 2)]
    [InlineData(-1, 30, 2)]
    [InlineData(-3, 10, 0)]
    public void Element_steps_count_negative_indices_from_the_end(long index, int value, int position)
    {
        Assert.True(JsonPathRuntime.TryGetElement(Json("[10,20,30]"), index, out var element, out var at));
        Assert.Equal(value, element.GetInt32());
        Assert.Equal(position, at);
    }

    [Theory]
    [InlineData("[10,20,30]", 3)]
    [InlineData("[10,20,30]", -4)]
    [InlineData("[10,20,30]", long.MaxValue)]
    [InlineData("[10,20,30]", long.MinValue + 1)]
    [InlineData("[]", 0)]
    [InlineData("[]", -1)]
    [InlineData("{\"0\":1}", 0)]
    [InlineData("\"abc\"", 0)]
    public void Element_steps_outside_the_array_or_on_other_values_select_nothing(string json, long index)
    {
        Assert.False(JsonPathRuntime.TryGetElement(Json(json), index, out var element, out var at));
        Assert.Equal(JsonValueKind.Undefined, element.ValueKind);
        Assert.Equal(0, at);
    }

    /// <summary>start, end (int.MinValue: absent), step, and over 5 elements the bounds and the indices selected.</summary>
    [Theory]
    [InlineData(int.MinValue, int.MinValue, 1, 0, 5, "0,1,2,3,4")]
    [InlineData(int.MinValue, int.MinValue, -1, -1, 4, "4,3,2,1,0")]
    [InlineData(int.MinValue, int.MinValue, -2, -1, 4, "4,2,0")]
    [InlineData(1, 3, 1, 1, 3, "1,2")]
    [InlineData(-2, int.MinValue, 1, 3, 5, "3,4")]
    [InlineData(10, int.MinValue, 1, 5, 5, "")]
    [InlineData(int.MinValue, -10, 1, 0, 0, "")]
    [InlineData(3, 0, -1, 0, 3, "3,2,1")]
    [InlineData(10, int.MinValue, -1, -1, 4, "4,3,2,1,0")]
    [InlineData(-10, int.MinValue, -1, -1, -1, "")]
    [InlineData(0, int.MinValue, 1, 0, 5, "0,1,2,3,4")]
    [InlineData(0, int.MinValue, -1, -1, 0, "0")]
    [InlineData(int.MinValue, 0, 1, 0, 0, "")]
    [InlineData(int.MinValue, 2, -1, 2, 4, "4,3")]
    [InlineData(0, 5, 2, 0, 5, "0,2,4")]
    [InlineData(4, 4, 1, 4, 4, "")]
    [InlineData(int.MinValue, int.MinValue, 0, 0, 0, "")]
    public void Slice_bounds_select_what_python_slices_select(int start, int end, long step, long lower, long upper, string indices)
    {
        const long length = 5;
        var selects = JsonPathRuntime.SliceBounds(start == int.MinValue ? null : start, end == int.MinValue ? null : end, step, length, out var low, out var high);

        Assert.Equal((lower, upper), (low, high));
        Assert.Equal(indices.Length > 0, selects);
        var selected = new List<long>();
        if (selects && step > 0)
        {
            for (var i = low; i < high; i += step)
            {
                selected.Add(i);
            }
        }
        else if (selects)
        {
            for (var i = high; i > low; i += step)
            {
                selected.Add(i);
            }
        }
        Assert.Equal(indices, string.Join(",", selected));
    }

    [Fact]
    public void Slices_of_an_empty_array_select_nothing()
    {
        Assert.False(JsonPathRuntime.SliceBounds(null, null, 1, 0, out var lower, out var upper));
        Assert.Equal((0L, 0L), (lower, upper));
        Assert.False(JsonPathRuntime.SliceBounds(null, null, -1, 0, out lower, out upper));
        Assert.Equal((-1L, -1L), (lower, upper));
    }
}
