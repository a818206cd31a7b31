using System.Collections.Immutable;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.IR;
using ManifestCompiler.Json;
using ManifestCompiler.Sources;
using FormItemType = ManifestCompiler.Runtime.Support.Plans.FormItemType;
using ManifestKind = ManifestCompiler.Runtime.Support.Plans.ManifestKind;
using NotificationType = ManifestCompiler.Runtime.Support.Plans.NotificationType;
using Shape = ManifestCompiler.Binding.ChiefOnboarding.ChiefOnboardingRequestShape;

namespace ManifestCompiler.Binding.ChiefOnboarding;

/// <summary>
/// Binds a ChiefOnboarding manifest (docs/chiefonboarding-semantics.md: the documented semantics, where the reference
/// engine differs, and which template variables each place sees).
/// It rejects what the reference serializer rejects, with the same JSON paths, except where this toolchain follows the
/// documentation instead; there it warns what the reference engine would do (the MC81xx portability warnings).
/// This class binds the manifest's own parts (forms, user data, notifications, OAuth); requests go through
/// <see cref="ChiefOnboardingRequestBinder"/>, what each template sees is <see cref="ChiefOnboardingScopes"/>, and a
/// sync's own keys are <see cref="ChiefOnboardingSyncUsersBinder"/>'s.
/// </summary>
internal sealed class ChiefOnboardingBinder
{
    private static readonly ImmutableArray<string> WebhookRootKeys =
        ["execute", "form", "exists", "revoke", "post_execute_notification", "initial_data_form", "extra_user_info", "headers", "oauth"];

    private static readonly ImmutableArray<string> SyncRootKeys =
        ["action", "execute", "data_structure", "data_from", "next_page_token_from", "next_page", "next_page_from", "schedule", "amount_pages_to_fetch", "initial_data_form", "headers", "oauth"];

    private static readonly ImmutableArray<string> SyncOnlyKeys = ["action", "data_structure", "data_from", "next_page_token_from", "next_page", "next_page_from", "schedule", "amount_pages_to_fetch"];
    private static readonly ImmutableArray<string> WebhookOnlyKeys = ["form", "exists", "revoke", "post_execute_notification", "extra_user_info"];

    private static readonly ImmutableArray<string> InitialDataKeys = ["id", "name", "description", "secret"];
    private static readonly ImmutableArray<string> UserInfoKeys = ["id", "name", "description"];
    private static readonly ImmutableArray<string> NotificationKeys = ["type", "to", "subject", "message"];
    private static readonly ImmutableArray<string> OAuthKeys = ["authenticate_url", "access_token", "refresh", "without_code"];
    private static readonly ImmutableArray<string> FormKeys =
        ["id", "name", "type", "url", "method", "headers", "data", "cast_data_to_json", "items", "data_from", "choice_value", "choice_name", "options_source"];

    private readonly FileBinder _file;
    private readonly ManifestKind _kind;
    private readonly JsonCursor _root;
    private readonly ChiefOnboardingScopes _scopes;
    private readonly ChiefOnboardingRequestBinder _requests;

    private ChiefOnboardingBinder(FileBinder file, ManifestKind kind, JsonCursor root)
    {
        _file = file;
        _kind = kind;
        _root = root;
        _scopes = new ChiefOnboardingScopes(kind, root);
        _requests = new ChiefOnboardingRequestBinder(file, kind);
    }

    public static CompilationResult<ChiefOnboardingManifestIR> Bind(SourceFile source, ManifestKind? givenKind)
    {
        var diagnostics = new List<ManifestDiagnostic>();
        var file = new FileBinder(source.Path, source.Text, diagnostics);
        if (source.ReadError is { } readError)
        {
            file.Report(ManifestDiagnostics.UnreadableFile, default, null, source.Path, readError);
            return new CompilationResult<ChiefOnboardingManifestIR>(null, [.. diagnostics]);
        }
        var json = file.ReadJson();
        ChiefOnboardingManifestIR? manifest = null;
        var root = JsonCursor.Root(json, "the manifest");
        if (json is not null && file.Object(root) is not null)
        {
            var kind = givenKind ?? InferKind(file, root);
            manifest = new ChiefOnboardingBinder(file, kind, root).BindManifest(ManifestName(source.Path));
        }
        return new CompilationResult<ChiefOnboardingManifestIR>(manifest, [.. diagnostics]);
    }

    private static string ManifestName(string path)
    {
        var name = path.Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        return name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? name[..^5] : name;
    }

    /// <summary>
    /// The kind whose own keys the manifest uses more (sync-users: action, data_structure, pagination, schedule;
    /// webhook: form, exists, revoke, notifications, extra_user_info); a tie or no such key means webhook.
    /// </summary>
    private static ManifestKind InferKind(FileBinder file, JsonCursor root)
    {
        var syncKeys = SyncOnlyKeys.Count(k => root.Member(k).Exists);
        var webhookKeys = WebhookOnlyKeys.Count(k => root.Member(k).Exists);
        if (syncKeys > webhookKeys)
        {
            return ManifestKind.SyncUsers;
        }
        if (!WebhookRootKeys.Any(k => root.Member(k).Exists))
        {
            file.ReportAtOpening(ManifestDiagnostics.ManifestKindUnknown, root, "a webhook manifest");
        }
        return ManifestKind.Webhook;
    }

    private ChiefOnboardingManifestIR BindManifest(string name)
    {
        var root = _root;
        var isSync = _kind == ManifestKind.SyncUsers;
        var description = isSync ? "a sync-users manifest" : "a webhook manifest";
        // The reference serializer rejects unknown keys at the top level only (nested ones pass silently; we warn).
        _file.UnknownKeys(root, description, isSync ? SyncRootKeys : WebhookRootKeys, isError: true);
        foreach (var required in isSync ? new[] { "action", "execute", "data_structure" } : ["execute"])
        {
            _file.Required(root.Member(required), description);
        }

        var initialData = BindInitialDataForm();
        var extraUserInfo = isSync ? EquatableArray<UserInfoItemIR>.Empty : BindUserInfo();
        var headers = _requests.BindHeaders(root.Member("headers"), _scopes.ManifestHeaders);
        var oauth = BindOAuth();
        var execute = _requests.BindList(root.Member("execute"), Shape.Execute, "an execute request", _scopes.Execute, _scopes.SavedFilesBefore);
        var form = isSync ? EquatableArray<FormItemIR>.Empty : BindForm();
        var existsAt = root.Member("exists");
        var exists = !isSync && existsAt.Exists ? _requests.BindObject(existsAt, Shape.Exists, "exists", _scopes.Exists) : null;
        var revoke = isSync ? EquatableArray<RequestIR>.Empty : _requests.BindList(root.Member("revoke"), Shape.Revoke, "a revoke request", _ => _scopes.Revoke);
        var notifications = isSync ? EquatableArray<NotificationIR>.Empty : BindNotifications();
        var sync = isSync ? new ChiefOnboardingSyncUsersBinder(_file, root, _scopes).Bind() : null;
        return new ChiefOnboardingManifestIR(name, _kind, form, exists, revoke, execute, headers ?? EquatableArray<HeaderIR>.Empty, oauth, initialData, extraUserInfo, notifications, sync);
    }

    private EquatableArray<NotificationIR> BindNotifications()
    {
        var result = ImmutableArray.CreateBuilder<NotificationIR>();
        var scope = _scopes.Notifications;
        const string Description = "a notification";
        foreach (var item in ObjectList("post_execute_notification", Description))
        {
            _file.UnknownKeys(item, Description, NotificationKeys, isError: false, ChiefOnboardingFields.LegacyKeys);
            var typeAt = item.Member("type");
            var typeText = _file.RequiredCharField(typeAt, Description);
            NotificationType? type = typeText?.Value switch { "email" => NotificationType.Email, "text" => NotificationType.Text, _ => null };
            if (typeText is not null && type is null)
            {
                _file.Report(ManifestDiagnostics.InvalidChoice, typeAt, typeText.Value, "notification type", "email or text");
            }
            var to = _file.TemplateOf(item.Member("to"), Description, scope);
            var subject = _file.TemplateOf(item.Member("subject"), Description, scope);
            var message = _file.TemplateOf(item.Member("message"), Description, scope);
            if (type is not null && to is not null && subject is not null && message is not null)
            {
                result.Add(new NotificationIR(type.Value, to, subject, message));
            }
        }
        return result.ToEquatableArray();
    }

    private OAuthFlowIR? BindOAuth()
    {
        var oauth = _root.Member("oauth");
        if (_file.Object(oauth) is null)
        {
            return null;
        }
        _file.UnknownKeys(oauth, "oauth", OAuthKeys, isError: false, ChiefOnboardingFields.LegacyKeys);
        var scope = _scopes.Integration;
        var authenticateUrl = _file.TemplateOf(oauth.Member("authenticate_url"), "oauth", scope);
        var accessAt = oauth.Member("access_token");
        var accessToken = _file.Required(accessAt, "oauth") ? _requests.BindObject(accessAt, Shape.OAuth, "oauth.access_token", scope) : null;
        var refreshAt = oauth.Member("refresh");
        RequestIR? refresh = null;
        if (refreshAt.Exists)
        {
            refresh = _requests.BindObject(refreshAt, Shape.OAuth, "oauth.refresh", scope);
        }
        else
        {
            _file.ReportAtOwner(ManifestDiagnostics.OAuthWithoutRefresh, refreshAt);
        }
        var withoutCode = _file.OptionalBooleanField(oauth.Member("without_code")) ?? false;
        return authenticateUrl is not null && accessToken is not null ? new OAuthFlowIR(authenticateUrl, accessToken, refresh, withoutCode) : null;
    }

    // ---- forms and user data ----

    private EquatableArray<InitialDataItemIR> BindInitialDataForm()
    {
        var result = ImmutableArray.CreateBuilder<InitialDataItemIR>();
        const string Description = "an initial_data_form item";
        foreach (var (item, id, name) in NamedItems("initial_data_form", Description, InitialDataKeys))
        {
            string? description = null;
            var descriptionAt = item.Member("description");
            if (descriptionAt.Exists)
            {
                description = _file.String(descriptionAt, acceptNumbers: true)?.Value;
                if (description is "")
                {
                    _file.Report(ManifestDiagnostics.MissingDescription, descriptionAt, id?.Value ?? "");
                }
            }
            else
            {
                _file.ReportAtOwner(ManifestDiagnostics.MissingDescription, descriptionAt, id?.Value ?? "");
            }
            var secret = _file.OptionalBooleanField(item.Member("secret")) ?? false;
            if (id is not null && name is not null)
            {
                result.Add(new InitialDataItemIR(id.Value, name.Value, description, secret, Generate: name.Value == "generate"));
            }
        }
        return result.ToEquatableArray();
    }

    private EquatableArray<UserInfoItemIR> BindUserInfo()
    {
        var result = ImmutableArray.CreateBuilder<UserInfoItemIR>();
        const string Description = "an extra_user_info item";
        foreach (var (item, id, name) in NamedItems("extra_user_info", Description, UserInfoKeys))
        {
            var description = _file.RequiredCharField(item.Member("description"), Description);
            if (id is not null && name is not null && description is not null)
            {
                result.Add(new UserInfoItemIR(id.Value, name.Value, description.Value));
            }
        }
        return result.ToEquatableArray();
    }

    private EquatableArray<FormItemIR> BindForm()
    {
        var result = ImmutableArray.CreateBuilder<FormItemIR>();
        const string Description = "a form item";
        foreach (var (item, id, name) in NamedItems("form", Description, FormKeys))
        {
            var typeAt = item.Member("type");
            var typeText = _file.RequiredCharField(typeAt, Description);
            FormItemType? type = typeText?.Value switch
            {
                "choice" => FormItemType.Choice,
                "multiple_choice" => FormItemType.MultipleChoice,
                "input" => FormItemType.Input,
                "generate" => FormItemType.Generate,
                _ => null,
            };
            if (typeText is not null && type is null)
            {
                _file.Report(ManifestDiagnostics.InvalidChoice, typeAt, typeText.Value, "form item type", "choice, multiple_choice, input or generate");
            }
            var sourceAt = item.Member("options_source");
            if (_file.String(sourceAt) is { } sourceText && sourceText.Value is not ("fixed list" or "fetch url"))
            {
                _file.Report(ManifestDiagnostics.InvalidChoice, sourceAt, sourceText.Value, "options_source", "'fixed list' or 'fetch url'");
            }
            // A form item with a url fetches its options with a request whose keys are the item's own.
            var request = item.Member("url").Exists ? _requests.Bind(item, Shape.FormOptions, Description, _scopes.Integration) : null;
            var itemsAt = item.Member("items");
            JsonValueIR? items = itemsAt.Exists ? _file.Value(itemsAt, (text, _) => TemplateIR.Constant(text.Value)) : null;
            var dataFrom = _file.OptionalDotPath(item.Member("data_from"), "", allowBlank: true);
            var choiceValue = _file.OptionalDotPath(item.Member("choice_value"), "id", allowBlank: false);
            var choiceName = _file.OptionalDotPath(item.Member("choice_name"), "name", allowBlank: false);
            if (id is not null && name is not null && type is not null)
            {
                result.Add(new FormItemIR(id.Value, name.Value, type.Value, request, items, dataFrom, choiceValue, choiceName));
            }
        }
        return result.ToEquatableArray();
    }

    /// <summary>
    /// The object items of the root list <paramref name="key"/> (forms and user data), each with its keys checked and
    /// its required id and name read; after the last item, ids given twice are reported.
    /// </summary>
    private IEnumerable<(JsonCursor Item, JsonStringSyntax? Id, JsonStringSyntax? Name)> NamedItems(string key, string description, IReadOnlyCollection<string> knownKeys)
    {
        foreach (var item in ObjectList(key, description))
        {
            _file.UnknownKeys(item, description, knownKeys, isError: false, ChiefOnboardingFields.LegacyKeys);
            var id = _file.RequiredCharField(item.Member("id"), description);
            var name = _file.RequiredCharField(item.Member("name"), description);
            yield return (item, id, name);
        }
        ReportDuplicateIds(key);
    }

    private void ReportDuplicateIds(string key)
    {
        var seen = new Dictionary<string, JsonStringSyntax>(StringComparer.Ordinal);
        foreach (var item in _root.Member(key).Elements(key))
        {
            var idAt = item.Member("id");
            var id = idAt.Value as JsonStringSyntax; // assigned before the test: see docs/mutation-testing.md
            if (id is null)
            {
                continue;
            }
            if (seen.TryGetValue(id.Value, out var first))
            {
                _file.Report(ManifestDiagnostics.DuplicateName, idAt, key + " id", id.Value, _file.LineOf(first.Span));
            }
            else
            {
                seen[id.Value] = id;
            }
        }
    }

    /// <summary>The object items of the root list <paramref name="key"/>, each named <paramref name="description"/>; other items are reported.</summary>
    private IEnumerable<JsonCursor> ObjectList(string key, string description)
    {
        return _file.Items(_root.Member(key), description).Where(item => _file.Object(item) is not null);
    }
}
