using System.Collections.Immutable;
using System.Globalization;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.IR;
using ManifestCompiler.Json;
using ManifestCompiler.Sources;
using ManifestCompiler.Syntax.Cron;
using ManifestCompiler.Syntax.DotPaths;
using ManifestCompiler.Syntax.Templates;
using ManifestCompiler.Syntax.Text;
using static ManifestCompiler.Binding.FileBinder;
using CronSchedulePlan = ManifestCompiler.Runtime.Support.Plans.CronSchedulePlan;
using FormItemType = ManifestCompiler.Runtime.Support.Plans.FormItemType;
using ManifestKind = ManifestCompiler.Runtime.Support.Plans.ManifestKind;
using NotificationType = ManifestCompiler.Runtime.Support.Plans.NotificationType;
using PaginationMode = ManifestCompiler.Runtime.Support.Plans.PaginationMode;
using SyncAction = ManifestCompiler.Runtime.Support.Plans.SyncAction;

namespace ManifestCompiler.Binding;

/// <summary>
/// Binds a ChiefOnboarding manifest (docs/chiefonboarding-semantics.md: the documented semantics, where the reference
/// engine differs, and which template variables each place sees).
/// It rejects what the reference serializer rejects, with the same JSON paths, except where this toolchain follows the
/// documentation instead; there it warns what the reference engine would do (the MC81xx portability warnings).
/// </summary>
internal sealed class ChiefOnboardingBinder
{
    /// <summary>New-hire values every webhook template can use (documentation, "Variables").</summary>
    public static readonly ImmutableArray<string> NewHireVariables =
        ["email", "manager", "manager_email", "buddy", "buddy_email", "position", "department", "first_name", "last_name", "start", "access_overview"];

    private static readonly ImmutableArray<string> WebhookRootKeys =
        ["execute", "form", "exists", "revoke", "post_execute_notification", "initial_data_form", "extra_user_info", "headers", "oauth"];

    private static readonly ImmutableArray<string> SyncRootKeys =
        ["action", "execute", "data_structure", "data_from", "next_page_token_from", "next_page", "next_page_from", "schedule", "amount_pages_to_fetch", "initial_data_form", "headers", "oauth"];

    private static readonly ImmutableArray<string> SyncOnlyKeys = ["action", "data_structure", "data_from", "next_page_token_from", "next_page", "next_page_from", "schedule", "amount_pages_to_fetch"];

    private static readonly ImmutableArray<string> Methods = ["HEAD", "GET", "POST", "PUT", "PATCH", "DELETE"];
    private static readonly ImmutableArray<string> ExistsMethods = ["GET", "POST", "PUT"];

    private static readonly ImmutableArray<string> InitialDataKeys = ["id", "name", "description", "secret"];
    private static readonly ImmutableArray<string> UserInfoKeys = ["id", "name", "description"];
    private static readonly ImmutableArray<string> NotificationKeys = ["type", "to", "subject", "message"];
    private static readonly ImmutableArray<string> OAuthKeys = ["authenticate_url", "access_token", "refresh", "without_code"];
    private static readonly ImmutableArray<string> FormKeys =
        ["id", "name", "type", "url", "method", "headers", "data", "cast_data_to_json", "items", "data_from", "choice_value", "choice_name", "options_source"];

    /// <summary>Keys older manifest formats used, with what replaced them.</summary>
    private static readonly ImmutableDictionary<string, string> LegacyKeys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["fail_when_4xx_response_code"] = "removed in ChiefOnboarding #445; give 'status_code' instead",
        ["choice_id"] = "a v2.0 form key; use 'choice_value'",
        ["multiple"] = "a v2.0 form key; use type 'multiple_choice'",
    }.ToImmutableDictionary(StringComparer.Ordinal);

    private enum RequestRole
    {
        Execute,
        Exists,
        Revoke,
        OAuth,
        FormOptions,
    }

    private readonly FileBinder _file;
    private readonly ManifestKind _kind;
    private readonly JsonObjectSyntax _root;
    private readonly ImmutableHashSet<string> _baseNames;
    private readonly ImmutableHashSet<string> _userNames;
    /// <summary>
    /// For each execute request i, the store_data properties (and saved files) of the requests before it; one more
    /// entry at the end holds those of all requests. Never empty.
    /// </summary>
    private readonly ImmutableArray<ImmutableHashSet<string>> _storedBefore;
    private readonly ImmutableArray<ImmutableHashSet<string>> _savedFilesBefore;

    private ChiefOnboardingBinder(FileBinder file, ManifestKind kind, JsonObjectSyntax root)
    {
        _file = file;
        _kind = kind;
        _root = root;
        var baseNames = Ids(root, "initial_data_form").Append("redirect_url");
        if (root["oauth"] is not null)
        {
            baseNames = baseNames.Append("oauth");
        }
        _baseNames = baseNames.ToImmutableHashSet(StringComparer.Ordinal);
        _userNames = kind == ManifestKind.Webhook
            ? NewHireVariables.Concat(Ids(root, "form")).Concat(Ids(root, "extra_user_info")).ToImmutableHashSet(StringComparer.Ordinal)
            : ImmutableHashSet<string>.Empty;
        (_storedBefore, _savedFilesBefore) = BeforeEachRequest(root);
    }

    private static (ImmutableArray<ImmutableHashSet<string>> Stored, ImmutableArray<ImmutableHashSet<string>> SavedFiles) BeforeEachRequest(JsonObjectSyntax root)
    {
        var stored = ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal);
        var files = ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal);
        var storedBefore = ImmutableArray.CreateBuilder<ImmutableHashSet<string>>();
        var filesBefore = ImmutableArray.CreateBuilder<ImmutableHashSet<string>>();
        foreach (var item in Member(root, "execute") is JsonArraySyntax items ? items.Items : [])
        {
            storedBefore.Add(stored);
            filesBefore.Add(files);
            if (item is JsonObjectSyntax request)
            {
                if (request["store_data"]?.Value is JsonObjectSyntax store)
                {
                    stored = stored.Union(store.Members.Select(m => m.Name.Value));
                }
                if (request["save_as_file"]?.Value is JsonStringSyntax saved)
                {
                    files = files.Add(saved.Value);
                }
            }
        }
        storedBefore.Add(stored);
        filesBefore.Add(files);
        return (storedBefore.ToImmutable(), filesBefore.ToImmutable());
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
        if (json is not null && file.Object(json, JsonLocation.Root, "the manifest") is { } root)
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

    private static readonly ImmutableArray<string> WebhookOnlyKeys = ["form", "exists", "revoke", "post_execute_notification", "extra_user_info"];

    /// <summary>
    /// The kind whose own keys the manifest uses more (sync-users: action, data_structure, pagination, schedule;
    /// webhook: form, exists, revoke, notifications, extra_user_info); a tie or no such key means webhook.
    /// </summary>
    private static ManifestKind InferKind(FileBinder file, JsonObjectSyntax root)
    {
        var syncKeys = SyncOnlyKeys.Count(k => root[k] is not null);
        var webhookKeys = WebhookOnlyKeys.Count(k => root[k] is not null);
        if (syncKeys > webhookKeys)
        {
            return ManifestKind.SyncUsers;
        }
        if (!WebhookRootKeys.Any(k => root[k] is not null))
        {
            file.Report(ManifestDiagnostics.ManifestKindUnknown, FileBinder.OpeningOf(root), JsonLocation.Root, "a webhook manifest");
        }
        return ManifestKind.Webhook;
    }

    private static IEnumerable<string> Ids(JsonObjectSyntax root, string key) =>
        root[key]?.Value is JsonArraySyntax items
            ? items.Items.OfType<JsonObjectSyntax>().Select(i => i["id"]?.Value).OfType<JsonStringSyntax>().Select(s => s.Value)
            : [];

    private ChiefOnboardingManifestIR BindManifest(string name)
    {
        var root = _root;
        var path = JsonLocation.Root;
        var isSync = _kind == ManifestKind.SyncUsers;
        var description = isSync ? "a sync-users manifest" : "a webhook manifest";
        // The reference serializer rejects unknown keys at the top level only (nested ones pass silently; we warn).
        _file.UnknownKeys(root, path, description, isSync ? SyncRootKeys : WebhookRootKeys, isError: true);
        foreach (var required in isSync ? new[] { "action", "execute", "data_structure" } : ["execute"])
        {
            if (root[required] is null)
            {
                _file.MissingKey(root, path, required, description);
            }
        }

        var initialData = BindInitialDataForm();
        var extraUserInfo = isSync ? EquatableArray<UserInfoItemIR>.Empty : BindUserInfo();
        var headers = Member(root, "headers") is { } headersValue ? BindHeaders(headersValue, JsonLocation.Member(path, "headers"), ManifestScope()) : null;
        var oauth = BindOAuth();
        var execute = BindExecute();
        var form = isSync ? EquatableArray<FormItemIR>.Empty : BindForm();
        var exists = !isSync && Member(root, "exists") is { } existsValue
            ? BindRequestObject(existsValue, JsonLocation.Member(path, "exists"), RequestRole.Exists, "exists", ExistsScope())
            : null;
        var revoke = isSync ? EquatableArray<RequestIR>.Empty : BindRequestList("revoke", RequestRole.Revoke, _ => RevokeScope());
        var notifications = isSync ? EquatableArray<NotificationIR>.Empty : BindNotifications();
        var sync = isSync ? BindSync() : null;
        return new ChiefOnboardingManifestIR(name, _kind, form, exists, revoke, execute, headers ?? EquatableArray<HeaderIR>.Empty, oauth, initialData, extraUserInfo, notifications, sync);
    }

    // ---- scopes ----

    private string? UnknownNote => _kind == ManifestKind.SyncUsers ? " (sync-users manifests run without a new hire, so new-hire fields are not available)" : null;

    private VariableVerdict? NoResponses(VariablePathSyntax path) => path.Root switch
    {
        "todo_forms" => VariableVerdict.Problem(ManifestDiagnostics.TodoFormsVariable),
        "responses" => VariableVerdict.Problem(ManifestDiagnostics.ResponseNotEarlier, path.Segments.Length > 1 ? path.Segments[1].Name : "", "responses are only available in execute requests and notifications"),
        "NEXT_PAGE_TOKEN" => VariableVerdict.Problem(ManifestDiagnostics.NextPageTokenOutsideNextPage),
        _ => null,
    };

    /// <summary>A scope of this dialect: an unknown variable renders empty, so it is a warning (MC8011), not an error.</summary>
    private static TemplateCheckScope Scope(IEnumerable<string> names, Func<VariablePathSyntax, VariableVerdict?> special, string? unknownNote = null) =>
        new(names.ToImmutableHashSet(StringComparer.Ordinal), special, UnknownNote: unknownNote, UnknownVariable: ManifestDiagnostics.UnknownVariableRendersEmpty);

    /// <summary>Execute request <paramref name="index"/> sees responses and stored values of the requests before it.</summary>
    private TemplateCheckScope ExecuteScope(int index)
    {
        var stored = _storedBefore[Math.Min(index, _storedBefore.Length - 1)];
        return Scope(_baseNames.Union(_userNames).Union(stored), p => Responses(p, index), UnknownNote);
    }

    private VariableVerdict? Responses(VariablePathSyntax path, int available)
    {
        if (path.Root is "NEXT_PAGE_TOKEN" or "todo_forms")
        {
            return NoResponses(path);
        }
        if (path.Root != "responses" || path.Segments.Length < 2)
        {
            return path.Root == "responses" ? VariableVerdict.Defined : null;
        }
        var segment = path.Segments[1];
        if (!segment.IsIndex || !int.TryParse(segment.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return VariableVerdict.Problem(ManifestDiagnostics.ResponseNotEarlier, segment.Name, "the part after 'responses.' is a request index (0, 1, ...)");
        }
        if (n < available)
        {
            return VariableVerdict.Defined;
        }
        return VariableVerdict.Problem(ManifestDiagnostics.ResponseNotEarlier, segment.Name,
            available == 0 ? "no request has run before this one" : $"only responses.0 to responses.{available - 1} exist here");
    }

    /// <summary>Manifest-level headers go with every request, so they see what the execute requests see.</summary>
    private TemplateCheckScope ManifestScope() =>
        Scope(_baseNames.Union(_userNames).Union(_storedBefore[^1]), NoResponses, UnknownNote);

    /// <summary>exists renders with the built-in new-hire values and the integration's values only (docs/chiefonboarding-semantics.md, "Template variables").</summary>
    private TemplateCheckScope ExistsScope() =>
        Scope(_baseNames.Union(NewHireVariables), NoResponses, " (exists sees only new-hire fields and the integration's own values)");

    /// <summary>revoke renders with the new hire's stored values (extra fields), not with form values.</summary>
    private TemplateCheckScope RevokeScope() =>
        Scope(_baseNames.Union(NewHireVariables).Union(Ids(_root, "extra_user_info")).Union(_storedBefore[^1]), NoResponses);

    /// <summary>OAuth requests and form options are fetched with the integration's values only.</summary>
    private TemplateCheckScope IntegrationScope() => Scope(_baseNames, NoResponses, " (OAuth and form-option requests see only the integration's own values)");

    // ---- execute ----

    private EquatableArray<RequestIR> BindExecute()
    {
        var executePath = JsonLocation.Member(JsonLocation.Root, "execute");
        if (Member(_root, "execute") is not { } value || _file.Array(value, executePath, "execute") is not { } items)
        {
            return EquatableArray<RequestIR>.Empty;
        }
        var result = ImmutableArray.CreateBuilder<RequestIR>();
        for (var i = 0; i < items.Items.Length; i++)
        {
            if (BindRequestObject(items.Items[i], JsonLocation.Element(executePath, i), RequestRole.Execute, "an execute request", ExecuteScope(i), i) is { } request)
            {
                result.Add(request);
            }
        }
        return result.ToEquatableArray();
    }

    private EquatableArray<RequestIR> BindRequestList(string key, RequestRole role, Func<int, TemplateCheckScope> scope)
    {
        var listPath = JsonLocation.Member(JsonLocation.Root, key);
        if (Member(_root, key) is not { } value || _file.Array(value, listPath, key) is not { } items)
        {
            return EquatableArray<RequestIR>.Empty;
        }
        var result = ImmutableArray.CreateBuilder<RequestIR>();
        for (var i = 0; i < items.Items.Length; i++)
        {
            if (BindRequestObject(items.Items[i], JsonLocation.Element(listPath, i), role, $"a {key} request", scope(i)) is { } request)
            {
                result.Add(request);
            }
        }
        return result.ToEquatableArray();
    }

    private RequestIR? BindRequestObject(JsonSyntax value, string path, RequestRole role, string description, TemplateCheckScope scope, int executeIndex = -1)
    {
        if (_file.Object(value, path, description) is not { } obj)
        {
            return null;
        }
        return BindRequest(obj, path, role, description, scope, executeIndex);
    }

    private static IReadOnlyCollection<string> RequestKeys(RequestRole role) => role switch
    {
        RequestRole.Execute => ["url", "method", "data", "headers", "store_data", "extra_headers", "status_code", "files", "save_as_file", "polling", "continue_if", "cast_data_to_json", "expected"],
        RequestRole.Exists => ["url", "method", "expected", "headers", "status_code", "extra_headers", "data", "cast_data_to_json"],
        RequestRole.Revoke => ["url", "method", "data", "headers", "status_code", "extra_headers", "expected", "cast_data_to_json"],
        _ => ["url", "method", "data", "headers", "status_code", "extra_headers", "cast_data_to_json", "store_data", "files", "save_as_file", "polling", "continue_if", "expected"],
    };

    private RequestIR? BindRequest(JsonObjectSyntax obj, string path, RequestRole role, string description, TemplateCheckScope scope, int executeIndex = -1)
    {
        if (role != RequestRole.FormOptions)
        {
            _file.UnknownKeys(obj, path, description, RequestKeys(role), isError: false, LegacyKeys);
        }
        var ok = true;
        TemplateIR? url = null;
        if (RequiredCharField(obj, path, "url", description) is { } urlText)
        {
            url = Template(urlText, JsonLocation.Member(path, "url"), scope);
        }
        ok &= url is not null;

        // The method defaults to POST at run time; the serializer requires it everywhere but in form items.
        var method = "POST";
        var allowed = role == RequestRole.Exists ? ExistsMethods : Methods;
        if (obj["method"] is { } methodMember)
        {
            var methodPath = JsonLocation.Member(path, "method");
            if (_file.String(methodMember.Value, methodPath, "method", acceptNumbers: true) is { } methodText)
            {
                if (allowed.Contains(methodText.Value))
                {
                    method = methodText.Value;
                }
                else
                {
                    var hint = allowed.Contains(methodText.Value.ToUpperInvariant()) ? " (upper case; the reference serializer is case-sensitive)" : "";
                    _file.Report(ManifestDiagnostics.InvalidChoice, methodText.Span, methodPath, methodText.Value, "method" + hint, string.Join(", ", allowed));
                    ok = false;
                }
            }
            else
            {
                ok = false;
            }
        }
        else if (role != RequestRole.FormOptions)
        {
            _file.MissingKey(obj, path, "method", description);
            ok = false;
        }

        JsonValueIR? data = null;
        if (obj["data"] is { } dataMember)
        {
            data = _file.Value(dataMember.Value, JsonLocation.Member(path, "data"), (text, p) => Template(text, p, scope));
        }
        var cast = OptionalBooleanField(obj, path, "cast_data_to_json");
        if (obj["data"]?.Value is JsonObjectSyntax or JsonArraySyntax && cast is null && obj["cast_data_to_json"] is null)
        {
            _file.Report(ManifestDiagnostics.FormEncodedBody, obj["data"]!.Name.Span, JsonLocation.Member(path, "data"));
        }

        var headers = Member(obj, "headers") is { } headersValue ? BindHeaders(headersValue, JsonLocation.Member(path, "headers"), scope) : null;
        // An empty headers object means "use the manifest's" at run time (docs/chiefonboarding-semantics.md, "Requests").
        if (headers is { IsEmpty: true })
        {
            headers = null;
        }

        var storeData = BindStoreData(obj, path);
        var (continueIf, polling) = BindContinueIf(obj, path, scope);
        string? saveAsFile = null;
        if (obj["save_as_file"] is { } saveMember)
        {
            saveAsFile = _file.String(saveMember.Value, JsonLocation.Member(path, "save_as_file"), "save_as_file", allowBlank: false, acceptNumbers: true)?.Value;
        }
        var files = BindFiles(obj, path, executeIndex);
        var statusCodes = BindStatusCodes(obj, path);
        TemplateIR? expected = null;
        if (role == RequestRole.Exists)
        {
            if (RequiredCharField(obj, path, "expected", description, allowBlank: false) is { } expectedText)
            {
                expected = Template(expectedText, JsonLocation.Member(path, "expected"), scope);
            }
            else
            {
                ok = false;
            }
        }
        else if (obj["expected"] is { } expectedMember && _file.String(expectedMember.Value, JsonLocation.Member(path, "expected"), "expected", acceptNumbers: true) is { } expectedText)
        {
            expected = Template(expectedText, JsonLocation.Member(path, "expected"), scope);
        }
        string? extraHeaders = null;
        if (obj["extra_headers"] is { } extraMember && _file.String(extraMember.Value, JsonLocation.Member(path, "extra_headers"), "extra_headers") is { } extra)
        {
            if (extra.Value == "pritunl")
            {
                extraHeaders = extra.Value;
            }
            else
            {
                _file.Report(ManifestDiagnostics.InvalidChoice, extra.Span, JsonLocation.Member(path, "extra_headers"), extra.Value, "extra_headers", "pritunl");
            }
        }
        return ok && url is not null
            ? new RequestIR(url, method, data, cast == true, headers, storeData, continueIf, polling, saveAsFile, files, statusCodes, expected, extraHeaders)
            : null;
    }

    private EquatableArray<HeaderIR>? BindHeaders(JsonSyntax value, string path, TemplateCheckScope scope)
    {
        if (_file.Object(value, path, "headers") is not { } obj)
        {
            return null;
        }
        var result = ImmutableArray.CreateBuilder<HeaderIR>();
        foreach (var member in obj.Members)
        {
            var valuePath = JsonLocation.Member(path, member.Name.Value);
            var name = Template(member.Name, valuePath, scope);
            if (_file.String(member.Value, valuePath, member.Name.Value, acceptNumbers: true) is { } text && Template(text, valuePath, scope) is { } headerValue && name is not null)
            {
                result.Add(new HeaderIR(name, headerValue));
            }
        }
        return result.ToEquatableArray();
    }

    private EquatableArray<StoreDataIR> BindStoreData(JsonObjectSyntax obj, string path)
    {
        var storePath = JsonLocation.Member(path, "store_data");
        if (obj["store_data"] is not { } member || _file.Object(member.Value, storePath, "store_data") is not { } store)
        {
            return EquatableArray<StoreDataIR>.Empty;
        }
        if (_kind == ManifestKind.SyncUsers && store.Members.Length > 0)
        {
            _file.Report(ManifestDiagnostics.StoreDataWithoutUser, member.Name.Span, storePath);
        }
        var result = ImmutableArray.CreateBuilder<StoreDataIR>();
        foreach (var entry in store.Members)
        {
            var entryPath = JsonLocation.Member(storePath, entry.Name.Value);
            if (_file.String(entry.Value, entryPath, entry.Name.Value, allowBlank: false, acceptNumbers: true) is { } notation)
            {
                result.Add(new StoreDataIR(entry.Name.Value, DotPathOf(notation, entryPath)));
            }
        }
        return result.ToEquatableArray();
    }

    private (ContinueIfIR?, PollingIR?) BindContinueIf(JsonObjectSyntax obj, string path, TemplateCheckScope scope)
    {
        ContinueIfIR? continueIf = null;
        var continuePath = JsonLocation.Member(path, "continue_if");
        if (obj["continue_if"] is { } continueMember && _file.Object(continueMember.Value, continuePath, "continue_if") is { } condition)
        {
            _file.UnknownKeys(condition, continuePath, "continue_if", ["response_notation", "value"], isError: false, LegacyKeys);
            var notation = RequiredCharField(condition, continuePath, "response_notation", "continue_if");
            var value = RequiredCharField(condition, continuePath, "value", "continue_if");
            var valueTemplate = value is null ? null : Template(value, JsonLocation.Member(continuePath, "value"), scope);
            if (notation is not null && valueTemplate is not null)
            {
                continueIf = new ContinueIfIR(DotPathOf(notation, JsonLocation.Member(continuePath, "response_notation")), valueTemplate);
            }
        }
        PollingIR? polling = null;
        var pollingPath = JsonLocation.Member(path, "polling");
        if (obj["polling"] is { } pollingMember && _file.Object(pollingMember.Value, pollingPath, "polling") is { } poll)
        {
            _file.UnknownKeys(poll, pollingPath, "polling", ["interval", "amount"], isError: false, LegacyKeys);
            int? interval = null, amount = null;
            if (poll["interval"] is { } i)
            {
                interval = _file.Int(i.Value, JsonLocation.Member(pollingPath, "interval"), "interval", 1, 3600, acceptStrings: true);
            }
            else
            {
                _file.MissingKey(poll, pollingPath, "interval", "polling");
            }
            if (poll["amount"] is { } a)
            {
                amount = _file.Int(a.Value, JsonLocation.Member(pollingPath, "amount"), "amount", 1, 100, acceptStrings: true);
            }
            else
            {
                _file.MissingKey(poll, pollingPath, "amount", "polling");
            }
            if (obj["continue_if"] is null)
            {
                _file.Report(ManifestDiagnostics.PollingWithoutContinueIf, pollingMember.Name.Span, pollingPath);
            }
            if (interval is not null && amount is not null)
            {
                polling = new PollingIR(interval.Value, amount.Value);
            }
        }
        return (continueIf, polling);
    }

    private EquatableArray<FileFieldIR> BindFiles(JsonObjectSyntax obj, string path, int executeIndex)
    {
        var filesPath = JsonLocation.Member(path, "files");
        if (obj["files"] is not { } member || _file.Object(member.Value, filesPath, "files") is not { } files)
        {
            return EquatableArray<FileFieldIR>.Empty;
        }
        var saved = executeIndex >= 0 ? _savedFilesBefore[Math.Min(executeIndex, _savedFilesBefore.Length - 1)] : ImmutableHashSet<string>.Empty;
        var result = ImmutableArray.CreateBuilder<FileFieldIR>();
        foreach (var entry in files.Members)
        {
            var entryPath = JsonLocation.Member(filesPath, entry.Name.Value);
            if (_file.String(entry.Value, entryPath, entry.Name.Value, allowBlank: false, acceptNumbers: true) is not { } fileName)
            {
                continue;
            }
            if (!saved.Contains(fileName.Value))
            {
                _file.Report(ManifestDiagnostics.FileNotSaved, fileName.Span, entryPath, fileName.Value, Suggestions.DidYouMean(fileName.Value, saved));
                continue;
            }
            result.Add(new FileFieldIR(entry.Name.Value, fileName.Value));
        }
        return result.ToEquatableArray();
    }

    private EquatableArray<int> BindStatusCodes(JsonObjectSyntax obj, string path)
    {
        var codesPath = JsonLocation.Member(path, "status_code");
        if (obj["status_code"] is not { } member || _file.Array(member.Value, codesPath, "status_code") is not { } codes)
        {
            return EquatableArray<int>.Empty;
        }
        var result = ImmutableArray.CreateBuilder<int>();
        var integers = false;
        for (var i = 0; i < codes.Items.Length; i++)
        {
            integers |= codes.Items[i] is JsonNumberSyntax;
            if (_file.Int(codes.Items[i], JsonLocation.Element(codesPath, i), "status_code[]", 100, 599, acceptStrings: true) is { } code)
            {
                result.Add(code);
            }
        }
        if (integers)
        {
            _file.Report(ManifestDiagnostics.IntegerStatusCodes, member.Name.Span, codesPath);
        }
        return result.ToEquatableArray();
    }

    // ---- forms and user data ----

    private EquatableArray<InitialDataItemIR> BindInitialDataForm()
    {
        var result = ImmutableArray.CreateBuilder<InitialDataItemIR>();
        foreach (var (item, path) in ObjectList("initial_data_form", "an initial_data_form item"))
        {
            _file.UnknownKeys(item, path, "an initial_data_form item", InitialDataKeys, isError: false, LegacyKeys);
            var id = RequiredCharField(item, path, "id", "an initial_data_form item", allowBlank: false);
            var name = RequiredCharField(item, path, "name", "an initial_data_form item", allowBlank: false);
            string? description = null;
            if (item["description"] is { } descriptionMember)
            {
                description = _file.String(descriptionMember.Value, JsonLocation.Member(path, "description"), "description", acceptNumbers: true)?.Value;
                if (description is "")
                {
                    _file.Report(ManifestDiagnostics.MissingDescription, descriptionMember.Value.Span, JsonLocation.Member(path, "description"), id?.Value ?? "");
                }
            }
            else
            {
                _file.Report(ManifestDiagnostics.MissingDescription, FileBinder.OpeningOf(item), JsonLocation.Member(path, "description"), id?.Value ?? "");
            }
            var secret = OptionalBooleanField(item, path, "secret") ?? false;
            if (id is not null && name is not null)
            {
                result.Add(new InitialDataItemIR(id.Value, name.Value, description, secret, Generate: name.Value == "generate"));
            }
        }
        ReportDuplicateIds("initial_data_form");
        return result.ToEquatableArray();
    }

    private EquatableArray<UserInfoItemIR> BindUserInfo()
    {
        var result = ImmutableArray.CreateBuilder<UserInfoItemIR>();
        foreach (var (item, path) in ObjectList("extra_user_info", "an extra_user_info item"))
        {
            _file.UnknownKeys(item, path, "an extra_user_info item", UserInfoKeys, isError: false, LegacyKeys);
            var id = RequiredCharField(item, path, "id", "an extra_user_info item", allowBlank: false);
            var name = RequiredCharField(item, path, "name", "an extra_user_info item", allowBlank: false);
            var description = RequiredCharField(item, path, "description", "an extra_user_info item", allowBlank: false);
            if (id is not null && name is not null && description is not null)
            {
                result.Add(new UserInfoItemIR(id.Value, name.Value, description.Value));
            }
        }
        ReportDuplicateIds("extra_user_info");
        return result.ToEquatableArray();
    }

    private EquatableArray<FormItemIR> BindForm()
    {
        var result = ImmutableArray.CreateBuilder<FormItemIR>();
        foreach (var (item, path) in ObjectList("form", "a form item"))
        {
            _file.UnknownKeys(item, path, "a form item", FormKeys, isError: false, LegacyKeys);
            var id = RequiredCharField(item, path, "id", "a form item", allowBlank: false);
            var name = RequiredCharField(item, path, "name", "a form item", allowBlank: false);
            var typeText = RequiredCharField(item, path, "type", "a form item");
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
                _file.Report(ManifestDiagnostics.InvalidChoice, typeText.Span, JsonLocation.Member(path, "type"), typeText.Value, "form item type", "choice, multiple_choice, input or generate");
            }
            if (item["options_source"] is { } source && _file.String(source.Value, JsonLocation.Member(path, "options_source"), "options_source") is { } sourceText
                && sourceText.Value is not ("fixed list" or "fetch url"))
            {
                _file.Report(ManifestDiagnostics.InvalidChoice, sourceText.Span, JsonLocation.Member(path, "options_source"), sourceText.Value, "options_source", "'fixed list' or 'fetch url'");
            }
            RequestIR? request = null;
            if (item["url"] is not null)
            {
                request = BindRequest(item, path, RequestRole.FormOptions, "a form item", IntegrationScope());
            }
            JsonValueIR? items = item["items"] is { } itemsMember ? _file.Value(itemsMember.Value, JsonLocation.Member(path, "items"), (text, _) => TemplateIR.Constant(text.Value)) : null;
            var dataFrom = OptionalDotPath(item, path, "data_from", "", allowBlank: true);
            var choiceValue = OptionalDotPath(item, path, "choice_value", "id", allowBlank: false);
            var choiceName = OptionalDotPath(item, path, "choice_name", "name", allowBlank: false);
            if (id is not null && name is not null && type is not null)
            {
                result.Add(new FormItemIR(id.Value, name.Value, type.Value, request, items, dataFrom, choiceValue, choiceName));
            }
        }
        ReportDuplicateIds("form");
        return result.ToEquatableArray();
    }

    private void ReportDuplicateIds(string key)
    {
        var seen = new Dictionary<string, JsonStringSyntax>(StringComparer.Ordinal);
        var listPath = JsonLocation.Member(JsonLocation.Root, key);
        if (Member(_root, key) is not JsonArraySyntax items)
        {
            return;
        }
        for (var i = 0; i < items.Items.Length; i++)
        {
            if (items.Items[i] is JsonObjectSyntax item && item["id"]?.Value is JsonStringSyntax id)
            {
                if (seen.TryGetValue(id.Value, out var first))
                {
                    _file.Report(ManifestDiagnostics.DuplicateName, id.Span, JsonLocation.Member(JsonLocation.Element(listPath, i), "id"), key + " id", id.Value, _file.LineOf(first.Span));
                }
                else
                {
                    seen[id.Value] = id;
                }
            }
        }
    }

    private EquatableArray<NotificationIR> BindNotifications()
    {
        var result = ImmutableArray.CreateBuilder<NotificationIR>();
        var scope = ExecuteScope(int.MaxValue) with { Special = p => Responses(p, _storedBefore.Length - 1) };
        foreach (var (item, path) in ObjectList("post_execute_notification", "a notification"))
        {
            _file.UnknownKeys(item, path, "a notification", NotificationKeys, isError: false, LegacyKeys);
            var typeText = RequiredCharField(item, path, "type", "a notification");
            NotificationType? type = typeText?.Value switch { "email" => NotificationType.Email, "text" => NotificationType.Text, _ => null };
            if (typeText is not null && type is null)
            {
                _file.Report(ManifestDiagnostics.InvalidChoice, typeText.Span, JsonLocation.Member(path, "type"), typeText.Value, "notification type", "email or text");
            }
            var to = TemplateOf(item, path, "to", "a notification", scope);
            var subject = TemplateOf(item, path, "subject", "a notification", scope);
            var message = TemplateOf(item, path, "message", "a notification", scope);
            if (type is not null && to is not null && subject is not null && message is not null)
            {
                result.Add(new NotificationIR(type.Value, to, subject, message));
            }
        }
        return result.ToEquatableArray();
    }

    private OAuthFlowIR? BindOAuth()
    {
        var path = JsonLocation.Member(JsonLocation.Root, "oauth");
        if (Member(_root, "oauth") is not { } value || _file.Object(value, path, "oauth") is not { } oauth)
        {
            return null;
        }
        _file.UnknownKeys(oauth, path, "oauth", OAuthKeys, isError: false, LegacyKeys);
        var scope = IntegrationScope();
        var authenticateUrl = TemplateOf(oauth, path, "authenticate_url", "oauth", scope);
        RequestIR? accessToken = null;
        if (oauth["access_token"] is { } access)
        {
            accessToken = BindRequestObject(access.Value, JsonLocation.Member(path, "access_token"), RequestRole.OAuth, "oauth.access_token", scope);
        }
        else
        {
            _file.MissingKey(oauth, path, "access_token", "oauth");
        }
        RequestIR? refresh = null;
        if (oauth["refresh"] is { } refreshMember)
        {
            refresh = BindRequestObject(refreshMember.Value, JsonLocation.Member(path, "refresh"), RequestRole.OAuth, "oauth.refresh", scope);
        }
        else
        {
            _file.Report(ManifestDiagnostics.OAuthWithoutRefresh, FileBinder.OpeningOf(oauth), JsonLocation.Member(path, "refresh"));
        }
        var withoutCode = OptionalBooleanField(oauth, path, "without_code") ?? false;
        return authenticateUrl is not null && accessToken is not null ? new OAuthFlowIR(authenticateUrl, accessToken, refresh, withoutCode) : null;
    }

    // ---- sync users ----

    private SyncUsersIR? BindSync()
    {
        var root = _root;
        var path = JsonLocation.Root;
        SyncAction? action = null;
        if (root["action"] is { } actionMember && _file.String(actionMember.Value, JsonLocation.Member(path, "action"), "action") is { } actionText)
        {
            switch (actionText.Value)
            {
                case "create":
                    action = SyncAction.Create;
                    break;
                case "update":
                    action = SyncAction.Update;
                    break;
                case "sync":
                    _file.Report(ManifestDiagnostics.SyncActionSync, actionText.Span, JsonLocation.Member(path, "action"));
                    action = SyncAction.Create;
                    break;
                default:
                    _file.Report(ManifestDiagnostics.InvalidChoice, actionText.Span, JsonLocation.Member(path, "action"), actionText.Value, "sync action", "create or update");
                    break;
            }
        }

        var dataFrom = new DotPathIR("", EquatableArray<string>.Empty);
        if (root["data_from"] is { } dataFromMember && _file.String(dataFromMember.Value, JsonLocation.Member(path, "data_from"), "data_from", acceptNumbers: true) is { } dataFromText)
        {
            if (dataFromText.Value.Length == 0)
            {
                _file.Report(ManifestDiagnostics.BlankDataFrom, dataFromText.Span, JsonLocation.Member(path, "data_from"));
            }
            dataFrom = DotPathOf(dataFromText, JsonLocation.Member(path, "data_from"));
        }

        var structure = ImmutableArray.CreateBuilder<DataStructureEntryIR>();
        var structurePath = JsonLocation.Member(path, "data_structure");
        if (root["data_structure"] is { } structureMember && _file.Object(structureMember.Value, structurePath, "data_structure") is { } structureObject)
        {
            foreach (var entry in structureObject.Members)
            {
                var entryPath = JsonLocation.Member(structurePath, entry.Name.Value);
                if (_file.String(entry.Value, entryPath, entry.Name.Value, allowBlank: false, acceptNumbers: true) is { } notation)
                {
                    structure.Add(new DataStructureEntryIR(entry.Name.Value, DotPathOf(notation, entryPath)));
                }
                if (action == SyncAction.Create && entry.Name.Value is not ("email" or "first_name" or "last_name"))
                {
                    _file.Report(ManifestDiagnostics.CreateFieldIgnored, entry.Name.Span, entryPath, entry.Name.Value);
                }
            }
            if (action == SyncAction.Update && structureObject["email"] is null)
            {
                _file.Report(ManifestDiagnostics.UpdateWithoutEmail, FileBinder.OpeningOf(structureObject), JsonLocation.Member(structurePath, "email"));
            }
        }

        CronSchedulePlan? schedule = null;
        var scheduleAt = JsonCursor.Root(root).Member("schedule");
        if (scheduleAt.HasValue)
        {
            schedule = BindSchedule(scheduleAt);
        }
        else if (action == SyncAction.Update && root["action"]?.Value is JsonStringSyntax updateText)
        {
            _file.Report(ManifestDiagnostics.UpdateWithoutSchedule, updateText.Span, scheduleAt.Path);
        }

        var pagination = BindPagination();
        return action is null ? null : new SyncUsersIR(action.Value, dataFrom, structure.ToEquatableArray(), schedule, pagination);
    }

    private CronSchedulePlan? BindSchedule(JsonCursor at)
    {
        if (_file.String(at) is not { } text)
        {
            return null;
        }
        var parsed = CronParser.Parse(text.Value);
        _file.ReportEmbedded(parsed.Diagnostics, text, at.Path);
        if (parsed.Value is not { } cron)
        {
            return null;
        }
        if (cron.HasSeconds)
        {
            _file.Report(ManifestDiagnostics.SixFieldSchedule, text.Span, at.Path, text.Value, DescribeSixFields(cron));
        }
        return cron;
    }

    private static string DescribeSixFields(CronSchedulePlan cron) =>
        cron.Seconds.Count == 60 ? "every second of each minute it matches" : $"at second(s) {string.Join(",", cron.Seconds)} of each minute it matches";

    private PaginationIR BindPagination()
    {
        var root = JsonCursor.Root(_root);
        var amount = 5;
        var amountAt = root.Member("amount_pages_to_fetch");
        if (amountAt.Exists && _file.Int(amountAt, 1, 1000, acceptStrings: true) is { } value)
        {
            amount = value;
            if (value > 10)
            {
                _file.Report(ManifestDiagnostics.ManyPages, amountAt, value);
            }
        }
        var nextPageFromAt = root.Member("next_page_from");
        var tokenFromAt = root.Member("next_page_token_from");
        var nextPageAt = root.Member("next_page");
        var nextPageFrom = OptionalDotPathOrNull(nextPageFromAt);
        var tokenFrom = OptionalDotPathOrNull(tokenFromAt);
        TemplateIR? nextPage = null;
        if (nextPageAt.Exists && _file.String(nextPageAt) is { } nextPageText)
        {
            var scope = Scope(_baseNames.Add("NEXT_PAGE_TOKEN"), NoResponsesButToken, UnknownNote);
            nextPage = Template(nextPageText, nextPageAt.Path, scope);
        }
        if (nextPageFrom is not null)
        {
            return new PaginationIR(PaginationMode.NextPageUrl, nextPageFrom, null, null, amount);
        }
        if (nextPageAt.Exists && !tokenFromAt.Exists)
        {
            _file.Report(ManifestDiagnostics.PaginationIncomplete, nextPageAt.NameSpan, tokenFromAt.Path, nextPageAt.Key, tokenFromAt.Key);
        }
        else if (tokenFromAt.Exists && !nextPageAt.Exists)
        {
            _file.Report(ManifestDiagnostics.PaginationIncomplete, tokenFromAt.NameSpan, nextPageAt.Path, tokenFromAt.Key, nextPageAt.Key);
        }
        if (tokenFrom is not null && nextPage is not null)
        {
            return new PaginationIR(PaginationMode.NextPageToken, null, tokenFrom, nextPage, amount);
        }
        return new PaginationIR(PaginationMode.None, null, null, null, amount);
    }

    private VariableVerdict? NoResponsesButToken(VariablePathSyntax path) => path.Root == "NEXT_PAGE_TOKEN" ? VariableVerdict.Defined : NoResponses(path);

    // ---- small readers ----

    private IEnumerable<(JsonObjectSyntax Item, string Path)> ObjectList(string key, string description)
    {
        var listPath = JsonLocation.Member(JsonLocation.Root, key);
        if (Member(_root, key) is not { } value || _file.Array(value, listPath, key) is not { } items)
        {
            yield break;
        }
        for (var i = 0; i < items.Items.Length; i++)
        {
            var itemPath = JsonLocation.Element(listPath, i);
            if (_file.Object(items.Items[i], itemPath, description) is { } item)
            {
                yield return (item, itemPath);
            }
        }
    }

    /// <summary>
    /// The reference serializer's CharField: blank strings are rejected unless allowed, numbers are taken as text
    /// (not <see cref="FileBinder.RequiredString"/>'s defaults, hence its own name).
    /// </summary>
    private JsonStringSyntax? RequiredCharField(JsonObjectSyntax obj, string path, string key, string description, bool allowBlank = false) =>
        _file.RequiredString(obj, path, key, description, allowBlank, acceptNumbers: true);

    /// <summary>The serializer's BooleanField: null is not a boolean (<see cref="FileBinder.OptionalBool"/> takes null as absent).</summary>
    private bool? OptionalBooleanField(JsonObjectSyntax obj, string path, string key) => _file.OptionalBool(obj, path, key, nullIsAbsent: false);

    private TemplateIR? TemplateOf(JsonObjectSyntax obj, string path, string key, string description, TemplateCheckScope scope) =>
        RequiredCharField(obj, path, key, description) is { } text ? Template(text, JsonLocation.Member(path, key), scope) : null;

    private TemplateIR? Template(JsonStringSyntax text, string path, TemplateCheckScope scope) => TemplateBinder.Bind(_file, text, path, scope);

    private DotPathIR DotPathOf(JsonStringSyntax text, string path)
    {
        var parsed = DotPath.Parse(text.Value);
        _file.ReportEmbedded(parsed.Diagnostics, text, path);
        var segments = parsed.Value is { } syntax ? syntax.Segments.Select(s => s.Key).ToEquatableArray() : EquatableArray<string>.Empty;
        return new DotPathIR(text.Value, segments);
    }

    private DotPathIR OptionalDotPath(JsonObjectSyntax obj, string path, string key, string fallback, bool allowBlank)
    {
        if (obj[key] is { } member && _file.String(member.Value, JsonLocation.Member(path, key), key, allowBlank, acceptNumbers: true) is { } text)
        {
            return DotPathOf(text, JsonLocation.Member(path, key));
        }
        return new DotPathIR(fallback, fallback.Length == 0 ? EquatableArray<string>.Empty : new[] { fallback }.ToEquatableArray());
    }

    private DotPathIR? OptionalDotPathOrNull(JsonCursor at) =>
        at.Exists && _file.String(at, allowBlank: false, acceptNumbers: true) is { } text ? DotPathOf(text, at.Path) : null;
}
