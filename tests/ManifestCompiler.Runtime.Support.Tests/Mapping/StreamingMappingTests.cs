using System.Text;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.JsonPath;
using ManifestCompiler.Runtime.Support.Mapping;

namespace ManifestCompiler.Runtime.Support.Tests.Mapping;

/// <summary>
/// What a generated streaming mapper reads from a record's bytes through these helpers: the documents it accepts
/// (as <c>JsonDocument.Parse</c> with the runtime's options does), the values at offsets, string comparisons with
/// escapes and lone surrogates as the DOM mapper makes them.
/// </summary>
public sealed class StreamingMappingTests
{
    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static void ReadWhole(byte[] json)
    {
        var reader = StreamingMapping.Start(json);
        reader.Skip();
        StreamingMapping.End(ref reader);
    }

    [Fact]
    public void A_document_nested_as_deep_as_the_runtime_allows_is_read()
    {
        ReadWhole(Utf8(new string('[', 1000) + new string(']', 1000)));
        Assert.ThrowsAny<JsonException>(() => ReadWhole(Utf8(new string('[', 1025) + new string(']', 1025))));
    }

    [Fact]
    public void Only_white_space_may_follow_the_value()
    {
        ReadWhole(Utf8(" {\"a\":1} \r\n\t"));
        Assert.ThrowsAny<JsonException>(() => ReadWhole(Utf8("{\"a\":1} x")));
        Assert.ThrowsAny<JsonException>(() => ReadWhole(Utf8("{\"a\":1}{}")));
        Assert.ThrowsAny<JsonException>(() => ReadWhole(Utf8("1 2")));
    }

    [Fact]
    public void Start_is_on_the_first_token()
    {
        var reader = StreamingMapping.Start(Utf8("  [1]"));
        Assert.Equal(JsonTokenType.StartArray, reader.TokenType);
        Assert.Equal("[1]", StreamingMapping.Element(reader).GetRawText());
        // Element reads a copy: the reader is still on the array's start.
        Assert.Equal(JsonTokenType.StartArray, reader.TokenType);
    }

    private static readonly byte[] Record = Utf8("""{"a":[1,{"b":"x"}],"s":"caf\u00e9","t":"tab\there","n":5,"lone":"\ud800","plain":"hello"}""");

    private static int OffsetOf(string text) => Encoding.UTF8.GetString(Record).IndexOf(text, StringComparison.Ordinal);

    [Fact]
    public void A_value_at_an_offset_is_read_as_its_own_element()
    {
        Assert.Equal("""[1,{"b":"x"}]""", StreamingMapping.ElementAt(Record, OffsetOf("[1")).GetRawText());
        Assert.Equal("""{"b":"x"}""", StreamingMapping.ElementAt(Record, OffsetOf("{\"b\"")).GetRawText());
        Assert.Equal("5", StreamingMapping.ElementAt(Record, OffsetOf("5")).GetRawText());
        var value = StreamingMapping.ValueAt(Record, OffsetOf("5"));
        Assert.Equal(JsonValueKind.Number, value.Json.ValueKind);
        Assert.Equal(5, value.Json.GetInt32());
        Assert.Equal(JsonPathValue.Nothing.Kind, StreamingMapping.ValueAt(Record, -1).Kind);
        Assert.Equal(JsonValueKind.Undefined, StreamingMapping.ValueAt(Record, -1).Json.ValueKind);
    }

    public static TheoryData<string, string, bool> Comparisons => new()
    {
        { "\"hello\"", "hello", true },
        { "\"hello\"", "hell", false },
        { "\"hello\"", "hello!", false },
        { "\"caf\\u00e9\"", "café", true }, // an escape in the document
        { "\"caf\\u00e9\"", "cafe", false },
        { "\"tab\\there\"", "tab\there", true },
        { "\"\\ud800\"", "\\ud800", true }, // an escaped lone surrogate equals the literal holding it
        { "\"\\ud800\"", "\\udc00", false },
        { "\"hello\"", "\\ud800", false },
        { "5", "5", false }, // a number is no string
        { "[1,{", "1", false },
    };

    [Theory]
    [MemberData(nameof(Comparisons))]
    public void A_string_at_an_offset_equals_a_literal_as_the_dom_compares_it(string at, string literal, bool equal)
    {
        // Literals hold \uXXXX escapes: a lone surrogate in theory data does not survive test discovery.
        literal = System.Text.RegularExpressions.Regex.Unescape(literal);
        var offset = OffsetOf(at);
        Assert.True(offset >= 0);
        Assert.Equal(equal, StreamingMapping.EqualsStringAt(Record, offset, literal));
        var utf8 = HasLoneSurrogate(literal) ? null : Encoding.UTF8.GetBytes(literal);
        Assert.Equal(equal, StreamingMapping.EqualsStringAt(Record, offset, utf8, literal));
    }

    private static bool HasLoneSurrogate(string text) => text.Any(char.IsSurrogate);

    [Fact]
    public void No_value_equals_no_literal()
    {
        Assert.False(StreamingMapping.EqualsStringAt(Record, -1, "hello"));
        Assert.False(StreamingMapping.EqualsStringAt(Record, -1, Utf8("hello"), "hello"));
    }

    private static bool NameEquals(string json, string name)
    {
        var reader = StreamingMapping.Start(Utf8(json));
        reader.Read();
        Assert.Equal(JsonTokenType.PropertyName, reader.TokenType);
        return StreamingMapping.EscapedNameEquals(ref reader, Utf8(name));
    }

    [Fact]
    public void An_escaped_member_name_equals_a_selector_name_decoded()
    {
        Assert.True(NameEquals("""{"\u0061b":1}""", "ab"));
        Assert.True(NameEquals("""{"caf\u00e9":1}""", "café"));
        Assert.False(NameEquals("""{"\u0061b":1}""", "a"));
        Assert.False(NameEquals("""{"\ud800":1}""", "a")); // a lone surrogate name equals no selector name
    }
}
