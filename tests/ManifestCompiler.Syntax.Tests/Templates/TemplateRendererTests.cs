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
    [InlineData("{{ missing|default:42 }}", "42")]
    [InlineData("{{ missing|default:1.5 }}", "1.5")] // one or two all-digit segments are a number, as in Django
    [InlineData("{{ missing|default:tags.1 }}", "a")] // a path that only starts with a name stays a path
    [InlineData("{{ missing|default:responses.0.form_id }}", "f-9")]
    [InlineData("{{ email|lower }}", "o'brien@x.com")]
    [InlineData("{{ name|upper|lower }}", "ada lovelace")]
    [InlineData("{{ oauth.token_type|lower }}", "bearer")]
    [InlineData("{{ ORG|urlencode }}/{{ email|urlencode }}", "1234/o%27brien%40x.com")]
    [InlineData("{{ responses.0.form_id|urlencode:'' }}", "f-9")]
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
        Assert.Null(result.Text);
        Assert.Equal("MC1003", result.Error!.Id);
        Assert.Equal(new Text.SourceSpan(0, 12), result.Error.Span);
        Assert.EndsWith("the template has errors and cannot be rendered", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Urlencode_keeps_slashes_unless_its_argument_names_the_safe_characters()
    {
        var context = JsonDocument.Parse("""{"p": "a/b c:d"}""").RootElement;

        Assert.Equal("a/b%20c%3Ad", RenderWith("{{ p|urlencode }}", context));
        Assert.Equal("a%2Fb%20c%3Ad", RenderWith("{{ p|urlencode:'' }}", context));
        Assert.Equal("a%2Fb%20c:d", RenderWith("{{ p|urlencode:':' }}", context));
    }

    [Fact]
    public void Found_variables_render_whatever_the_unknown_variable_rule()
    {
        foreach (var rule in new[] { UnknownVariableBehavior.Empty, UnknownVariableBehavior.KeepText, UnknownVariableBehavior.Error })
        {
            Assert.Equal("1234 f-9", Render("{{ ORG }} {{ responses.0.form_id }}", new TemplateRenderOptions(rule)));
        }
    }

    [Fact]
    public void A_default_filter_covers_an_unknown_variable_even_when_unknown_variables_are_errors()
    {
        var strict = new TemplateRenderOptions(UnknownVariableBehavior.Error);

        Assert.Equal("none", Render("{{ nope|default:'none' }}", strict));
        Assert.Equal("NONE", Render("{{ nope|upper|default:'none'|upper }}", strict));

        var parsed = TemplateParser.Parse("{{ nope|upper }}").Value!;
        var result = TemplateRenderer.Render(parsed, TemplateRenderer.FromObject(Context), strict);
        Assert.Equal("MC1008", result.Error!.Id);
        Assert.Equal(new Text.SourceSpan(3, 4), result.Error.Span);
        Assert.Equal("Unknown template variable 'nope'", result.Error.Message);
    }

    [Fact]
    public void Null_arguments_are_refused_by_name()
    {
        var template = TemplateParser.Parse("{{ a }}").Value!;
        var variables = TemplateRenderer.FromObject(Context);

        Assert.Equal("source", Assert.Throws<ArgumentNullException>(() => TemplateParser.Parse(null!)).ParamName);
        Assert.Equal("template", Assert.Throws<ArgumentNullException>(() => TemplateRenderer.Render(null!, variables)).ParamName);
        Assert.Equal("variables", Assert.Throws<ArgumentNullException>(() => TemplateRenderer.Render(template, null!)).ParamName);
    }

    private static string? RenderWith(string template, JsonElement context) =>
        TemplateRenderer.Render(TemplateParser.Parse(template).Value!, TemplateRenderer.FromObject(context)).Text;
}
