using System.Text.Json;
using ManifestCompiler.Syntax.JsonPath;

namespace ManifestCompiler.Syntax.Tests.JsonPath;

/// <summary>
/// What a query selects on the edge cases of RFC 9535: deep descents, chains of segments, member names written with
/// escapes and surrogates, nesting limits, and how queries compare.
/// </summary>
public class JsonPathSelectionTests
{
    private static List<(string Path, string Value)> Select(string query, string json)
    {
        var parsed = Syntax.JsonPath.JsonPath.Parse(query);
        Assert.True(parsed.Success, string.Join("; ", parsed.Diagnostics));
        return parsed.Value!.Evaluate(JsonDocument.Parse(json).RootElement).Select(n => (n.Path.ToString(), n.Value.GetRawText())).ToList();
    }

    [Fact]
    public void Descendants_nested_deeper_than_a_few_levels_keep_their_full_paths()
    {
        // Twelve objects, then an array of arrays: each selected node's path names every step down to it.
        var json = string.Concat(Enumerable.Repeat("{\"a\":", 12)) + "[[{\"x\": 1}], {\"x\": 2}]" + new string('}', 12);
        var prefix = "$" + string.Concat(Enumerable.Repeat("['a']", 12));

        Assert.Equal([(prefix + "[0][0]['x']", "1"), (prefix + "[1]['x']", "2")], Select("$..x", json));
        Assert.Equal([(prefix + "[0][0]", "{\"x\": 1}")], Select("$..[?@.x == 1]", json));
    }

    [Fact]
    public void A_descent_over_many_members_selects_each_with_its_path()
    {
        // Forty members, each holding the name the query looks for: every one is found, in document order, with its path.
        var json = "{" + string.Join(", ", Enumerable.Range(0, 40).Select(i => $"\"m{i}\": {{\"x\": {i}}}")) + "}";

        Assert.Equal(Enumerable.Range(0, 40).Select(i => ($"$['m{i}']['x']", i.ToString(System.Globalization.CultureInfo.InvariantCulture))), Select("$..x", json));
    }

    [Theory]
    // Each segment applies to the nodes the previous one selected, never to nodes an earlier segment passed over.
    [InlineData("$.a.b.a", """{"a": {"b": {"a": 1}}}""", "$['a']['b']['a']=1")]
    [InlineData("$.a.b.a.b", """{"a": {"b": {"a": {"b": 2}}}}""", "$['a']['b']['a']['b']=2")]
    [InlineData("$[0][0][0]", """[[[7, 8], 9], 10]""", "$[0][0][0]=7")]
    [InlineData("$.a.*.a", """{"a": {"x": {"a": 1}, "a": {"y": 2}}}""", "$['a']['x']['a']=1")]
    [InlineData("$.a.b.c", """{"a": {"b": 1}, "c": 3}""", "")]
    public void Segments_chain_from_the_previous_segment_s_nodes(string query, string json, string expected) =>
        Assert.Equal(expected, string.Join(" ", Select(query, json).Select(n => n.Path + "=" + n.Value)));

    [Theory]
    // RFC 9535 §2.3.1.1: a high surrogate escape must be followed by a low one; the range ends are included.
    [InlineData("$['\\uD800\\uDC00']", "\U00010000")]
    [InlineData("$['\\uDBFF\\uDFFF']", "\U0010FFFF")]
    [InlineData("$['\\uD800\\uDFFF']", "\U000103FF")]
    [InlineData("$['\\uDBFF\\uDC00']", "\U0010FC00")]
    [InlineData("$['\\uD7FF']", "\uD7FF")]
    [InlineData("$['\\uE000']", "\uE000")]
    [InlineData("$.\u0080", "\u0080")] // name-first includes %x80 itself
    [InlineData("$['\\u00e9\\t\\/']", "é\t/")]
    public void Escaped_member_names_select_the_member_they_spell(string query, string name)
    {
        var json = JsonSerializer.Serialize(new Dictionary<string, int> { ["other"] = 0, [name] = 1 });

        Assert.Equal(["1"], Select(query, json).Select(n => n.Value));
    }

    [Theory]
    [InlineData("$['\\uDC00']")] // a low surrogate alone
    [InlineData("$['\\uDFFF']")]
    [InlineData("$['\\uD800']")] // a high surrogate alone
    [InlineData("$['\\uDBFF\\u0041']")] // a high surrogate followed by something else
    [InlineData("$['\\uD800\\uE000']")]
    public void Unpaired_surrogate_escapes_are_a_syntax_error(string query)
    {
        var result = Syntax.JsonPath.JsonPath.Parse(query);

        Assert.Null(result.Value);
        Assert.Equal("MC3001", Assert.Single(result.Diagnostics).Id);
    }

    [Fact]
    public void A_name_selector_carries_its_utf8_form_unless_it_holds_a_lone_surrogate()
    {
        // The emitted code looks names up by these bytes; UTF-8 cannot carry a lone surrogate (it would become U+FFFD
        // and select a different member), so such names have none and are looked up as strings.
        string[] lone = ["k\uD800", "\uD800", "\uDC00x", "\uD83D\uDE00\uD800", "\uDE00\uD83D", "a\uD800b"];
        string[] whole = ["k", "", "\uD83D\uDE00", "a\uD83D\uDE00b", "\uFFFD", "\u00E9"];

        Assert.All(lone, name => Assert.Null(new NameSelectorSyntax(name, default).Utf8Name));
        Assert.All(whole, name => Assert.Equal(System.Text.Encoding.UTF8.GetBytes(name), new NameSelectorSyntax(name, default).Utf8Name));
    }

    [Fact]
    public void Name_selectors_are_equal_by_name_and_span()
    {
        var span = new Text.SourceSpan(2, 3);
        var selector = new NameSelectorSyntax("a", span);

        Assert.Equal(selector, new NameSelectorSyntax("a", span));
        Assert.Equal(selector.GetHashCode(), new NameSelectorSyntax("a", span).GetHashCode());
        Assert.NotEqual(selector, new NameSelectorSyntax("b", span));
        Assert.NotEqual(selector, new NameSelectorSyntax("a", new Text.SourceSpan(2, 4)));
        Assert.False(selector.Equals(null));
    }

    [Fact]
    public void A_run_of_negations_deeper_than_the_limit_is_refused_where_it_crosses_it()
    {
        var limit = Syntax.JsonPath.JsonPath.MaxNestingDepth;
        var query = "$[?" + new string('!', limit) + "@]";

        var diagnostic = Assert.Single(Syntax.JsonPath.JsonPath.Parse(query).Diagnostics);

        Assert.Equal("MC3001", diagnostic.Id);
        Assert.Equal($"Invalid JSONPath: nesting deeper than {limit} levels", diagnostic.Message);
        Assert.Equal((3 + limit - 1, 1), (diagnostic.Span.Start, diagnostic.Span.Length)); // the '[' is one level
    }

    [Fact]
    public void Closed_brackets_end_their_level_so_long_flat_queries_are_fine()
    {
        var query = "$" + string.Concat(Enumerable.Repeat("[0]", 200)) + string.Concat(Enumerable.Repeat("[?(@)]", 200));
        var json = new string('[', 40) + "[1]" + new string(']', 40); // System.Text.Json reads 64 levels at most

        Assert.True(Syntax.JsonPath.JsonPath.Parse(query).Success);
        Assert.Equal(["1"], Select("$" + string.Concat(Enumerable.Repeat("[0]", 41)), json).Select(n => n.Value));
    }

    [Fact]
    public void Queries_are_equal_when_their_text_is()
    {
        var a = Syntax.JsonPath.JsonPath.Parse("$.a").Value!;
        var same = Syntax.JsonPath.JsonPath.Parse("$.a").Value!;
        var spaced = Syntax.JsonPath.JsonPath.Parse("$['a']").Value!;

        Assert.True(a.Equals(same));
        Assert.True(a.Equals((object)same));
        Assert.Equal(a.GetHashCode(), same.GetHashCode());
        Assert.False(a.Equals(spaced)); // the same selection, other text: the IR keeps the text a user wrote
        Assert.False(a.Equals(null));
        Assert.False(a.Equals((object)"$.a"));
    }

    [Theory]
    // RFC 9535 §2.3.5.2.2: comparisons across types are false (except !=); a missing member is Nothing, not null.
    [InlineData("$[?@.v == 1]", "a")]
    [InlineData("$[?@.v == '1']", "b")]
    [InlineData("$[?@.v == null]", "c")]
    [InlineData("$[?@.v != null]", "a b d e f")]
    [InlineData("$[?@.v < 2]", "a")]
    [InlineData("$[?@.v <= 'a']", "b")]
    [InlineData("$[?@.v >= true]", "d")] // '>=' is '>' or '=='; booleans only compare equal
    [InlineData("$[?@.v == true]", "d")]
    [InlineData("$[?@.v == @.missing]", "f")]
    [InlineData("$[?@.missing == null]", "")]
    public void Filter_comparisons_of_mixed_types(string query, string expected)
    {
        const string json = """
            [{"k": "a", "v": 1}, {"k": "b", "v": "1"}, {"k": "c", "v": null}, {"k": "d", "v": true}, {"k": "e", "v": [1]}, {"k": "f"}]
            """;
        var keys = Select(query, json).Select(n => JsonDocument.Parse(n.Value).RootElement.GetProperty("k").GetString());

        Assert.Equal(expected, string.Join(" ", keys));
    }

    [Fact]
    public void A_null_query_is_refused_by_name() =>
        Assert.Equal("query", Assert.Throws<ArgumentNullException>(() => Syntax.JsonPath.JsonPath.Parse(null!)).ParamName);
}
