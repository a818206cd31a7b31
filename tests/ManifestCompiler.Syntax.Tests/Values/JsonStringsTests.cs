using System.Text;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Json;

namespace ManifestCompiler.Syntax.Tests.Values;

/// <summary>
/// How document strings are read (Runtime.Support's JsonStrings): as json.loads reads them, every escape decoded and
/// a lone surrogate kept, whether System.Text.Json can decode the string itself or not.
/// </summary>
public class JsonStringsTests
{
    private static JsonElement Value(string json) => JsonDocument.Parse(json).RootElement;

    private static JsonProperty Member(string json) => JsonDocument.Parse(json).RootElement.EnumerateObject().Single();

    /// <summary>
    /// The escaped text beside a lone surrogate, so the decoding System.Text.Json refuses is ours. Cases are passed by
    /// index: xunit's theory data turns a lone surrogate into U+FFFD.
    /// </summary>
    private static readonly (string Json, string Expected)[] EscapeCases =
    [
        (""" "\ud800\b" """, "\ud800\b"),
        (""" "\ud800\f" """, "\ud800\f"),
        (""" "\ud800\n" """, "\ud800\n"),
        (""" "\ud800\r" """, "\ud800\r"),
        (""" "\ud800\t" """, "\ud800\t"),
        (""" "\ud800\"\\\/" """, "\ud800\"\\/"),
        (""" "\ud800\u00e9\u20AC" """, "\ud800é€"),
        (""" "a\udc00" """, "a\udc00"),
        (""" "\ud83d\ude00\ud800" """, "😀\ud800"),
        (""" "x\ud800y" """, "x\ud800y"),
    ];

    public static TheoryData<int> Escapes() => [.. Enumerable.Range(0, EscapeCases.Length)];

    [Theory]
    [MemberData(nameof(Escapes))]
    public void Values_with_a_lone_surrogate_decode_every_escape(int index)
    {
        var (json, expected) = EscapeCases[index];
        var element = Value(json);

        Assert.Equal(expected, JsonStrings.GetString(element));
        Assert.True(JsonStrings.ValueEquals(element, expected));
        Assert.False(JsonStrings.ValueEquals(element, expected + "x"));
        var builder = new StringBuilder("<");
        JsonStrings.AppendTo(builder, element);
        Assert.Equal("<" + expected, builder.ToString());
    }

    [Theory]
    [MemberData(nameof(Escapes))]
    public void Names_with_a_lone_surrogate_decode_every_escape(int index)
    {
        var (json, expected) = EscapeCases[index];
        var member = Member("{" + json + ": 1}");

        Assert.Equal(expected, JsonStrings.GetName(member));
        Assert.True(JsonStrings.NameEquals(member, expected));
        Assert.False(JsonStrings.NameEquals(member, expected[..^1]));
    }

    [Theory]
    [InlineData("\"plain\"", "plain")]
    [InlineData("\"caf\u00e9\"", "café")]
    [InlineData("\"a\\nb\"", "a\nb")]
    [InlineData("\"\"", "")]
    public void Ordinary_values_and_names_read_as_written(string json, string expected)
    {
        Assert.Equal(expected, JsonStrings.GetString(Value(json)));
        Assert.True(JsonStrings.ValueEquals(Value(json), expected));
        Assert.False(JsonStrings.ValueEquals(Value(json), expected + "\ud800"));
        Assert.False(JsonStrings.ValueEquals(Value(json), "é" + expected));
        Assert.Equal(expected, JsonStrings.GetName(Member("{" + json + ": 0}")));
        Assert.True(JsonStrings.NameEquals(Member("{" + json + ": 0}"), expected));
        Assert.False(JsonStrings.NameEquals(Member("{" + json + ": 0}"), expected + "\udc00"));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(5000)]
    public void Long_and_short_values_append_whole(int length)
    {
        var text = string.Concat(Enumerable.Range(0, length).Select(i => i % 7 == 0 ? "é" : "a"));
        var builder = new StringBuilder();

        JsonStrings.AppendTo(builder, Value(JsonSerializer.Serialize(text, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })));

        Assert.Equal(text, builder.ToString());
    }

    [Fact]
    public void Only_strings_without_escapes_give_their_utf8()
    {
        Assert.True(JsonStrings.TryGetUnescapedUtf8(Value("\"ab\u00e9\""), out var utf8));
        Assert.Equal("abé", Encoding.UTF8.GetString(utf8));
        Assert.False(JsonStrings.TryGetUnescapedUtf8(Value("\"a\\u0062\""), out _));
        Assert.False(JsonStrings.TryGetUnescapedUtf8(Value("12"), out _));
        Assert.True(JsonStrings.TryGetUnescapedUtf8(Value("\"\""), out var empty));
        Assert.Equal(0, empty.Length);
    }

    [Fact]
    public void A_string_that_starts_with_an_escape_is_decoded_not_copied()
    {
        Assert.False(JsonStrings.TryGetUnescapedUtf8(Value("\"\\u0062c\""), out _));
        Assert.False(JsonStrings.TryGetUnescapedUtf8(Value("\"\\\\\""), out _));
        var builder = new StringBuilder();
        JsonStrings.AppendTo(builder, Value("\"\\u0062c\""));
        Assert.Equal("bc", builder.ToString());
        Assert.True(JsonStrings.ValueEquals(Value("\"\\u0062c\""), "bc"));
        Assert.False(JsonStrings.ValueEquals(Value("\"\\u0062c\""), "\\u0062c"));
    }

    [Theory]
    [InlineData("\"abc\"", "abc", true)]
    [InlineData("\"abc\"", "abd", false)]
    [InlineData("\"abc\"", "ab", false)]
    [InlineData("\"abc\"", "abcd", false)]
    [InlineData("\"abc\"", "ABC", false)]
    [InlineData("\"\"", "", true)]
    [InlineData("\"\"", "a", false)]
    [InlineData("\"\u00e9\"", "ab", false)]
    [InlineData("\"ab\"", "\u00e9", false)]
    [InlineData("\"\u00e9\"", "\u00e9", true)]
    [InlineData("1", "1", false)]
    public void A_value_equals_exactly_its_own_text(string json, string text, bool expected)
    {
        Assert.Equal(expected, JsonStrings.ValueEquals(Value(json), text));
    }

    [Theory]
    [InlineData("a", "a", true)]
    [InlineData("a", "b", false)]
    [InlineData("a", "", false)]
    [InlineData("\u00e9", "\u00e9", true)]
    public void A_name_equals_exactly_its_own_text(string name, string text, bool expected)
    {
        Assert.Equal(expected, JsonStrings.NameEquals(Member(JsonSerializer.Serialize(new Dictionary<string, int> { [name] = 1 })), text));
    }

    [Fact]
    public void A_lone_surrogate_is_found_anywhere()
    {
        // Not theory data: a lone surrogate in an attribute or in xunit's theory data becomes U+FFFD.
        Assert.Equal(
            [false, false, false, true, true, true, true, true],
            new[] { "abc", "😀", "a😀b", "\ud800", "a\udc00", "\ud83d", "\ude00\ud83d", "😀\ud83d" }.Select(JsonStrings.HasLoneSurrogate));
    }
}
