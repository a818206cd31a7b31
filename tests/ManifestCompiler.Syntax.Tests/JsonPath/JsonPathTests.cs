using System.Text.Json;
using ManifestCompiler.Syntax.JsonPath;

namespace ManifestCompiler.Syntax.Tests.JsonPath;

public class JsonPathTests
{
    private static readonly JsonElement Store = JsonDocument.Parse("""
        {"store": {"book": [
          {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
          {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
          {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553", "price": 8.99}
        ], "bicycle": {"color": "red", "price": 399}}}
        """).RootElement;

    private static List<(string Path, string Value)> Select(string query, JsonElement document)
    {
        var parsed = Syntax.JsonPath.JsonPath.Parse(query);
        Assert.True(parsed.Success, string.Join("; ", parsed.Diagnostics));
        return parsed.Value!.Evaluate(document).Select(n => (n.Path.ToString(), n.Value.GetRawText())).ToList();
    }

    [Fact]
    public void Filters_with_comparisons_and_logic()
    {
        var titles = Select("$.store.book[?@.price < 10 && @.category == 'fiction'].title", Store);
        Assert.Equal([("$['store']['book'][2]['title']", "\"Moby Dick\"")], titles);
    }

    [Fact]
    public void Descendants_come_in_document_order_parents_first()
    {
        var prices = Select("$..price", Store).Select(p => p.Path);
        Assert.Equal(
            ["$['store']['book'][0]['price']", "$['store']['book'][1]['price']", "$['store']['book'][2]['price']", "$['store']['bicycle']['price']"],
            prices);
    }

    [Theory]
    [InlineData("$[1:3]", "[1,2]")]
    [InlineData("$[::-1]", "[4,3,2,1,0]")]
    [InlineData("$[-2:]", "[3,4]")]
    [InlineData("$[::2]", "[0,2,4]")]
    [InlineData("$[0:5:0]", "[]")]
    [InlineData("$[-1, 0, 9]", "[4,0]")]
    public void Slices_and_indexes(string query, string expected)
    {
        var values = Select(query, JsonDocument.Parse("[0,1,2,3,4]").RootElement).Select(v => v.Value);
        Assert.Equal(expected, "[" + string.Join(",", values) + "]");
    }

    [Fact]
    public void Normalized_paths_escape_as_rfc_section_2_7()
    {
        var document = JsonDocument.Parse("""{"a'b": 1, "c\\d": 2, "\u0001\n": 3, "é": 4}""").RootElement;
        var paths = Select("$.*", document).Select(p => p.Path);
        Assert.Equal(["$['a\\'b']", "$['c\\\\d']", "$['\\u0001\\n']", "$['é']"], paths);
    }

    [Theory]
    [InlineData("$[?length(@) == 2]", """["ab", "a😀", [1, 2], {"x":1}, "abc"]""", 3)]
    [InlineData("$[?count(@.*) == 2]", """[[1, 2], {"a": 1, "b": 2}, [1]]""", 2)]
    [InlineData("$[?match(@, 'a.c')]", """["abc", "a😀c", "abbc"]""", 2)]
    [InlineData("$[?search(@, '[0-9]+')]", """["ab1", "cd", "2"]""", 2)]
    [InlineData("$[?value(@..x) == 1]", """[{"x": 1}, {"y": {"x": 1}}, {"x": 1, "y": {"x": 1}}]""", 2)]
    [InlineData("$[?@ > 'a']", """["b", "A", "😀", "\uffff"]""", 3)]
    public void Function_extensions(string query, string json, int count) =>
        Assert.Equal(count, Select(query, JsonDocument.Parse(json).RootElement).Count);

    [Theory]
    [InlineData("$.a[?@.b = 1]", "MC3001", 9)]
    [InlineData(" $", "MC3001", 0)]
    [InlineData("$ ", "MC3001", 1)]
    [InlineData("$[01]", "MC3001", 3)]
    [InlineData("$[9007199254740992]", "MC3002", 2)]
    [InlineData("$[?@.* == 1]", "MC3003", 3)]
    [InlineData("$[?foo(@)]", "MC3004", 3)]
    [InlineData("$[?length(@, 1) == 1]", "MC3005", 3)]
    [InlineData("$[?length(@.*) == 1]", "MC3006", 10)]
    [InlineData("$[?match(@, 'a') == true]", "MC3007", 3)]
    [InlineData("$[?length(@)]", "MC3008", 3)]
    [InlineData("$[?1]", "MC3008", 3)]
    [InlineData("$[?@.a == 1.٣]", "MC3001", 12)]
    [InlineData("$[?@.a == 1e٣]", "MC3001", 12)]
    [InlineData("$[٣]", "MC3001", 2)]
    public void Rejects_invalid_queries_at_the_position_of_the_problem(string query, string id, int at)
    {
        var result = Syntax.JsonPath.JsonPath.Parse(query);

        Assert.Null(result.Value);
        var diagnostic = result.Diagnostics.First(d => d.IsError);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(at, diagnostic.Span.Start);
    }

    [Fact]
    public void An_invalid_regex_literal_is_a_warning_and_never_matches()
    {
        var result = Syntax.JsonPath.JsonPath.Parse("$[?match(@, 'a(')]");

        Assert.True(result.Success);
        Assert.Equal("MC3009", Assert.Single(result.Diagnostics).Id);
        Assert.Empty(result.Value!.Evaluate(JsonDocument.Parse("""["a("]""").RootElement));
    }

    [Fact]
    public void Deep_nesting_is_a_diagnostic_not_a_stack_overflow()
    {
        var query = "$[?" + new string('(', 100_000) + "@" + new string(')', 100_000) + "]";
        var result = Syntax.JsonPath.JsonPath.Parse(query);

        Assert.Equal("MC3001", Assert.Single(result.Diagnostics).Id);
        Assert.Contains("nesting", result.Diagnostics[0].Message, StringComparison.Ordinal);
        Assert.Equal("MC3001", Syntax.JsonPath.JsonPath.Parse("$[?" + new string('!', 5000) + "@]").Diagnostics.Single().Id);
    }

    [Fact]
    public void Brackets_inside_string_literals_do_not_count_as_nesting()
    {
        var name = new string('(', 300) + new string('[', 300);
        var document = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, int> { [name] = 1 })).RootElement;

        Assert.Single(Select("$['" + name + "']", document));
    }

    [Fact]
    public void A_deeply_nested_regex_from_the_document_is_false_not_a_crash()
    {
        var pattern = new string('(', 100_000) + "a" + new string(')', 100_000);
        var document = JsonDocument.Parse(JsonSerializer.Serialize(new { r = pattern, v = new[] { "a" } })).RootElement;

        Assert.Empty(Select("$.v[?match(@, $.r)]", document));
    }

    [Fact]
    public void Slices_over_arrays_of_objects_select_in_order()
    {
        var document = JsonDocument.Parse("[" + string.Join(",", Enumerable.Range(0, 10).Select(i => $"{{\"i\": {i}}}")) + "]").RootElement;

        Assert.Equal(["$[1]", "$[4]", "$[7]"], Select("$[1:9:3]", document).Select(n => n.Path));
        Assert.Equal(["$[9]", "$[6]", "$[3]"], Select("$[:1:-3]", document).Select(n => n.Path));
    }

    [Fact]
    public void Nesting_within_the_limit_is_fine()
    {
        var depth = Syntax.JsonPath.JsonPath.MaxNestingDepth - 2;
        var query = "$[?" + new string('(', depth) + "@" + new string(')', depth) + "]";
        Assert.True(Syntax.JsonPath.JsonPath.Parse(query).Success);
    }
}
