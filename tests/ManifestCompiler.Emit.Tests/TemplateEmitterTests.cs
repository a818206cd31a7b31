using System.Text.Json;
using ManifestCompiler.Conformance;
using ManifestCompiler.Emit.Plans;
using ManifestCompiler.IR;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Syntax.Templates;

namespace ManifestCompiler.Emit.Tests;

public sealed class TemplateEmitterTests
{
    private static readonly JsonElement Context = JsonDocument.Parse("""
        {
          "ORG": "1234", "email": "o'brien@x.com", "count": 3, "ratio": 0.5, "big": 1e16, "flag": true, "nothing": null,
          "empty": "", "tags": [1, "a", null], "responses": [{"form_id": "f-9", "items": [{"id": 7}]}],
          "oauth": {"access_token": "tok", "token_type": "Bearer"}, "name": "ada lovelace <b>", "unicode": "a\ud83d\ude00b",
          "emoji": "\ud83d\ude00x", "combining": "e\u0301", "obj": {"b": 1, "a": 2}
        }
        """).RootElement;

    // Every filter, lookups into lists and objects, missing values, and characters HTML escaping changes.
    private static readonly string[] Showcase =
    [
        "plain text, no placeholders",
        "https://app/{{ORG}}/teams",
        "{{ responses.0.form_id }}|{{ responses.0.items.0.id }}|{{ responses.5.x }}|{{ tags.9 }}",
        "{{oauth.token_type}} {{oauth.access_token}}",
        "{{count}}/{{ratio}}/{{big}}/{{flag}}/{{nothing}}/{{tags}}/{{obj}}",
        "{{ missing }}x{{ missing.deeper }}",
        "{{ missing|default:'N/A' }} {{ empty|default:'N/A' }} {{ ORG|default:'N/A' }} {{ missing|default:ORG }} {{ missing|default:7 }}",
        "{{ nothing|default_if_none:'none' }} {{ empty|default_if_none:'none' }}",
        "{{ name|title }} {{ name|upper }} {{ name|lower }} {{ name|capfirst }}",
        "{{ unicode|length }} {{ tags|length }} {{ obj|length }} {{ missing|length }}",
        "{{ tags|first }} {{ tags|last }} {{ unicode|first }} {{ unicode|last }} {{ emoji|first }} {{ combining|last }}",
        "{{ tags|join:'-' }} {{ name|join:',' }}",
        "{{ name|urlencode }} {{ email|urlencode:'' }} {{ oauth.token_type|urlencode:'/@' }}",
        "{{ email }} {{ email|safe }} {{ name|upper|safe }} {{ missing|default:'<b>' }}",
        "{{ email|upper|default:'x'|lower }}",
    ];

    [Fact]
    public void Compiled_templates_render_as_the_renderer_does()
    {
        var parsed = Showcase.Select(t => TemplateParser.Parse(t)).ToList();
        Assert.All(parsed, p => Assert.True(p.Success, string.Join("; ", p.Diagnostics)));
        var source = TemplateEmitter.EmitClass("Tests.Generated", "Templates", parsed.Select(p => TemplateIR.FromSyntax(p.Value!)).ToList());
        var (assembly, problems) = InMemoryCompiler.Compile("TemplateEmitterTests", [source]);
        Assert.True(assembly is not null, string.Join("\n", problems));
        var all = (TemplatePlan[])assembly!.GetType("Tests.Generated.Templates")!.GetField("All")!.GetValue(null)!;

        for (var i = 0; i < Showcase.Length; i++)
        {
            foreach (var escape in new[] { false, true })
            {
                var expected = TemplateRenderer.Render(parsed[i].Value!, TemplateRenderer.FromObject(Context), new TemplateRenderOptions(HtmlEscape: escape));
                var scope = TemplateScope.FromObject(Context, escape);
                Assert.Equal(expected.Text, all[i].Render(scope));

                // The renderer's strict mode fails on the first missing variable; the compiled scope lists each one.
                var strict = TemplateRenderer.Render(parsed[i].Value!, TemplateRenderer.FromObject(Context), new TemplateRenderOptions(UnknownVariableBehavior.Error));
                Assert.Equal(strict.Success, scope.Missing.Count == 0);
            }
        }
        Assert.True(all[0].IsConstant);
        Assert.Equal(["ORG"], all[1].Variables);
    }
}
