using System.Text.Json;
using ManifestCompiler.Syntax.Templates;

namespace ManifestCompiler.Syntax.Tests.Templates;

public class TemplateRendererTests
{
    private static readonly JsonElement Context = JsonDocument.Parse("""
        {
          "ORG": "1234",
          "email": "o'brien@x.com",
          "count": 3,
          "ratio": 0.5,
          "big": 1e16,
          "flag": true,
          "nothing": null,
          "empty": "",
          "tags": [1, "a", null],
          "responses": [{"form_id": "f-9", "items": [{"id": 7}]}],
          "oauth": {"access_token": "tok", "token_type": "Bearer"},
          "name": "ada lovelace",
          "unicode": "a😀b",
          "emoji": "😀x",
          "combining": "e\u0301"
        }
        """).RootElement;

    private static string Render(string template, TemplateRenderOptions? options = null)
    {
        var parsed = TemplateParser.Parse(template);
        Assert.True(parsed.Success, string.Join("; ", parsed.Diagnostics));
        var result = TemplateRenderer.Render(parsed.Value!, TemplateRenderer.FromObject(Context), options);
        Assert.True(result.Success, result.Error?.ToString());
        return result.Text!;
    }

    [Theory]
    [InlineData("https://app/{{ORG}}/teams", "https://app/1234/teams")]
    [InlineData("{{ responses.0.form_id }}", "f-9")]
    [InlineData("{{ responses.0.items.0.id }}", "7")]
    [InlineData("{{oauth.token_type}} {{oauth.access_token}}", "Bearer tok")]
    [InlineData("{{count}}/{{ratio}}/{{big}}", "3/0.5/1e+16")]
    [InlineData("{{flag}} {{nothing}}", "True None")]
    [InlineData("{{tags}}", "[1, 'a', None]")]
    [InlineData("{{ missing }}x", "x")]
    [InlineData("{{ responses.5.x }}", "")]
    [InlineData("{{ tags.9 }}", "")]
    public void Renders_values_with_python_str(string template, string expected)
    {
        Assert.Equal(expected, Render(template));
    }

    [Theory]
    [InlineData("{{ missing|default:'N/A' }}", "N/A")]
    [InlineData("{{ empty|default:'N/A' }}", "N/A")]
    [InlineData("{{ ORG|default:'N/A' }}", "1234")]
    [InlineData("{{ nothing|default_if_none:'none' }}", "none")]
    [InlineData("{{ empty|default_if_none:'none' }}", "")]
    [InlineData("{{ name|title }}", "Ada Lovelace")]
    [InlineData("{{ name|upper }}", "ADA LOVELACE")]
    [InlineData("{{ name|capfirst }}", "Ada lovelace")]
    [InlineData("{{ unicode|length }}", "3")]
    [InlineData("{{ tags|length }}", "3")]
    [InlineData("{{ tags|first }}", "1")]
    [InlineData("{{ unicode|first }}", "a")]
    [InlineData("{{ unicode|last }}", "b")]
    [InlineData("{{ emoji|first }}", "😀")]
    [InlineData("{{ combining|last }}", "\u0301")]
    [InlineData("{{ tags|join:'-' }}", "1-a-None")]
    [InlineData("{{ name|urlencode }}", "ada%20lovelace")]
    [InlineData("{{ missing|default:ORG }}", "1234")]
    public void Applies_filters(string template, string expected) => Assert.Equal(expected, Render(template));

    [Fact]
    public void Html_escapes_values_when_asked_and_not_literals_or_safe_values()
    {
        var options = new TemplateRenderOptions(HtmlEscape: true);

        Assert.Equal("o&#x27;brien@x.com", Render("{{ email }}", options));
        Assert.Equal("[1, &#x27;a&#x27;, None]", Render("{{ tags }}", options));
        Assert.Equal("o'brien@x.com", Render("{{ email|safe }}", options));
        Assert.Equal("<b>", Render("{{ missing|default:'<b>' }}", options));
    }

    [Fact]
    public void Unknown_variable_rule_is_the_callers()
    {
        Assert.Equal("a  b", Render("a {{ nope }} b"));
        Assert.Equal("a {{ nope }} b", Render("a {{ nope }} b", new TemplateRenderOptions(UnknownVariableBehavior.KeepText)));

        var parsed = TemplateParser.Parse("a {{ nope.deeper }} b").Value!;
        var result = TemplateRenderer.Render(parsed, TemplateRenderer.FromObject(Context), new TemplateRenderOptions(UnknownVariableBehavior.Error));
        Assert.False(result.Success);
        Assert.Equal("MC1008", result.Error!.Id);
        Assert.Equal(new Text.SourceSpan(5, 11), result.Error.Span);
    }

    [Fact]
    public void A_template_with_errors_is_not_rendered()
    {
        var parsed = TemplateParser.Parse("ok {{ a b }}");
        var result = TemplateRenderer.Render(parsed.Value!, TemplateRenderer.FromObject(Context));

        Assert.False(result.Success);
    }
}
