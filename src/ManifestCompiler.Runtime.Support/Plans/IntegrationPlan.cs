using System.Text.Json;
using ManifestCompiler.Runtime.Support.Mapping;

namespace ManifestCompiler.Runtime.Support.Plans;

/// <summary>
/// A compiled BOSSi integration folder. The generator derives one class per folder; a runtime host finds them
/// through <see cref="ManifestPlanAttribute"/> and never needs the compiler.
/// </summary>
public abstract class IntegrationPlan
{
    /// <summary>The folder's name (<c>quickbooks</c>): the <c>tech.boss.&lt;name&gt;</c> of its instances.</summary>
    public abstract string Name { get; }

    public abstract OAuthPlan OAuth { get; }

    public abstract SchemaPlan Schema { get; }

    public abstract IReadOnlyList<ActionPlan> Actions { get; }

    public abstract UserTypesPlan? UserTypes { get; }

    public abstract WebhookRouterPlan? Webhook { get; }

    /// <summary>Files under <c>assets/</c>, relative to the folder.</summary>
    public abstract IReadOnlyList<string> Assets { get; }

    public ActionPlan? FindAction(string name)
    {
        foreach (var action in Actions)
        {
            if (action.Name == name)
            {
                return action;
            }
        }
        return null;
    }

    public override string ToString() => "tech.boss." + Name;
}

/// <summary>oauth.json: how a company connects.</summary>
public sealed record OAuthPlan(
    string Name,
    IReadOnlyList<string> Services,
    bool IsNonOauth,
    bool GenerateWebhook,
    TemplatePlan? Url,
    string? ClientId,
    string? ClientSecret,
    TemplatePlan? TokenUrl,
    IReadOnlyList<NamedTemplatePlan> Parameters,
    IReadOnlyList<NamedTemplatePlan> Tokens,
    IReadOnlyList<string> RequiredQueryParams,
    IReadOnlyList<TriggerStepPlan> TriggerSteps)
{
    /// <summary>
    /// The authorization URL: <see cref="Url"/> rendered, then each parameter rendered and appended as a query
    /// parameter (percent-encoded) after any query the URL already has. Null for API-key integrations.
    /// </summary>
    public string? AuthorizationUrl(TemplateScope scope)
    {
        if (Url is null)
        {
            return null;
        }
        var url = new System.Text.StringBuilder(Url.Render(scope));
        var separator = url.ToString().Contains('?') ? '&' : '?';
        foreach (var parameter in Parameters)
        {
            url.Append(separator).Append(Uri.EscapeDataString(parameter.Name)).Append('=').Append(Uri.EscapeDataString(parameter.Value.Render(scope)));
            separator = '&';
        }
        return url.ToString();
    }
}

/// <summary>An action run with a payload (oauth.json trigger steps, schema.json <c>deleteAction</c>).</summary>
public sealed record TriggerStepPlan(string Action, JsonTemplatePlan Payload);

/// <summary>schema.json: identity, the static variables (compiled templates over the token store), authentication.</summary>
public sealed record SchemaPlan(
    string Name,
    string? Version,
    string? Description,
    IReadOnlyList<NamedTemplatePlan> Variables,
    SecurityPlan? Security,
    TriggerStepPlan? DeleteAction);

/// <summary>How requests authenticate, and where an expired token is refreshed.</summary>
public sealed record SecurityPlan(
    string Type,
    TemplatePlan? Token,
    string? AccessTokenVariable,
    string? ExpiryInVariable,
    TemplatePlan? RefreshTokenUrl);

public sealed record ActionPlan(
    string Name,
    bool SkipParser,
    bool ReturnsData,
    RateLimitPlan? RateLimit,
    IReadOnlyList<StepPlan> Steps,
    IRecordMapper? Mapper);

/// <summary><c>rate_limit</c>: at most <see cref="Limit"/> runs per <see cref="PeriodSeconds"/> per instance.</summary>
public sealed record RateLimitPlan(int Limit, int PeriodSeconds);

/// <summary>One Python step with its source embedded, and the actions its literal calls name.</summary>
public sealed record StepPlan(string CodeRef, string CodePath, string Source, bool ContinueOnFailure, IReadOnlyList<ActionCallPlan> Calls);

public enum ActionCallKind
{
    SendToTrigger,
    SendToParser,
    DispatchCommand,
}

public sealed record ActionCallPlan(ActionCallKind Kind, string Action);

/// <summary>usertypes.json: the actions each role may trigger. Owners bypass it; without the file every role may.</summary>
public sealed record UserTypesPlan(IReadOnlyDictionary<string, IReadOnlyList<string>> Roles)
{
    public bool Allows(string role, string action, bool isOwner) =>
        isOwner || (Roles.TryGetValue(role, out var actions) && actions.Contains(action));
}

/// <summary>One field of an action's mapping: its name, type, whether a record must have it, its RFC 9535 query.</summary>
public sealed record FieldPlan(string Name, string DataType, bool Required, string EquivalentName);

/// <summary>A compiled field mapping: JSON record in, typed record (or every mapping error) out.</summary>
public interface IRecordMapper
{
    Type RecordType { get; }

    IReadOnlyList<FieldPlan> Fields { get; }

    MappingResult<object> Map(JsonElement record);

    /// <summary>The same mapping from UTF-8 JSON bytes (in one pass without a DOM where the queries allow it).</summary>
    MappingResult<object> Map(ReadOnlySpan<byte> utf8Json);
}
