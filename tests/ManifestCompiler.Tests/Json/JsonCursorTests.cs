using ManifestCompiler.Json;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Tests.Json;

/// <summary>The located cursor the binders read members through: one key name gives the node, its spans, its path and its owner.</summary>
public class JsonCursorTests
{
    private static string Slice(string text, SourceSpan span) => text.Substring(span.Start, span.Length);

    [Fact]
    public void A_member_carries_its_value_its_key_span_its_normalized_path_and_its_object()
    {
        const string text = "{\"request\": {\"it's\": [1, {\"x\": null}]}}";
        var root = JsonCursor.Root(JsonReader.Read(text).Value, "the manifest");
        var request = root.Member("request");
        var quoted = request.Member("it's");

        Assert.Equal("the manifest", root.Key);
        Assert.Equal("$['request']['it\\'s']", quoted.Path);
        Assert.Equal("it's", quoted.Key);
        Assert.Same(request.Value, quoted.Owner);
        Assert.Equal("\"it's\"", Slice(text, quoted.NameSpan));
        Assert.Equal("[1, {\"x\": null}]", Slice(text, quoted.Span));

        var x = quoted.Element(1, "an item").Member("x");
        Assert.Equal("$['request']['it\\'s'][1]['x']", x.Path);
        Assert.True(x.Exists);
        Assert.False(x.HasValue);
    }

    [Fact]
    public void An_absent_member_keeps_its_path_and_the_object_that_lacks_it()
    {
        const string text = "{\"request\": {\"url\": \"u\"}, \"list\": [\"a\", \"b\"]}";
        var root = JsonCursor.Root(JsonReader.Read(text).Value);
        var request = root.Member("request");
        var missing = request.Member("method");

        Assert.False(missing.Exists);
        Assert.Equal("$['request']['method']", missing.Path);
        Assert.Same(request.Value, missing.Owner);
        Assert.Equal(default, missing.Span);

        // Below a value that is not an object there is no owner: the binder has reported that value's type already.
        var underArray = root.Member("list").Member("url");
        Assert.False(underArray.Exists);
        Assert.Null(underArray.Owner);
    }

    [Fact]
    public void Elements_and_members_come_in_written_order_and_are_none_for_other_values()
    {
        const string text = "{\"b\": 1, \"a\": [true, false]}";
        var root = JsonCursor.Root(JsonReader.Read(text).Value);

        Assert.Equal(new[] { "b", "a" }, root.Members().Select(m => m.Key));
        var elements = root.Member("a").Elements("a[]").ToList();
        Assert.Equal(new[] { "$['a'][0]", "$['a'][1]" }, elements.Select(e => e.Path));
        Assert.All(elements, e => Assert.Equal("a[]", e.Key));
        Assert.Empty(root.Member("b").Elements("b[]"));
        Assert.Empty(root.Member("a").Members());
        Assert.False(root.Member("a").Element(2, "a[]").Exists);
    }
}
