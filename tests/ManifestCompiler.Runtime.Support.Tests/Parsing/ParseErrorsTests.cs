using ManifestCompiler.Runtime.Support.Parsing;
using Pidgin;
using static Pidgin.Parser;

namespace ManifestCompiler.Runtime.Support.Tests.Parsing;

/// <summary>The "expected …, found …" text every language's syntax diagnostic carries, from Pidgin's errors.</summary>
public sealed class ParseErrorsTests
{
    private static string Describe<T>(Parser<char, T> parser, string input)
    {
        var result = parser.Parse(input);
        Assert.False(result.Success);
        return ParseErrors.Describe(result.Error!);
    }

    [Fact]
    public void One_expected_token_and_what_was_found()
    {
        Assert.Equal("expected 'a', found 'b'", Describe(Char('a'), "b"));
        Assert.Equal("expected 'abc', found 'x'", Describe(String("abc"), "x"));
        Assert.Equal("expected 'a', found end of input", Describe(Char('a'), ""));
    }

    [Fact]
    public void Characters_a_user_cannot_see_are_named()
    {
        Assert.Equal("expected 'a', found '\\n'", Describe(Char('a'), "\n"));
        Assert.Equal("expected 'a', found '\\t'", Describe(Char('a'), "\t"));
        Assert.Equal("expected 'a', found '\\r'", Describe(Char('a'), "\r"));
        Assert.Equal("expected 'a', found U+0001", Describe(Char('a'), "\u0001"));
        Assert.Equal("expected 'a', found U+D800", Describe(Char('a'), "\ud800"));
    }

    [Fact]
    public void Alternatives_are_sorted_deduplicated_and_joined_with_or()
    {
        Assert.Equal("expected 'a' or 'b', found 'c'", Describe(OneOf(Char('b'), Char('a')), "c"));
        Assert.Equal("expected 'a', 'b' or 'c', found 'd'", Describe(OneOf(Char('c'), Char('a'), Char('b'), Char('a')), "d"));
        Assert.Equal("expected digit or letter, found '!'", Describe(OneOf(Letter.Labelled("letter"), Digit.Labelled("digit")), "!"));
    }

    [Fact]
    public void A_label_names_what_was_expected()
    {
        Assert.Equal("expected selector, found ']'", Describe(Char('a').Labelled("selector"), "]"));
        Assert.Equal("expected selector, found end of input", Describe(Char('a').Labelled("selector"), ""));
    }

    [Fact]
    public void End_of_input_can_be_what_was_expected()
    {
        Assert.Equal("expected end of input, found 'b'", Describe(Char('a').Before(Parser<char>.End), "ab"));
    }

    [Fact]
    public void A_message_that_states_the_problem_is_the_whole_description()
    {
        Assert.Equal("leading zeros are not permitted", Describe(Parser<char>.Fail<char>("leading zeros are not permitted"), "01"));
    }

    [Fact]
    public void A_message_that_says_what_was_expected_is_followed_by_what_was_found_at_the_end()
    {
        Assert.Equal("expected a digit after the exponent, found end of input", Describe(Parser<char>.Fail<char>("expected a digit after the exponent"), ""));
    }
}
