using System.Text.Json;
using ManifestCompiler.Syntax.DotPaths;

namespace ManifestCompiler.Syntax.Tests.DotPaths;

public class DotPathTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static string? Evaluate(string path, string json)
    {
        var parsed = DotPath.Parse(path);
        return DotPath.TryEvaluate(parsed.Value!, Json(json), out var result, out _) ? result.GetRawText() : null;
    }

    [Theory]
    [InlineData("", """{"a":1}""", """{"a":1}""")]
    [InlineData("data.items.0.id", """{"data":{"items":[{"id":"x"}]}}""", "\"x\"")]
    [InlineData("one.0.deep", """{"one":{"0":{"deep":1}}}""", "1")]
    [InlineData("one.0.deep", """{"one":[{"deep":2}]}""", "2")]
    [InlineData("items.-1", """{"items":[1,2,3]}""", "3")]
    [InlineData("items. 0", """{"items":[1,2,3]}""", "1")]
    [InlineData("items.01", """{"items":[1,2,3]}""", "2")]
    [InlineData("items.+1", """{"items":[1,2,3]}""", "2")]
    [InlineData("items.1_0", """{"items":[0,1,2,3,4,5,6,7,8,9,10]}""", "10")]
    [InlineData("a", """{"a":1,"a":2}""", "2")]
    public void Looks_up_keys_then_list_indexes(string path, string json, string expected) =>
        Assert.Equal(expected, Evaluate(path, json));

    [Theory]
    [InlineData("missing", """{"a":1}""")]
    [InlineData("items.3", """{"items":[1,2,3]}""")]
    [InlineData("items.-4", """{"items":[1,2,3]}""")]
    [InlineData("items.x", """{"items":[1,2,3]}""")]
    [InlineData("items.1__0", """{"items":[1,2,3]}""")]
    [InlineData("a.0", """{"a":"text"}""")]
    [InlineData("a.b", """{"a":null}""")]
    public void Fails_like_a_key_error(string path, string json) => Assert.Null(Evaluate(path, json));

    [Fact]
    public void Failure_names_the_segment()
    {
        var parsed = DotPath.Parse("data.items.5").Value!;
        Assert.False(DotPath.TryEvaluate(parsed, Json("""{"data":{"items":[1]}}"""), out _, out var failure));
        Assert.Equal("5", failure!.Segment.Key);
        Assert.Equal(new Text.SourceSpan(11, 1), failure.Segment.Span);
        Assert.Contains("out of range", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Segments_carry_spans()
    {
        var parsed = DotPath.Parse("data.items.0").Value!;
        Assert.Equal([new Text.SourceSpan(0, 4), new Text.SourceSpan(5, 5), new Text.SourceSpan(11, 1)], parsed.Segments.Select(s => s.Span));
    }

    [Theory]
    [InlineData("a..b", 2)]
    [InlineData(".a", 0)]
    [InlineData("a.", 2)]
    public void Empty_segments_are_warnings(string path, int at)
    {
        var result = DotPath.Parse(path);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("MC2001", diagnostic.Id);
        Assert.Equal(at, diagnostic.Span.Start);
        Assert.True(result.Success);
    }

    [Fact]
    public void Null_arguments_are_refused_by_name()
    {
        Assert.Equal("source", Assert.Throws<ArgumentNullException>(() => DotPath.Parse(null!)).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentNullException>(() => DotPath.TryEvaluate(null!, Json("{}"), out _, out _)).ParamName);
    }
}
