using System.Text.Json.Nodes;

namespace ManifestCompiler.Runtime;

/// <summary>Which kind of plan an instance runs.</summary>
public enum ManifestDialect
{
    Bossi,
    ChiefOnboarding,
}

/// <summary>
/// A connected integration: <c>tech.boss.&lt;integration&gt;[index]</c> for one company, with its stored tokens
/// (API keys from <c>requiredQueryParams</c>, or OAuth tokens) and when they were stored, which with the security
/// block's <c>expiryInVariable</c> says when the access token expires. A ChiefOnboarding manifest's instance
/// (<c>chiefonboarding.&lt;manifest&gt;[index]</c>) keeps its <c>initial_data_form</c> values and <c>oauth</c> answer
/// as its tokens (its <c>extra_args</c>), so they are encrypted at rest the same way.
/// </summary>
public sealed record IntegrationInstance(string Integration, int Index, string CompanyId, JsonObject Tokens, DateTimeOffset TokensStoredAt, ManifestDialect Dialect = ManifestDialect.Bossi)
{
    public string Id => InstanceId(Integration, Index, Dialect);

    public static string InstanceId(string integration, int index, ManifestDialect dialect = ManifestDialect.Bossi) =>
        dialect == ManifestDialect.Bossi ? $"tech.boss.{integration}[{index}]" : $"chiefonboarding.{integration}[{index}]";
}

/// <summary>Who asked for a run: the person and role <c>usertypes.json</c> is checked against (owners bypass it).</summary>
public sealed record RunCaller(string? PersonId, string? Role, bool IsOwner)
{
    /// <summary>The platform itself (trigger steps, webhooks, child runs, schedules): not subject to usertypes.</summary>
    public static readonly RunCaller System = new(null, null, IsOwner: true);
}

/// <summary>
/// One queued run of an action. Child runs (<c>send_to_trigger</c>) keep the correlation id and get a new run id;
/// <c>schedule_task</c> re-queues the same action and payload after a delay with one retry fewer.
/// <see cref="IdempotencyKey"/> makes enqueueing the same run twice (a host restarted mid-hand-over) a no-op.
/// </summary>
public sealed record RunRequest(
    string RunId,
    string CorrelationId,
    string InstanceId,
    string Action,
    string PayloadJson,
    DateTimeOffset NotBefore,
    string IdempotencyKey,
    string? ParentRunId = null,
    int? RetriesLeft = null,
    RunCaller? Caller = null);

public enum RunStatus
{
    Succeeded,
    Failed,
    Refused,
}

/// <summary>What a run ended with: its result (the last step's return value), or why it failed.</summary>
public sealed record RunOutcome(RunRequest Run, RunStatus Status, JsonNode? Result, string? Error)
{
    public bool Succeeded => Status == RunStatus.Succeeded;
}

/// <summary>
/// A record that went through an action's compiled field mapping. <see cref="Key"/> is the run id and the record's
/// place in what the run sent, so a run executed again after a crash writes each record once.
/// </summary>
public sealed record MappedRecord(string Key, string InstanceId, string Action, string RunId, object Record);

/// <summary>A record that did not map: every field error, and the record as received (never silently dropped).</summary>
public sealed record MappingFailure(string Key, string InstanceId, string Action, string RunId, IReadOnlyList<Support.Mapping.MappingError> Errors, string RecordJson);

/// <summary>A token or field as text: a JSON string's own text, any other value its JSON (null for none).</summary>
internal static class JsonText
{
    public static string? Of(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node?.ToJsonString();
}
