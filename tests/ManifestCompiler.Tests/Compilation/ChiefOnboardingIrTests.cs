using ManifestCompiler.IR;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Sources;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>
/// The IR the ChiefOnboarding samples bind to: what their generated plans run (docs/chiefonboarding-semantics.md):
/// each request's parts, the manifest's headers, forms, initial data, notifications, OAuth flow and sync settings.
/// </summary>
public class ChiefOnboardingIrTests
{
    private static ChiefOnboardingManifestIR Sample(string name)
    {
        var path = Path.Combine(RepositoryPaths.Root, "samples", "chiefonboarding", name + ".json");
        var result = ManifestCompilation.CompileChiefOnboarding(new SourceFile(name + ".json", File.ReadAllText(path)));
        Assert.Empty(result.Diagnostics.Where(d => d.Severity >= Syntax.Diagnostics.DiagnosticSeverity.Warning).Select(d => d.ToString()));
        return result.Value!;
    }

    private static string[] Headers(EquatableArray<HeaderIR>? headers) => [.. (headers ?? EquatableArray<HeaderIR>.Empty).Select(h => h.Name.Source + ": " + h.Value.Source)];

    private static string Json(JsonValueIR? value) => value switch
    {
        null => "null",
        JsonObjectIR o => "{" + string.Join(",", o.Properties.Select(p => p.Name + ":" + Json(p.Value))) + "}",
        JsonArrayIR a => "[" + string.Join(",", a.Items.Select(Json)) + "]",
        JsonStringIR s => "'" + s.Value.Source + "'",
        JsonNumberIR n => n.Text,
        _ => value.ToString()!,
    };

    [Fact]
    public void Asana_binds_its_form_request_exists_check_execute_chain_and_revoke()
    {
        var asana = Sample("asana-add-user");

        Assert.Equal(("asana-add-user", ManifestKind.Webhook), (asana.Name, asana.Kind));
        Assert.Null(asana.Sync);
        Assert.Null(asana.OAuth);
        Assert.Equal(["Content-Type: application/json", "Accept: application/json", "Authorization: Bearer {{TOKEN}}"], Headers(asana.Headers));

        var team = Assert.Single(asana.Form);
        Assert.Equal(("TEAM_ID", "Select team to add user to", FormItemType.Choice), (team.Id, team.Name, team.Type));
        Assert.Equal(("data", "gid", "name"), (team.DataFrom.Source, team.ChoiceValue.Source, team.ChoiceName.Source));
        Assert.Equal(["data"], team.DataFrom.Segments);
        Assert.Null(team.Items);
        var options = team.Source!;
        Assert.Equal(("https://app.asana.com/api/1.0/organizations/{{ORG}}/teams", "POST"), (options.Url.Source, options.Method));
        Assert.Null(options.Headers);

        var exists = asana.Exists!;
        Assert.Equal(("https://app.asana.com/api/1.0/users/{{email}}", "GET", "{{email}}"), (exists.Url.Source, exists.Method, exists.Expected?.Source));

        Assert.Equal(3, asana.Execute.Count);
        var add = asana.Execute[0];
        Assert.Equal(("POST", "{data:{user:'{{ email }}'}}", false), (add.Method, Json(add.Data), add.FormEncodeData));
        var stored = Assert.Single(add.StoreData);
        Assert.Equal(("ASANA_USER_GID", "data.gid"), (stored.Property, stored.Path.Source));
        Assert.Equal(["data", "gid"], stored.Path.Segments);
        Assert.Null(add.ContinueIf);
        Assert.Null(add.Polling);
        Assert.Empty(add.StatusCodes);

        var toTeam = asana.Execute[1];
        Assert.Equal(("data.gid", "{{ responses.0.data.gid }}"), (toTeam.ContinueIf!.ResponseNotation.Source, toTeam.ContinueIf.Value.Source));
        Assert.Equal(
            [new TemplateHoleIR(new[] { "responses", "0", "data", "gid" }.ToEquatableArray(), EquatableArray<TemplateFilterIR>.Empty)],
            toTeam.ContinueIf.Value.Parts);

        var status = asana.Execute[2];
        Assert.Equal(new PollingIR(5, 6), status.Polling);
        Assert.Equal(("data.status", "active"), (status.ContinueIf!.ResponseNotation.Source, status.ContinueIf.Value.Source));
        Assert.Null(status.Data);

        var revoke = Assert.Single(asana.Revoke);
        Assert.Equal(("https://app.asana.com/api/1.0/workspaces/{{ORG}}/removeUser", "POST", "{data:{user:'{{email}}'}}"), (revoke.Url.Source, revoke.Method, Json(revoke.Data)));

        Assert.Equal(
            [new InitialDataItemIR("TOKEN", "Please put your token here", "You can find your token here: https://app.asana.com/0/my-apps", false, false),
             new InitialDataItemIR("ORG", "Organization id", "You can find your organization id here: https://app.asana.com/api/1.0/users/me", false, false)],
            asana.InitialDataForm);
        var mail = Assert.Single(asana.PostExecuteNotifications);
        Assert.Equal((NotificationType.Email, "{{ manager_email }}", "Asana account for {{ first_name|title }} {{ last_name }}", "Team: {{ TEAM_ID|default:'not selected' }}"),
            (mail.Type, mail.To.Source, mail.Subject.Source, mail.Message.Source));
        var teamHole = Assert.IsType<TemplateHoleIR>(mail.Message.Parts[1]);
        Assert.Equal(new TemplateFilterIR("default", TemplateArgumentKind.String, "not selected"), Assert.Single(teamHole.Filters));
    }

    [Fact]
    public void PandaDoc_binds_status_codes_polling_saved_files_uploads_and_its_own_headers()
    {
        var panda = Sample("pandadoc-polling");

        Assert.Equal(4, panda.Execute.Count);
        var create = panda.Execute[0];
        Assert.Equal([201], create.StatusCodes);
        Assert.False(create.FormEncodeData);
        Assert.Equal("PANDADOC_DOCUMENT_ID", Assert.Single(create.StoreData).Property);
        Assert.Equal(
            "{name:'Contract for {{ first_name }} {{ last_name }}',template_uuid:'{{ TEMPLATE_ID }}',"
            + "recipients:[{email:'{{ email }}',first_name:'{{ first_name }}',last_name:'{{ last_name }}',role:'Employee'}],"
            + "tokens:[{name:'Position',value:'{{ position }}'},{name:'Start',value:'{{ start }}'}]}",
            Json(create.Data));

        Assert.Equal(new PollingIR(5, 60), panda.Execute[1].Polling);
        Assert.Equal(("status", "document.draft"), (panda.Execute[1].ContinueIf!.ResponseNotation.Source, panda.Execute[1].ContinueIf!.Value.Source));

        Assert.Equal("contract.pdf", panda.Execute[2].SaveAsFile);
        Assert.Empty(panda.Execute[2].Files);

        var upload = panda.Execute[3];
        Assert.Equal([new FileFieldIR("document", "contract.pdf")], upload.Files);
        Assert.True(upload.FormEncodeData);
        Assert.Equal(["Authorization: Bearer {{ HR_TOKEN }}"], Headers(upload.Headers));
        Assert.Null(upload.SaveAsFile);
        Assert.Equal(["Content-Type: application/json", "Authorization: API-Key {{ API_KEY }}"], Headers(panda.Headers));

        var template = Assert.Single(panda.Form);
        Assert.Equal(("TEMPLATE_ID", FormItemType.Choice), (template.Id, template.Type));
        Assert.Null(template.Source);
        Assert.Equal("[{id:'tmpl-fulltime',name:'Full-time contract'},{id:'tmpl-contractor',name:'Contractor agreement'}]", Json(template.Items));

        Assert.Equal([true, true], panda.InitialDataForm.Select(i => i.Secret));
        Assert.Equal([false, false], panda.InitialDataForm.Select(i => i.Generate));
        Assert.Equal("PandaDoc document {{ PANDADOC_DOCUMENT_ID }} was created and filed.", Assert.Single(panda.PostExecuteNotifications).Message.Source);
    }

    [Fact]
    public void The_Google_import_binds_token_pagination_and_an_oauth_flow_with_refresh()
    {
        var google = Sample("google-paginated-import");

        Assert.Equal(ManifestKind.SyncUsers, google.Kind);
        var sync = google.Sync!;
        Assert.Equal((SyncAction.Create, "users"), (sync.Action, sync.DataFrom.Source));
        Assert.Equal(["email=primaryEmail", "first_name=name.givenName", "last_name=name.familyName"], sync.DataStructure.Select(e => e.Property + "=" + e.Path.Source));
        Assert.Equal(["name", "familyName"], sync.DataStructure[2].Path.Segments);
        Assert.Null(sync.Schedule);
        var pages = sync.Pagination;
        Assert.Equal((PaginationMode.NextPageToken, "nextPageToken", 5), (pages.Mode, pages.NextPageTokenFrom?.Source, pages.AmountPagesToFetch));
        Assert.Null(pages.NextPageFrom);
        Assert.Equal("https://admin.googleapis.com/admin/directory/v1/users?customer=my_customer&maxResults=500&pageToken={{ NEXT_PAGE_TOKEN }}", pages.NextPage?.Source);

        var oauth = google.OAuth!;
        Assert.StartsWith("https://accounts.google.com/o/oauth2/v2/auth?client_id={{CLIENT_ID}}&redirect_uri={{redirect_url}}", oauth.AuthenticateUrl.Source, StringComparison.Ordinal);
        Assert.Equal("POST", oauth.AccessToken.Method);
        Assert.EndsWith("grant_type=authorization_code", oauth.AccessToken.Url.Source, StringComparison.Ordinal);
        Assert.EndsWith("refresh_token={{ oauth.refresh_token }}&grant_type=refresh_token", oauth.Refresh!.Url.Source, StringComparison.Ordinal);
        Assert.False(oauth.WithoutCode);
        Assert.Equal([false, true], google.InitialDataForm.Select(i => i.Secret));
        Assert.Equal(["Accept: application/json", "Authorization: Bearer {{ oauth.access_token }}"], Headers(google.Headers));
    }

    [Fact]
    public void The_BambooHR_update_binds_its_schedule_and_fields()
    {
        var bamboo = Sample("bamboohr-sync-update");

        var sync = bamboo.Sync!;
        Assert.Equal((SyncAction.Update, "employees"), (sync.Action, sync.DataFrom.Source));
        Assert.Equal(["email=workEmail", "bamboohr_id=id", "bamboohr_department=department"], sync.DataStructure.Select(e => e.Property + "=" + e.Path.Source));
        Assert.Equal(("0 * * * *", false), (sync.Schedule?.Expression, sync.Schedule?.HasSeconds));
        Assert.Equal((PaginationMode.None, 5), (sync.Pagination.Mode, sync.Pagination.AmountPagesToFetch)); // the documented default
        Assert.Equal("GET", Assert.Single(bamboo.Execute).Method);
        Assert.Equal(3, bamboo.InitialDataForm.Count);
    }
}
