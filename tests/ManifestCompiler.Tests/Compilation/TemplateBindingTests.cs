using ManifestCompiler.Diagnostics;
using ManifestCompiler.IR;
using ManifestCompiler.Sources;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>
/// Templates in a manifest (docs/diagnostics.md, MC1008 and MC6011): the QuickBooks sample's schema.json variable
/// <c>url</c> (line 6, its text from column 13) replaced by JSON text; each diagnostic at the variable's line and column, and the
/// IR a plan renders from.
/// </summary>
public class TemplateBindingTests
{
    private static readonly IntegrationFolder QuickBooks = CompilationInputs.ReadIntegration(Path.Combine(RepositoryPaths.Root, "samples", "bossi", "quickbooks"), "quickbooks");

    private const string SampleUrl = "https://quickbooks.api.intuit.com/v3/company/{{realmId}}/reports";

    /// <summary>The names schema.json variables may use here: the platform's and the sample's tokens, sorted.</summary>
    private const string Available =
        "access_token, company_id, entity_id, generic_callback, integration, person_id, realmId, refresh_token, webhook_url, x_refresh_token_expires_in";

    /// <summary>Compiles the sample with <paramref name="json"/> (JSON string text: quotes escaped) as the url variable.</summary>
    private static CompilationResult<IntegrationIR> CompileUrl(string json) =>
        ManifestCompilation.CompileIntegration(QuickBooks with
        {
            Files = [.. QuickBooks.Files.Select(f => f.RelativePath == "schema.json" ? f with { Text = f.Text!.Replace(SampleUrl, json, StringComparison.Ordinal) } : f)],
        });

    private static (string Id, int Line, int Column, string Message) Where(ManifestDiagnostic d) => (d.Id, d.Start.Line, d.Start.Column, d.Message);

    private static TemplateIR Url(CompilationResult<IntegrationIR> result) => result.Value!.Schema.Variables.Single(v => v.Name == "url").Value;

    [Fact]
    public void An_unknown_variable_is_an_error_at_its_name_with_a_suggestion_and_the_names_in_scope()
    {
        var result = CompileUrl("https://x/{{ realmid }}/{{ custom.id }}");

        Assert.Equal(
            [
                ("MC1008", 6, 26, $"Unknown template variable 'realmid' (did you mean 'realmId'?); available here: {Available}"),
                ("MC1008", 6, 40, $"Unknown template variable 'custom'; available here: {Available}"),
            ],
            result.Diagnostics.Select(Where));
        Assert.All(result.Diagnostics, d => Assert.True(d.IsError));
        // Still IR: an unknown variable renders as empty text.
        Assert.Equal("https://x/{{ realmid }}/{{ custom.id }}", Url(result).Source);
    }

    [Fact]
    public void An_unknown_variable_with_a_default_is_a_warning_that_the_default_always_renders()
    {
        var result = CompileUrl("{{ regoin|default:\\\"eu\\\" }}/{{ zone|default_if_none:\\\"a\\\" }}");

        Assert.Equal(
            [
                ("MC6011", 6, 16, "Nothing here provides 'regoin'; it always renders its default"),
                ("MC6011", 6, 44, "Nothing here provides 'zone'; it always renders its default"),
            ],
            result.Diagnostics.Select(Where));
        Assert.All(result.Diagnostics, d => Assert.Equal(Syntax.Diagnostics.DiagnosticSeverity.Warning, d.Severity));

        // Another filter is no default; a default's own variable argument must exist.
        Assert.Equal(
            [
                ("MC1008", 6, 16, $"Unknown template variable 'regoin'; available here: {Available}"),
                ("MC1008", 6, 51, $"Unknown template variable 'compny_id' (did you mean 'company_id'?); available here: {Available}"),
            ],
            CompileUrl("{{ regoin|upper }}/{{ realmId|default:compny_id }}").Diagnostics.Select(Where));
    }

    [Fact]
    public void A_template_lowers_to_text_and_holes_with_their_paths_and_filters_in_order()
    {
        var result = CompileUrl("https://x/{{ access_token.a.b|default:5|upper|default:company_id|default:\\\"-\\\" }}?r={{realmId}}");

        Assert.Empty(result.Diagnostics);
        Assert.Equal<TemplatePartIR>(
            [
                new TemplateTextIR("https://x/"),
                new TemplateHoleIR(
                    new[] { "access_token", "a", "b" }.ToEquatableArray(),
                    new[]
                    {
                        new TemplateFilterIR("default", TemplateArgumentKind.Number, "5"),
                        new TemplateFilterIR("upper", null, null),
                        new TemplateFilterIR("default", TemplateArgumentKind.Variable, "company_id"),
                        new TemplateFilterIR("default", TemplateArgumentKind.String, "-"),
                    }.ToEquatableArray()),
                new TemplateTextIR("?r="),
                new TemplateHoleIR(new[] { "realmId" }.ToEquatableArray(), EquatableArray<TemplateFilterIR>.Empty),
            ],
            Url(result).Parts);

        // Text without a placeholder is one constant part.
        Assert.Equal<TemplatePartIR>([new TemplateTextIR("https://x/{ no placeholder }")], Url(CompileUrl("https://x/{ no placeholder }")).Parts);
        Assert.True(Url(CompileUrl("https://x/plain")).IsConstant);
    }
}
