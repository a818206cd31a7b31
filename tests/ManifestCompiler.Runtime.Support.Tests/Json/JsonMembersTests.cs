using System.Text.Json;
using ManifestCompiler.Runtime.Support.Json;

namespace ManifestCompiler.Runtime.Support.Tests.Json;

/// <summary>Member and header lookup as a request's body and headers are read: json.loads's duplicates, any name, HTTP's case.</summary>
public sealed class JsonMembersTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void The_last_of_duplicate_keys_wins_as_in_json_loads()
    {
        Assert.True(JsonMembers.TryGet(Json("""{"a":1,"b":2,"a":3}"""), "a", out var value));
        Assert.Equal("3", value.GetRawText());
        Assert.False(JsonMembers.TryGet(Json("""{"a":1}"""), "A", out _));
        Assert.False(JsonMembers.TryGet(Json("{}"), "", out _));
        Assert.True(JsonMembers.TryGet(Json("""{"":0}"""), "", out value));
        Assert.Equal("0", value.GetRawText());
    }

    [Fact]
    public void Names_with_escapes_and_lone_surrogates_are_found()
    {
        Assert.True(JsonMembers.TryGet(Json("""{"\u00e9":1}"""), "é", out var value));
        Assert.Equal("1", value.GetRawText());
        var lone = Json("""{"a":0,"\ud800":1,"\ud800":2}""");
        Assert.True(JsonMembers.TryGet(lone, "\ud800", out value));
        Assert.Equal("2", value.GetRawText());
        Assert.True(JsonMembers.TryGet(lone, "a", out value));
        Assert.Equal("0", value.GetRawText());
        Assert.False(JsonMembers.TryGet(lone, "\udc00", out _));
        Assert.False(JsonMembers.TryGet(lone, "b", out _));
        Assert.False(JsonMembers.TryGet(Json("""{"a":1}"""), "\ud800", out _));
    }

    [Fact]
    public void A_header_matches_without_regard_to_case_and_the_first_wins()
    {
        var headers = Json("""{"Content-Type":"application/json","X-Event":"a","x-event":"b"}""");
        Assert.True(JsonMembers.TryGetHeader(headers, "content-type", out var value));
        Assert.Equal("application/json", value.GetString());
        Assert.True(JsonMembers.TryGetHeader(headers, "X-EVENT", out value));
        Assert.Equal("a", value.GetString());
        Assert.False(JsonMembers.TryGetHeader(headers, "X-Events", out value));
        Assert.Equal(JsonValueKind.Undefined, value.ValueKind);
        Assert.False(JsonMembers.TryGetHeader(Json("""["Content-Type"]"""), "Content-Type", out _));
        Assert.False(JsonMembers.TryGetHeader(default, "Content-Type", out _));
    }
}
