using ManifestCompiler.Json;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Tests.Json;

public class JsonReaderTests
{
    private static string Slice(string text, SourceSpan span) => text.Substring(span.Start, span.Length);

    [Fact]
    public void Every_value_has_its_exact_span()
    {
        const string text = "\uFEFF{\n  \"name\": \"Northwind\",\n  \"n\": -1.5e3, \"ok\": true, \"none\": null,\n  \"list\": [1, {\"x\": []}]\n}";
        var root = Assert.IsType<JsonObjectSyntax>(JsonReader.Read(text).Value);

        Assert.Equal("\"Northwind\"", Slice(text, root["name"]!.Value.Span));
        Assert.Equal("\"name\"", Slice(text, root["name"]!.Name.Span));
        Assert.Equal("-1.5e3", Assert.IsType<JsonNumberSyntax>(root["n"]!.Value).Text);
        Assert.Equal("true", Slice(text, root["ok"]!.Value.Span));
        Assert.IsType<JsonNullSyntax>(root["none"]!.Value);
        var list = Assert.IsType<JsonArraySyntax>(root["list"]!.Value);
        Assert.Equal("{\"x\": []}", Slice(text, list.Items[1].Span));
        Assert.Equal(new LinePosition(4, 15), new LineMap(text).GetPosition(list.Items[1].Span.Start));
    }

    [Fact]
    public void Escapes_decode_and_map_back_to_the_file()
    {
        const string text = "\"a\\n\\u00e9\\ud83d\\ude00\\ud800z\"";
        var value = Assert.IsType<JsonStringSyntax>(JsonReader.Read(text).Value);

        Assert.Equal("a\né😀\ud800z", value.Value);
        Assert.Equal(1, value.SourceOffset(0));
        Assert.Equal(text.IndexOf("\\u00e9", StringComparison.Ordinal), value.SourceOffset(2));
        Assert.Equal(text.IndexOf('z'), value.SourceOffset(6));
    }

    [Fact]
    public void Comments_and_trailing_commas_are_reported_and_read_past()
    {
        const string text = "{ /* c */ \"a\": [1,], // x\n \"b\": 2, }";
        var result = JsonReader.Read(text);

        Assert.Equal(["MC0002", "MC0003", "MC0002", "MC0003"], result.Diagnostics.Select(d => d.Id));
        var root = Assert.IsType<JsonObjectSyntax>(result.Value);
        Assert.Equal(["a", "b"], root.Members.Select(m => m.Name.Value));
    }

    [Fact]
    public void Duplicate_keys_warn_and_the_last_wins()
    {
        var result = JsonReader.Read("{\"a\": 1, \"a\": 2}");

        Assert.Equal("MC0004", Assert.Single(result.Diagnostics).Id);
        Assert.Equal("2", Assert.IsType<JsonNumberSyntax>(((JsonObjectSyntax)result.Value!)["a"]!.Value).Text);
    }

    [Theory]
    [InlineData("{\"a\" 1}", 5, "expected ':'")]
    [InlineData("[1 2]", 3, "expected ',' or ']'")]
    [InlineData("01", 1, "leading zeros")]
    [InlineData("\"a\nb\"", 2, "control character")]
    [InlineData("\"abc", 0, "unterminated string")]
    [InlineData("\"\\x41\"", 2, "expected an escape")]
    [InlineData("[1] [2]", 4, "end of input")]
    [InlineData("NaN", 0, "expected a JSON value")]
    [InlineData("/* open", 0, "unterminated comment")]
    public void Malformed_input_is_one_located_error(string text, int at, string message)
    {
        var result = JsonReader.Read(text);

        Assert.Null(result.Value);
        var diagnostic = result.Diagnostics.Single(d => d.Id == "MC0001");
        Assert.Equal(at, diagnostic.Span.Start);
        Assert.Contains(message, diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_an_error_not_a_stack_overflow()
    {
        var result = JsonReader.Read(new string('[', 100_000) + new string(']', 100_000));

        Assert.Contains("nesting", Assert.Single(result.Diagnostics).Message, StringComparison.Ordinal);
    }
}
