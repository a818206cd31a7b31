using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Syntax.Tests.Values;

/// <summary>
/// The line and column every diagnostic is printed at (<c>path(line,col): ...</c>), and the "did you mean" text that
/// follows an unknown name.
/// </summary>
public class TextPositionTests
{
    [Theory]
    [InlineData("abc", 0, 1, 1)]
    [InlineData("abc", 2, 1, 3)]
    [InlineData("abc", 3, 1, 4)]
    [InlineData("abc", 99, 1, 4)]
    [InlineData("abc", -5, 1, 1)]
    [InlineData("a\nb", 1, 1, 2)]
    [InlineData("a\nb", 2, 2, 1)]
    [InlineData("a\r\nb", 1, 1, 2)]
    [InlineData("a\r\nb", 3, 2, 1)]
    [InlineData("a\rb", 2, 2, 1)]
    [InlineData("a\r\r\nb", 2, 2, 1)]
    [InlineData("a\r\r\nb", 4, 3, 1)]
    [InlineData("a\n\nb\n", 2, 2, 1)]
    [InlineData("a\n\nb\n", 3, 3, 1)]
    [InlineData("a\n\nb\n", 5, 4, 1)]
    [InlineData("x\r", 2, 2, 1)]
    [InlineData("", 0, 1, 1)]
    public void Offsets_map_to_one_based_lines_and_columns(string text, int offset, int line, int column)
    {
        var position = new LineMap(text).GetPosition(offset);

        Assert.Equal((line, column), (position.Line, position.Column));
    }

    [Theory]
    [InlineData("nmae", "name", " (did you mean 'name'?)")] // a transposition is one edit
    [InlineData("nam", "name", " (did you mean 'name'?)")]
    [InlineData("NAME", "name", " (did you mean 'name'?)")] // a case difference always wins
    [InlineData("ab", "ba", " (did you mean 'ba'?)")] // two letters allow one edit, and a swap is one
    [InlineData("ab", "xy", "")]
    [InlineData("abcdef", "abcxyf", " (did you mean 'abcxyf'?)")] // a third of six letters: two edits
    [InlineData("abcdef", "axcxyf", "")] // three edits in six letters: too far
    [InlineData("abcdefghi", "abcxyzghi", " (did you mean 'abcxyzghi'?)")]
    [InlineData("abcdefghi", "axcxyzghi", "")]
    [InlineData("abcdef", "abcdefgh", " (did you mean 'abcdefgh'?)")]
    [InlineData("abcdef", "abcdefghi", "")] // the lengths alone differ by more than the limit
    [InlineData("name", "name", "")] // the name itself is no suggestion
    [InlineData("", "a", " (did you mean 'a'?)")]
    public void Did_you_mean_names_a_close_candidate_only(string name, string candidate, string expected)
    {
        Assert.Equal(expected, Suggestions.DidYouMean(name, ["unrelated-long-candidate", candidate]));
    }

    [Theory]
    [InlineData("cat", new[] { "bat", "car" }, "bat")] // equally close: the first in ordinal order
    [InlineData("cat", new[] { "car", "bat" }, "bat")]
    [InlineData("color", new[] { "colour", "Color" }, "Color")] // case only beats one edit
    [InlineData("abcdef", new[] { "abcdxx", "abcdex" }, "abcdex")] // one edit beats two
    [InlineData("abcdef", new[] { "abcdex", "abcdxx" }, "abcdex")]
    public void The_closest_candidate_wins(string name, string[] candidates, string expected)
    {
        Assert.Equal(expected, Suggestions.Closest(name, candidates));
    }

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("abc", "abc", 0)]
    [InlineData("abc", "acb", 1)]
    [InlineData("abcd", "badc", 2)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("ca", "abc", 3)] // optimal string alignment: no edit of a transposed pair
    public void Distance_counts_edits_with_transpositions_as_one(string a, string b, int expected)
    {
        Assert.Equal(expected, Suggestions.Distance(a, b));
        Assert.Equal(expected, Suggestions.Distance(b, a));
    }
}
