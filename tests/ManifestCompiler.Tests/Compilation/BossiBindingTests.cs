using System.Text;
using ManifestCompiler.IR;
using ManifestCompiler.Sources;
using ManifestCompiler.Testing;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>
/// One small integration folder with one file at a time replaced by a broken one: each diagnostic as check prints it
/// (file, line, column, severity, id, message) and the end and JSON location <c>--format json</c> adds, in the golden file
/// Compilation/Baselines/bossi-binding.txt beside each case's input (MC_UPDATE_BASELINES=1 rewrites it), and the IR
/// the edge cases bind to.
/// </summary>
public class BossiBindingTests
{
    private const string Baseline = "tests/ManifestCompiler.Tests/Compilation/Baselines/bossi-binding.txt";

    private static readonly (string Path, string Text)[] Base =
    [
        ("oauth.json", """{ "name": "Crm", "isNonOauth": true, "genWebhook": true, "requiredQueryParams": ["apiKey"], "tokens": { "token": "{{apiKey}}" } }"""),
        ("schema.json", """{ "name": "Crm", "version": "1.0.0", "actions": { "sync-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }] } } }"""),
        ("action/sync-v1/code/sync.py", "def main(storage):\n    return {}\n"),
    ];

    /// <summary>The base folder with <paramref name="files"/> replacing (or adding) files; a null text removes one.</summary>
    private static IntegrationFolder Folder(params (string Path, string? Text)[] files) =>
        new("crm", "crm",
        [
            .. Base.Where(b => !files.Any(f => f.Path == b.Path)).Select(b => new FolderFile(b.Path, b.Text)),
            .. files.Where(f => f.Text is not null).Select(f => new FolderFile(f.Path, f.Text)),
        ]);

    private static CompilationResult<IntegrationIR> Compile(params (string Path, string? Text)[] files) =>
        ManifestCompilation.CompileIntegration(Folder(files));

    /// <summary>The diagnostic as check prints it, then where it ends and its JSON location (both in <c>--format json</c>).</summary>
    internal static string Located(ManifestCompiler.Diagnostics.ManifestDiagnostic d) =>
        $"{d}  to ({d.End.Line},{d.End.Column})" + (d.JsonPath is { } path ? "  at " + path : "");

    private static readonly (string Name, (string Path, string? Text)[] Files)[] Cases =
    [
        ("the base folder binds without diagnostics", []),
        ("oauth.json: shapes of each key of an API-key integration", [("oauth.json", """
            {
              "name": "Crm", "isNonOauth": true, "genWebhook": "yes", "extra": 1, "clientSecrets": "s", "id": 2,
              "services": ["contacts", 7, "ai", "tickts"],
              "requiredQueryParams": ["apiKey", "", "region", null],
              "parameters": { "scope": "{{region}}", "count": 5, "flag": false, "bad": null, "list": [], "key": "{{apiKey}}", "loop": "{{scope}}" },
              "url": "https://crm.example/{{scope}}/{{nope}}",
              "tokenUrl": "https://crm.example/{{count}}/{{company_id}}",
              "clientId": 12,
              "tokens": { "token": "{{apiKey}}", "other": "{{code}}", "n": 3, "region": "{{region}}{{scope}}" },
              "triggerSteps": [
                "sync-v1",
                { "action": "sync-v1", "payload": { "a": "{{token}}", "b": ["{{missing}}", 1], "c": "{{entity_id}}" }, "when": 1 },
                { "payload": {} },
                { "action": "nope-v1" },
                { "action": "" }
              ]
            }
            """)]),
        ("oauth.json: an OAuth integration's tokens capture anything from the token response", [("oauth.json", """
            {
              "name": "Crm", "isNonOauth": "no", "url": "https://crm.example/auth", "tokenUrl": "https://crm.example/token",
              "tokens": { "access_token": "{{access_token}}", "refresh": "{{refresh_token|default:''}}" },
              "triggerSteps": {}
            }
            """)]),
        ("oauth.json: OAuth without isNonOauth needs url and tokenUrl, not null", [("oauth.json", """{ "name": "Crm", "url": null, "tokens": {} }""")]),
        ("oauth.json: isNonOauth false needs url and tokenUrl too", [("oauth.json", """{ "name": "Crm", "isNonOauth": false, "tokenUrl": "https://crm.example/token" }""")]),
        ("oauth.json: not an object", [("oauth.json", """["Crm"]""")]),
        ("oauth.json: missing, and schema.json: not an object", [("oauth.json", null), ("schema.json", "42")]),
        ("schema.json: missing", [("schema.json", null)]),
        ("schema.json: variables, security and the delete action", [("schema.json", """
            {
              "name": "Crm", "version": "1.0.0", "description": 3, "owner": "me",
              "variables": { "base": "https://{{apiKey}}/{{token}}/{{company_id}}", "x": "{{base}}", "n": 1, "b": true },
              "security": { "type": "bearer", "token": "{{base}}{{token}}{{n}}", "accessTokenVariable": "tokn", "expiryInVariable": 5, "refreshTokenUrl": "{{zzz}}", "kind": 1 },
              "actions": { "sync-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }] } },
              "deleteAction": "sync-v1"
            }
            """)]),
        ("schema.json: security without a type, and a delete action that names no action", [("schema.json", """
            {
              "name": "Crm",
              "security": { "token": "{{token}}", "accessTokenVariable": "token" },
              "actions": { "sync-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }] } },
              "deleteAction": { "action": "delete-v1", "payload": { "id": "{{tokn}}" } }
            }
            """)]),
        ("schema.json: security and actions of the wrong type", [("schema.json", """{ "name": "Crm", "security": "bearer", "actions": [] }""")]),
        ("schema.json: action names that cannot name a folder, and actions of the wrong shape", [("schema.json", """
            {
              "name": "Crm",
              "actions": {
                "": { "skipParser": true, "steps": [] },
                "a/b": { "skipParser": true, "steps": [] },
                "a\\b": { "skipParser": true, "steps": [] },
                ".": { "skipParser": true, "steps": [] },
                "..": { "skipParser": true, "steps": [] },
                "...": { "skipParser": true, "steps": [{ "codeRef": "sync" }] },
                "list-v1": [],
                "nosteps-v1": { "skipParser": true },
                "stringsteps-v1": { "skipParser": true, "steps": "sync", "returnsData": "yes", "continueOnFailure": 1 },
                "sync-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }] }
              }
            }
            """)]),
        ("schema.json: $schema is ignored at the top only, numbers in integer keys, and positions inside escaped strings", [("schema.json", """
            {
              "$schema": "../schemas/schema.json", "name": "Crm",
              "variables": { "v": "\u00e9\t{{nope}}", "w": "\"{{ a b }}\"", "f": false },
              "security": { "$schema": "x", "type": "bearer" },
              "actions": {
                "sync-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }], "rate_limit": { "limit": 1e2, "period": 6.0e1 } },
                "big-v1": { "skipParser": true, "steps": [], "rate_limit": { "limit": 3000000000, "period": 1.5e0 } }
              }
            }
            """)]),
        ("schema.json: rate limits", [("schema.json", """
            {
              "name": "Crm",
              "actions": {
                "no-period-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }], "rate_limit": { "limit": 5 } },
                "no-limit-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }], "rate_limit": { "period": 60 } },
                "negative-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }], "rate_limit": { "limit": -1, "period": 1 } },
                "fraction-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }], "rate_limit": { "limit": 1.5, "period": "60" } },
                "zero-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }], "rate_limit": { "limit": 0, "period": 0 } },
                "number-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }], "rate_limit": 5 },
                "burst-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }], "rate_limit": { "limit": 10, "period": 60, "burst": 2 } }
              }
            }
            """)]),
        ("schema.json: steps and their code files", [
            ("schema.json", """
            {
              "name": "Crm",
              "actions": {
                "sync-v1": { "skipParser": true, "steps": [null, { "codeRef": "" }, { "codeRef": "sub/sync" }, { "codeRef": 3 }, { "continueOnFailure": true }, { "codeRef": "sync", "retry": 1 }, { "codeRef": "sync" }, { "codeRef": "Sync" }, { "codeRef": "calls" }, { "codeRef": "calls" }] },
                "parsed-v1": { "steps": [{ "codeRef": "calls" }] },
                "skipped-v1": { "skipParser": true, "steps": [{ "codeRef": "p" }] },
                "unmapped-v1": { "skipParser": false, "steps": [{ "codeRef": "p" }] }
              }
            }
            """),
            ("action/sync-v1/code/sub/sync.py", "def main(storage):\n    return {}\n"),
            ("action/sync-v1/code/calls.py", "def main(storage):\n    send_to_parser('parsed-v1', [])\n    send_to_parser('skipped-v1', [])\n    send_to_parser('unmapped-v1', [])\n    send_to_trigger('skipped-v1', {})\n    send_to_trigger('unknown-v1', {})\n    dispatch_command('elsewhere-v1', {}, {})\n    return {}\n"),
            ("action/parsed-v1/schema.json", """{ "data": { "id": { "dataType": "string", "equivalentName": "$.id" } } }"""),
            ("action/parsed-v1/code/calls.py", "def main(storage):\n    return {}\n"),
            ("action/skipped-v1/code/p.py", "def main(storage):\n    return {}\n"),
            ("action/unmapped-v1/code/p.py", "def main(storage):\n    return {}\n"),
        ]),
        ("action/<name>/schema.json: field mappings", [
            ("schema.json", """
            {
              "name": "Crm",
              "actions": {
                "a-v1": { "steps": [{ "codeRef": "sync" }] },
                "b-v1": { "steps": [{ "codeRef": "sync" }] },
                "c-v1": { "steps": [{ "codeRef": "sync" }] },
                "d-v1": { "steps": [{ "codeRef": "sync" }] }
              }
            }
            """),
            ("action/a-v1/code/sync.py", "def main(storage):\n    return {}\n"),
            ("action/b-v1/code/sync.py", "def main(storage):\n    return {}\n"),
            ("action/c-v1/code/sync.py", "def main(storage):\n    return {}\n"),
            ("action/d-v1/code/sync.py", "def main(storage):\n    return {}\n"),
            ("action/a-v1/schema.json", """["id"]"""),
            ("action/b-v1/schema.json", """{ "version": 2, "note": "x" }"""),
            ("action/c-v1/schema.json", """
            {
              "version": "2", "data": {
                "f1": null,
                "f2": { "dataType": "array", "equivalentName": "$.items[*]" },
                "f3": { "dataType": "strin", "equivalentName": "$.a" },
                "f4": { "dataType": "string", "equivalentName": "" },
                "f5": { "dataType": "string", "equivalentName": "$.a", "required": "yes", "note": 1 },
                "f6": { "dataType": "object", "equivalentName": "$..a" },
                "f7": { "dataType": 1, "equivalentName": "$.a[" },
                "f8": { "equivalentName": "$.b" }
              }
            }
            """),
            ("action/d-v1/schema.json", """{ "data": [] }"""),
        ]),
        ("usertypes.json: roles", [("usertypes.json", """{ "$schema": "x", "admin": ["sync-v1", 3, "sync-v2", ""], "guest": "sync-v1", "none": [] }""")]),
        ("usertypes.json: not an object", [("usertypes.json", """["sync-v1"]""")]),
        ("webhook.json: validations, memory and trigger steps", [("webhook.json", """
            {
              "validations": { "body_required": ["id", "", 3], "headers_required": "X-Key", "strict": true },
              "triggerSteps": [
                3,
                { "condition": "body['a'] ==", "action": "sync-v1" },
                { "condition": 1, "action": "sync-v1" },
                { "condition": "body['a'] == 1", "action": "sync-v2" },
                {
                  "condition": null, "action": "sync-v1", "extra": 1,
                  "memory": [null, { "key": "a", "value": "body['a']" }, { "key": "b", "value": "a + 1", "x": 1 }, { "key": "", "value": "2" }, { "value": "3" }, { "key": "c" }, { "key": "d", "value": "b +" }, { "key": "e", "value": "d" }],
                  "payload": { "p": "{{b}}", "q": "{{id}}", "r": "{{bb}}", "s": "{{d}}", "t": 1 }
                }
              ]
            }
            """)]),
        ("webhook.json: not an object", [("webhook.json", "[]")]),
        ("webhook.json: validations of the wrong type", [("webhook.json", """{ "validations": [], "triggerSteps": {} }""")]),
        ("folder: action folders schema.json does not declare", [
            ("action/zeta-v1/code/b.py", "def main(storage):\n    return {}\n"),
            ("action/zeta-v1/a.txt", "notes"),
            ("action/sync-v2/code/x.py", "def main(storage):\n    return {}\n"),
            ("action/loose.py", "x = 1\n"),
            ("actions/other-v1/code/x.py", "def main(storage):\n    return {}\n"),
        ]),
    ];

    [Fact]
    public void Each_broken_file_reports_its_diagnostics_at_their_positions_and_json_locations()
    {
        var text = new StringBuilder();
        foreach (var (name, files) in Cases)
        {
            text.Append("== ").Append(name).Append('\n');
            foreach (var (path, content) in files)
            {
                text.Append("-- ").Append(path).Append(content is null ? " (absent)\n" : "\n" + content.TrimEnd('\n') + "\n");
            }
            text.Append("--\n");
            foreach (var diagnostic in Compile(files).Diagnostics.OrderBy(d => d.FilePath, StringComparer.Ordinal).ThenBy(d => d.Span.Start).ThenBy(d => d.Id, StringComparer.Ordinal))
            {
                text.Append(Located(diagnostic)).Append('\n');
            }
            text.Append('\n');
        }
        RepositoryPaths.AssertMatchesBaseline(Baseline, text.ToString());
    }

    private static (string Path, string? Text)[] CaseFiles(string name) => Cases.Single(c => c.Name == name).Files;

    private static string[] Named(EquatableArray<NamedTemplateIR> templates) => [.. templates.Select(t => t.Name + "=" + t.Value.Source)];

    [Fact]
    public void Member_names_in_json_locations_are_escaped_as_rfc_9535_normalized_paths()
    {
        var result = Compile(("oauth.json", """
            { "name": "Crm", "isNonOauth": true, "parameters": { "a'b\\c\b\f\n\r\t\u0001\u001f é~": null, "[0]": [] }, "services": [1, 2] }
            """));

        Assert.Equal(
            ["$['services'][0]", "$['services'][1]", "$['parameters']['a\\'b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f é~']", "$['parameters']['[0]']"],
            result.Diagnostics.Select(d => d.JsonPath));
    }

    [Fact]
    public void The_base_folder_binds_its_one_action()
    {
        var result = Compile();

        Assert.Empty(result.Diagnostics);
        var ir = result.Value!;
        Assert.Equal("crm", ir.Name);
        Assert.Equal(("Crm", true, false), (ir.OAuth.Name, ir.OAuth.IsNonOauth, ir.OAuth.GenerateWebhook is false));
        Assert.Equal(("Crm", "1.0.0", null), (ir.Schema.Name, ir.Schema.Version, ir.Schema.Description));
        Assert.Equal([("sync-v1", true)], ir.Actions.Select(a => (a.Name, a.SkipParser)));
        Assert.Null(ir.UserTypes);
        Assert.Null(ir.Webhook);
        Assert.Empty(ir.Assets);
    }

    [Fact]
    public void Oauth_json_binds_what_is_well_formed_and_drops_the_rest()
    {
        var result = Compile(CaseFiles("oauth.json: shapes of each key of an API-key integration"));

        var oauth = result.Value!.OAuth;
        // Unknown services are warned about and kept; non-strings are dropped.
        Assert.Equal(["contacts", "ai", "tickts"], oauth.Services);
        Assert.Equal((true, false), (oauth.IsNonOauth, oauth.GenerateWebhook));
        Assert.Equal(["apiKey", "region"], oauth.RequiredQueryParams);
        // Numbers and booleans are taken as their text; null and arrays are dropped; an invalid template is kept as written.
        Assert.Equal(["scope={{region}}", "count=5", "flag=false", "key={{apiKey}}", "loop={{scope}}"], Named(oauth.Parameters));
        Assert.Equal(["token={{apiKey}}", "other={{code}}", "n=3", "region={{region}}{{scope}}"], Named(oauth.Tokens));
        Assert.Equal("https://crm.example/{{count}}/{{company_id}}", oauth.TokenUrl?.Source);
        Assert.Null(oauth.ClientId);
        var step = Assert.Single(oauth.TriggerSteps);
        Assert.Equal("sync-v1", step.Action);
        var payload = Assert.IsType<JsonObjectIR>(step.Payload);
        Assert.Equal(["a", "b", "c"], payload.Properties.Select(p => p.Name));
        Assert.Equal("{{token}}", Assert.IsType<JsonStringIR>(payload.Properties[0].Value).Value.Source);
        Assert.Equal(new JsonNumberIR("1"), Assert.IsType<JsonArrayIR>(payload.Properties[1].Value).Items[1]);

        var booleans = Compile(("oauth.json", """{ "name": "Crm", "isNonOauth": true, "genWebhook": true, "parameters": { "t": true, "f": false } }""")).Value!.OAuth;
        Assert.Equal(["t=true", "f=false"], Named(booleans.Parameters));
        Assert.True(booleans.GenerateWebhook);
        Assert.Empty(booleans.TriggerSteps);
    }

    [Fact]
    public void An_oauth_integration_binds_its_urls_and_captures_any_token_field()
    {
        var result = Compile(("oauth.json", """
            { "name": "Crm", "url": "https://crm.example/auth", "tokenUrl": "https://crm.example/token", "clientId": "id", "clientSecret": "secret",
              "tokens": { "access_token": "{{access_token}}" } }
            """));

        Assert.Empty(result.Diagnostics);
        var oauth = result.Value!.OAuth;
        Assert.False(oauth.IsNonOauth);
        Assert.Equal(("https://crm.example/auth", "https://crm.example/token", "id", "secret"), (oauth.Url?.Source, oauth.TokenUrl?.Source, oauth.ClientId, oauth.ClientSecret));
        Assert.Equal(["access_token={{access_token}}"], Named(oauth.Tokens));
    }

    [Fact]
    public void Without_oauth_json_or_schema_json_nothing_is_bound()
    {
        Assert.Null(Compile(CaseFiles("oauth.json: missing, and schema.json: not an object")).Value);
        Assert.Null(Compile(CaseFiles("schema.json: missing")).Value);
        Assert.Null(Compile(CaseFiles("oauth.json: not an object")).Value);
        Assert.Null(Compile(("oauth.json", """{ "isNonOauth": true }""")).Value);
        Assert.Null(Compile(("schema.json", """{ "actions": {} }""")).Value);
        // The rest of the folder is still checked: schema.json's errors are reported without oauth.json.
        Assert.Contains(Compile(("oauth.json", null), ("schema.json", """{ "name": 1, "actions": {} }""")).Diagnostics,
            d => d.ToString() == "crm/schema.json(1,11): error MC6001: 'name' must be a string; found the number 1");
    }

    [Fact]
    public void Schema_json_binds_its_variables_security_and_assets()
    {
        var result = Compile(CaseFiles("schema.json: variables, security and the delete action"));

        var ir = result.Value!;
        Assert.Null(ir.Schema.Description);
        Assert.Equal(["base=https://{{apiKey}}/{{token}}/{{company_id}}", "x={{base}}", "n=1", "b=true"], Named(ir.Schema.Variables));
        var security = ir.Schema.Security!;
        Assert.Equal(("bearer", "{{base}}{{token}}{{n}}", "tokn", null, "{{zzz}}"),
            (security.Type, security.Token?.Source, security.AccessTokenVariable, security.ExpiryInVariable, security.RefreshTokenUrl?.Source));
        Assert.Null(ir.Schema.DeleteAction);

        // Assets are the files under assets/ (the compiler does not read them: no text), in ordinal order.
        var folder = Folder();
        var withAssets = ManifestCompilation.CompileIntegration(folder with
        {
            Files = [.. folder.Files, new FolderFile("assets/b.png", null), new FolderFile("assets/a/icon.svg", null), new FolderFile("assets/C.txt", null),
                new FolderFile("notes/assets/x.txt", null), new FolderFile("assets.txt", null)],
        }).Value!;
        Assert.Equal(["assets/C.txt", "assets/a/icon.svg", "assets/b.png"], withAssets.Assets);

        var untyped = Compile(CaseFiles("schema.json: security without a type, and a delete action that names no action")).Value!;
        Assert.Null(untyped.Schema.Security);
        Assert.Null(untyped.Schema.DeleteAction);
        var delete = Compile(("schema.json", """{ "name": "Crm", "actions": { "sync-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }] } }, "deleteAction": { "action": "sync-v1", "payload": { "k": "{{token}}" } } }""")).Value!.Schema.DeleteAction!;
        Assert.Equal("sync-v1", delete.Action);
        Assert.Equal("{{token}}", Assert.IsType<JsonStringIR>(Assert.IsType<JsonObjectIR>(delete.Payload).Properties.Single().Value).Value.Source);
    }

    [Fact]
    public void Actions_bind_only_with_a_valid_name_and_an_object()
    {
        var actions = Compile(CaseFiles("schema.json: action names that cannot name a folder, and actions of the wrong shape")).Value!.Actions;

        Assert.Equal(["...", "nosteps-v1", "stringsteps-v1", "sync-v1"], actions.Select(a => a.Name));
        Assert.All(actions.Take(3), a => Assert.Empty(a.Steps));
        Assert.Equal((false, true), (actions[2].ReturnsData, actions[2].SkipParser));
    }

    [Fact]
    public void A_rate_limit_binds_only_with_a_positive_limit_and_period()
    {
        var actions = Compile(CaseFiles("schema.json: rate limits")).Value!.Actions;

        Assert.Equal(
            ["no-period-v1:", "no-limit-v1:", "negative-v1:", "fraction-v1:", "zero-v1:", "number-v1:", "burst-v1:RateLimitIR { Limit = 10, Period = 60 }"],
            actions.Select(a => a.Name + ":" + a.RateLimit));
        Assert.Equal(new RateLimitIR(100, 60), Compile(CaseFiles("schema.json: $schema is ignored at the top only, numbers in integer keys, and positions inside escaped strings")).Value!.Actions[0].RateLimit);
        var one = Compile(("schema.json", """{ "name": "Crm", "actions": { "sync-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }], "rate_limit": { "limit": 1, "period": 1.0 } } } }"""));
        Assert.Empty(one.Diagnostics);
        Assert.Equal(new RateLimitIR(1, 1), one.Value!.Actions.Single().RateLimit);
    }

    [Fact]
    public void Steps_inherit_the_actions_continue_on_failure_and_share_their_checked_code()
    {
        var result = Compile(
            ("schema.json", """
            { "name": "Crm", "actions": {
              "sync-v1": { "skipParser": true, "continueOnFailure": true, "steps": [{ "codeRef": "sync" }, { "codeRef": "calls", "continueOnFailure": false }, { "codeRef": "calls" }] },
              "other-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }, { "codeRef": "sync", "continueOnFailure": true }] } } }
            """),
            ("action/sync-v1/code/calls.py", "def main(storage):\n    send_to_trigger('other-v1', {})\n    dispatch_command('elsewhere-v1', {}, {})\n    send_to_trigger('missing-v1', {})\n    return {}\n"),
            ("action/other-v1/code/sync.py", "def main(storage):\n    return {}\n"));

        Assert.Equal(["crm/action/sync-v1/code/calls.py(4,21): error MC7001: No action 'missing-v1' is declared in schema.json"], result.Diagnostics.Select(d => d.ToString()));
        var actions = result.Value!.Actions;
        Assert.Equal([true, false, true], actions[0].Steps.Select(s => s.ContinueOnFailure));
        Assert.Equal([false, true], actions[1].Steps.Select(s => s.ContinueOnFailure));
        Assert.Equal(["action/sync-v1/code/sync.py", "action/sync-v1/code/calls.py", "action/sync-v1/code/calls.py"], actions[0].Steps.Select(s => s.CodePath));
        ActionCallIR[] calls =
            [new(ActionCallKind.SendToTrigger, "other-v1"), new(ActionCallKind.DispatchCommand, "elsewhere-v1"), new(ActionCallKind.SendToTrigger, "missing-v1")];
        Assert.Equal(calls, actions[0].Steps[1].Calls);
        Assert.Equal(calls, actions[0].Steps[2].Calls);
        Assert.Equal("def main(storage):\n    return {}\n", actions[1].Steps[0].Source);

        // Steps that do not bind are left out, the rest keep their order.
        var steps = Compile(CaseFiles("schema.json: steps and their code files")).Value!.Actions[0].Steps;
        Assert.Equal(["sync", "sync", "calls", "calls"], steps.Select(s => s.CodeRef));
    }

    [Fact]
    public void A_field_mapping_binds_its_well_formed_fields()
    {
        var actions = Compile(CaseFiles("action/<name>/schema.json: field mappings")).Value!.Actions;

        Assert.Equal([null, null, "2", null], actions.Select(a => a.Mapping?.Version));
        Assert.Null(actions[0].Mapping);
        Assert.Empty(actions[1].Mapping!.Fields);
        Assert.Equal(
            [("f2", FieldDataType.Array, false, "$.items[*]"), ("f5", FieldDataType.String, false, "$.a"), ("f6", FieldDataType.Object, false, "$..a")],
            actions[2].Mapping!.Fields.Select(f => (f.Name, f.DataType, f.Required, f.EquivalentName.Source)));
        Assert.Empty(actions[3].Mapping!.Fields);

        var typed = Compile(
            ("schema.json", """{ "name": "Crm", "actions": { "sync-v1": { "steps": [{ "codeRef": "sync" }] } } }"""),
            ("action/sync-v1/schema.json", """
            { "version": "1", "data": {
              "s": { "dataType": "string", "equivalentName": "$.s", "required": true }, "n": { "dataType": "number", "equivalentName": "$.n" },
              "i": { "dataType": "integer", "equivalentName": "$.i" }, "b": { "dataType": "boolean", "equivalentName": "$.b" },
              "d": { "dataType": "date", "equivalentName": "$.d" }, "t": { "dataType": "datetime", "equivalentName": "$.t" },
              "a": { "dataType": "array", "equivalentName": "$.a" }, "o": { "dataType": "object", "equivalentName": "$['o']" } } }
            """));
        Assert.Empty(typed.Diagnostics);
        Assert.Equal(
            [("s", FieldDataType.String, true), ("n", FieldDataType.Number, false), ("i", FieldDataType.Integer, false), ("b", FieldDataType.Boolean, false),
             ("d", FieldDataType.Date, false), ("t", FieldDataType.DateTime, false), ("a", FieldDataType.Array, false), ("o", FieldDataType.Object, false)],
            typed.Value!.Actions.Single().Mapping!.Fields.Select(f => (f.Name, f.DataType, f.Required)));
    }

    [Fact]
    public void User_types_bind_each_role_with_its_declared_actions()
    {
        var userTypes = Compile(CaseFiles("usertypes.json: roles")).Value!.UserTypes!;

        Assert.Equal(["admin:sync-v1", "none:"], userTypes.Roles.Select(r => r.Role + ":" + string.Join(",", r.Actions)));
        Assert.Null(Compile(CaseFiles("usertypes.json: not an object")).Value!.UserTypes);
    }

    [Fact]
    public void A_webhook_binds_the_trigger_steps_whose_condition_and_action_are_valid()
    {
        var webhook = Compile(CaseFiles("webhook.json: validations, memory and trigger steps")).Value!.Webhook!;

        Assert.Equal(["id"], webhook.BodyRequired);
        Assert.Empty(webhook.HeadersRequired);
        Assert.Null(webhook.Signature);
        // A condition of the wrong type is reported and the step bound without it; a condition with errors or an
        // unknown action drops the step.
        Assert.Equal([(null, "sync-v1"), (null, "sync-v1")], webhook.TriggerSteps.Select(s => (s.Condition, s.Action)));
        Assert.Empty(webhook.TriggerSteps[0].Memory);
        var step = webhook.TriggerSteps[1];
        // 'd' has an error, so it is not bound; 'e' may still use the key (both are reported or fine).
        Assert.Equal(["a=body['a']", "b=a + 1", "e=d"], step.Memory.Select(m => m.Key + "=" + m.Expression.Source));
        Assert.Equal(["p", "q", "r", "s", "t"], Assert.IsType<JsonObjectIR>(step.Payload).Properties.Select(p => p.Name));

        var conditioned = Compile(("webhook.json", """
            { "validations": { "headers_required": ["X-Key", ""] },
              "triggerSteps": [{ "condition": "body['type'] == 'x'", "action": "sync-v1" }, { "condition": "body['a'] ==", "action": "sync-v1" }, { "action": "sync-v1", "payload": { "x": "{{n}}" } }] }
            """)).Value!.Webhook!;
        Assert.Equal(["X-Key"], conditioned.HeadersRequired);
        Assert.Equal(["body['type'] == 'x'", null], conditioned.TriggerSteps.Select(s => s.Condition?.Source));
        Assert.Equal(new JsonObjectIR(EquatableArray<JsonPropertyIR>.Empty), conditioned.TriggerSteps[0].Payload);

        Assert.Null(Compile(CaseFiles("webhook.json: not an object")).Value!.Webhook);
    }
}
