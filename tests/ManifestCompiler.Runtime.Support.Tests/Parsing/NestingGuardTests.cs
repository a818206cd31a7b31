using ManifestCompiler.Runtime.Support.Parsing;

namespace ManifestCompiler.Runtime.Support.Tests.Parsing;

/// <summary>Which inputs are refused as nested too deeply (and where) before a recursive parser sees them.</summary>
public sealed class NestingGuardTests
{
    private static bool Exceeds(string text, out int at) => NestingGuard.Exceeds(text, "([{", ")]}", "!", "'\"", out at);

    [Fact]
    public void The_limit_is_128_levels_and_the_position_is_the_first_level_beyond_it()
    {
        Assert.False(Exceeds(new string('[', 128), out var at));
        Assert.Equal(0, at);
        Assert.True(Exceeds(new string('[', 129), out at));
        Assert.Equal(128, at);
        Assert.True(Exceeds("ab" + new string('(', 200), out at));
        Assert.Equal(130, at);
        Assert.False(Exceeds("", out at));
        Assert.Equal(0, at);
    }

    [Fact]
    public void Closed_levels_do_not_count_and_extra_closers_do_not_make_room()
    {
        Assert.False(Exceeds(string.Concat(Enumerable.Repeat("[]", 300)), out _));
        Assert.False(Exceeds(new string('{', 100) + new string('}', 100) + new string('{', 128), out _));
        Assert.True(Exceeds(new string(']', 10) + new string('[', 129), out var at));
        Assert.Equal(138, at);
        Assert.True(Exceeds(new string('[', 100) + "]" + new string('[', 30), out at));
        Assert.Equal(130, at);
    }

    [Fact]
    public void Nothing_inside_quotes_counts_and_a_backslash_escapes_the_next_character()
    {
        Assert.False(Exceeds("'" + new string('[', 300) + "'", out _));
        Assert.False(Exceeds("\"" + new string('[', 300) + "\"", out _));
        Assert.False(Exceeds("'\\'" + new string('[', 300) + "'", out _)); // the escaped quote does not end the string
        Assert.False(Exceeds(string.Concat(Enumerable.Repeat("\\[", 300)), out _));
        Assert.False(Exceeds("'\"'" + new string('[', 128), out _)); // the other quote inside a string ends nothing
        Assert.True(Exceeds("'a'" + new string('[', 129), out var at));
        Assert.Equal(131, at);
        // An unclosed quote: nothing after it counts.
        Assert.False(Exceeds("[" + "'" + new string('[', 300), out _));
    }

    [Fact]
    public void A_run_of_prefixes_nests_like_openers()
    {
        Assert.False(Exceeds(new string('!', 128), out _));
        Assert.True(Exceeds(new string('!', 129), out var at));
        Assert.Equal(128, at);
        Assert.False(Exceeds(string.Concat(Enumerable.Repeat("!x", 300)), out _));
        Assert.True(Exceeds(new string('[', 100) + new string('!', 29), out at));
        Assert.Equal(128, at);
        Assert.False(Exceeds(new string('[', 100) + new string('!', 28), out _));
        // A quote or an escape ends a run.
        Assert.False(Exceeds(new string('!', 100) + "''" + new string('!', 100), out _));
        Assert.False(Exceeds(new string('!', 100) + "\\x" + new string('!', 100), out _));
    }
}
