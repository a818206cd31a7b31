using System.Collections.Immutable;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.IR;
using ManifestCompiler.Json;
using ManifestCompiler.Runtime.Support.Sandbox;
using ManifestCompiler.Sources;
using ManifestCompiler.Syntax.JsonPath;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Syntax.Text;
using ActionCallKind = ManifestCompiler.Runtime.Support.Plans.ActionCallKind;
using WebhookSignaturePlan = ManifestCompiler.Runtime.Support.Plans.WebhookSignaturePlan;
using WebhookSignatureScheme = ManifestCompiler.Runtime.Support.Plans.WebhookSignatureScheme;

namespace ManifestCompiler.Binding;

/// <summary>
/// Binds a BOSSi integration folder (the files in docs/generated-plans.md, "BOSSi integration folders"; the checks in
/// docs/diagnostics.md, MC70xx and MC71xx): oauth.json, schema.json, usertypes.json, webhook.json, the actions'
/// field mappings and Python steps, with every cross-reference checked. Collects all diagnostics; returns IR unless
/// a required file is missing or unreadable.
/// </summary>
internal sealed class BossiBinder
{
    /// <summary>Variables the platform provides to every template of an integration.</summary>
    public static readonly ImmutableArray<string> PlatformVariables = ["generic_callback", "company_id", "entity_id", "person_id", "integration", "webhook_url"];

    public static readonly ImmutableArray<string> KnownServices = ["contacts", "calendar", "messages", "payments", "tickets", "ai"];

    private static readonly ImmutableArray<string> OAuthKeys =
        ["name", "services", "isNonOauth", "genWebhook", "url", "clientId", "clientSecret", "tokenUrl", "parameters", "tokens", "requiredQueryParams", "triggerSteps"];

    private static readonly ImmutableArray<string> SchemaKeys = ["name", "version", "description", "variables", "security", "actions", "deleteAction"];
    private static readonly ImmutableArray<string> SecurityKeys = ["type", "token", "accessTokenVariable", "expiryInVariable", "refreshTokenUrl"];
    private static readonly ImmutableArray<string> ActionKeys = ["skipParser", "returnsData", "continueOnFailure", "rate_limit", "steps"];
    private static readonly ImmutableArray<string> StepKeys = ["codeRef", "continueOnFailure"];
    private static readonly ImmutableArray<string> TriggerStepKeys = ["action", "payload"];
    private static readonly ImmutableArray<string> MappingKeys = ["version", "data"];
    private static readonly ImmutableArray<string> FieldKeys = ["dataType", "required", "equivalentName"];
    private static readonly ImmutableArray<string> WebhookKeys = ["validations", "triggerSteps"];
    private static readonly ImmutableArray<string> ValidationKeys = ["body_required", "headers_required", "signature"];
    private static readonly ImmutableArray<string> SignatureKeys = ["header", "scheme", "secret", "tolerance_seconds"];
    private static readonly ImmutableArray<string> WebhookStepKeys = ["condition", "memory", "action", "payload"];
    private static readonly ImmutableArray<string> MemoryKeys = ["key", "value"];

    private static readonly ImmutableDictionary<string, FieldDataType> FieldTypes = new Dictionary<string, FieldDataType>(StringComparer.Ordinal)
    {
        ["string"] = FieldDataType.String,
        ["number"] = FieldDataType.Number,
        ["integer"] = FieldDataType.Integer,
        ["boolean"] = FieldDataType.Boolean,
        ["date"] = FieldDataType.Date,
        ["datetime"] = FieldDataType.DateTime,
        ["array"] = FieldDataType.Array,
        ["object"] = FieldDataType.Object,
    }.ToImmutableDictionary(StringComparer.Ordinal);

    private readonly IntegrationFolder _folder;
    private readonly CompilerOptions _options;
    private readonly List<ManifestDiagnostic> _diagnostics = [];
    private readonly Dictionary<string, ActionDeclaration> _actions = new(StringComparer.Ordinal);
    private ImmutableHashSet<string> _tokenNames = ImmutableHashSet<string>.Empty;
    private ImmutableHashSet<string> _queryParams = ImmutableHashSet<string>.Empty;
    private ImmutableHashSet<string> _variableNames = ImmutableHashSet<string>.Empty;
    private ImmutableHashSet<string> _securityVariables = ImmutableHashSet<string>.Empty;
    private readonly List<PythonStepFacts> _stepFacts = [];

    private BossiBinder(IntegrationFolder folder, CompilerOptions options)
    {
        _folder = folder;
        _options = options;
    }

    /// <summary>An action as schema.json declares it: what later checks need before the action itself is bound.</summary>
    private sealed record ActionDeclaration(string Name, bool SkipParser, bool HasMapping);

    public static CompilationResult<IntegrationIR> Bind(IntegrationFolder folder, CompilerOptions options)
    {
        var binder = new BossiBinder(folder, options);
        var integration = binder.BindFolder();
        return new CompilationResult<IntegrationIR>(integration, [.. binder._diagnostics]);
    }

    private IntegrationIR? BindFolder()
    {
        var (oauthFile, oauthRoot) = Load("oauth.json", required: true);
        var (schemaFile, schemaRoot) = Load("schema.json", required: true);
        var schemaRead = schemaFile is not null && schemaFile.Object(schemaRoot) is not null;
        var oauthRead = oauthFile is not null && oauthFile.Object(oauthRoot) is not null;
        if (schemaRead)
        {
            DeclareActions(schemaRoot);
        }

        var oauth = oauthRead ? BindOAuth(oauthFile!, oauthRoot) : null;
        var (schema, actions) = schemaRead ? BindSchema(schemaFile!, schemaRoot) : (null, []);
        var userTypes = BindUserTypes();
        var webhook = BindWebhook(oauth);
        ReportUndeclaredActionFolders();
        PythonStepChecker.CheckKeys(_stepFacts, _variableNames, _queryParams.Union(_tokenNames).Union(_securityVariables));
        CheckPythonSyntax();

        if (oauth is null || schema is null)
        {
            return null;
        }
        var assets = _folder.Files.Where(f => f.RelativePath.StartsWith("assets/", StringComparison.Ordinal)).Select(f => f.RelativePath).Order(StringComparer.Ordinal).ToEquatableArray();
        return new IntegrationIR(_folder.Name, oauth, schema, actions, userTypes, webhook, assets);
    }

    /// <summary>
    /// The file's binder and its root, named <paramref name="description"/> (the file's name unless given); no binder
    /// when the file is absent (reported when <paramref name="required"/>), unreadable or not JSON.
    /// </summary>
    private (FileBinder? File, JsonCursor Root) Load(string relativePath, bool required, string? description = null)
    {
        var file = _folder[relativePath];
        var path = _folder.FilePath(relativePath);
        var none = JsonCursor.Root(null);
        if (file is null)
        {
            if (required)
            {
                new FileBinder(path, "", _diagnostics).Report(ManifestDiagnostics.MissingFile, default, null, relativePath, _folder.Path);
            }
            return (null, none);
        }
        if (file.Text is null)
        {
            new FileBinder(path, "", _diagnostics).Report(ManifestDiagnostics.UnreadableFile, default, null, relativePath, file.ReadError ?? "not read");
            return (null, none);
        }
        var binder = new FileBinder(path, file.Text, _diagnostics);
        var json = binder.ReadJson();
        return json is null ? (null, none) : (binder, JsonCursor.Root(json, description ?? relativePath));
    }

    // ---- schema.json: actions first, since every other file refers to them ----

    private void DeclareActions(JsonCursor root)
    {
        foreach (var action in root.Member("actions").Members())
        {
            var name = action.Key;
            var skipParser = action.Member("skipParser").Value is JsonBooleanSyntax { Value: true };
            var hasMapping = _folder[$"action/{name}/schema.json"] is not null;
            _actions[name] = new ActionDeclaration(name, skipParser, hasMapping);
        }
    }

    /// <summary>Whether <paramref name="name"/> (the string at <paramref name="at"/>) names a declared action; reported if not.</summary>
    private bool CheckActionReference(FileBinder file, JsonCursor at, JsonStringSyntax name)
    {
        if (_actions.ContainsKey(name.Value))
        {
            return true;
        }
        file.Report(ManifestDiagnostics.UnknownAction, name.Span, at.Path, name.Value, Suggestions.DidYouMean(name.Value, _actions.Keys));
        return false;
    }

    // ---- oauth.json ----

    private OAuthIR? BindOAuth(FileBinder file, JsonCursor root)
    {
        const string Description = "oauth.json";
        file.UnknownKeys(root, Description, OAuthKeys, isError: false);
        var name = file.RequiredString(root.Member("name"), Description);
        var isNonOauth = file.OptionalBool(root.Member("isNonOauth")) ?? false;
        var genWebhook = file.OptionalBool(root.Member("genWebhook")) ?? false;

        var services = ImmutableArray.CreateBuilder<string>();
        foreach (var item in file.Items(root.Member("services"), "services[]"))
        {
            if (file.String(item) is { } service)
            {
                if (!KnownServices.Contains(service.Value))
                {
                    file.Report(ManifestDiagnostics.UnknownService, item, service.Value, Suggestions.DidYouMean(service.Value, KnownServices), string.Join(", ", KnownServices));
                }
                services.Add(service.Value);
            }
        }

        var queryParams = ImmutableArray.CreateBuilder<string>();
        var seen = new Dictionary<string, JsonStringSyntax>(StringComparer.Ordinal);
        foreach (var item in file.Items(root.Member("requiredQueryParams"), "requiredQueryParams[]"))
        {
            if (file.String(item, allowBlank: false) is { } param)
            {
                if (seen.TryGetValue(param.Value, out var first))
                {
                    file.Report(ManifestDiagnostics.DuplicateName, item, "required query parameter", param.Value, file.LineOf(first.Span));
                    continue;
                }
                seen[param.Value] = param;
                queryParams.Add(param.Value);
            }
        }
        _queryParams = queryParams.ToImmutableHashSet(StringComparer.Ordinal);

        var parametersAt = root.Member("parameters");
        var parameterNames = parametersAt.Members().Select(m => m.Key);
        var connectScope = TemplateCheckScope.Of(PlatformVariables.Concat(_queryParams));
        var parameters = NamedTemplates(file, parametersAt, connectScope);
        var url = OptionalTemplate(file, root.Member("url"), connectScope.With(parameterNames));
        var tokenUrl = OptionalTemplate(file, root.Member("tokenUrl"), connectScope.With(parameterNames));
        var clientId = file.OptionalString(root.Member("clientId"));
        var clientSecret = file.OptionalString(root.Member("clientSecret"));
        if (!isNonOauth)
        {
            // An OAuth connection redirects to url and exchanges the code at tokenUrl; without them it cannot connect
            // (a null one neither: the readers above take null as absent).
            foreach (var key in new[] { "url", "tokenUrl" })
            {
                var at = root.Member(key);
                if (file.Required(at, "oauth.json of an OAuth integration (isNonOauth is not true)") && !at.HasValue)
                {
                    file.WrongType(at, "a string");
                }
            }
        }
        // OAuth tokens capture fields of the token response, which nothing describes; API-key tokens come from the user.
        var tokens = NamedTemplates(file, root.Member("tokens"), isNonOauth ? connectScope.With(parameterNames) : TemplateCheckScope.Anything);
        _tokenNames = tokens.Select(t => t.Name).ToImmutableHashSet(StringComparer.Ordinal);

        var triggerSteps = ImmutableArray.CreateBuilder<TriggerStepIR>();
        foreach (var item in file.Items(root.Member("triggerSteps"), "a trigger step"))
        {
            if (BindTriggerStep(file, item) is { } step)
            {
                triggerSteps.Add(step);
            }
        }
        return name is null ? null : new OAuthIR(
            name.Value, services.ToEquatableArray(), isNonOauth, genWebhook, url, clientId?.Value, clientSecret?.Value, tokenUrl,
            parameters, tokens, queryParams.ToEquatableArray(), triggerSteps.ToEquatableArray());
    }

    /// <summary>The scope of templates that run with a connected instance: its tokens, query parameters, schema variables.</summary>
    private TemplateCheckScope InstanceScope => TemplateCheckScope.Of(PlatformVariables.Concat(_queryParams).Concat(_tokenNames).Concat(_variableNames));

    /// <summary>A trigger step at <paramref name="at"/> (named by its key, or its description in a list).</summary>
    private TriggerStepIR? BindTriggerStep(FileBinder file, JsonCursor at)
    {
        if (file.Object(at) is null)
        {
            return null;
        }
        var description = at.Key;
        file.UnknownKeys(at, description, TriggerStepKeys, isError: false);
        var actionAt = at.Member("action");
        var action = file.RequiredString(actionAt, description);
        if (action is null || !CheckActionReference(file, actionAt, action))
        {
            return null;
        }
        return new TriggerStepIR(action.Value, Payload(file, at.Member("payload"), InstanceScope));
    }

    /// <summary>A payload object, its strings templates in <paramref name="scope"/>; an empty object when absent.</summary>
    private static JsonValueIR Payload(FileBinder file, JsonCursor at, TemplateCheckScope scope) =>
        at.Exists
            ? file.Value(at, (text, p) => TemplateBinder.Bind(file, text, p, scope))
            : new JsonObjectIR(EquatableArray<JsonPropertyIR>.Empty);

    // ---- schema.json ----

    private (SchemaIR?, EquatableArray<ActionIR>) BindSchema(FileBinder file, JsonCursor root)
    {
        const string Description = "schema.json";
        file.UnknownKeys(root, Description, SchemaKeys, isError: false);
        var name = file.RequiredString(root.Member("name"), Description);
        var version = file.OptionalString(root.Member("version"));
        var description = file.OptionalString(root.Member("description"));
        var variables = NamedTemplates(file, root.Member("variables"), TemplateCheckScope.Of(PlatformVariables.Concat(_queryParams).Concat(_tokenNames)));
        _variableNames = variables.Select(v => v.Name).ToImmutableHashSet(StringComparer.Ordinal);

        SecurityIR? security = null;
        var securityAt = root.Member("security");
        if (file.Object(securityAt) is not null)
        {
            file.UnknownKeys(securityAt, "security", SecurityKeys, isError: false);
            var type = file.RequiredString(securityAt.Member("type"), "security");
            var token = OptionalTemplate(file, securityAt.Member("token"), InstanceScope);
            var accessTokenAt = securityAt.Member("accessTokenVariable");
            var accessTokenVariable = file.OptionalString(accessTokenAt);
            if (accessTokenVariable is not null && !_tokenNames.Contains(accessTokenVariable.Value))
            {
                file.Report(ManifestDiagnostics.AccessTokenNotCaptured, accessTokenAt, accessTokenVariable.Value, Suggestions.DidYouMean(accessTokenVariable.Value, _tokenNames));
            }
            var expiryInVariable = file.OptionalString(securityAt.Member("expiryInVariable"));
            var refreshTokenUrl = OptionalTemplate(file, securityAt.Member("refreshTokenUrl"), InstanceScope);
            if (type is not null)
            {
                security = new SecurityIR(type.Value, token, accessTokenVariable?.Value, expiryInVariable?.Value, refreshTokenUrl);
                _securityVariables = new[] { accessTokenVariable?.Value, expiryInVariable?.Value }.OfType<string>().ToImmutableHashSet(StringComparer.Ordinal);
            }
        }

        var actions = ImmutableArray.CreateBuilder<ActionIR>();
        var actionsAt = root.Member("actions");
        if (file.RequiredObject(actionsAt, Description) is not null)
        {
            foreach (var member in actionsAt.Members())
            {
                if (BindAction(file, member) is { } action)
                {
                    actions.Add(action);
                }
            }
        }

        var deleteAt = root.Member("deleteAction");
        var deleteAction = deleteAt.Exists ? BindTriggerStep(file, deleteAt) : null;
        var schema = name is null ? null : new SchemaIR(name.Value, version?.Value, description?.Value, variables, security, deleteAction);
        return (schema, actions.ToEquatableArray());
    }

    private ActionIR? BindAction(FileBinder file, JsonCursor at)
    {
        var name = at.Key;
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name is "." or "..")
        {
            file.ReportAtKey(ManifestDiagnostics.InvalidChoice, at, name, "action name", "a non-empty name without '/' (it names the folder action/<name>)");
            return null;
        }
        if (file.Object(at) is null)
        {
            return null;
        }
        var description = $"action '{name}'";
        file.UnknownKeys(at, description, ActionKeys, isError: false);
        var skipParser = file.OptionalBool(at.Member("skipParser")) ?? false;
        var returnsData = file.OptionalBool(at.Member("returnsData")) ?? false;
        var continueOnFailure = file.OptionalBool(at.Member("continueOnFailure")) ?? false;
        var rateLimit = BindRateLimit(file, at.Member("rate_limit"));

        var steps = ImmutableArray.CreateBuilder<ActionStepIR>();
        var stepsAt = at.Member("steps");
        if (file.RequiredArray(stepsAt, description) is { } stepsArray)
        {
            if (stepsArray.Items.IsEmpty)
            {
                file.Report(ManifestDiagnostics.ActionNeverRuns, stepsAt, name);
            }
            foreach (var item in stepsAt.Elements("a step"))
            {
                if (BindStep(file, item, name, continueOnFailure) is { } step)
                {
                    steps.Add(step);
                }
            }
        }

        var mapping = BindFieldMapping(name);
        if (mapping is not null && skipParser)
        {
            file.ReportAtKey(ManifestDiagnostics.MappingNeverUsed, at, name);
        }
        else if (!skipParser && !_actions[name].HasMapping)
        {
            file.ReportAtKey(ManifestDiagnostics.MissingFieldMapping, at, name);
        }
        return new ActionIR(name, skipParser, returnsData, rateLimit, steps.ToEquatableArray(), mapping);
    }

    private static RateLimitIR? BindRateLimit(FileBinder file, JsonCursor at)
    {
        if (file.Object(at) is null)
        {
            return null;
        }
        file.UnknownKeys(at, "rate_limit", ["limit", "period"], isError: false);
        var limitAt = at.Member("limit");
        var periodAt = at.Member("period");
        var limit = limitAt.Exists ? file.Int(limitAt, 0, int.MaxValue) : 0;
        var period = periodAt.Exists ? file.Int(periodAt, 0, int.MaxValue) : 0;
        if (limit is null || period is null || limit == 0)
        {
            return null;
        }
        if (period == 0)
        {
            file.Report(ManifestDiagnostics.InvalidRateLimit, at, limit, period);
            return null;
        }
        return new RateLimitIR(limit.Value, period.Value);
    }

    private ActionStepIR? BindStep(FileBinder file, JsonCursor at, string actionName, bool actionContinueOnFailure)
    {
        if (file.Object(at) is null)
        {
            return null;
        }
        file.UnknownKeys(at, at.Key, StepKeys, isError: false);
        var continueOnFailure = file.OptionalBool(at.Member("continueOnFailure")) ?? actionContinueOnFailure;
        var codeRefAt = at.Member("codeRef");
        if (file.RequiredString(codeRefAt, at.Key, allowBlank: false) is not { } codeRef)
        {
            return null;
        }
        var codePath = $"action/{actionName}/code/{codeRef.Value}.py";
        var code = _folder[codePath];
        if (code is null || codeRef.Value.Contains('/', StringComparison.Ordinal))
        {
            file.Report(ManifestDiagnostics.MissingCodeFile, codeRefAt, codeRef.Value, codePath);
            return null;
        }
        if (code.Text is null)
        {
            new FileBinder(_folder.FilePath(codePath), "", _diagnostics).Report(ManifestDiagnostics.UnreadableFile, default, null, codePath, code.ReadError ?? "not read");
            return null;
        }
        var calls = CheckStepCode(codePath, code.Text);
        return new ActionStepIR(codeRef.Value, codePath, code.Text, continueOnFailure, calls);
    }

    private readonly Dictionary<string, EquatableArray<ActionCallIR>> _checkedCode = new(StringComparer.Ordinal);

    /// <summary>Checks a step's code once, however many steps use it.</summary>
    private EquatableArray<ActionCallIR> CheckStepCode(string codePath, string text)
    {
        if (_checkedCode.TryGetValue(codePath, out var known))
        {
            return known;
        }
        var file = new FileBinder(_folder.FilePath(codePath), text, _diagnostics);
        var facts = PythonStepChecker.Check(file);
        _stepFacts.Add(facts);
        var calls = facts.Calls;
        foreach (var call in calls)
        {
            if (call.Call.Kind == ActionCallKind.DispatchCommand)
            {
                continue; // an action of another integration (spec: "Call another integration action"); the host resolves it
            }
            if (!_actions.TryGetValue(call.Call.Action, out var target))
            {
                file.Report(ManifestDiagnostics.UnknownAction, call.Span, null, call.Call.Action, Suggestions.DidYouMean(call.Call.Action, _actions.Keys));
            }
            else if (call.Call.Kind == ActionCallKind.SendToParser && (target.SkipParser || !target.HasMapping))
            {
                file.Report(ManifestDiagnostics.ParserTargetSkipsMapping, call.Span, null, call.Call.Action);
            }
        }
        var result = calls.Select(c => c.Call).ToEquatableArray();
        _checkedCode[codePath] = result;
        return result;
    }

    // ---- action/<name>/schema.json ----

    private FieldMappingIR? BindFieldMapping(string actionName)
    {
        const string Description = "a field mapping";
        var (file, root) = Load($"action/{actionName}/schema.json", required: false, Description);
        if (file is null || file.Object(root) is null)
        {
            return null;
        }
        file.UnknownKeys(root, Description, MappingKeys, isError: false);
        var version = file.OptionalString(root.Member("version"));
        var fields = ImmutableArray.CreateBuilder<FieldMappingEntryIR>();
        var dataAt = root.Member("data");
        if (file.RequiredObject(dataAt, Description) is not null)
        {
            foreach (var field in dataAt.Members())
            {
                if (file.Object(field) is null)
                {
                    continue;
                }
                var description = $"field '{field.Key}'";
                file.UnknownKeys(field, description, FieldKeys, isError: false);
                var dataTypeAt = field.Member("dataType");
                var dataType = file.RequiredString(dataTypeAt, description);
                FieldDataType? type = null;
                if (dataType is not null)
                {
                    if (FieldTypes.TryGetValue(dataType.Value, out var known))
                    {
                        type = known;
                    }
                    else
                    {
                        file.Report(ManifestDiagnostics.InvalidChoice, dataTypeAt, dataType.Value, "dataType" + Suggestions.DidYouMean(dataType.Value, FieldTypes.Keys), string.Join(", ", FieldTypes.Keys.Order(StringComparer.Ordinal)));
                    }
                }
                var required = file.OptionalBool(field.Member("required")) ?? false;
                var queryAt = field.Member("equivalentName");
                var equivalentName = file.RequiredString(queryAt, description, allowBlank: false);
                if (equivalentName is null)
                {
                    continue;
                }
                var query = JsonPath.Parse(equivalentName.Value);
                file.ReportEmbedded(query.Diagnostics, equivalentName, queryAt.Path);
                var parsed = query.Value; // assigned before the test: see docs/mutation-testing.md
                if (parsed is null || query.HasErrors || type is null)
                {
                    continue;
                }
                if (!parsed.IsSingular && type != FieldDataType.Array)
                {
                    file.Report(ManifestDiagnostics.NonSingularMapping, queryAt, equivalentName.Value, dataType!.Value);
                }
                fields.Add(new FieldMappingEntryIR(field.Key, type.Value, required, parsed));
            }
        }
        return new FieldMappingIR(version?.Value, fields.ToEquatableArray());
    }

    // ---- usertypes.json ----

    private UserTypesIR? BindUserTypes()
    {
        var (file, root) = Load("usertypes.json", required: false);
        if (file is null || file.Object(root) is null)
        {
            return null;
        }
        var roles = ImmutableArray.CreateBuilder<UserTypeIR>();
        foreach (var role in root.Members().Where(m => !FileBinder.IsSchemaReference(root.Path, m.Key)))
        {
            if (file.Array(role) is null)
            {
                continue;
            }
            var actions = ImmutableArray.CreateBuilder<string>();
            foreach (var item in role.Elements(role.Key + "[]"))
            {
                if (file.String(item) is { } action && CheckActionReference(file, item, action))
                {
                    actions.Add(action.Value);
                }
            }
            roles.Add(new UserTypeIR(role.Key, actions.ToEquatableArray()));
        }
        return new UserTypesIR(roles.ToEquatableArray());
    }

    // ---- webhook.json ----

    private WebhookIR? BindWebhook(OAuthIR? oauth)
    {
        var (file, root) = Load("webhook.json", required: false);
        if (file is null || file.Object(root) is null)
        {
            return null;
        }
        if (oauth is not null && !oauth.GenerateWebhook)
        {
            file.ReportAtOpening(ManifestDiagnostics.WebhookNotGenerated, root);
        }
        file.UnknownKeys(root, "webhook.json", WebhookKeys, isError: false);
        var bodyRequired = ImmutableArray<string>.Empty;
        var headersRequired = ImmutableArray<string>.Empty;
        WebhookSignatureIR? signature = null;
        var signatureWritten = false;
        var validationsAt = root.Member("validations");
        if (file.Object(validationsAt) is not null)
        {
            file.UnknownKeys(validationsAt, "validations", ValidationKeys, isError: false);
            var headersRequiredAt = validationsAt.Member("headers_required");
            bodyRequired = StringList(file, validationsAt.Member("body_required"));
            headersRequired = StringList(file, headersRequiredAt);
            var signatureAt = validationsAt.Member("signature");
            if (signatureAt.HasValue)
            {
                signatureWritten = true;
                signature = BindSignature(file, signatureAt, headersRequiredAt);
            }
        }
        // An instance's webhook URL is its only credential without a signature; a webhook never generated receives nothing.
        if (!signatureWritten && oauth?.GenerateWebhook != false)
        {
            if (validationsAt.Exists)
            {
                file.ReportAtKey(ManifestDiagnostics.WebhookUnsigned, validationsAt);
            }
            else
            {
                file.ReportAtOpening(ManifestDiagnostics.WebhookUnsigned, root);
            }
        }
        var steps = ImmutableArray.CreateBuilder<WebhookTriggerIR>();
        foreach (var item in file.Items(root.Member("triggerSteps"), "a webhook trigger step"))
        {
            if (BindWebhookStep(file, item, bodyRequired) is { } step)
            {
                steps.Add(step);
            }
        }
        return new WebhookIR(bodyRequired, headersRequired, steps.ToEquatableArray(), signature);
    }

    /// <summary>
    /// validations.signature: the header (which headers_required need not list: the signature already requires it,
    /// and a request without it is refused with 401 before validations run), a known scheme, the secret as a template
    /// over the instance's variables, and the timestamp tolerance of schemes that sign one. Null after an error.
    /// </summary>
    private WebhookSignatureIR? BindSignature(FileBinder file, JsonCursor at, JsonCursor headersRequired)
    {
        const string Description = "signature";
        if (file.Object(at) is null)
        {
            return null;
        }
        file.UnknownKeys(at, Description, SignatureKeys, isError: false);
        var header = file.RequiredString(at.Member("header"), Description, allowBlank: false);
        if (header is not null)
        {
            foreach (var listed in headersRequired.Elements("headers_required[]"))
            {
                if (listed.Value is JsonStringSyntax text && string.Equals(text.Value, header.Value, StringComparison.OrdinalIgnoreCase))
                {
                    file.Report(ManifestDiagnostics.SignatureHeaderAlsoRequired, listed, text.Value);
                }
            }
        }

        WebhookSignatureScheme? scheme = null;
        var schemeAt = at.Member("scheme");
        if (file.RequiredString(schemeAt, Description) is { } schemeText)
        {
            if (WebhookSignaturePlan.TryParseScheme(schemeText.Value, out var parsed))
            {
                scheme = parsed;
            }
            else
            {
                var names = WebhookSignaturePlan.SchemeNames.Select(n => n.Key).ToList();
                file.Report(ManifestDiagnostics.UnknownSignatureScheme, schemeAt, schemeText.Value, Suggestions.DidYouMean(schemeText.Value, names), string.Join(", ", names));
            }
        }

        TemplateIR? secret = null;
        var secretAt = at.Member("secret");
        if (file.RequiredString(secretAt, Description, allowBlank: false) is { } secretText)
        {
            secret = TemplateBinder.Bind(file, secretText, secretAt.Path, InstanceScope with { UnknownVariable = ManifestDiagnostics.UnknownSignatureSecretVariable });
        }

        var tolerance = WebhookSignaturePlan.DefaultToleranceSeconds;
        var toleranceOk = true;
        var toleranceAt = at.Member("tolerance_seconds");
        if (toleranceAt.HasValue && scheme is { } known)
        {
            if (!WebhookSignaturePlan.HasTimestamp(known))
            {
                file.ReportAtKey(ManifestDiagnostics.SignatureToleranceIgnored, toleranceAt, WebhookSignaturePlan.SchemeNames.First(n => n.Value == known).Key);
            }
            else if (toleranceAt.Value is JsonNumberSyntax number
                && int.TryParse(number.Text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
                && seconds is >= 1 and <= WebhookSignaturePlan.MaxToleranceSeconds)
            {
                tolerance = seconds;
            }
            else
            {
                file.Report(ManifestDiagnostics.InvalidSignatureTolerance, toleranceAt, WebhookSignaturePlan.MaxToleranceSeconds, FileBinder.Describe(toleranceAt.Value!));
                toleranceOk = false;
            }
        }
        return header is not null && scheme is { } bound && secret is not null && toleranceOk
            ? new WebhookSignatureIR(header.Value, bound, secret, tolerance)
            : null;
    }

    private WebhookTriggerIR? BindWebhookStep(FileBinder file, JsonCursor at, ImmutableArray<string> bodyRequired)
    {
        if (file.Object(at) is null)
        {
            return null;
        }
        var description = at.Key;
        file.UnknownKeys(at, description, WebhookStepKeys, isError: false);
        PythonExpression? condition = null;
        var conditionAt = at.Member("condition");
        var conditionText = conditionAt.HasValue ? file.String(conditionAt) : null;
        if (conditionText is not null)
        {
            condition = BindPython(file, conditionText, conditionAt.Path, PythonCheckScope.Webhook);
        }

        var memory = ImmutableArray.CreateBuilder<MemoryEntryIR>();
        var memoryKeys = new Dictionary<string, JsonStringSyntax>(StringComparer.Ordinal);
        foreach (var entry in file.Items(at.Member("memory"), "a memory entry"))
        {
            if (file.Object(entry) is null)
            {
                continue;
            }
            file.UnknownKeys(entry, entry.Key, MemoryKeys, isError: false);
            var keyAt = entry.Member("key");
            var valueAt = entry.Member("value");
            var key = file.RequiredString(keyAt, entry.Key, allowBlank: false);
            var expression = file.RequiredString(valueAt, entry.Key);
            if (key is null || expression is null)
            {
                continue;
            }
            if (memoryKeys.TryGetValue(key.Value, out var first))
            {
                file.Report(ManifestDiagnostics.DuplicateName, keyAt, "memory key", key.Value, file.LineOf(first.Span));
                continue;
            }
            // A memory value may use the keys computed before it.
            if (BindPython(file, expression, valueAt.Path, PythonCheckScope.Webhook.With(memoryKeys.Keys)) is { } bound)
            {
                memory.Add(new MemoryEntryIR(key.Value, bound));
            }
            memoryKeys[key.Value] = key;
        }

        var actionAt = at.Member("action");
        var action = file.RequiredString(actionAt, description);
        var actionKnown = action is not null && CheckActionReference(file, actionAt, action);

        var bodyKeys = bodyRequired.ToImmutableHashSet(StringComparer.Ordinal);
        var payloadScope = new TemplateCheckScope(
            memoryKeys.Keys.ToImmutableHashSet(StringComparer.Ordinal),
            Unknown: p => bodyKeys.Contains(p.Root)
                ? VariableVerdict.Defined
                : VariableVerdict.Problem(ManifestDiagnostics.PayloadHoleFromBody, p.Root, Suggestions.Closest(p.Root, memoryKeys.Keys) is { } close ? $" (or did you mean the memory key '{close}'?)" : ""));
        var payload = Payload(file, at.Member("payload"), payloadScope);
        // A condition written with errors, or an unknown action, drops the step (both are reported).
        var conditionBound = conditionText is null || condition is not null;
        return conditionBound && actionKnown ? new WebhookTriggerIR(condition, memory.ToEquatableArray(), action!.Value, payload) : null;
    }

    /// <summary>The checked expression, or null when it has errors (reported at their positions in the file).</summary>
    private static PythonExpression? BindPython(FileBinder file, JsonStringSyntax text, string path, PythonCheckScope scope)
    {
        var parsed = PythonExpression.Parse(text.Value, scope);
        file.ReportEmbedded(parsed.Diagnostics, text, path);
        return parsed.Value;
    }

    // ---- folder-level checks ----

    private void ReportUndeclaredActionFolders()
    {
        foreach (var group in _folder.Files
            .Where(f => f.RelativePath.StartsWith("action/", StringComparison.Ordinal) && f.RelativePath.IndexOf('/', 7) > 7)
            .GroupBy(f => f.RelativePath[7..f.RelativePath.IndexOf('/', 7)], StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (_actions.ContainsKey(group.Key))
            {
                continue;
            }
            var first = group.OrderBy(f => f.RelativePath, StringComparer.Ordinal).First();
            new FileBinder(_folder.FilePath(first.RelativePath), first.Text ?? "", _diagnostics)
                .Report(ManifestDiagnostics.UndeclaredActionFolder, default, null, group.Key, Suggestions.DidYouMean(group.Key, _actions.Keys));
        }
    }

    private void CheckPythonSyntax()
    {
        var files = _folder.Files
            .Where(f => f.Text is not null && f.RelativePath.StartsWith("action/", StringComparison.Ordinal) && f.RelativePath.EndsWith(".py", StringComparison.Ordinal))
            .OrderBy(f => f.RelativePath, StringComparer.Ordinal)
            .Select(f => new SourceFile(_folder.FilePath(f.RelativePath), f.Text!))
            .ToList();
        if (files.Count == 0 || _options.PythonSyntax is not { } checker)
        {
            return;
        }
        var report = checker.Check(files);
        if (report.UnavailableReason is { } reason)
        {
            new FileBinder(files[0].Path, files[0].Text, _diagnostics).Report(ManifestDiagnostics.PythonNotChecked, default, null, reason);
            return;
        }
        foreach (var error in report.Errors)
        {
            var source = files.FirstOrDefault(f => f.Path == error.Path);
            if (source is null)
            {
                continue;
            }
            var offset = OffsetOf(source.Text, error.Line, error.Column);
            new FileBinder(source.Path, source.Text, _diagnostics).Report(ManifestDiagnostics.PythonSyntaxError, new SourceSpan(offset, 0), null, error.Message);
        }
        foreach (var module in report.Modules)
        {
            if (files.FirstOrDefault(f => f.Path == module.Path) is { } source)
            {
                CheckGlobalReads(new FileBinder(source.Path, source.Text, _diagnostics), module);
            }
        }
    }

    /// <summary>
    /// Judges the names a step reads without defining them (CPython's scoping found them): allowed builtins and the
    /// preloaded globals are fine, refused builtins and anything else are errors. Dunder and guard names are left to
    /// the token checks, which refuse them already.
    /// </summary>
    private static void CheckGlobalReads(FileBinder file, PythonModuleScopes module)
    {
        var available = StepSandboxApi.AvailableNames.ToImmutableHashSet(StringComparer.Ordinal);
        foreach (var read in module.GlobalReads)
        {
            if (available.Contains(read.Name) || read.Name.StartsWith("__", StringComparison.Ordinal) || StepSandboxApi.IsGuardName(read.Name))
            {
                continue;
            }
            var span = new SourceSpan(OffsetOf(file.Text, read.Line, read.Column), read.Name.Length);
            if (StepSandboxApi.RefusedBuiltins.Contains(read.Name))
            {
                file.Report(ManifestDiagnostics.RefusedBuiltin, span, null, read.Name);
            }
            else
            {
                file.Report(ManifestDiagnostics.UndefinedName, span, null, read.Name, Suggestions.DidYouMean(read.Name, available.Concat(module.Defined)));
            }
        }
    }

    /// <summary>The offset of a 1-based line and column (clamped into the text).</summary>
    internal static int OffsetOf(string text, int line, int column)
    {
        var offset = 0;
        for (var current = 1; current < line && offset < text.Length; offset++)
        {
            if (text[offset] == '\n')
            {
                current++;
            }
        }
        var lineEnd = text.IndexOf('\n', offset);
        return Math.Min(offset + Math.Max(0, column - 1), lineEnd < 0 ? text.Length : lineEnd);
    }

    // ---- small readers shared by the files above ----

    private static TemplateIR? OptionalTemplate(FileBinder file, JsonCursor at, TemplateCheckScope scope) =>
        file.OptionalString(at) is { } text ? TemplateBinder.Bind(file, text, at.Path, scope) : null;

    /// <summary>An object of named values, each a template (numbers and booleans are taken as their text).</summary>
    private static EquatableArray<NamedTemplateIR> NamedTemplates(FileBinder file, JsonCursor at, TemplateCheckScope scope)
    {
        if (file.Object(at) is null)
        {
            return EquatableArray<NamedTemplateIR>.Empty;
        }
        var result = ImmutableArray.CreateBuilder<NamedTemplateIR>();
        foreach (var member in at.Members())
        {
            var template = member.Value switch
            {
                JsonStringSyntax text => TemplateBinder.Bind(file, text, member.Path, scope),
                // Numbers and booleans are stored as their text (a hard-coded setting).
                JsonNumberSyntax number => TemplateIR.Constant(number.Text),
                JsonBooleanSyntax boolean => TemplateIR.Constant(boolean.Value ? "true" : "false"),
                _ => null,
            };
            if (template is null && member.Value is not JsonStringSyntax)
            {
                file.WrongType(member, "a string");
            }
            if (template is not null)
            {
                result.Add(new NamedTemplateIR(member.Key, template));
            }
        }
        return result.ToEquatableArray();
    }

    /// <summary>The non-blank strings of the array at <paramref name="at"/>.</summary>
    private static ImmutableArray<string> StringList(FileBinder file, JsonCursor at)
    {
        var result = ImmutableArray.CreateBuilder<string>();
        foreach (var item in file.Items(at, at.Key + "[]"))
        {
            if (file.String(item, allowBlank: false) is { } text)
            {
                result.Add(text.Value);
            }
        }
        return result.ToImmutable();
    }
}
