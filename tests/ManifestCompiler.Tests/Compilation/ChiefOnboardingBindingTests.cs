using System.Text;
using ManifestCompiler.IR;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Sources;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>
/// Broken ChiefOnboarding manifests: each diagnostic as check prints it (file, line, column, severity, id, message) and
/// the JSON location <c>--format json</c> adds, in the golden file Compilation/Baselines/chiefonboarding-binding.txt
/// beside each case's input (MC_UPDATE_BASELINES=1 rewrites it): in particular which template variables each place
/// sees (docs/chiefonboarding-semantics.md, "Template variables"), read from the MC8011 lists. Then the IR of edge cases.
/// </summary>
public class ChiefOnboardingBindingTests
{
    private const string Baseline = "tests/ManifestCompiler.Tests/Compilation/Baselines/chiefonboarding-binding.txt";

    private static CompilationResult<ChiefOnboardingManifestIR> Compile(string text, string path = "hr/manifest.json") =>
        ManifestCompilation.CompileChiefOnboarding(new SourceFile(path, text));

    private static readonly (string Name, string Text)[] Cases =
    [
        ("what each place of a webhook manifest sees", """
            {
              "form": [{ "id": "FORM1", "name": "Project", "type": "choice", "url": "https://x/{{zz}}/{{TOKEN}}/{{email}}", "method": "GET", "options_source": "fetch url" }],
              "initial_data_form": [{ "id": "TOKEN", "name": "Token", "description": "API token" }, { "id": 7, "name": "Seven", "description": "d" }],
              "extra_user_info": [{ "id": "GITHUB", "name": "GitHub", "description": "handle" }],
              "headers": { "Authorization": "Bearer {{TOKEN}} {{responses.0.id}} {{zz}}" },
              "exists": { "url": "https://x/{{email}}/{{FORM1}}/{{zz}}", "method": "GET", "expected": "{{GITHUB}}" },
              "execute": [
                { "url": "https://x/{{FORM1}}/{{GITHUB}}/{{USER_ID}}/{{responses.0.id}}/{{zz}}", "method": "POST", "store_data": { "USER_ID": "id" }, "save_as_file": "a.pdf" },
                { "url": "https://x/{{USER_ID}}/{{responses.0.id}}/{{responses.1.id}}/{{responses.x}}/{{responses}}/{{zz}}", "method": "POST", "files": { "f": "a.pdf", "g": "b.pdf", "h": "" } }
              ],
              "revoke": [{ "url": "https://x/{{GITHUB}}/{{USER_ID}}/{{FORM1}}/{{responses.0.id}}", "method": "DELETE" }],
              "post_execute_notification": [{ "type": "email", "to": "{{manager_email}}", "subject": "{{responses.1.id}} {{responses.2.id}} {{USER_ID}}", "message": "{{zz}} {{NEXT_PAGE_TOKEN}} {{todo_forms}}" }],
              "oauth": { "authenticate_url": "https://x/{{redirect_url}}/{{email}}", "access_token": { "url": "https://x/{{oauth}}/{{TOKEN}}", "method": "POST" }, "refresh": { "url": "https://x/{{responses.0}}", "method": "POST" } }
            }
            """),
        ("what each place of a sync-users manifest sees", """
            {
              "action": "create", "data_from": "users", "data_structure": { "email": "email", "first_name": "name", "last_name": "last" },
              "initial_data_form": [{ "id": "KEY", "name": "Key", "description": "k" }],
              "headers": { "X": "{{KEY}} {{email}}" },
              "execute": [{ "url": "https://x/{{KEY}}/{{responses.0}}", "method": "GET" }, { "url": "https://x/{{responses.0.next}}/{{todo_forms}}", "method": "GET" }],
              "next_page_token_from": "next", "next_page": "https://x?t={{NEXT_PAGE_TOKEN}}&{{KEY}}&{{zz}}&{{responses.0}}"
            }
            """),
        ("the manifest is not an object", """["execute"]"""),
        ("an empty object is checked as a webhook manifest", "{}"),
        ("headers alone make a webhook manifest", """{ "headers": {} }"""),
        ("more sync-users keys than webhook keys make a sync-users manifest", """{ "action": "create", "schedule": "0 1 * * *", "form": [] }"""),
        ("as many of each make a webhook manifest", """{ "action": "create", "form": [], "execute": [] }"""),
        ("form items", """
            {
              "execute": [],
              "form": [
                null,
                { "id": "A", "name": "A", "type": "dropdown", "options_source": "api", "choice_id": "id", "multiple": true, "label": "x" },
                { "id": "B", "name": 5, "type": "input", "items": [{ "id": "1", "name": "{{x}}" }], "data_from": "a..b", "choice_value": "", "choice_name": 5 },
                { "id": "A", "name": "Again", "type": "generate" },
                { "name": "No id", "type": "choice", "url": "https://x", "method": "get", "data": { "q": 1 }, "options_source": 3 },
                { "id": "C", "type": null }
              ]
            }
            """),
        ("initial data and extra user info", """
            {
              "execute": [],
              "initial_data_form": [{ "id": "A", "name": "A", "description": "" }, { "id": "B", "name": "generate", "description": 5, "secret": null }, "x", { "id": "", "name": "Blank" }, { "id": "B", "name": "B2", "description": "b", "secret": "yes" }],
              "extra_user_info": [{ "id": "E", "name": "E" }, { "id": "E", "name": "E2", "description": "e", "secret": true }, { "id": "F", "name": "F", "description": "" }]
            }
            """),
        ("notifications", """
            {
              "execute": [],
              "post_execute_notification": [{ "type": "text", "to": "+1", "subject": "s" }, 5, { "type": 1, "to": "", "subject": "s", "message": "m", "multiple": 1, "cc": "x" }, { "type": "Email", "to": "a", "subject": "s", "message": "m" }]
            }
            """),
        ("oauth of the wrong type", """{ "execute": [], "oauth": "token" }"""),
        ("oauth without its required keys", """{ "execute": [], "oauth": { "without_code": "yes", "scope": "x", "refresh": [] } }"""),
        ("requests: methods, data, headers and extra headers", """
            {
              "execute": [
                { "url": "https://x", "method": "FETCH" },
                { "url": "https://x", "method": 5, "data": "raw", "cast_data_to_json": null },
                { "url": "https://x", "method": null, "data": ["a"], "headers": { "{{zz}}": 5, "X-Null": null, "{{ }}": "v" } },
                { "url": 7, "method": "PATCH", "extra_headers": "other" },
                { "url": "", "method": "HEAD", "extra_headers": 1, "fail_when_4xx_response_code": true },
                { "method": "GET", "headers": [] }
              ]
            }
            """),
        ("requests: store_data, continue_if, polling and status codes", """
            {
              "execute": [
                { "url": "https://x", "method": "GET", "store_data": { "A": "", "B": 3, "C": "a..b", "D": null }, "status_code": ["200", 200, "abc", 600, "99", " 201 "] },
                { "url": "https://x", "method": "GET", "continue_if": { "response_notation": "", "value": "{{zz}}", "extra": 1 }, "polling": { "interval": "5", "amount": 0, "every": 1 } },
                { "url": "https://x", "method": "GET", "continue_if": { "value": "x" }, "polling": { "amount": "101" } },
                { "url": "https://x", "method": "GET", "continue_if": [], "polling": { "interval": 3601, "amount": 1.0 } },
                { "url": "https://x", "method": "GET", "polling": [], "status_code": {}, "files": [], "save_as_file": "", "expected": true }
              ]
            }
            """),
        ("exists and revoke requests", """
            {
              "execute": [],
              "exists": { "url": "https://x", "method": "PATCH", "save_as_file": "x", "store_data": {} },
              "revoke": [{ "url": "https://x" }, null, { "url": "https://x", "method": "DELETE", "expected": 5, "polling": {} }]
            }
            """),
        ("exists without expected, and revoke of the wrong type", """{ "execute": [], "exists": { "url": "https://x", "method": "GET" }, "revoke": {} }"""),
    ];

    [Fact]
    public void Each_broken_manifest_reports_its_diagnostics_at_their_positions_and_json_locations()
    {
        var text = new StringBuilder();
        foreach (var (name, manifest) in Cases)
        {
            text.Append("== ").Append(name).Append('\n').Append(manifest.TrimEnd('\n')).Append("\n--\n");
            foreach (var d in Compile(manifest).Diagnostics.OrderBy(d => d.Span.Start).ThenBy(d => d.Id, StringComparer.Ordinal))
            {
                text.Append(d).Append(d.JsonPath is { } path ? "  at " + path : "").Append('\n');
            }
            text.Append('\n');
        }
        RepositoryPaths.AssertMatchesBaseline(Baseline, text.ToString());
    }
}
