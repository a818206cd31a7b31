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
public sealed record OAuthPlan
{
    public required string Name { get; init; }

    public required IReadOnlyList<string> Services { get; init; }

    public required bool IsNonOauth { get; init; }

    public required bool GenerateWebhook { get; init; }

    public required TemplatePlan? Url { get; init; }

    public required string? ClientId { get; init; }

    public required string? ClientSecret { get; init; }

    public required TemplatePlan? TokenUrl { get; init; }

    public required IReadOnlyList<NamedTemplatePlan> Parameters { get; init; }

    public required IReadOnlyList<NamedTemplatePlan> Tokens { get; init; }

    public required IReadOnlyList<string> RequiredQueryParams { get; init; }

    public required IReadOnlyList<TriggerStepPlan> TriggerSteps { get; init; }

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
public sealed record TriggerStepPlan
{
    public required string Action { get; init; }

    public required JsonTemplatePlan Payload { get; init; }
}

/// <summary>schema.json: identity, the static variables (compiled templates over the token store), authentication.</summary>
public sealed record SchemaPlan
{
    public required string Name { get; init; }

    public required string? Version { get; init; }

    public required string? Description { get; init; }

    public required IReadOnlyList<NamedTemplatePlan> Variables { get; init; }

    public required SecurityPlan? Security { get; init; }

    public required TriggerStepPlan? DeleteAction { get; init; }
}

/// <summary>How requests authenticate, and where an expired token is refreshed.</summary>
public sealed record SecurityPlan
{
    public required string Type { get; init; }

    public required TemplatePlan? Token { get; init; }

    public required string? AccessTokenVariable { get; init; }

    public required string? ExpiryInVariable { get; init; }

    public required TemplatePlan? RefreshTokenUrl { get; init; }
}

public sealed record ActionPlan
{
    public required string Name { get; init; }

    public required bool SkipParser { get; init; }

    public required bool ReturnsData { get; init; }

    public required RateLimitPlan? RateLimit { get; init; }

    public required IReadOnlyList<StepPlan> Steps { get; init; }

    public required IRecordMapper? Mapper { get; init; }
}

/// <summary><c>rate_limit</c>: at most <see cref="Limit"/> runs per <see cref="PeriodSeconds"/> per instance.</summary>
public sealed record RateLimitPlan
{
    public required int Limit { get; init; }

    public required int PeriodSeconds { get; init; }
}

/// <summary>One Python step with its source embedded, and the actions its literal calls name.</summary>
public sealed record StepPlan
{
    public required string CodeRef { get; init; }

    public required string CodePath { get; init; }

    public required string Source { get; init; }

    public required bool ContinueOnFailure { get; init; }

    public required IReadOnlyList<ActionCallPlan> Calls { get; init; }
}

public enum ActionCallKind
{
    SendToTrigger,
    SendToParser,
    DispatchCommand,
}

public sealed record ActionCallPlan
{
    public required ActionCallKind Kind { get; init; }

    public required string Action { get; init; }
}

/// <summary>usertypes.json: the actions each role may trigger. Owners bypass it; without the file every role may.</summary>
public sealed record UserTypesPlan
{
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Roles { get; init; }

    public bool Allows(string role, string action, bool isOwner) =>
        isOwner || (Roles.TryGetValue(role, out var actions) && actions.Contains(action));
}

/// <summary>One field of an action's mapping: its name, type, whether a record must have it, its RFC 9535 query.</summary>
public sealed record FieldPlan
{
    public required string Name { get; init; }

    public required string DataType { get; init; }

    public required bool Required { get; init; }

    public required string EquivalentName { get; init; }
}

/// <summary>A compiled field mapping: JSON record in, typed record (or every mapping error) out.</summary>
public interface IRecordMapper
{
    Type RecordType { get; }

    IReadOnlyList<FieldPlan> Fields { get; }

    MappingResult<object> Map(JsonElement record);

    /// <summary>The same mapping from UTF-8 JSON bytes (in one pass without a DOM where the queries allow it).</summary>
    MappingResult<object> Map(ReadOnlySpan<byte> utf8Json);
}
