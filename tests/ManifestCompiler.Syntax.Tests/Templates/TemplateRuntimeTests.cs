using System.Text;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Python;
using ManifestCompiler.Runtime.Support.Templates;

namespace ManifestCompiler.Syntax.Tests.Templates;

/// <summary>
/// Django's semantics for the template subset as both engines run them (<see cref="TemplateRuntime"/>): lookups,
/// the filters on JSON, Python (webhook memory) and text values, escaping, and the JSON string a payload template writes.
/// </summary>
public class TemplateRuntimeTests
{
    private static readonly JsonElement Context = JsonDocument.Parse("""
        {"obj": {"0": "key zero", "a": {"b": [10, 20]}}, "list": [10, 20, 30], "s": "x", "zero": 0, "no": false,
         "none": null, "empty_list": [], "empty_obj": {}, "dup": {"k": 1, "k": 2, "j": 3}, "quote": "a\"b", "esc": "tab\tend"}
        """).RootElement;

    private static readonly TemplateVariableResolver Variables = TemplateRuntime.FromObject(Context);

    private static TemplateValue Json(string json) => TemplateValue.Of(JsonDocument.Parse(json).RootElement);

    private static string Text(TemplateValue value) => value.ToText();

    [Theory]
    [InlineData("obj.0", "key zero")]
    [InlineData("obj.a.b.1", "20")]
    [InlineData("list.0", "10")]
    [InlineData("list.2", "30")]
    [InlineData("list.02", "30")]
    [InlineData("list.3", "")]
    [InlineData("list.-1", "")]
    [InlineData("list.99999999999", "")]
    [InlineData("list.", "")]
    [InlineData("s.0", "")]
    [InlineData("obj.missing", "")]
    [InlineData("missing", "")]
    [InlineData("missing.a", "")]
    public void A_path_takes_a_key_then_a_non_negative_index(string path, string expected)
    {
        var value = TemplateRuntime.Lookup(Variables, path.Split('.'));
        Assert.Equal(expected, Text(value));
        Assert.Equal(expected.Length > 0, value.IsFound);
        Assert.False(TemplateRuntime.FromObject(JsonDocument.Parse("[1]").RootElement)("0", out _));
    }

    [Fact]
    public void Default_replaces_a_falsy_value_and_default_if_none_only_none()
    {
        var fallback = TemplateValue.OfText("fb");
        foreach (var falsy in new[] { Json("0"), Json("false"), Json("null"), Json("\"\""), Json("[]"), Json("{}"), Json("0.0"), TemplateValue.Missing, TemplateValue.OfText(""), TemplateValue.Of(PyNone.Instance), TemplateValue.Of(PyInt.Of(0)) })
        {
            Assert.Equal("fb", Text(TemplateRuntime.Default(falsy, fallback)));
        }
        foreach (var truthy in new[] { Json("1"), Json("true"), Json("\"a\""), Json("[0]"), Json("{\"a\": 0}"), TemplateValue.OfText("t"), TemplateValue.Of(PyStr.Of("p")) })
        {
            Assert.NotEqual("fb", Text(TemplateRuntime.Default(truthy, fallback)));
        }
        Assert.Equal("fb", Text(TemplateRuntime.DefaultIfNone(Json("null"), fallback)));
        Assert.Equal("fb", Text(TemplateRuntime.DefaultIfNone(TemplateValue.Of(PyNone.Instance), fallback)));
        Assert.Equal("False", Text(TemplateRuntime.DefaultIfNone(Json("false"), fallback)));
        Assert.Equal("", Text(TemplateRuntime.DefaultIfNone(TemplateValue.Missing, fallback)));
        Assert.Equal("0", Text(TemplateRuntime.DefaultIfNone(TemplateValue.Of(PyInt.Of(0)), fallback)));
    }

    [Fact]
    public void Length_first_last_and_join_read_json_python_and_text_values()
    {
        Assert.Equal("3", Text(TemplateRuntime.Length(Json("\"a😀b\""))));
        Assert.Equal("3", Text(TemplateRuntime.Length(TemplateValue.OfText("a😀b"))));
        Assert.Equal("2", Text(TemplateRuntime.Length(Json("[1, [2, 3]]"))));
        Assert.Equal("2", Text(TemplateRuntime.Length(TemplateRuntime.Lookup(Variables, "dup"))));
        Assert.Equal("2", Text(TemplateRuntime.Length(TemplateValue.Of(PyStr.Of("é😀")))));
        Assert.Equal("1", Text(TemplateRuntime.Length(TemplateValue.Of(PyRuntime.List(PyNone.Instance)))));
        Assert.Equal("1", Text(TemplateRuntime.Length(TemplateValue.Of(PyRuntime.Dict().Add(PyStr.Of("k"), PyInt.Of(1)).Build()))));
        Assert.Equal("0", Text(TemplateRuntime.Length(Json("5"))));
        Assert.Equal("0", Text(TemplateRuntime.Length(TemplateValue.Missing)));
        Assert.Equal("0", Text(TemplateRuntime.Length(TemplateValue.Of(PyInt.Of(5)))));

        Assert.Equal("10", Text(TemplateRuntime.First(Json("[10, 20, 30]"))));
        Assert.Equal("30", Text(TemplateRuntime.Last(Json("[10, 20, 30]"))));
        Assert.Equal("", Text(TemplateRuntime.First(Json("[]"))));
        Assert.Equal("", Text(TemplateRuntime.Last(Json("[]"))));
        Assert.Equal("a", Text(TemplateRuntime.First(TemplateValue.Of(PyRuntime.List(PyStr.Of("a"), PyStr.Of("b"))))));
        Assert.Equal("b", Text(TemplateRuntime.Last(TemplateValue.Of(PyRuntime.List(PyStr.Of("a"), PyStr.Of("b"))))));
        Assert.Equal("", Text(TemplateRuntime.Last(TemplateValue.Of(PyRuntime.List()))));
        Assert.Equal("😀", Text(TemplateRuntime.First(TemplateValue.OfText("😀a"))));
        Assert.Equal("😀", Text(TemplateRuntime.Last(TemplateValue.OfText("a😀"))));
        Assert.Equal("a", Text(TemplateRuntime.First(TemplateValue.OfText("ab"))));
        Assert.Equal("b", Text(TemplateRuntime.Last(TemplateValue.OfText("ab"))));
        Assert.Equal("x", Text(TemplateRuntime.Last(TemplateValue.OfText("x"))));
        Assert.Equal("", Text(TemplateRuntime.First(TemplateValue.OfText(""))));

        Assert.Equal("1, a, None, [2]", Text(TemplateRuntime.Join(Json("[1, \"a\", null, [2]]"), TemplateValue.OfText(", "))));
        Assert.Equal("a+1", Text(TemplateRuntime.Join(TemplateValue.Of(PyRuntime.List(PyStr.Of("a"), PyInt.Of(1))), TemplateValue.OfText("+"))));
        Assert.Equal("5", Text(TemplateRuntime.Join(Json("5"), TemplateValue.OfText("+"))));
        // A string is a sequence of characters to Django's join, as to Python's str.join.
        Assert.Equal("a-😀-b", Text(TemplateRuntime.Join(Json("\"a😀b\""), TemplateValue.OfText("-"))));
        Assert.Equal("x.y", Text(TemplateRuntime.Join(TemplateValue.OfText("xy"), TemplateValue.OfText("."))));
        Assert.Equal("p,y", Text(TemplateRuntime.Join(TemplateValue.Of(PyStr.Of("py")), TemplateValue.OfText(","))));
        Assert.False(TemplateRuntime.Join(TemplateValue.Missing, TemplateValue.OfText("-")).IsFound);
    }

    [Fact]
    public void Case_filters_and_urlencode_change_the_text()
    {
        Assert.Equal("ABC É", Text(TemplateRuntime.Upper(TemplateValue.OfText("abc é"))));
        Assert.Equal("abc é", Text(TemplateRuntime.Lower(Json("\"ABC É\""))));
        Assert.Equal("Ada Lovelace-Byron", Text(TemplateRuntime.Title(TemplateValue.OfText("ada LOVELACE-byron"))));
        Assert.Equal("Ada", Text(TemplateRuntime.Capfirst(TemplateValue.OfText("ada"))));
        Assert.Equal("", Text(TemplateRuntime.Capfirst(TemplateValue.OfText(""))));
        Assert.Equal("A%20b/c%3Fd%3D%C3%A9_.-~", Text(TemplateRuntime.UrlEncode(TemplateValue.OfText("A b/c?d=é_.-~"))));
        Assert.Equal("A%20b%2Fc?d=%C3%A9", Text(TemplateRuntime.UrlEncode(TemplateValue.OfText("A b/c?d=é"), TemplateValue.OfText("?="))));
        Assert.Equal("True", Text(TemplateRuntime.UrlEncode(Json("true"))));
        Assert.True(TemplateRuntime.Safe(TemplateValue.OfText("<")).IsSafe);
        Assert.True(TemplateRuntime.Upper(TemplateRuntime.Safe(TemplateValue.OfText("<"))).IsSafe);
    }

    /// <summary>
    /// Django's upper and lower are Python's str.upper() and str.lower(), capfirst is <c>value[0].upper() + value[1:]</c>:
    /// full case mappings and code points (expected values from CPython 3.11).
    /// </summary>
    [Fact]
    public void Upper_lower_and_capfirst_are_pythons_case_mappings()
    {
        Assert.Equal("STRASSE", Text(TemplateRuntime.Upper(TemplateValue.OfText("straße"))));
        Assert.Equal("\u02bcN \u01c4 FI", Text(TemplateRuntime.Upper(TemplateValue.OfText("\u0149 \u01c6 \ufb01"))));
        Assert.Equal("\U00010400X", Text(TemplateRuntime.Upper(TemplateValue.Of(PyStr.Of("\U00010428x")))));
        Assert.Equal("i\u0307stanbul", Text(TemplateRuntime.Lower(TemplateValue.OfText("\u0130STANBUL"))));
        Assert.Equal("\u03bf\u03b4\u03bf\u03c2 \u03c3\u03b1", Text(TemplateRuntime.Lower(Json("\"\u039f\u0394\u039f\u03a3 \u03a3\u0391\""))));
        Assert.Equal("\U00010428x", Text(TemplateRuntime.Lower(TemplateValue.OfText("\U00010400X"))));
        Assert.Equal("SSa", Text(TemplateRuntime.Capfirst(TemplateValue.OfText("ßa"))));
        Assert.Equal("\U00010400x", Text(TemplateRuntime.Capfirst(TemplateValue.OfText("\U00010428x"))));
        Assert.Equal("\u02bcNa", Text(TemplateRuntime.Capfirst(TemplateValue.OfText("\u0149a"))));
        Assert.Equal("\u01c4a", Text(TemplateRuntime.Capfirst(TemplateValue.OfText("\u01c6a"))));
        Assert.Equal("FIx", Text(TemplateRuntime.Capfirst(TemplateValue.OfText("\ufb01x"))));
        Assert.Equal("A", Text(TemplateRuntime.Capfirst(TemplateValue.OfText("a"))));
        Assert.Equal("1b", Text(TemplateRuntime.Capfirst(TemplateValue.OfText("1b"))));
        Assert.Equal("True", Text(TemplateRuntime.Capfirst(Json("true"))));
        Assert.Equal("\ud800x", Text(TemplateRuntime.Capfirst(TemplateValue.OfText("\ud800x"))));
    }

    [Fact]
    public void First_and_last_of_one_character_and_a_lone_surrogate()
    {
        Assert.Equal("x", Text(TemplateRuntime.First(TemplateValue.OfText("x"))));
        Assert.Equal("\ud800", Text(TemplateRuntime.Last(TemplateValue.OfText("a\ud800"))));
        Assert.Equal("\udc00", Text(TemplateRuntime.First(TemplateValue.OfText("\udc00\ud800"))));
        Assert.Equal("\ud800", Text(TemplateRuntime.Last(TemplateValue.OfText("\udc00\ud800"))));
        Assert.Equal("[1]", Text(TemplateRuntime.First(Json("[[1], 2]"))));
    }

    /// <summary>Python's quote() ignores non-ASCII safe characters: every byte of a non-ASCII character is encoded (CPython 3.11).</summary>
    [Fact]
    public void Urlencode_encodes_every_byte_of_non_ascii_whatever_is_safe()
    {
        Assert.Equal("%D0%80", Text(TemplateRuntime.UrlEncode(TemplateValue.OfText("\u0400"), TemplateValue.OfText("\u0080"))));
        Assert.Equal("%C3%A9", Text(TemplateRuntime.UrlEncode(TemplateValue.OfText("é"), TemplateValue.OfText("\u00c3\u00a9"))));
        Assert.Equal("%2F", Text(TemplateRuntime.UrlEncode(TemplateValue.OfText("/"), TemplateValue.OfText(""))));
    }

    /// <summary>Django's title: Python's str.title, then no capital after "x'" or after a digit (expected values from that definition in CPython 3.11).</summary>
    [Theory]
    [InlineData("they're bill's", "They're Bill's")]
    [InlineData("1st 2ND 3rd", "1st 2nd 3rd")]
    [InlineData("ab'c'd", "Ab'c'D")]
    [InlineData("x'Y", "X'Y")]
    [InlineData("a1b2c", "A1b2c")]
    [InlineData("o'NEIL", "O'Neil")]
    [InlineData("don't stop", "Don't Stop")]
    [InlineData("٣rd", "٣rd")]
    [InlineData("1A2B", "1a2b")]
    [InlineData("ǆa", "ǅa")]
    [InlineData("ßa", "Ssa")]
    [InlineData("ﬁx", "Fix")]
    [InlineData("中a", "中A")]
    [InlineData("𝐀a", "𝐀a")]
    [InlineData("𝟙a b", "𝟙a B")]
    public void Title_is_djangos(string text, string expected) => Assert.Equal(expected, Text(TemplateRuntime.Title(TemplateValue.OfText(text))));

    [Fact]
    public void Placeholders_are_html_escaped_unless_safe_or_escaping_is_off()
    {
        Assert.Equal("&lt;a href=&quot;x&quot;&gt;&amp;&#x27;", TemplateRuntime.HtmlEscape("<a href=\"x\">&'"));
        Assert.Equal("plain", TemplateRuntime.HtmlEscape("plain"));

        var builder = new StringBuilder();
        TemplateRuntime.Append(builder, TemplateRuntime.Lookup(Variables, "quote"), htmlEscape: true);
        TemplateRuntime.Append(builder, TemplateRuntime.Lookup(Variables, "quote"), htmlEscape: false);
        TemplateRuntime.Append(builder, TemplateRuntime.Safe(TemplateRuntime.Lookup(Variables, "quote")), htmlEscape: true);
        TemplateRuntime.Append(builder, TemplateRuntime.Lookup(Variables, "list"), htmlEscape: false);
        TemplateRuntime.Append(builder, TemplateValue.OfText("<"), htmlEscape: true);
        TemplateRuntime.Append(builder, TemplateValue.OfText("<", safe: true), htmlEscape: true);
        TemplateRuntime.Append(builder, TemplateValue.Missing, htmlEscape: true);
        Assert.Equal("a&quot;ba\"ba\"b[10, 20, 30]&lt;<", builder.ToString());
        Assert.Equal("a&quot;b", TemplateRuntime.Text(TemplateRuntime.Lookup(Variables, "quote"), htmlEscape: true));
        Assert.Equal("a\"b", TemplateRuntime.Text(TemplateRuntime.Lookup(Variables, "quote"), htmlEscape: false));
    }

    [Fact]
    public void A_payload_string_is_written_as_the_text_would_read()
    {
        var cases = new (TemplateValue Value, bool Escape, string Json)[]
        {
            (TemplateRuntime.Lookup(Variables, "s"), false, "\"x\""),
            (TemplateRuntime.Lookup(Variables, "esc"), false, "\"tab\\tend\""),
            (TemplateRuntime.Lookup(Variables, "quote"), false, "\"a\\u0022b\""),
            (TemplateRuntime.Lookup(Variables, "quote"), true, "\"a\\u0026quot;b\""),
            (TemplateRuntime.Safe(TemplateRuntime.Lookup(Variables, "quote")), true, "\"a\\u0022b\""),
            (TemplateRuntime.Lookup(Variables, "list"), false, "\"[10, 20, 30]\""),
            (TemplateRuntime.Lookup(Variables, "zero"), false, "\"0\""),
            (TemplateValue.Of(PyStr.Of("py")), false, "\"py\""),
            (TemplateValue.Of(PyStr.Of("<")), true, "\"\\u0026lt;\""),
            (TemplateValue.Of(new PyFloat(1e16)), false, "\"1e\\u002B16\""),
            (TemplateValue.Of(new PyFloat(0.5)), false, "\"0.5\""),
            (TemplateValue.Of(PyInt.Of(7)), false, "\"7\""),
            (TemplateValue.OfText("t"), false, "\"t\""),
            (TemplateValue.Missing, false, "\"\""),
        };
        foreach (var (value, escape, json) in cases)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream))
            {
                TemplateRuntime.WriteText(writer, value, escape);
            }
            Assert.Equal(json, Encoding.UTF8.GetString(stream.ToArray()));
        }
    }
}
