using ManifestCompiler.Syntax.Python;

namespace ManifestCompiler.Syntax.Tests.Python;

public class PythonExpressionTests
{
    [Theory]
    [InlineData("'{{event_type}}' == 'contact.updated'")]
    [InlineData("str(body['data']['id'])")]
    [InlineData("body.get('resource', {}).get('id', '')")]
    [InlineData("body['items'][0]['sku'] if len(body['items']) > 0 else None")]
    [InlineData("headers['x-event'] == 'push' and '{{ref}}'.endswith('/main')")]
    [InlineData("f'id-{body[\"id\"]!r}'")]
    [InlineData("round(2.675, 2) < 1 < 2 <= 3 != 4")]
    [InlineData("-2 ** -1 // 3 % 4 / 5 - +6")]
    [InlineData("body['a'][::-1][1:2][:3:]")]
    [InlineData("(1,) + (2, 3) + ()")]
    [InlineData("'a' 'b' r'\\d' \"\"\"tri'ple\"\"\"")]
    [InlineData("0x_ff + 0o17 + 0b1_01 + 1_000 + 1e-3 + .5 + 5.")]
    [InlineData("x not in y and a is not b", "x y a b")]
    [InlineData("{{amount}} > 100")]
    [InlineData("  body  ")]
    [InlineData("'a'.split(sep=',', maxsplit=1)")]
    public void Accepts_the_subset(string source, string? names = null)
    {
        var scope = names is null ? PythonCheckScope.Webhook : PythonCheckScope.Webhook.With(names.Split(' '));
        var result = PythonExpression.Parse(source, scope);

        Assert.True(result.Success, string.Join("; ", result.Diagnostics));
    }

    [Theory]
    [InlineData("open('/etc/passwd')", "MC4003", 0, 4)]
    [InlineData("__import__('os')", "MC4006", 0, 10)]
    [InlineData("body.__class__", "MC4006", 5, 9)]
    [InlineData("''.__class__.__mro__", "MC4006", 3, 9)]
    [InlineData("foo + 1", "MC4002", 0, 3)]
    [InlineData("len", "MC4003", 0, 3)]
    [InlineData("body.upper", "MC4004", 5, 5)]
    [InlineData("body.pop('a')", "MC4004", 5, 3)]
    [InlineData("body(1)", "MC4003", 0, 4)]
    [InlineData("(lambda: 1)()", "MC4005", 1, 9)]
    [InlineData("[x for x in body]", "MC4005", 3, 13)]
    [InlineData("1 | 2", "MC4005", 2, 1)]
    [InlineData("~1", "MC4005", 0, 1)]
    [InlineData("{1, 2}", "MC4005", 0, 6)]
    [InlineData("(x := 1)", "MC4005", 3, 4)]
    [InlineData("b'bytes'", "MC4005", 0, 8)]
    [InlineData("f'{body:>10}'", "MC4005", 2, 10)]
    [InlineData("1 +", "MC4001", 3, 0)]
    [InlineData("'unterminated", "MC4001", 13, 0)]
    [InlineData("01", "MC4001", 2, 0)]
    [InlineData("'\\N{BULLET}'", "MC4001", 3, 1)]
    public void Rejects_what_is_outside_the_subset_at_its_position(string source, string id, int start, int length)
    {
        var result = PythonExpression.Parse(source);

        Assert.Null(result.Value);
        var diagnostic = result.Diagnostics.First();
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(new Text.SourceSpan(start, length), diagnostic.Span);
    }

    [Theory]
    [InlineData("'{{event_type}' == 'x'", 1, "{{event_type}")]
    [InlineData("body['a'] == '{{ x }'", 14, "{{ x }")]
    [InlineData("'{{event_type' == 'x'", 1, "{{event_type")]
    public void An_unclosed_placeholder_in_a_string_is_a_warning_at_its_position(string source, int start, string text)
    {
        var result = PythonExpression.Parse(source);

        Assert.NotNull(result.Value); // a warning: the condition still runs
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("MC4007", diagnostic.Id);
        Assert.Equal(new Text.SourceSpan(start, text.Length), diagnostic.Span);
        Assert.Contains($"'{text}'", diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("'{{event_type}}' == 'x'")]
    [InlineData("'{x}' == '}}{{'")]
    [InlineData("f'{{{body}}}'")]
    public void Complete_placeholders_and_plain_braces_give_no_warning(string source)
    {
        Assert.Empty(PythonExpression.Parse(source).Diagnostics);
    }

    [Fact]
    public void Unknown_names_list_what_is_available()
    {
        var diagnostic = PythonExpression.Parse("memory_key == 1").Diagnostics.Single();

        Assert.Equal("Unknown name 'memory_key'; available here: body, headers", diagnostic.Message);
        Assert.True(PythonExpression.Parse("memory_key == 1", PythonCheckScope.Webhook.With(["memory_key"])).Success);
    }

    [Fact]
    public void Holes_in_strings_are_nodes_that_keep_their_text()
    {
        var literal = Assert.IsType<PyComparison>(PythonExpression.Parse("'id-{{ id }}-{{id}}' == 'x'").Value!.Syntax).First;
        var parts = Assert.IsType<PyStringLiteral>(literal).Parts;

        Assert.Collection(
            parts,
            p => Assert.Equal("id-", Assert.IsType<PyTextPart>(p).Text),
            p => Assert.Equal(("id", "{{ id }}"), (Assert.IsType<PyHolePart>(p).Name, ((PyHolePart)p).Text)),
            p => Assert.Equal("-", Assert.IsType<PyTextPart>(p).Text),
            p => Assert.Equal(new Text.SourceSpan(13, 6), Assert.IsType<PyHolePart>(p).Span));
    }

    [Fact]
    public void A_hole_value_can_never_become_code()
    {
        // The hole is a node of the tree built from the expression's own text; values are inserted later, as data.
        var tree = PythonExpression.Parse("'{{event_type}}' == 'contact.updated'").Value!.Syntax;

        var comparison = Assert.IsType<PyComparison>(tree);
        Assert.IsType<PyHolePart>(Assert.Single(Assert.IsType<PyStringLiteral>(comparison.First).Parts));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Deep_nesting_is_a_diagnostic_not_a_stack_overflow()
    {
        foreach (var source in new[]
        {
            new string('(', 50_000) + "1" + new string(')', 50_000),
            string.Concat(Enumerable.Repeat("not ", 50_000)) + "1",
            string.Concat(Enumerable.Repeat("-", 50_000)) + "1",
            string.Join("**", Enumerable.Repeat("2", 50_000)),
            string.Concat(Enumerable.Repeat("1 if 1 else ", 50_000)) + "1",
        })
        {
            var result = PythonExpression.Parse(source);
            Assert.Null(result.Value);
            Assert.Equal("MC4001", Assert.Single(result.Diagnostics).Id);
        }
    }

    [Fact]
    public void Spans_cover_exactly_the_text_of_each_node()
    {
        const string source = "( 1 )  +  [2, 'a' 'b']  ==  {'k': f'x{y}'} ";
        var comparison = Assert.IsType<PyComparison>(PythonExpression.Parse(source, PythonCheckScope.Webhook.With(["y"])).Value!.Syntax);
        var sum = Assert.IsType<PyBinary>(comparison.First);
        var list = Assert.IsType<PyListDisplay>(sum.Right);

        Assert.Equal("( 1 )", Slice(source, sum.Left.Span));
        Assert.Equal("+", Slice(source, sum.OperatorSpan));
        Assert.Equal("[2, 'a' 'b']", Slice(source, list.Span));
        Assert.Equal("'a' 'b'", Slice(source, list.Items[1].Span));
        Assert.Equal("{'k': f'x{y}'}", Slice(source, comparison.Rest[0].Operand.Span));
        Assert.Equal("( 1 )  +  [2, 'a' 'b']  ==  {'k': f'x{y}'}", Slice(source, comparison.Span));
    }

    private static string Slice(string source, Text.SourceSpan span) => source.Substring(span.Start, span.Length);

    // CPython 3.11's keyword.kwlist, less the literals: each is a syntax error where a name could stand, never an
    // unknown name (a step author reads why the expression does not parse, not a list of names to choose from).
    [Theory]
    [InlineData("and")]
    [InlineData("as")]
    [InlineData("assert")]
    [InlineData("async")]
    [InlineData("await")]
    [InlineData("break")]
    [InlineData("class")]
    [InlineData("continue")]
    [InlineData("def")]
    [InlineData("del")]
    [InlineData("elif")]
    [InlineData("else")]
    [InlineData("except")]
    [InlineData("finally")]
    [InlineData("for")]
    [InlineData("from")]
    [InlineData("global")]
    [InlineData("if")]
    [InlineData("import")]
    [InlineData("in")]
    [InlineData("is")]
    [InlineData("lambda")]
    [InlineData("nonlocal")]
    [InlineData("not")]
    [InlineData("or")]
    [InlineData("pass")]
    [InlineData("raise")]
    [InlineData("return")]
    [InlineData("try")]
    [InlineData("while")]
    [InlineData("with")]
    [InlineData("yield")]
    public void Keywords_are_never_names(string keyword)
    {
        var result = PythonExpression.Parse("body + " + keyword, PythonCheckScope.Webhook);

        Assert.Null(result.Value);
        Assert.DoesNotContain(result.Diagnostics, d => d.Id == "MC4002");
    }

    [Theory]
    [InlineData("match")] // soft keywords are names
    [InlineData("case")]
    [InlineData("type")]
    [InlineData("classy")] // a keyword's prefix does not make a keyword
    [InlineData("if_")]
    [InlineData("Class")]
    public void Words_that_are_not_keywords_are_names(string name)
    {
        var result = PythonExpression.Parse("body + " + name, PythonCheckScope.Webhook);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("MC4002", diagnostic.Id);
        Assert.Equal((7, name.Length), (diagnostic.Span.Start, diagnostic.Span.Length));
    }

    [Theory]
    [InlineData("True")]
    [InlineData("False")]
    [InlineData("None")]
    public void The_literal_keywords_are_values(string literal) =>
        Assert.True(PythonExpression.Parse("body == " + literal, PythonCheckScope.Webhook).Success);
}
