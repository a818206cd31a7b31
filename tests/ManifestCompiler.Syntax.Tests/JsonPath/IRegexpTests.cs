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

    /// <summary>RFC 9485 SingleCharEsc: exactly ( ) * + - . ? [ \ ] ^ n r t { | } after a backslash, each the character itself (n, r, t: the controls).</summary>
    [Theory]
    [InlineData(@"\(\)\*\+\-\.\?\[\\\]\^\{\|\}", @"()*+-.?[\]^{|}")]
    [InlineData(@"\n\r\t", "\n\r\t")]
    [InlineData(@"[\n\r\t\-\]\[\\\^]+", "\t-]\r[\\^\n")]
    [InlineData(@"\.", ".")]
    public void Single_character_escapes_match_the_character(string pattern, string input)
    {
        Assert.Matches(IRegexp.Compile(pattern, anchored: true)!, input);
        Assert.DoesNotMatch(IRegexp.Compile(pattern, anchored: true)!, input + "x");
    }

    [Theory]
    [InlineData(@"\n", "n")]
    [InlineData(@"\r", "r")]
    [InlineData(@"\t", "t")]
    [InlineData(@"\.", "a")]
    public void An_escape_is_not_the_letter_or_metacharacter(string pattern, string input)
    {
        Assert.DoesNotMatch(IRegexp.Compile(pattern, anchored: true)!, input);
    }

    /// <summary>The characters just outside each range of SingleCharEsc, and lone surrogates, are no I-Regexp.</summary>
    [Theory]
    [InlineData(@"\'", "at offset 0: expected end of pattern, found '\\'")]
    [InlineData(@"\,", "at offset 0: expected end of pattern, found '\\'")]
    [InlineData(@"\Z", "at offset 0: expected end of pattern, found '\\'")]
    [InlineData(@"\_", "at offset 0: expected end of pattern, found '\\'")]
    [InlineData(@"\z", "at offset 0: expected end of pattern, found '\\'")]
    [InlineData(@"\~", "at offset 0: expected end of pattern, found '\\'")]
    [InlineData("a(", "at offset 2: expected ')', found end of input")]
    [InlineData("a)", "at offset 1: expected end of pattern, found ')'")]
    [InlineData("[a", "at offset 2: expected ']', found end of input")]
    [InlineData("a{2", "at offset 3: expected '}', found end of input")]
    [InlineData("a{,2}", "at offset 2: expected digit, found ','")]
    [InlineData(@"\p{Lx}", "at offset 4: expected '}', found 'x'")]
    public void Invalid_patterns_say_where_and_why(string pattern, string error)
    {
        Assert.False(IRegexp.TryTranslate(pattern, out var translated, out var message));
        Assert.Equal(error, message);
        Assert.Equal(string.Empty, translated);
    }

    [Fact]
    public void A_valid_pattern_has_no_error_and_lone_surrogates_are_refused()
    {
        Assert.True(IRegexp.TryTranslate("a", out var translated, out var error));
        Assert.Equal(string.Empty, error);
        Assert.NotEmpty(translated);
        // Not theory data: xunit turns a lone surrogate into U+FFFD.
        Assert.False(IRegexp.TryTranslate("\ud800", out _, out _));
        Assert.False(IRegexp.TryTranslate("a\udc00", out _, out _));
        Assert.False(IRegexp.TryTranslate("[\ud800]", out _, out _));
        Assert.DoesNotMatch(IRegexp.Compile(".", anchored: true)!, "\ud800");
    }

    [Fact]
    public void Nesting_deeper_than_the_guard_is_refused_with_its_offset()
    {
        var deep = new string('(', 200) + "a" + new string(')', 200);
        Assert.False(IRegexp.TryTranslate(deep, out var translated, out var error));
        Assert.Equal("at offset 128: nesting deeper than 128 levels", error);
        Assert.Equal(string.Empty, translated);
        Assert.Null(IRegexp.Compile(deep, anchored: true));
        var deepClasses = new string('(', 127) + "[a]" + new string(')', 127);
        Assert.Matches(IRegexp.Compile(deepClasses, anchored: true)!, "a");
    }

    /// <summary>Every major category and each minor one, against characters of that category and not (the BMP).</summary>
    [Theory]
    [InlineData(@"\p{L}", "aÀ中", "1 ")]
    [InlineData(@"\p{Lu}", "AÀ", "a中")]
    [InlineData(@"\p{Ll}", "aß", "A")]
    [InlineData(@"\p{Lt}", "\u01c5", "A")]
    [InlineData(@"\p{Lm}", "\u02b0", "a")]
    [InlineData(@"\p{Lo}", "中", "a")]
    [InlineData(@"\p{M}", "\u0301\u0903\u20dd", "a")]
    [InlineData(@"\p{Mn}", "\u0301", "\u0903")]
    [InlineData(@"\p{Mc}", "\u0903", "\u0301")]
    [InlineData(@"\p{Me}", "\u20dd", "\u0301")]
    [InlineData(@"\p{N}", "1Ⅻ½", "a")]
    [InlineData(@"\p{Nd}", "1٣", "Ⅻ")]
    [InlineData(@"\p{Nl}", "Ⅻ", "1")]
    [InlineData(@"\p{No}", "½", "1")]
    [InlineData(@"\p{P}", "_-()!«»", "+")]
    [InlineData(@"\p{Pc}", "_", "-")]
    [InlineData(@"\p{Pd}", "-", "_")]
    [InlineData(@"\p{Ps}", "(", ")")]
    [InlineData(@"\p{Pe}", ")", "(")]
    [InlineData(@"\p{Pi}", "«", "»")]
    [InlineData(@"\p{Pf}", "»", "«")]
    [InlineData(@"\p{Po}", "!", "(")]
    [InlineData(@"\p{Z}", " \u2028\u2029", "\t")]
    [InlineData(@"\p{Zs}", " ", "\u2028")]
    [InlineData(@"\p{Zl}", "\u2028", " ")]
    [InlineData(@"\p{Zp}", "\u2029", " ")]
    [InlineData(@"\p{S}", "+$^©", "a")]
    [InlineData(@"\p{Sm}", "+", "$")]
    [InlineData(@"\p{Sc}", "$", "+")]
    [InlineData(@"\p{Sk}", "^", "+")]
    [InlineData(@"\p{So}", "©", "+")]
    [InlineData(@"\p{C}", "\u0001\u00ad\ue000", "a")]
    [InlineData(@"\p{Cc}", "\u0001", "\u00ad")]
    [InlineData(@"\p{Cf}", "\u00ad", "\u0001")]
    [InlineData(@"\p{Co}", "\ue000", "\u0001")]
    [InlineData(@"\P{L}", "1 ", "a")]
    [InlineData(@"[\p{Lu}\p{Nd}]", "A1", "a")]
    public void Categories_match_their_characters(string category, string members, string others)
    {
        var regex = IRegexp.Compile(category, anchored: true)!;
        Assert.All(members, c => Assert.Matches(regex, c.ToString()));
        Assert.All(others, c => Assert.DoesNotMatch(regex, c.ToString()));
    }

    [Theory]
    [InlineData("a{2}", "aa", true)]
    [InlineData("a{2}", "aaa", false)]
    [InlineData("a{2}", "a", false)]
    [InlineData("a{2,}", "aaaaa", true)]
    [InlineData("a{2,}", "a", false)]
    [InlineData("a{0,1}b", "b", true)]
    [InlineData("a?", "", true)]
    [InlineData("a+", "", false)]
    [InlineData("a*", "", true)]
    [InlineData("😀+", "😀😀", true)]
    [InlineData("😀{2}", "😀😀", true)]
    [InlineData("x😀?", "x", true)]
    [InlineData("a|b", "ac", false)]
    [InlineData("a|b", "b", true)]
    [InlineData("a|", "", true)]
    [InlineData("(a|b)c", "bc", true)]
    [InlineData("(a|b)c", "b", false)]
    [InlineData("[a-c]+", "abc", true)]
    [InlineData("[a-c]", "d", false)]
    [InlineData("[ac]", "b", false)]
    [InlineData("[-a]+", "-a", true)]
    [InlineData("[a-]+", "-a", true)]
    [InlineData("[a-]", "b", false)]
    [InlineData("[^a-c]", "b", false)]
    [InlineData("[^a-c]", "d", true)]
    [InlineData("[^a]", "\n", true)]
    [InlineData("[a-😀]", "z", true)]
    [InlineData("[a-😀]", "\uffff", true)]
    [InlineData("[a-😀]", "\U00010000", true)]
    [InlineData("[a-😀]", "😀", true)]
    [InlineData("[a-😀]", "😁", false)]
    [InlineData("[a-😀]", "A", false)]
    [InlineData("[^a-😀]", "😁", true)]
    [InlineData("[^a-😀]", "😀", false)]
    [InlineData("[^a-😀]", "\U00010000", false)]
    [InlineData("[^😀]", "a", true)]
    [InlineData("[^😀]", "😀", false)]
    [InlineData("[^😀]", "\U0010FFFF", true)]
    [InlineData("[^😀]", "\U00010000", true)]
    [InlineData("[😀]", "😀", true)]
    [InlineData("[😀]", "😁", false)]
    [InlineData("[\U00010000-\U0010FFFF]", "\U00020000", true)]
    [InlineData("[\U00010000-\U0010FFFF]", "\U0010FFFF", true)]
    [InlineData("[\U00010000-\U0010FFFF]", "\uffff", false)]
    [InlineData("[^\U00010000-\U0010FFFF]", "\U00020000", false)]
    [InlineData("[^\U00010000-\U0010FFFF]", "\uffff", true)]
    [InlineData("[\U0001F600-\U0001F7FF]", "\U0001F700", true)]
    [InlineData("[\U0001F600-\U0001F7FF]", "\U0001F5FF", false)]
    [InlineData("[\U0001F600-\U0001F7FF]", "\U0001F800", false)]
    [InlineData("[\U00010000-\U00030000]", "\U00020000", true)]
    [InlineData("[\U00010000-\U00030000]", "\U00030001", false)]
    [InlineData("[^\U00010000-\U00030000]", "\U00030001", true)]
    [InlineData("[^\U00020000-\U00030000]", "\U0001FFFF", true)]
    [InlineData("[^\U00020000-\U00030000]", "\U00020000", false)]
    [InlineData("[^\U0001F600😀-😂]", "😁", false)]
    [InlineData("[^\U0001F600😀-😂]", "😃", true)]
    [InlineData("[^😂-😃😀-😁]", "😄", true)]
    [InlineData("[^😂-😃😀-😁]", "😁", false)]
    [InlineData("[\U00010000-\U0010FFFE]", "\U0010FFFF", false)]
    [InlineData("[^\U00010000-\U0010FFFE]", "\U0010FFFF", true)]
    [InlineData("[\U0001F600-\U0001F800]", "\U0001F7FF", true)]
    [InlineData("[\U0001F600-\U0001F800]", "\U0001F800", true)]
    [InlineData("[\U0001F600-\U0001F800]", "\U0001F801", false)]
    [InlineData("[\U0001F600-\U0001F800]", "\U0001F5FF", false)]
    [InlineData("[😀]", "\uf600", false)]
    [InlineData("[😀-😂]", "\uf601", false)]
    [InlineData("[😀]", "-", false)]
    [InlineData("[😀]", "", false)]
    [InlineData("\uffff", "\uffff", true)]
    [InlineData("\uffff+", "\uffff\uffff", true)]
    [InlineData("\U00010000", "\U00010000", true)]
    [InlineData(@"[\P{L}]", "😀", true)]
    [InlineData(@"[\P{L}]", "a", false)]
    [InlineData(@"[^\P{L}]", "😀", false)]
    [InlineData(@"[^\P{L}]", "a", true)]
    [InlineData(@"\P{L}", "😀", true)]
    public void Quantifiers_groups_and_classes_work_on_code_points(string pattern, string input, bool expected)
    {
        Assert.Equal(expected, IRegexp.Compile(pattern, anchored: true)!.IsMatch(input));
    }

    [Theory]
    [InlineData("b", "abc", true)]
    [InlineData("^b", "ab", false)]
    [InlineData("^a", "ab", true)]
    [InlineData("b$", "ba", false)]
    [InlineData("a$", "ba", true)]
    [InlineData("a$", "a\n", false)]
    [InlineData("^$", "", true)]
    [InlineData("x|^b", "ab", false)]
    public void Search_is_unanchored_and_caret_and_dollar_anchor_the_whole_string(string pattern, string input, bool expected)
    {
        Assert.Equal(expected, IRegexp.Compile(pattern, anchored: false)!.IsMatch(input));
    }

    /// <summary>An inverted range is empty (as the translation's comment says), not its first character.</summary>
    [Theory]
    [InlineData("[b-a]", "b", false)]
    [InlineData("[b-a]", "a", false)]
    [InlineData("[b-a]", "", false)]
    [InlineData("x[b-a]", "x", false)]
    [InlineData("[😁-😀]", "", false)]
    [InlineData("[b-ac]", "c", true)]
    [InlineData("[b-ac]", "b", false)]
    [InlineData("[^b-a]", "b", true)]
    [InlineData("[😁-😀]", "😁", false)]
    [InlineData("[^😁-😀]", "😁", true)]
    public void An_inverted_range_matches_nothing(string pattern, string input, bool expected)
    {
        Assert.Equal(expected, IRegexp.Compile(pattern, anchored: true)!.IsMatch(input));
    }

    [Fact]
    public void A_pattern_the_engine_refuses_compiles_to_null_and_so_matches_nothing()
    {
        Assert.True(IRegexp.TryTranslate("a{2,1}", out _, out _));
        Assert.Null(IRegexp.Compile("a{2,1}", anchored: true));
        Assert.Null(IRegexp.Compile("a{2,1}", anchored: false));
    }

    [Fact]
    public void A_hostile_pattern_runs_in_linear_time_engine()
    {
        var regex = IRegexp.Compile("(a*)*b", anchored: true)!;
        Assert.DoesNotMatch(regex, new string('a', 50_000));
    }
}
