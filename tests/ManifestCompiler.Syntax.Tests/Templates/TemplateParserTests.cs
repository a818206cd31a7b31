using ManifestCompiler.Syntax.Templates;

namespace ManifestCompiler.Syntax.Tests.Templates;

public class TemplateParserTests
{
    [Theory]
    [InlineData("{{realmId}}", "realmId")]
    [InlineData("{{ responses.0.form_id }}", "responses.0.form_id")]
    [InlineData("{{generic_callback}}", "generic_callback")]
    [InlineData("{{ NEXT_PAGE_TOKEN }}", "NEXT_PAGE_TOKEN")]
    [InlineData("{{ first_name}}", "first_name")]
    [InlineData("{{ todo_forms.workspace_setup.1 }}", "todo_forms.workspace_setup.1")]
    public void Reads_placeholders_used_by_real_manifests(string source, string path)
    {
        var result = TemplateParser.Parse(source);

        Assert.True(result.Success, string.Join("; ", result.Diagnostics));
        var placeholder = Assert.Single(result.Value!.Placeholders);
        Assert.Equal(path, placeholder.Path.ToString());
        Assert.Equal(new Text.SourceSpan(0, source.Length), placeholder.Span);
    }

    [Fact]
    public void Spans_cover_text_placeholders_paths_and_filters()
    {
        const string source = "Hi {{ x.name|default:'N/A' }}!";
        var template = TemplateParser.Parse(source).Value!;

        Assert.Collection(
            template.Parts,
            p => Assert.Equal("Hi ", Slice(source, p.Span)),
            p => Assert.Equal("{{ x.name|default:'N/A' }}", Slice(source, p.Span)),
            p => Assert.Equal("!", Slice(source, p.Span)));
        var placeholder = template.Placeholders.Single();
        Assert.Equal("x.name", Slice(source, placeholder.Path.Span));
        Assert.Equal(["x", "name"], placeholder.Path.Segments.Select(s => Slice(source, s.Span)));
        var filter = Assert.Single(placeholder.Filters);
        Assert.Equal("default:'N/A'", Slice(source, filter.Span));
        Assert.Equal("default", Slice(source, filter.NameSpan));
        var argument = Assert.IsType<StringArgumentSyntax>(filter.Argument);
        Assert.Equal("N/A", argument.Value);
        Assert.Equal("'N/A'", Slice(source, argument.Span));
    }

    [Fact]
    public void Filters_chain_with_blanks_around_the_bar()
    {
        var placeholder = TemplateParser.Parse("{{ name | lower | default:fallback.value }}").Value!.Placeholders.Single();

        Assert.Equal(["lower", "default"], placeholder.Filters.Select(f => f.Name));
        var argument = Assert.IsType<VariableArgumentSyntax>(placeholder.Filters[1].Argument);
        Assert.Equal("fallback.value", argument.Path.ToString());
    }

    [Theory]
    [InlineData("{{ x|default:0 }}", "0")]
    [InlineData("{{ x|default:1.5 }}", "1.5")]
    [InlineData("{{ x|default:-2 }}", "-2")]
    public void Numeric_filter_arguments_are_numbers(string source, string number)
    {
        var filter = TemplateParser.Parse(source).Value!.Placeholders.Single().Filters.Single();

        Assert.Equal(number, Assert.IsType<NumberArgumentSyntax>(filter.Argument).Text);
    }

    [Fact]
    public void Text_with_single_braces_is_plain_text()
    {
        var result = TemplateParser.Parse("{\"a\": {\"b\": 1}} and } and {x}");

        Assert.True(result.Success);
        Assert.True(result.Value!.IsConstant);
    }

    [Theory]
    [InlineData("abc {{ x", "MC1001", 4, 2)]
    [InlineData("{{ }}", "MC1002", 0, 5)]
    [InlineData("{{}}", "MC1002", 0, 4)]
    [InlineData("{{ a b }}", "MC1003", 5, 1)]
    [InlineData("{{ a-b }}", "MC1003", 4, 1)]
    [InlineData("{{ a..b }}", "MC1003", 5, 1)]
    [InlineData("{{ a.-1 }}", "MC1003", 5, 1)]
    [InlineData("{{ _secret }}", "MC1004", 3, 7)]
    [InlineData("{{ a._b }}", "MC1004", 5, 2)]
    [InlineData("{% if x %}", "MC1005", 0, 10)]
    [InlineData("{{ x|shout }}", "MC1006", 5, 5)]
    [InlineData("{{ x|default }}", "MC1007", 5, 7)]
    [InlineData("{{ x|upper:'a' }}", "MC1007", 11, 3)]
    [InlineData("{{ x|default:'open }}", "MC1003", 19, 0)]
    public void Reports_bad_templates_with_position(string source, string id, int start, int length)
    {
        var result = TemplateParser.Parse(source);

        Assert.False(result.Success);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(new Text.SourceSpan(start, length), diagnostic.Span);
    }

    [Fact]
    public void Every_bad_placeholder_is_reported_and_good_ones_still_parse()
    {
        var result = TemplateParser.Parse("{{ a b }} then {{ ok }} then {{ }} then {{ x");

        Assert.Equal(["MC1003", "MC1002", "MC1001"], result.Diagnostics.Select(d => d.Id));
        Assert.Equal("ok", Assert.Single(result.Value!.Placeholders).Path.ToString());
    }

    [Fact]
    public void Invalid_placeholder_message_says_what_was_expected()
    {
        var diagnostic = TemplateParser.Parse("{{ a b }}").Diagnostics.Single();

        Assert.Equal("Invalid placeholder: expected '|' or '}}', found 'b'", diagnostic.Message);
    }

    private static string Slice(string source, Text.SourceSpan span) => source.Substring(span.Start, span.Length);
}
