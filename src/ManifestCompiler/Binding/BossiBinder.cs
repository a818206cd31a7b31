using System.Collections.Immutable;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.IR;
using ManifestCompiler.Json;
using ManifestCompiler.Runtime.Support.Sandbox;
using ManifestCompiler.Sources;
using ManifestCompiler.Syntax.JsonPath;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Syntax.Text;
using static ManifestCompiler.Binding.FileBinder;
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
        var (oauthFile, oauthJson) = Load("oauth.json", required: true);
        var (schemaFile, schemaJson) = Load("schema.json", required: true);
        var schemaRoot = schemaFile is null ? null : schemaFile.Object(schemaJson, JsonLocation.Root, "schema.json");
        var oauthRoot = oauthFile is null ? null : oauthFile.Object(oauthJson, JsonLocation.Root, "oauth.json");
        DeclareActions(schemaFile, schemaRoot);

        var oauth = oauthFile is not null && oauthRoot is not null ? BindOAuth(oauthFile, oauthRoot) : null;
        var (schema, actions) = schemaFile is not null && schemaRoot is not null ? BindSchema(schemaFile, schemaRoot) : (null, []);
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

    private (FileBinder? File, JsonSyntax? Json) Load(string relativePath, bool required)
    {
        var file = _folder[relativePath];
        var path = _folder.FilePath(relativePath);
        if (file is null)
        {
            if (required)
            {
                new FileBinder(path, "", _diagnostics).Report(ManifestDiagnostics.MissingFile, default, null, relativePath, _folder.Path);
            }
            return (null, null);
        }
        if (file.Text is null)
        {
            new FileBinder(path, "", _diagnostics).Report(ManifestDiagnostics.UnreadableFile, default, null, relativePath, file.ReadError ?? "not read");
            return (null, null);
        }
        var binder = new FileBinder(path, file.Text, _diagnostics);
        var json = binder.ReadJson();
        return json is null ? (null, null) : (binder, json);
    }

    // ---- schema.json: actions first, since every other file refers to them ----

    private void DeclareActions(FileBinder? file, JsonObjectSyntax? root)
    {
        if (file is null || root?["actions"] is not { } member || member.Value is not JsonObjectSyntax actions)
        {
            return;
        }
        foreach (var action in actions.Members)
        {
            var name = action.Name.Value;
            var skipParser = action.Value is JsonObjectSyntax body && body["skipParser"]?.Value is JsonBooleanSyntax { Value: true };
            var hasMapping = _folder[$"action/{name}/schema.json"] is not null;
            _actions[name] = new ActionDeclaration(name, skipParser, hasMapping);
        }
    }

    private bool CheckActionReference(FileBinder file, JsonStringSyntax name, string path)
    {
        if (_actions.ContainsKey(name.Value))
        {
            return true;
        }
        file.Report(ManifestDiagnostics.UnknownAction, name.Span, path, name.Value, Suggestions.DidYouMean(name.Value, _actions.Keys));
        return false;
    }

    // ---- oauth.json ----

    private OAuthIR? BindOAuth(FileBinder file, JsonObjectSyntax root)
    {
        var path = JsonLocation.Root;
        file.UnknownKeys(root, path, "oauth.json", OAuthKeys, isError: false);
        var name = file.RequiredString(root, path, "name", "oauth.json");
        var isNonOauth = file.OptionalBool(root, path, "isNonOauth") ?? false;
        var genWebhook = file.OptionalBool(root, path, "genWebhook") ?? false;

        var services = ImmutableArray.CreateBuilder<string>();
        if (Member(root, "services") is { } servicesValue && file.Array(servicesValue, JsonLocation.Member(path, "services"), "services") is { } servicesArray)
        {
            for (var i = 0; i < servicesArray.Items.Length; i++)
            {
                var itemPath = JsonLocation.Element(JsonLocation.Member(path, "services"), i);
                if (file.String(servicesArray.Items[i], itemPath, "services[]") is { } service)
                {
                    if (!KnownServices.Contains(service.Value))
                    {
                        file.Report(ManifestDiagnostics.UnknownService, service.Span, itemPath, service.Value, Suggestions.DidYouMean(service.Value, KnownServices), string.Join(", ", KnownServices));
                    }
                    services.Add(service.Value);
                }
            }
        }

        var queryParams = ImmutableArray.CreateBuilder<string>();
        if (Member(root, "requiredQueryParams") is { } paramsValue && file.Array(paramsValue, JsonLocation.Member(path, "requiredQueryParams"), "requiredQueryParams") is { } paramsArray)
        {
            var seen = new Dictionary<string, JsonStringSyntax>(StringComparer.Ordinal);
            for (var i = 0; i < paramsArray.Items.Length; i++)
            {
                var itemPath = JsonLocation.Element(JsonLocation.Member(path, "requiredQueryParams"), i);
                if (file.String(paramsArray.Items[i], itemPath, "requiredQueryParams[]", allowBlank: false) is { } param)
                {
                    if (seen.TryGetValue(param.Value, out var first))
                    {
                        file.Report(ManifestDiagnostics.DuplicateName, param.Span, itemPath, "required query parameter", param.Value, file.LineOf(first.Span));
                        continue;
                    }
                    seen[param.Value] = param;
                    queryParams.Add(param.Value);
                }
            }
        }
        _queryParams = queryParams.ToImmutableHashSet(StringComparer.Ordinal);

        var parameterNames = Member(root, "parameters") is JsonObjectSyntax parametersObject ? parametersObject.Members.Select(m => m.Name.Value) : [];
        var connectScope = TemplateCheckScope.Of(PlatformVariables.Concat(_queryParams));
        var parameters = NamedTemplates(file, root, path, "parameters", connectScope);
        var url = OptionalTemplate(file, root, path, "url", connectScope.With(parameterNames));
        var tokenUrl = OptionalTemplate(file, root, path, "tokenUrl", connectScope.With(parameterNames));
        var clientId = file.OptionalString(root, path, "clientId");
        var clientSecret = file.OptionalString(root, path, "clientSecret");
        if (!isNonOauth)
        {
            // An OAuth connection redirects to url and exchanges the code at tokenUrl; without them it cannot connect.
            foreach (var key in new[] { "url", "tokenUrl" })
            {
                if (root[key] is null)
                {
                    file.MissingKey(root, path, key, "oauth.json of an OAuth integration (isNonOauth is not true)");
                }
            }
        }
        // OAuth tokens capture fields of the token response, which nothing describes; API-key tokens come from the user.
        var tokens = NamedTemplates(file, root, path, "tokens", isNonOauth ? connectScope.With(parameterNames) : TemplateCheckScope.Anything);
        _tokenNames = tokens.Select(t => t.Name).ToImmutableHashSet(StringComparer.Ordinal);

        var triggerSteps = ImmutableArray.CreateBuilder<TriggerStepIR>();
        if (Member(root, "triggerSteps") is { } stepsValue && file.Array(stepsValue, JsonLocation.Member(path, "triggerSteps"), "triggerSteps") is { } stepsArray)
        {
            for (var i = 0; i < stepsArray.Items.Length; i++)
            {
                if (BindTriggerStep(file, stepsArray.Items[i], JsonLocation.Element(JsonLocation.Member(path, "triggerSteps"), i), "a trigger step") is { } step)
                {
                    triggerSteps.Add(step);
                }
            }
        }
        return name is null ? null : new OAuthIR(
            name.Value, services.ToEquatableArray(), isNonOauth, genWebhook, url, clientId?.Value, clientSecret?.Value, tokenUrl,
            parameters, tokens, queryParams.ToEquatableArray(), triggerSteps.ToEquatableArray());
    }

    /// <summary>The scope of templates that run with a connected instance: its tokens, query parameters, schema variables.</summary>
    private TemplateCheckScope InstanceScope => TemplateCheckScope.Of(PlatformVariables.Concat(_queryParams).Concat(_tokenNames).Concat(_variableNames));

    private TriggerStepIR? BindTriggerStep(FileBinder file, JsonSyntax value, string path, string description)
    {
        if (file.Object(value, path, description) is not { } step)
        {
            return null;
        }
        file.UnknownKeys(step, path, description, TriggerStepKeys, isError: false);
        var action = file.RequiredString(step, path, "action", description);
        if (action is null || !CheckActionReference(file, action, JsonLocation.Member(path, "action")))
        {
            return null;
        }
        var payload = Member(step, "payload") is { } payloadValue
            ? file.Value(payloadValue, JsonLocation.Member(path, "payload"), (text, p) => TemplateBinder.Bind(file, text, p, InstanceScope))
            : new JsonObjectIR(EquatableArray<JsonPropertyIR>.Empty);
        return new TriggerStepIR(action.Value, payload);
    }

    // ---- schema.json ----

    private (SchemaIR?, EquatableArray<ActionIR>) BindSchema(FileBinder file, JsonObjectSyntax root)
    {
        var path = JsonLocation.Root;
        file.UnknownKeys(root, path, "schema.json", SchemaKeys, isError: false);
        var name = file.RequiredString(root, path, "name", "schema.json");
        var version = file.OptionalString(root, path, "version");
        var description = file.OptionalString(root, path, "description");
        var variables = NamedTemplates(file, root, path, "variables", TemplateCheckScope.Of(PlatformVariables.Concat(_queryParams).Concat(_tokenNames)));
        _variableNames = variables.Select(v => v.Name).ToImmutableHashSet(StringComparer.Ordinal);

        SecurityIR? security = null;
        var securityPath = JsonLocation.Member(path, "security");
        if (Member(root, "security") is { } securityValue && file.Object(securityValue, securityPath, "security") is { } securityObject)
        {
            file.UnknownKeys(securityObject, securityPath, "security", SecurityKeys, isError: false);
            var type = file.RequiredString(securityObject, securityPath, "type", "security");
            var token = OptionalTemplate(file, securityObject, securityPath, "token", InstanceScope);
            var accessTokenVariable = file.OptionalString(securityObject, securityPath, "accessTokenVariable");
            if (accessTokenVariable is not null && !_tokenNames.Contains(accessTokenVariable.Value))
            {
                file.Report(ManifestDiagnostics.AccessTokenNotCaptured, accessTokenVariable.Span, JsonLocation.Member(securityPath, "accessTokenVariable"), accessTokenVariable.Value, Suggestions.DidYouMean(accessTokenVariable.Value, _tokenNames));
            }
            var expiryInVariable = file.OptionalString(securityObject, securityPath, "expiryInVariable");
            var refreshTokenUrl = OptionalTemplate(file, securityObject, securityPath, "refreshTokenUrl", InstanceScope);
            if (type is not null)
            {
                security = new SecurityIR(type.Value, token, accessTokenVariable?.Value, expiryInVariable?.Value, refreshTokenUrl);
                _securityVariables = new[] { accessTokenVariable?.Value, expiryInVariable?.Value }.OfType<string>().ToImmutableHashSet(StringComparer.Ordinal);
            }
        }

        var actions = ImmutableArray.CreateBuilder<ActionIR>();
        var actionsPath = JsonLocation.Member(path, "actions");
        if (root["actions"] is null)
        {
            file.MissingKey(root, path, "actions", "schema.json");
        }
        else if (file.Object(root["actions"]!.Value, actionsPath, "actions") is { } actionsObject)
        {
            foreach (var member in actionsObject.Members)
            {
                if (BindAction(file, member, JsonLocation.Member(actionsPath, member.Name.Value)) is { } action)
                {
                    actions.Add(action);
                }
            }
        }

        TriggerStepIR? deleteAction = null;
        if (Member(root, "deleteAction") is { } deleteValue)
        {
            deleteAction = BindTriggerStep(file, deleteValue, JsonLocation.Member(path, "deleteAction"), "deleteAction");
        }
        var schema = name is null ? null : new SchemaIR(name.Value, version?.Value, description?.Value, variables, security, deleteAction);
        return (schema, actions.ToEquatableArray());
    }

    private ActionIR? BindAction(FileBinder file, JsonMemberSyntax member, string path)
    {
        var name = member.Name.Value;
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name is "." or "..")
        {
            file.Report(ManifestDiagnostics.InvalidChoice, member.Name.Span, path, name, "action name", "a non-empty name without '/' (it names the folder action/<name>)");
            return null;
        }
        if (file.Object(member.Value, path, name) is not { } action)
        {
            return null;
        }
        file.UnknownKeys(action, path, $"action '{name}'", ActionKeys, isError: false);
        var skipParser = file.OptionalBool(action, path, "skipParser") ?? false;
        var returnsData = file.OptionalBool(action, path, "returnsData") ?? false;
        var continueOnFailure = file.OptionalBool(action, path, "continueOnFailure") ?? false;
        var rateLimit = BindRateLimit(file, action, path);

        var steps = ImmutableArray.CreateBuilder<ActionStepIR>();
        var stepsPath = JsonLocation.Member(path, "steps");
        if (action["steps"] is null)
        {
            file.MissingKey(action, path, "steps", $"action '{name}'");
        }
        else if (file.Array(action["steps"]!.Value, stepsPath, "steps") is { } stepsArray)
        {
            if (stepsArray.Items.IsEmpty)
            {
                file.Report(ManifestDiagnostics.ActionNeverRuns, stepsArray.Span, stepsPath, name);
            }
            for (var i = 0; i < stepsArray.Items.Length; i++)
            {
                if (BindStep(file, stepsArray.Items[i], JsonLocation.Element(stepsPath, i), name, continueOnFailure) is { } step)
                {
                    steps.Add(step);
                }
            }
        }

        var mapping = BindFieldMapping(name);
        if (mapping is not null && skipParser)
        {
            file.Report(ManifestDiagnostics.MappingNeverUsed, member.Name.Span, path, name);
        }
        else if (!skipParser && !_actions[name].HasMapping)
        {
            file.Report(ManifestDiagnostics.MissingFieldMapping, member.Name.Span, path, name);
        }
        return new ActionIR(name, skipParser, returnsData, rateLimit, steps.ToEquatableArray(), mapping);
    }

    private static RateLimitIR? BindRateLimit(FileBinder file, JsonObjectSyntax action, string actionPath)
    {
        var path = JsonLocation.Member(actionPath, "rate_limit");
        if (Member(action, "rate_limit") is not { } value || file.Object(value, path, "rate_limit") is not { } rate)
        {
            return null;
        }
        file.UnknownKeys(rate, path, "rate_limit", ["limit", "period"], isError: false);
        var limit = Member(rate, "limit") is { } l ? file.Int(l, JsonLocation.Member(path, "limit"), "limit", 0, int.MaxValue) : 0;
        var period = Member(rate, "period") is { } p ? file.Int(p, JsonLocation.Member(path, "period"), "period", 0, int.MaxValue) : 0;
        if (limit is null || period is null || limit == 0)
        {
            return null;
        }
        if (period == 0)
        {
            file.Report(ManifestDiagnostics.InvalidRateLimit, rate.Span, path, limit, period);
            return null;
        }
        return new RateLimitIR(limit.Value, period.Value);
    }

    private ActionStepIR? BindStep(FileBinder file, JsonSyntax value, string path, string actionName, bool actionContinueOnFailure)
    {
        if (file.Object(value, path, "a step") is not { } step)
        {
            return null;
        }
        file.UnknownKeys(step, path, "a step", StepKeys, isError: false);
        var continueOnFailure = file.OptionalBool(step, path, "continueOnFailure") ?? actionContinueOnFailure;
        if (file.RequiredString(step, path, "codeRef", "a step", allowBlank: false) is not { } codeRef)
        {
            return null;
        }
        var codePath = $"action/{actionName}/code/{codeRef.Value}.py";
        var code = _folder[codePath];
        if (code is null || codeRef.Value.Contains('/', StringComparison.Ordinal))
        {
            file.Report(ManifestDiagnostics.MissingCodeFile, codeRef.Span, JsonLocation.Member(path, "codeRef"), codeRef.Value, codePath);
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
        var (file, json) = Load($"action/{actionName}/schema.json", required: false);
        if (file is null || file.Object(json, JsonLocation.Root, "a field mapping") is not { } root)
        {
            return null;
        }
        var path = JsonLocation.Root;
        file.UnknownKeys(root, path, "a field mapping", MappingKeys, isError: false);
        var version = file.OptionalString(root, path, "version");
        var fields = ImmutableArray.CreateBuilder<FieldMappingEntryIR>();
        var dataPath = JsonLocation.Member(path, "data");
        if (root["data"] is null)
        {
            file.MissingKey(root, path, "data", "a field mapping");
        }
        else if (file.Object(root["data"]!.Value, dataPath, "data") is { } data)
        {
            foreach (var member in data.Members)
            {
                var fieldPath = JsonLocation.Member(dataPath, member.Name.Value);
                if (file.Object(member.Value, fieldPath, member.Name.Value) is not { } field)
                {
                    continue;
                }
                var description = $"field '{member.Name.Value}'";
                file.UnknownKeys(field, fieldPath, description, FieldKeys, isError: false);
                var dataType = file.RequiredString(field, fieldPath, "dataType", description);
                FieldDataType? type = null;
                if (dataType is not null)
                {
                    if (FieldTypes.TryGetValue(dataType.Value, out var known))
                    {
                        type = known;
                    }
                    else
                    {
                        file.Report(ManifestDiagnostics.InvalidChoice, dataType.Span, JsonLocation.Member(fieldPath, "dataType"), dataType.Value, "dataType" + Suggestions.DidYouMean(dataType.Value, FieldTypes.Keys), string.Join(", ", FieldTypes.Keys.Order(StringComparer.Ordinal)));
                    }
                }
                var required = file.OptionalBool(field, fieldPath, "required") ?? false;
                var equivalentName = file.RequiredString(field, fieldPath, "equivalentName", description, allowBlank: false);
                if (equivalentName is null)
                {
                    continue;
                }
                var queryPath = JsonLocation.Member(fieldPath, "equivalentName");
                var query = JsonPath.Parse(equivalentName.Value);
                file.ReportEmbedded(query.Diagnostics, equivalentName, queryPath);
                if (query.Value is not { } parsed || query.HasErrors || type is null)
                {
                    continue;
                }
                if (!parsed.IsSingular && type != FieldDataType.Array)
                {
                    file.Report(ManifestDiagnostics.NonSingularMapping, equivalentName.Span, queryPath, equivalentName.Value, dataType!.Value);
                }
                fields.Add(new FieldMappingEntryIR(member.Name.Value, type.Value, required, parsed));
            }
        }
        return new FieldMappingIR(version?.Value, fields.ToEquatableArray());
    }

    // ---- usertypes.json ----

    private UserTypesIR? BindUserTypes()
    {
        var (file, json) = Load("usertypes.json", required: false);
        if (file is null || file.Object(json, JsonLocation.Root, "usertypes.json") is not { } root)
        {
            return null;
        }
        var roles = ImmutableArray.CreateBuilder<UserTypeIR>();
        foreach (var member in root.Members.Where(m => !FileBinder.IsSchemaReference(JsonLocation.Root, m.Name.Value)))
        {
            var rolePath = JsonLocation.Member(JsonLocation.Root, member.Name.Value);
            if (file.Array(member.Value, rolePath, member.Name.Value) is not { } list)
            {
                continue;
            }
            var actions = ImmutableArray.CreateBuilder<string>();
            for (var i = 0; i < list.Items.Length; i++)
            {
                var itemPath = JsonLocation.Element(rolePath, i);
                if (file.String(list.Items[i], itemPath, member.Name.Value + "[]") is { } action && CheckActionReference(file, action, itemPath))
                {
                    actions.Add(action.Value);
                }
            }
            roles.Add(new UserTypeIR(member.Name.Value, actions.ToEquatableArray()));
        }
        return new UserTypesIR(roles.ToEquatableArray());
    }

    // ---- webhook.json ----

    private WebhookIR? BindWebhook(OAuthIR? oauth)
    {
        var (file, json) = Load("webhook.json", required: false);
        if (file is null || file.Object(json, JsonLocation.Root, "webhook.json") is not { } root)
        {
            return null;
        }
        var path = JsonLocation.Root;
        if (oauth is not null && !oauth.GenerateWebhook)
        {
            file.Report(ManifestDiagnostics.WebhookNotGenerated, FileBinder.OpeningOf(root), path);
        }
        file.UnknownKeys(root, path, "webhook.json", WebhookKeys, isError: false);
        var bodyRequired = ImmutableArray<string>.Empty;
        var headersRequired = ImmutableArray<string>.Empty;
        WebhookSignatureIR? signature = null;
        var signatureWritten = false;
        var validationsPath = JsonLocation.Member(path, "validations");
        if (Member(root, "validations") is { } validationsValue && file.Object(validationsValue, validationsPath, "validations") is { } validations)
        {
            file.UnknownKeys(validations, validationsPath, "validations", ValidationKeys, isError: false);
            bodyRequired = StringList(file, validations, validationsPath, "body_required");
            headersRequired = StringList(file, validations, validationsPath, "headers_required");
            if (Member(validations, "signature") is { } signatureValue and not JsonNullSyntax)
            {
                signatureWritten = true;
                signature = BindSignature(file, signatureValue, JsonLocation.Member(validationsPath, "signature"), validations, validationsPath);
            }
        }
        // An instance's webhook URL is its only credential without a signature; a webhook never generated receives nothing.
        if (!signatureWritten && oauth?.GenerateWebhook != false)
        {
            var at = root["validations"] is { } validationsMember ? validationsMember.Name.Span : FileBinder.OpeningOf(root);
            file.Report(ManifestDiagnostics.WebhookUnsigned, at, root["validations"] is null ? path : validationsPath);
        }
        var steps = ImmutableArray.CreateBuilder<WebhookTriggerIR>();
        var stepsPath = JsonLocation.Member(path, "triggerSteps");
        if (Member(root, "triggerSteps") is { } stepsValue && file.Array(stepsValue, stepsPath, "triggerSteps") is { } stepsArray)
        {
            for (var i = 0; i < stepsArray.Items.Length; i++)
            {
                if (BindWebhookStep(file, stepsArray.Items[i], JsonLocation.Element(stepsPath, i), bodyRequired) is { } step)
                {
                    steps.Add(step);
                }
            }
        }
        return new WebhookIR(bodyRequired, headersRequired, steps.ToEquatableArray(), signature);
    }

    /// <summary>
    /// validations.signature: the header (which headers_required need not list: the signature already requires it,
    /// and a request without it is refused with 401 before validations run), a known scheme, the secret as a template
    /// over the instance's variables, and the timestamp tolerance of schemes that sign one. Null after an error.
    /// </summary>
    private WebhookSignatureIR? BindSignature(FileBinder file, JsonSyntax value, string path, JsonObjectSyntax validations, string validationsPath)
    {
        if (file.Object(value, path, "signature") is not { } block)
        {
            return null;
        }
        file.UnknownKeys(block, path, "signature", SignatureKeys, isError: false);
        var header = file.RequiredString(block, path, "header", "signature", allowBlank: false);
        if (header is not null && Member(validations, "headers_required") is JsonArraySyntax required)
        {
            for (var i = 0; i < required.Items.Length; i++)
            {
                if (required.Items[i] is JsonStringSyntax listed && string.Equals(listed.Value, header.Value, StringComparison.OrdinalIgnoreCase))
                {
                    file.Report(ManifestDiagnostics.SignatureHeaderAlsoRequired, listed.Span, JsonLocation.Element(JsonLocation.Member(validationsPath, "headers_required"), i), listed.Value);
                }
            }
        }

        WebhookSignatureScheme? scheme = null;
        if (file.RequiredString(block, path, "scheme", "signature") is { } schemeText)
        {
            if (WebhookSignaturePlan.TryParseScheme(schemeText.Value, out var parsed))
            {
                scheme = parsed;
            }
            else
            {
                var names = WebhookSignaturePlan.SchemeNames.Select(n => n.Key).ToList();
                file.Report(ManifestDiagnostics.UnknownSignatureScheme, schemeText.Span, JsonLocation.Member(path, "scheme"),
                    schemeText.Value, Suggestions.DidYouMean(schemeText.Value, names), string.Join(", ", names));
            }
        }

        TemplateIR? secret = null;
        if (file.RequiredString(block, path, "secret", "signature", allowBlank: false) is { } secretText)
        {
            secret = TemplateBinder.Bind(file, secretText, JsonLocation.Member(path, "secret"), InstanceScope with { UnknownVariable = ManifestDiagnostics.UnknownSignatureSecretVariable });
        }

        var tolerance = WebhookSignaturePlan.DefaultToleranceSeconds;
        var toleranceOk = true;
        if (block["tolerance_seconds"] is { } toleranceMember && toleranceMember.Value is not JsonNullSyntax && scheme is { } known)
        {
            var tolerancePath = JsonLocation.Member(path, "tolerance_seconds");
            if (!WebhookSignaturePlan.HasTimestamp(known))
            {
                file.Report(ManifestDiagnostics.SignatureToleranceIgnored, toleranceMember.Name.Span, tolerancePath, WebhookSignaturePlan.SchemeNames.First(n => n.Value == known).Key);
            }
            else if (toleranceMember.Value is JsonNumberSyntax number
                && int.TryParse(number.Text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
                && seconds is >= 1 and <= WebhookSignaturePlan.MaxToleranceSeconds)
            {
                tolerance = seconds;
            }
            else
            {
                file.Report(ManifestDiagnostics.InvalidSignatureTolerance, toleranceMember.Value.Span, tolerancePath, WebhookSignaturePlan.MaxToleranceSeconds, FileBinder.Describe(toleranceMember.Value));
                toleranceOk = false;
            }
        }
        return header is not null && scheme is { } bound && secret is not null && toleranceOk
            ? new WebhookSignatureIR(header.Value, bound, secret, tolerance)
            : null;
    }

    private WebhookTriggerIR? BindWebhookStep(FileBinder file, JsonSyntax value, string path, ImmutableArray<string> bodyRequired)
    {
        if (file.Object(value, path, "a webhook trigger step") is not { } step)
        {
            return null;
        }
        file.UnknownKeys(step, path, "a webhook trigger step", WebhookStepKeys, isError: false);
        var ok = true;
        PythonExpression? condition = null;
        if (Member(step, "condition") is { } conditionValue and not JsonNullSyntax)
        {
            var conditionPath = JsonLocation.Member(path, "condition");
            if (file.String(conditionValue, conditionPath, "condition") is { } text)
            {
                condition = BindPython(file, text, conditionPath, PythonCheckScope.Webhook);
                ok &= condition is not null;
            }
        }

        var memory = ImmutableArray.CreateBuilder<MemoryEntryIR>();
        var memoryPath = JsonLocation.Member(path, "memory");
        var memoryKeys = new Dictionary<string, JsonStringSyntax>(StringComparer.Ordinal);
        if (Member(step, "memory") is { } memoryValue && file.Array(memoryValue, memoryPath, "memory") is { } entries)
        {
            for (var i = 0; i < entries.Items.Length; i++)
            {
                var entryPath = JsonLocation.Element(memoryPath, i);
                if (file.Object(entries.Items[i], entryPath, "a memory entry") is not { } entry)
                {
                    continue;
                }
                file.UnknownKeys(entry, entryPath, "a memory entry", MemoryKeys, isError: false);
                var key = file.RequiredString(entry, entryPath, "key", "a memory entry", allowBlank: false);
                var expression = file.RequiredString(entry, entryPath, "value", "a memory entry");
                if (key is null || expression is null)
                {
                    continue;
                }
                if (memoryKeys.TryGetValue(key.Value, out var first))
                {
                    file.Report(ManifestDiagnostics.DuplicateName, key.Span, JsonLocation.Member(entryPath, "key"), "memory key", key.Value, file.LineOf(first.Span));
                    continue;
                }
                // A memory value may use the keys computed before it.
                if (BindPython(file, expression, JsonLocation.Member(entryPath, "value"), PythonCheckScope.Webhook.With(memoryKeys.Keys)) is { } bound)
                {
                    memory.Add(new MemoryEntryIR(key.Value, bound));
                }
                memoryKeys[key.Value] = key;
            }
        }

        var action = file.RequiredString(step, path, "action", "a webhook trigger step");
        ok &= action is not null && CheckActionReference(file, action, JsonLocation.Member(path, "action"));

        var bodyKeys = bodyRequired.ToImmutableHashSet(StringComparer.Ordinal);
        var payloadScope = new TemplateCheckScope(
            memoryKeys.Keys.ToImmutableHashSet(StringComparer.Ordinal),
            Unknown: p => bodyKeys.Contains(p.Root)
                ? VariableVerdict.Defined
                : VariableVerdict.Problem(ManifestDiagnostics.PayloadHoleFromBody, p.Root, Suggestions.Closest(p.Root, memoryKeys.Keys) is { } close ? $" (or did you mean the memory key '{close}'?)" : ""));
        var payload = Member(step, "payload") is { } payloadValue
            ? file.Value(payloadValue, JsonLocation.Member(path, "payload"), (text, p) => TemplateBinder.Bind(file, text, p, payloadScope))
            : new JsonObjectIR(EquatableArray<JsonPropertyIR>.Empty);
        return ok ? new WebhookTriggerIR(condition, memory.ToEquatableArray(), action!.Value, payload) : null;
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

    private static TemplateIR? OptionalTemplate(FileBinder file, JsonObjectSyntax obj, string path, string key, TemplateCheckScope scope) =>
        file.OptionalString(obj, path, key) is { } text ? TemplateBinder.Bind(file, text, JsonLocation.Member(path, key), scope) : null;

    private static EquatableArray<NamedTemplateIR> NamedTemplates(FileBinder file, JsonObjectSyntax obj, string path, string key, TemplateCheckScope scope)
    {
        var mapPath = JsonLocation.Member(path, key);
        if (Member(obj, key) is not { } value || file.Object(value, mapPath, key) is not { } map)
        {
            return EquatableArray<NamedTemplateIR>.Empty;
        }
        var result = ImmutableArray.CreateBuilder<NamedTemplateIR>();
        foreach (var member in map.Members)
        {
            var valuePath = JsonLocation.Member(mapPath, member.Name.Value);
            var template = member.Value switch
            {
                JsonStringSyntax text => TemplateBinder.Bind(file, text, valuePath, scope),
                // Numbers and booleans are stored as their text (a hard-coded setting).
                JsonNumberSyntax number => TemplateIR.Constant(number.Text),
                JsonBooleanSyntax boolean => TemplateIR.Constant(boolean.Value ? "true" : "false"),
                _ => null,
            };
            if (template is null && member.Value is not JsonStringSyntax)
            {
                file.WrongType(member.Value, valuePath, member.Name.Value, "a string");
            }
            if (template is not null)
            {
                result.Add(new NamedTemplateIR(member.Name.Value, template));
            }
        }
        return result.ToEquatableArray();
    }

    private static ImmutableArray<string> StringList(FileBinder file, JsonObjectSyntax obj, string path, string key)
    {
        var listPath = JsonLocation.Member(path, key);
        if (Member(obj, key) is not { } value || file.Array(value, listPath, key) is not { } list)
        {
            return [];
        }
        var result = ImmutableArray.CreateBuilder<string>();
        for (var i = 0; i < list.Items.Length; i++)
        {
            if (file.String(list.Items[i], JsonLocation.Element(listPath, i), key + "[]", allowBlank: false) is { } item)
            {
                result.Add(item.Value);
            }
        }
        return result.ToImmutable();
    }
}
