using System.Text.Json;
using ManifestCompiler.Runtime.Support.DotPaths;

namespace ManifestCompiler.Runtime.Support.Tests.DotPaths;

/// <summary>Which segment of a dot path failed (a diagnostic points at it), besides the value and reason <c>ChiefOnboardingPlanTests</c> pin.</summary>
public sealed class DotPathRuntimeTests
{
    private static readonly JsonElement Value = JsonDocument.Parse("""{"data":{"items":[{"id":"U1"}],"name":"team"}}""").RootElement;

    [Theory]
    [InlineData("nope", 0, "no key 'nope'")]
    [InlineData("data.nope", 1, "no key 'nope'")]
    [InlineData("data.items.1", 2, "index 1 is out of range for a list of 1")]
    [InlineData("data.items.0.nope", 3, "no key 'nope'")]
    [InlineData("data.name.0.x", 2, "cannot look up '0' in a string")]
    public void A_failure_names_the_segment_that_failed(string path, int segment, string reason)
    {
        Assert.False(DotPathRuntime.TryEvaluate(Value, path.Split('.'), out _, out var failed, out var why));
        Assert.Equal(segment, failed);
        Assert.Equal(reason, why);
    }

    /// <summary>
    /// A list index is read as int() reads it, with CPython's 4,300-digit limit: a longer index is not a list index
    /// (CPython's int() raises ValueError), and it is refused before any conversion, which costs time quadratic in the digits.
    /// </summary>
    [Fact]
    public void A_list_index_of_more_than_4300_digits_is_not_a_list_index()
    {
        Assert.False(DotPathRuntime.TryEvaluate(Value, ["data", "items", new string('0', 4301)], out _, out var failed, out var why));
        Assert.Equal(2, failed);
        Assert.Equal($"'{new string('0', 4301)}' is not a list index", why);
        Assert.True(DotPathRuntime.TryEvaluate(Value, ["data", "items", new string('0', 4300), "id"], out var result, out _, out _));
        Assert.Equal("U1", result.GetString());
    }

    [Fact]
    public void Success_has_no_failed_segment_and_no_reason()
    {
        Assert.True(DotPathRuntime.TryEvaluate(Value, ["data", "items", "0", "id"], out var result, out var failed, out var why));
        Assert.Equal("U1", result.GetString());
        Assert.Equal(-1, failed);
        Assert.Null(why);
        Assert.True(DotPathRuntime.TryEvaluate(Value, [], out result, out failed, out why));
        Assert.Equal(Value.GetRawText(), result.GetRawText());
        Assert.Equal(-1, failed);
        Assert.Null(why);
    }
}
