using ManifestCompiler.Syntax.JsonPath;

namespace ManifestCompiler.Syntax.Tests.JsonPath;

public class IRegexpTests
{
    [Theory]
    [InlineData("a.c", "a😀c", true)]
    [InlineData("a..c", "a😀c", false)]
    [InlineData("[😀-😂]", "😁", true)]
    [InlineData("[^a]", "😁", true)]
    [InlineData("[^😀-😂]", "😁", false)]
    [InlineData("[^😀-😂]", "x", true)]
    [InlineData("\\p{Lu}+", "ÀB", true)]
    [InlineData("\\P{Lu}", "a", true)]
    [InlineData("a{2,3}", "aaa", true)]
    [InlineData("a{2,3}", "aaaa", false)]
    [InlineData("(ab|cd)*", "abcdab", true)]
    [InlineData(".", "\n", false)]
    [InlineData("[\\n]", "\n", true)]
    [InlineData("a[-b]", "a-", true)]
    public void Match_is_anchored_and_works_on_code_points(string pattern, string input, bool expected)
    {
        var regex = IRegexp.Compile(pattern, anchored: true);
        Assert.NotNull(regex);
        Assert.Equal(expected, regex!.IsMatch(input));
    }

    [Theory]
    [InlineData("a(")]
    [InlineData("[a")]
    [InlineData("a{")]
    [InlineData("\\d")]
    [InlineData("\\w")]
    [InlineData("(?:a)")]
    [InlineData("a**")]
    [InlineData("\\p{Xx}")]
    [InlineData("[[]")]
    [InlineData("a{٣}")]
    public void Rejects_what_rfc_9485_does_not_define(string pattern)
    {
        Assert.False(IRegexp.TryTranslate(pattern, out _, out var error));
        Assert.NotEmpty(error);
        Assert.Null(IRegexp.Compile(pattern, anchored: false));
    }

    [Fact]
    public void A_hostile_pattern_runs_in_linear_time_engine()
    {
        var regex = IRegexp.Compile("(a*)*b", anchored: true)!;
        Assert.DoesNotMatch(regex, new string('a', 50_000));
    }
}
