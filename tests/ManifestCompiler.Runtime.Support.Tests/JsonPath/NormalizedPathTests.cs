using System.Text.Json;
using ManifestCompiler.Runtime.Support.JsonPath;

namespace ManifestCompiler.Runtime.Support.Tests.JsonPath;

/// <summary>Where a node sits, as a host reads it (its parts) and prints it (RFC 9535 §2.7 normalized paths).</summary>
public sealed class NormalizedPathTests
{
    [Fact]
    public void The_root_is_dollar_and_steps_print_outermost_first()
    {
        Assert.Equal("$", NormalizedPath.Root.ToString());
        Assert.Equal("$['a']", NormalizedPath.Root.Member("a").ToString());
        Assert.Equal("$[0]", NormalizedPath.Root.Element(0).ToString());
        Assert.Equal("$['store']['book'][12]['title']", NormalizedPath.Root.Member("store").Member("book").Element(12).Member("title").ToString());
        Assert.Equal("$[1][0]", NormalizedPath.Root.Element(1).Element(0).ToString());
        Assert.Equal("$['']", NormalizedPath.Root.Member("").ToString());
    }

    [Fact]
    public void Each_step_keeps_its_parent_kind_name_and_index()
    {
        var book = NormalizedPath.Root.Member("book");
        var element = book.Element(3);

        Assert.Null(NormalizedPath.Root.Parent);
        Assert.False(NormalizedPath.Root.IsMember);
        Assert.Null(NormalizedPath.Root.Name);
        Assert.Same(NormalizedPath.Root, book.Parent);
        Assert.True(book.IsMember);
        Assert.Equal("book", book.Name);
        Assert.Equal(0, book.Index);
        Assert.Same(book, element.Parent);
        Assert.False(element.IsMember);
        Assert.Null(element.Name);
        Assert.Equal(3, element.Index);
    }

    [Fact]
    public void A_member_from_a_document_property_is_named_by_the_decoded_name()
    {
        var properties = JsonDocument.Parse("""{"a\u0027b":1,"\ud800":2,"c\\d":3}""").RootElement.EnumerateObject().ToArray();

        var first = NormalizedPath.Root.Member(properties[0]);
        Assert.True(first.IsMember);
        Assert.Equal("a'b", first.Name);
        Assert.Equal(@"$['a\'b']", first.ToString());
        Assert.Equal("\ud800", NormalizedPath.Root.Member(properties[1]).Name);
        Assert.Equal(@"$['\ud800']", NormalizedPath.Root.Member(properties[1]).ToString());
        Assert.Equal(@"$['c\\d'][0]", NormalizedPath.Root.Member(properties[2]).Element(0).ToString());
    }

    /// <summary>
    /// normal-single-quoted (RFC 9535 §2.7): ' and \ escaped, the short escapes \b \f \n \r \t, every other control as
    /// \u00xx in lowercase hex; everything else, space, DEL and non-ASCII included, as it is.
    /// </summary>
    [Theory]
    [InlineData("it's", @"$['it\'s']")]
    [InlineData(@"a\b", @"$['a\\b']")]
    [InlineData("\b\f\n\r\t", @"$['\b\f\n\r\t']")]
    [InlineData("\u0000", @"$['\u0000']")]
    [InlineData("\u0001", @"$['\u0001']")]
    [InlineData("\u000b", @"$['\u000b']")]
    [InlineData("\u001f", @"$['\u001f']")]
    [InlineData("a b", "$['a b']")]
    [InlineData("\"", "$['\"']")]
    [InlineData("\u007f", "$['\u007f']")]
    [InlineData("é€😀", "$['é€😀']")]
    [InlineData("\ud7ff\ue000", "$['\ud7ff\ue000']")]
    public void Names_are_printed_as_normal_single_quoted_strings(string name, string expected)
    {
        Assert.Equal(expected, NormalizedPath.Root.Member(name).ToString());
    }

    [Fact]
    public void A_lone_surrogate_is_escaped_and_a_pair_is_kept()
    {
        // Not theory data: xunit turns a lone surrogate in an attribute into U+FFFD.
        Assert.Equal(@"$['\ud800']", NormalizedPath.Root.Member("\ud800").ToString());
        Assert.Equal(@"$['\udc00']", NormalizedPath.Root.Member("\udc00").ToString());
        Assert.Equal(@"$['a\ud83d']", NormalizedPath.Root.Member("a\ud83d").ToString());
        Assert.Equal(@"$['\ude00a']", NormalizedPath.Root.Member("\ude00a").ToString());
        Assert.Equal(@"$['\udc00\ud800']", NormalizedPath.Root.Member("\udc00\ud800").ToString());
        Assert.Equal("$['\ud83d\ude00']", NormalizedPath.Root.Member("\ud83d\ude00").ToString());
        Assert.Equal("$['\\ud800\ud800\udc00']", NormalizedPath.Root.Member("\ud800\ud800\udc00").ToString());
        Assert.Equal("$['\ud800\udc00\\udc00']", NormalizedPath.Root.Member("\ud800\udc00\udc00").ToString());
    }
}
