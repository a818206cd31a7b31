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

    /// <summary>The whole message, as mfc check prints it: what was expected and what was found there.</summary>
    [Theory]
    [InlineData("", 0, "Invalid JSON: expected a JSON value, found end of input")]
    [InlineData("{\"a\" 1}", 5, "Invalid JSON: expected ':' after the member name, found '1'")]
    [InlineData("{a: 1}", 1, "Invalid JSON: expected a member name in double quotes, found 'a'")]
    [InlineData("{\"a\": 1 \"b\": 2}", 8, "Invalid JSON: expected ',' or '}', found '\"'")]
    [InlineData("[1 2]", 3, "Invalid JSON: expected ',' or ']', found '2'")]
    [InlineData("[1,", 3, "Invalid JSON: expected a JSON value, found end of input")]
    [InlineData("['a']", 1, "Invalid JSON: strings take double quotes, found '''")]
    [InlineData("01", 1, "Invalid JSON: a number cannot have leading zeros, found '1'")]
    [InlineData("-", 1, "Invalid JSON: expected a digit, found end of input")]
    [InlineData("1.", 2, "Invalid JSON: expected a digit after the decimal point, found end of input")]
    [InlineData("1.5e+", 5, "Invalid JSON: expected a digit in the exponent, found end of input")]
    [InlineData("\"a\tb\"", 2, "Invalid JSON: a control character must be escaped in a string, found '\\t'")]
    [InlineData("\"abc", 0, "Invalid JSON: unterminated string")]
    [InlineData("\"abc\\", 0, "Invalid JSON: unterminated string")]
    [InlineData("\"\\x41\"", 2, "Invalid JSON: expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX), found 'x'")]
    [InlineData("\"\\u12G4\"", 5, "Invalid JSON: expected four hex digits after \\u, found 'G'")]
    [InlineData("\"\\u12", 5, "Invalid JSON: expected four hex digits after \\u, found end of input")]
    [InlineData("tru", 0, "Invalid JSON: expected a JSON value, found 't'")]
    [InlineData("[1] [2]", 4, "Invalid JSON: expected end of input after the JSON value, found '['")]
    [InlineData("/* open", 0, "Invalid JSON: unterminated comment")]
    public void Each_malformed_input_has_its_exact_message(string text, int at, string message)
    {
        var diagnostic = Assert.Single(JsonReader.Read(text).Diagnostics, d => d.Id == "MC0001");

        Assert.Equal((at, message), (diagnostic.Span.Start, diagnostic.Message));
    }

    [Fact]
    public void Deep_nesting_is_an_error_not_a_stack_overflow()
    {
        var result = JsonReader.Read(new string('[', 100_000) + new string(']', 100_000));

        Assert.Contains("nesting", Assert.Single(result.Diagnostics).Message, StringComparison.Ordinal);
    }
}
