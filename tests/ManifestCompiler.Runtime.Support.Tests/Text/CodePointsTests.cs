using ManifestCompiler.Runtime.Support.Text;

namespace ManifestCompiler.Runtime.Support.Tests.Text;

/// <summary>Strings as CPython 3.11 sees them, a sequence of code points: <c>len()</c>, ordering, indexing. Expected values from /usr/bin/python3.</summary>
public sealed class CodePointsTests
{
    /// <summary>Theory data holds <c>\uXXXX</c> escapes: a lone surrogate in an attribute's string does not survive test discovery.</summary>
    private static string Unescape(string text) => System.Text.RegularExpressions.Regex.Unescape(text);

    [Theory]
    [InlineData("", 0)]
    [InlineData("abc", 3)]
    [InlineData("a😀b", 3)]
    [InlineData("😀😀", 2)]
    [InlineData("\\ud800", 1)] // a lone surrogate is one code point
    [InlineData("\\ud800\\ud800", 2)]
    [InlineData("\\udc00\\ud800", 2)] // low then high is no pair
    [InlineData("x\\ud83d", 2)]
    [InlineData("\\ude00x", 2)]
    public void Len_counts_code_points(string text, int length) => Assert.Equal(length, CodePoints.Count(Unescape(text)));

    [Theory]
    [InlineData("a", "b", -1)]
    [InlineData("b", "a", 1)]
    [InlineData("a", "a", 0)]
    [InlineData("", "", 0)]
    [InlineData("a", "ab", -1)]
    [InlineData("ab", "a", 1)]
    [InlineData("\\uffff", "😀", -1)] // UTF-16 order would put the surrogate pair first
    [InlineData("😀", "\\uffff", 1)]
    [InlineData("\\ue000", "😀", -1)]
    [InlineData("\\ud800", "\\ue000", -1)] // a lone surrogate is its own code point: '\\ud800' < '\\ue000'
    [InlineData("\\ue000", "\\ud800", 1)]
    [InlineData("\\ud800", "😀", -1)]
    [InlineData("\\ud83dx", "😀", -1)] // '\\ud83d' + 'x' against the pair U+1F600: U+D83D < U+1F600
    [InlineData("😀", "\\ud83dx", 1)]
    [InlineData("😀", "😁", -1)]
    [InlineData("a😀", "a\\uffff", 1)]
    public void Strings_order_by_code_point_as_cpython_does(string a, string b, int sign)
    {
        (a, b) = (Unescape(a), Unescape(b));
        Assert.Equal(sign, Math.Sign(CodePoints.Compare(a, b)));
        Assert.Equal(-sign, Math.Sign(CodePoints.Compare(b, a)));
    }

    [Fact]
    public void Sorting_with_it_matches_sorted()
    {
        // sorted(['\ue000', '\ud800', '😀', '\uffff', 'a']) in CPython 3.11.
        var items = new List<string> { "\ue000", "\ud800", "😀", "\uffff", "a" };
        items.Sort(CodePoints.Compare);
        Assert.Equal(["a", "\ud800", "\ue000", "\uffff", "😀"], items);
    }

    [Fact]
    public void A_strings_code_points_are_its_python_indexes()
    {
        Assert.Equal([0x61, 0x1F600, 0x62], CodePoints.Of("a😀b"));
        Assert.Equal([0xD800, 0x61], CodePoints.Of("\ud800a"));
        Assert.Equal([0xDC00, 0xD800], CodePoints.Of("\udc00\ud800"));
        Assert.Equal([0x78, 0xD83D], CodePoints.Of("x\ud83d"));
        Assert.Empty(CodePoints.Of(""));
    }

    [Fact]
    public void Code_points_become_text_again_lone_surrogates_included()
    {
        Assert.Equal("😀", CodePoints.ToText(0x1F600));
        Assert.Equal("\ud800", CodePoints.ToText(0xD800));
        Assert.Equal("\uffff", CodePoints.ToText(0xFFFF));
        Assert.Equal("\U00010000", CodePoints.ToText(0x10000));
        Assert.Equal("a😀\udc00", CodePoints.ToText([0x61, 0x1F600, 0xDC00]));
        Assert.Equal("", CodePoints.ToText(Array.Empty<int>()));
    }
}
