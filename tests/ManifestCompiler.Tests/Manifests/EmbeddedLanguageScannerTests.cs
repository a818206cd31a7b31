using ManifestCompiler.Manifests;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Tests.Manifests;

public class EmbeddedLanguageScannerTests
{
    [Fact]
    public void Classifies_strings_by_their_key()
    {
        const string json = """
            {
              "execute": [{"url": "https://x/{{ORG}}", "store_data": {"GID": "data.gid"}}],
              "data_from": "users",
              "data_structure": {"email": "primaryEmail"},
              "data": {"mapping": {"equivalentName": "$.id"}},
              "plain": "no placeholders",
              "condition": "'{{event_type}}' == 'x'",
              "memory": [{"key": "cid", "value": "str(body['{{x}}'])"}]
            }
            """;

        var (fragments, diagnostics) = EmbeddedLanguageScanner.Scan(json);

        Assert.Empty(diagnostics);
        Assert.Equal(
            [
                (EmbeddedLanguage.Template, "/execute/0/url"),
                (EmbeddedLanguage.DotPath, "/execute/0/store_data/GID"),
                (EmbeddedLanguage.DotPath, "/data_from"),
                (EmbeddedLanguage.DotPath, "/data_structure/email"),
                (EmbeddedLanguage.JsonPath, "/data/mapping/equivalentName"),
                (EmbeddedLanguage.PythonExpression, "/condition"),
                (EmbeddedLanguage.PythonExpression, "/memory/0/value"),
            ],
            fragments.Select(f => (f.Language, f.JsonPointer)));
    }

    [Fact]
    public void Value_start_is_the_file_offset_of_the_first_character()
    {
        const string json = "\uFEFF{\"é\": \"😀\", \"url\": \"a{{b}}\"}";

        var fragment = Assert.Single(EmbeddedLanguageScanner.Scan(json).Fragments);

        Assert.Equal('a', json[fragment.ValueStart]);
        Assert.Equal(json.IndexOf("{{b}}", StringComparison.Ordinal), fragment.ToFileOffset(1));
    }

    [Fact]
    public void Positions_inside_escaped_strings_are_exact()
    {
        const string json = "{\"url\": \"\\u0041\\n{{ b c }}\"}";

        var fragment = Assert.Single(EmbeddedLanguageScanner.Scan(json).Fragments);

        Assert.Equal("A\n{{ b c }}", fragment.Text);
        var diagnostic = Assert.Single(fragment.Diagnostics);
        Assert.Equal(json.IndexOf(" c ", StringComparison.Ordinal) + 1, fragment.ToFileOffset(diagnostic.Span.Start));
    }

    [Theory]
    [InlineData("{\"a\": 1,}", "MC0003", 1)]
    [InlineData("{\n  \"a\": [1, 2,],\n}", "MC0003", 2)]
    [InlineData("{\n  // comment\n  \"a\": 1\n}", "MC0002", 2)]
    [InlineData("{\"a\": ", "MC0001", 1)]
    [InlineData("", "MC0001", 1)]
    [InlineData("{'a': 1}", "MC0001", 1)]
    public void Malformed_json_is_a_located_diagnostic(string json, string id, int line)
    {
        var (_, diagnostics) = EmbeddedLanguageScanner.Scan(json);

        var diagnostic = diagnostics.First();
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(line, new LineMap(json).GetPosition(diagnostic.Span.Start).Line);
    }

    [Fact]
    public void Fragments_carry_their_parse_diagnostics()
    {
        var (fragments, _) = EmbeddedLanguageScanner.Scan("{\"equivalentName\": \"$[?foo()]\", \"u\": \"{{ }}\", \"condition\": \"open('x')\"}");

        Assert.Equal(["MC3004", "MC1002", "MC4003"], fragments.SelectMany(f => f.Diagnostics).Select(d => d.Id));
    }

    [Fact]
    public void A_lone_surrogate_escape_is_a_character_as_in_json_loads()
    {
        var (fragments, diagnostics) = EmbeddedLanguageScanner.Scan("{\n  \"url\": \"x\\ud800{{a}}\"\n}");

        Assert.Empty(diagnostics);
        Assert.Equal("x\ud800{{a}}", Assert.Single(fragments).Text);
    }

    [Fact]
    public void Every_notation_key_and_template_tag_is_found_and_pointers_are_escaped()
    {
        const string json = """
            {
              "a/b~c": {"url": "{{x}}"},
              "next_page_from": "x.y", "next_page_token_from": "t", "continue_if": {"response_notation": "status"},
              "body": "{% if a %}b{% endif %}", "note": "{ {x} }",
              "value": "{{x}}", "list": [{"value": "{{y}}"}], "store_data": "data.x",
              "memory": [{"key": "total", "value": "1"}, {"key": "b", "value": "total + unknown_name"}],
              "condition": "total == 1"
            }
            """;

        var (fragments, diagnostics) = EmbeddedLanguageScanner.Scan(json);

        Assert.Empty(diagnostics);
        Assert.Equal(
            [
                (EmbeddedLanguage.Template, "/a~1b~0c/url"),
                (EmbeddedLanguage.DotPath, "/next_page_from"),
                (EmbeddedLanguage.DotPath, "/next_page_token_from"),
                (EmbeddedLanguage.DotPath, "/continue_if/response_notation"),
                (EmbeddedLanguage.Template, "/body"),
                (EmbeddedLanguage.Template, "/value"),
                (EmbeddedLanguage.Template, "/list/0/value"),
                (EmbeddedLanguage.PythonExpression, "/memory/0/value"),
                (EmbeddedLanguage.PythonExpression, "/memory/1/value"),
                (EmbeddedLanguage.PythonExpression, "/condition"),
            ],
            fragments.Select(f => (f.Language, f.JsonPointer)));
        Assert.All(fragments.Take(8), f => Assert.NotNull(f.Tree));
        // Tags are reported as unsupported; memory values see every memory key of the file, conditions only body and headers.
        Assert.Equal(["", "", "", "", "{% if a %},{% endif %}", "", "", "", "unknown_name", "total"],
            fragments.Select(f => string.Join(",", f.Diagnostics.Select(d => f.Text.Substring(d.Span.Start, d.Span.Length)))));
        Assert.All(fragments.Skip(8), f => Assert.Null(f.Tree)); // an expression with errors has no tree
    }
}
