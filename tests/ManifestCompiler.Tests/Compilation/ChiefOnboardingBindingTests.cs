using System.Text;
using ManifestCompiler.IR;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Sources;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>
/// Broken ChiefOnboarding manifests: each diagnostic as check prints it (file, line, column, severity, id, message) and
/// the end and JSON location <c>--format json</c> adds, in the golden file Compilation/Baselines/chiefonboarding-binding.txt
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
        ("sync-users: action, data and schedule of the wrong shapes", """
            {
              "action": "delete", "execute": [], "data_from": 5, "data_structure": { "email": null, "first_name": "", "title": "t" },
              "schedule": "*/15 * * * * *", "amount_pages_to_fetch": "20"
            }
            """),
        ("sync-users: wrong types", """{ "action": 5, "execute": [], "data_structure": [], "schedule": 5, "amount_pages_to_fetch": 10, "next_page_from": "", "next_page": 3 }"""),
        ("sync-users: an update with a null schedule", """
            { "action": "update", "execute": [], "data_structure": { "email": "mail", "title": "t" }, "schedule": null }
            """),
        ("sync-users: a six-field schedule at fixed seconds, and both pagination styles", """
            { "action": "update", "execute": [], "data_structure": { "email": "mail" }, "schedule": "0 1 * * * 0,30", "next_page_from": "links.next", "next_page_token_from": "token" }
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
                text.Append(BossiBindingTests.Located(d)).Append('\n');
            }
            text.Append('\n');
        }
        RepositoryPaths.AssertMatchesBaseline(Baseline, text.ToString());
    }

    private static string Segments(DotPathIR path) => path.Source + "=" + string.Join("|", path.Segments);

    [Theory]
    [InlineData("hr/asana.json", "asana")]
    [InlineData("hr\\sub\\asana.JSON", "asana")]
    [InlineData("asana.json", "asana")]
    [InlineData("hr/asana.json.txt", "asana.json.txt")]
    [InlineData("hr/.json", "")]
    public void A_manifest_is_named_by_its_file_name_without_json(string path, string name) =>
        Assert.Equal(name, Compile("""{ "execute": [] }""", path).Value!.Name);

    [Fact]
    public void The_kind_is_inferred_from_the_keys_unless_given()
    {
        Assert.Equal(ManifestKind.SyncUsers, Compile("""{ "action": "create", "schedule": "0 1 * * *", "form": [] }""").Value!.Kind);
        Assert.Equal(ManifestKind.Webhook, Compile("""{ "action": "create", "form": [], "execute": [] }""").Value!.Kind);
        var given = ManifestCompilation.CompileChiefOnboarding(new SourceFile("hr/m.json", "{}"), ManifestKind.SyncUsers);
        Assert.Equal(ManifestKind.SyncUsers, given.Value!.Kind);
        Assert.Equal(["MC6002", "MC6002", "MC6002"], given.Diagnostics.Select(d => d.Id)); // action, execute, data_structure; no MC6013
        Assert.Null(Compile("[]").Value);
        Assert.Null(Compile("{").Value);
    }

    [Fact]
    public void Forms_and_user_data_bind_their_valid_items_with_their_defaults()
    {
        var manifest = Compile("""
            {
              "execute": [],
              "form": [
                { "id": "A", "name": "A", "type": "choice", "url": "https://x/{{TOKEN}}", "items": [{ "id": "1", "name": "{{x}}" }, 2], "data_from": "", "choice_value": "key", "choice_name": "a.b" },
                { "id": "B", "name": 5, "type": "multiple_choice", "url": "https://x", "method": "GET", "data_from": "data.items" },
                { "id": "C", "name": "C", "type": "input" },
                { "id": "D", "name": "D", "type": "generate" },
                { "id": "E", "name": "E", "type": "dropdown" }
              ],
              "initial_data_form": [{ "id": "TOKEN", "name": "Token", "description": 5, "secret": true }, { "id": "SECRET", "name": "generate", "description": "" }, { "id": "X", "name": "X" }],
              "extra_user_info": [{ "id": "GITHUB", "name": "GitHub", "description": "handle" }, { "id": "NO", "name": "No" }]
            }
            """).Value!;

        Assert.Equal(
            [("A", "A", FormItemType.Choice), ("B", "5", FormItemType.MultipleChoice), ("C", "C", FormItemType.Input), ("D", "D", FormItemType.Generate)],
            manifest.Form.Select(f => (f.Id, f.Name, f.Type)));
        Assert.Equal(("https://x/{{TOKEN}}", "POST"), (manifest.Form[0].Source!.Url.Source, manifest.Form[0].Source!.Method));
        Assert.Equal("GET", manifest.Form[1].Source!.Method);
        Assert.Null(manifest.Form[2].Source);
        // The items are kept as written: their strings are no templates.
        var items = Assert.IsType<JsonArrayIR>(manifest.Form[0].Items);
        Assert.Equal(TemplateIR.Constant("{{x}}"), Assert.IsType<JsonStringIR>(Assert.IsType<JsonObjectIR>(items.Items[0]).Properties[1].Value).Value);
        Assert.Equal(new JsonNumberIR("2"), items.Items[1]);
        Assert.Null(manifest.Form[2].Items);
        Assert.Equal(["=", "data.items=data|items", "=", "="], manifest.Form.Select(f => Segments(f.DataFrom)));
        Assert.Equal(["key=key", "id=id", "id=id", "id=id"], manifest.Form.Select(f => Segments(f.ChoiceValue)));
        Assert.Equal(["a.b=a|b", "name=name", "name=name", "name=name"], manifest.Form.Select(f => Segments(f.ChoiceName)));

        Assert.Equal(
            [new InitialDataItemIR("TOKEN", "Token", "5", true, false), new InitialDataItemIR("SECRET", "generate", "", false, true), new InitialDataItemIR("X", "X", null, false, false)],
            manifest.InitialDataForm);
        Assert.Equal([new UserInfoItemIR("GITHUB", "GitHub", "handle")], manifest.ExtraUserInfo);
    }

    [Fact]
    public void Notifications_and_oauth_bind_only_when_complete()
    {
        var manifest = Compile("""
            {
              "execute": [],
              "post_execute_notification": [{ "type": "text", "to": "+1", "subject": "s", "message": "m" }, { "type": "email", "to": "{{manager_email}}", "subject": "s", "message": "m" }, { "type": "email", "to": "a", "subject": "s" }],
              "oauth": { "authenticate_url": "https://x/auth", "access_token": { "url": "https://x/token", "method": "POST" }, "without_code": true }
            }
            """).Value!;

        Assert.Equal([(NotificationType.Text, "+1"), (NotificationType.Email, "{{manager_email}}")], manifest.PostExecuteNotifications.Select(n => (n.Type, n.To.Source)));
        var oauth = manifest.OAuth!;
        Assert.Equal(("https://x/auth", "https://x/token", true), (oauth.AuthenticateUrl.Source, oauth.AccessToken.Url.Source, oauth.WithoutCode));
        Assert.Null(oauth.Refresh);

        var withRefresh = Compile("""{ "execute": [], "oauth": { "authenticate_url": "a", "access_token": { "url": "t", "method": "POST" }, "refresh": { "url": "r", "method": "PUT" } } }""").Value!.OAuth!;
        Assert.Equal(("r", "PUT", false), (withRefresh.Refresh!.Url.Source, withRefresh.Refresh.Method, withRefresh.WithoutCode));
        Assert.Null(Compile("""{ "execute": [], "oauth": { "access_token": { "url": "t", "method": "POST" }, "refresh": {} } }""").Value!.OAuth);
        Assert.Null(Compile("""{ "execute": [], "oauth": { "authenticate_url": "a", "access_token": { "url": "t" } } }""").Value!.OAuth);
    }

    [Fact]
    public void Requests_bind_every_part_as_the_run_time_reads_it()
    {
        var manifest = Compile("""
            {
              "headers": { "Authorization": "Bearer {{TOKEN}}", "X-Count": 5 },
              "initial_data_form": [{ "id": "TOKEN", "name": "Token", "description": "t" }],
              "execute": [
                { "url": "https://x/a", "method": "POST", "data": { "n": 1, "t": "{{TOKEN}}" }, "cast_data_to_json": true, "headers": {}, "store_data": { "ID": "data.id", "BAD": "" }, "save_as_file": 7, "status_code": ["200", " 201 ", 202.0, "abc"] },
                { "url": "https://x/b", "method": "GET", "cast_data_to_json": false, "headers": { "{{TOKEN}}": "v" }, "continue_if": { "response_notation": "status", "value": "done" }, "polling": { "interval": "5", "amount": 3 }, "files": { "doc": "7", "other": "8.pdf" }, "expected": 5, "extra_headers": "pritunl" },
                { "url": "https://x/c", "method": "GET", "polling": { "interval": 1, "amount": 0 }, "continue_if": { "value": "x" } },
                { "method": "GET" }
              ],
              "exists": { "url": "https://x/e", "method": "GET", "expected": "{{email}}" },
              "revoke": [{ "url": "https://x/r", "method": "DELETE" }, { "url": "https://x/r2" }]
            }
            """).Value!;

        Assert.Equal(["Authorization: Bearer {{TOKEN}}", "X-Count: 5"], manifest.Headers.Select(h => h.Name.Source + ": " + h.Value.Source));
        Assert.Equal(["https://x/a", "https://x/b", "https://x/c"], manifest.Execute.Select(r => r.Url.Source));
        var (first, second, third) = (manifest.Execute[0], manifest.Execute[1], manifest.Execute[2]);
        Assert.True(first.FormEncodeData);
        Assert.False(second.FormEncodeData);
        Assert.Null(second.Data);
        Assert.Equal(["n", "t"], Assert.IsType<JsonObjectIR>(first.Data).Properties.Select(p => p.Name));
        Assert.Null(first.Headers); // {} means the manifest's headers
        Assert.Equal(["{{TOKEN}}: v"], second.Headers!.Value.Select(h => h.Name.Source + ": " + h.Value.Source));
        Assert.Equal(["ID=data.id=data|id"], first.StoreData.Select(s => s.Property + "=" + Segments(s.Path)));
        Assert.Equal(("7", null), (first.SaveAsFile, second.SaveAsFile));
        Assert.Equal([200, 201, 202], first.StatusCodes);
        Assert.Empty(second.StatusCodes);
        Assert.Equal(("status=status", "done"), (Segments(second.ContinueIf!.ResponseNotation), second.ContinueIf.Value.Source));
        Assert.Equal(new PollingIR(5, 3), second.Polling);
        Assert.Equal((null, null), (third.Polling, third.ContinueIf));
        Assert.Equal([new FileFieldIR("doc", "7")], second.Files);
        Assert.Equal(("5", "pritunl"), (second.Expected?.Source, second.ExtraHeaders));
        Assert.Equal((null, null), (first.Expected, first.ExtraHeaders));
        Assert.Equal(("https://x/e", "{{email}}"), (manifest.Exists!.Url.Source, manifest.Exists.Expected!.Source));
        Assert.Equal([("https://x/r", "DELETE")], manifest.Revoke.Select(r => (r.Url.Source, r.Method)));
    }

    [Fact]
    public void A_sync_binds_its_action_data_schedule_and_pagination()
    {
        var token = Compile("""
            { "action": "sync", "execute": [], "data_from": "data.users", "data_structure": { "email": "mail", "first_name": "given", "last_name": 3, "x": "" },
              "amount_pages_to_fetch": "7", "next_page_token_from": "meta.token", "next_page": "https://x?t={{NEXT_PAGE_TOKEN}}" }
            """).Value!.Sync!;
        Assert.Equal((SyncAction.Create, "data.users=data|users"), (token.Action, Segments(token.DataFrom)));
        Assert.Equal(["email=mail=mail", "first_name=given=given", "last_name=3=3"], token.DataStructure.Select(e => e.Property + "=" + Segments(e.Path)));
        Assert.Null(token.Schedule);
        Assert.Equal((PaginationMode.NextPageToken, null, "meta.token", "https://x?t={{NEXT_PAGE_TOKEN}}", 7),
            (token.Pagination.Mode, token.Pagination.NextPageFrom, token.Pagination.NextPageTokenFrom?.Source, token.Pagination.NextPage?.Source, token.Pagination.AmountPagesToFetch));

        var url = Compile("""
            { "action": "update", "execute": [], "data_structure": { "email": "mail" }, "schedule": "30 2 * * 1", "next_page_from": "links.next", "next_page": "x", "amount_pages_to_fetch": 1000 }
            """).Value!.Sync!;
        Assert.Equal(SyncAction.Update, url.Action);
        Assert.Equal("=", Segments(url.DataFrom));
        Assert.NotNull(url.Schedule);
        Assert.Equal((PaginationMode.NextPageUrl, "links.next", null, null, 1000),
            (url.Pagination.Mode, url.Pagination.NextPageFrom?.Source, url.Pagination.NextPageTokenFrom, url.Pagination.NextPage, url.Pagination.AmountPagesToFetch));

        var none = Compile("""{ "action": "create", "execute": [], "data_structure": {}, "next_page_token_from": "t", "amount_pages_to_fetch": 0 }""").Value!.Sync!;
        Assert.Equal((PaginationMode.None, 5), (none.Pagination.Mode, none.Pagination.AmountPagesToFetch));
        Assert.Null(Compile("""{ "action": "delete", "execute": [], "data_structure": {} }""").Value!.Sync);
        Assert.Null(Compile("""{ "execute": [], "form": [] }""").Value!.Sync);
    }
}
