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
    public void Escaped_strings_map_positions_to_the_string_start()
    {
        const string json = "{\"url\": \"\\u0041{{b}}\"}";

        var fragment = Assert.Single(EmbeddedLanguageScanner.Scan(json).Fragments);

        Assert.Equal("A{{b}}", fragment.Text);
        Assert.True(fragment.ValueIsEscaped);
        Assert.Equal(fragment.ValueStart, fragment.ToFileOffset(3));
    }

    [Theory]
    [InlineData("{\"a\": 1,}", 1)]
    [InlineData("{\n  \"a\": 1,\n}", 3)]
    [InlineData("{\n  // comment\n  \"a\": 1\n}", 2)]
    [InlineData("{\"a\": ", 1)]
    [InlineData("", 1)]
    public void Malformed_json_is_a_located_diagnostic(string json, int line)
    {
        var (_, diagnostics) = EmbeddedLanguageScanner.Scan(json);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("MC0001", diagnostic.Id);
        Assert.Equal(line, new LineMap(json).GetPosition(diagnostic.Span.Start).Line);
    }

    [Fact]
    public void Fragments_carry_their_parse_diagnostics()
    {
        var (fragments, _) = EmbeddedLanguageScanner.Scan("{\"equivalentName\": \"$[?foo()]\", \"u\": \"{{ }}\", \"condition\": \"open('x')\"}");

        Assert.Equal(["MC3004", "MC1002", "MC4003"], fragments.SelectMany(f => f.Diagnostics).Select(d => d.Id));
    }

    [Fact]
    public void A_lone_surrogate_escape_is_a_diagnostic_not_a_crash()
    {
        var (_, diagnostics) = EmbeddedLanguageScanner.Scan("{\n  \"url\": \"x\\ud800{{a}}\"\n}");

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("MC0001", diagnostic.Id);
        Assert.Equal(2, new LineMap("{\n  \"url\": \"x\\ud800{{a}}\"\n}").GetPosition(diagnostic.Span.Start).Line);
    }
}
