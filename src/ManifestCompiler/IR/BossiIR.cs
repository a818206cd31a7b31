// Enums shared with the plan contracts live in Runtime.Support (one concept, one place).
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Syntax.JsonPath;
using ManifestCompiler.Syntax.Python;

namespace ManifestCompiler.IR;

/// <summary>
/// A bound BOSSi integration folder: everything the generator and runtime need, with every cross-reference resolved
/// (trigger steps, usertypes, the delete action and webhook steps name actions that exist; every step has its code).
/// </summary>
public sealed record IntegrationIR(
    string Name,
    OAuthIR OAuth,
    SchemaIR Schema,
    EquatableArray<ActionIR> Actions,
    UserTypesIR? UserTypes,
    WebhookIR? Webhook,
    EquatableArray<string> Assets);

/// <summary>oauth.json: how a company connects.</summary>
public sealed record OAuthIR(
    string Name,
    EquatableArray<string> Services,
    bool IsNonOauth,
    bool GenerateWebhook,
    TemplateIR? Url,
    string? ClientId,
    string? ClientSecret,
    TemplateIR? TokenUrl,
    EquatableArray<NamedTemplateIR> Parameters,
    EquatableArray<NamedTemplateIR> Tokens,
    EquatableArray<string> RequiredQueryParams,
    EquatableArray<TriggerStepIR> TriggerSteps);

/// <summary>An action to run with a payload (oauth.json trigger steps, schema.json deleteAction).</summary>
public sealed record TriggerStepIR(string Action, JsonValueIR Payload);

/// <summary>schema.json: identity, static variables and how API requests authenticate.</summary>
public sealed record SchemaIR(
    string Name,
    string? Version,
    string? Description,
    EquatableArray<NamedTemplateIR> Variables,
    SecurityIR? Security,
    TriggerStepIR? DeleteAction);

public sealed record SecurityIR(
    string Type,
    TemplateIR? Token,
    string? AccessTokenVariable,
    string? ExpiryInVariable,
    TemplateIR? RefreshTokenUrl);

public sealed record ActionIR(
    string Name,
    bool SkipParser,
    bool ReturnsData,
    RateLimitIR? RateLimit,
    EquatableArray<ActionStepIR> Steps,
    FieldMappingIR? Mapping);

/// <summary>
/// One code step: the file <c>action/&lt;action&gt;/code/&lt;codeRef&gt;.py</c> with its source embedded, and the actions its
/// literal <c>send_to_trigger</c>/<c>send_to_parser</c>/<c>dispatch_command</c> calls name.
/// </summary>
public sealed record ActionStepIR(string CodeRef, string CodePath, string Source, bool ContinueOnFailure, EquatableArray<ActionCallIR> Calls);

public sealed record ActionCallIR(ActionCallKind Kind, string Action);

/// <summary><c>rate_limit</c>: at most <see cref="Limit"/> runs per <see cref="Period"/> seconds per instance.</summary>
public sealed record RateLimitIR(int Limit, int Period);

public enum FieldDataType
{
    String,
    Number,
    Integer,
    Boolean,
    Date,
    DateTime,
    Array,
    Object,
}

/// <summary>action/&lt;name&gt;/schema.json: how each record maps into the platform's data model.</summary>
public sealed record FieldMappingIR(string? Version, EquatableArray<FieldMappingEntryIR> Fields);

/// <summary>One field: its type, whether a record must have it, and the RFC 9535 query that finds it in a record
/// (parsed and checked; it compares by its text).</summary>
public sealed record FieldMappingEntryIR(string Name, FieldDataType DataType, bool Required, JsonPathQuery EquivalentName);

/// <summary>usertypes.json: the actions each role may trigger (owners bypass it).</summary>
public sealed record UserTypesIR(EquatableArray<UserTypeIR> Roles);

public sealed record UserTypeIR(string Role, EquatableArray<string> Actions);

/// <summary>webhook.json: validations (the signature, required body keys and headers), then trigger steps in order.</summary>
public sealed record WebhookIR(EquatableArray<string> BodyRequired, EquatableArray<string> HeadersRequired, EquatableArray<WebhookTriggerIR> TriggerSteps, WebhookSignatureIR? Signature = null);

/// <summary>
/// validations.signature: the header, the scheme, the secret (a template over the instance's tokens and variables) and
/// the timestamp tolerance (used by schemes that sign a timestamp).
/// </summary>
public sealed record WebhookSignatureIR(string Header, WebhookSignatureScheme Scheme, TemplateIR Secret, int ToleranceSeconds);

/// <summary>
/// A webhook trigger step. <see cref="Condition"/> and memory values are checked Python expressions, parsed (null
/// condition: always);
/// the payload's templates read memory keys, and a hole no memory key defines reads the request body's top-level key.
/// </summary>
public sealed record WebhookTriggerIR(PythonExpression? Condition, EquatableArray<MemoryEntryIR> Memory, string Action, JsonValueIR Payload);

public sealed record MemoryEntryIR(string Key, PythonExpression Expression);
