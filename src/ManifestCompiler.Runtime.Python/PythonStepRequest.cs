using System.Text.Json.Nodes;

namespace ManifestCompiler.Runtime.Python;

/// <summary>
/// One run of a BOSSi Python step: its source and the globals the spec preloads ("Variables — Complete Globals
/// Reference"). The JSON values are serialized when the run starts; the request is not changed.
/// </summary>
public sealed class PythonStepRequest
{
    /// <summary>The integration instance (company) the run belongs to. A worker only ever serves one.</summary>
    public required string TenantId { get; init; }

    /// <summary>The step's module source, defining <c>main(storage)</c>.</summary>
    public required string Source { get; init; }

    /// <summary>The file name errors and line numbers refer to, e.g. <c>action/sync-v1/code/action.py</c>.</summary>
    public string FileName { get; init; } = "action.py";

    public JsonNode? Payload { get; init; }

    /// <summary>Shared across the steps of one action run; <see cref="PythonStepResult.Storage"/> is its state
    /// after this step.</summary>
    public JsonObject? Storage { get; init; }

    /// <summary>Static values from schema.json.</summary>
    public JsonObject? Variables { get; init; }

    /// <summary>Stored credentials and tokens.</summary>
    public JsonObject? IntegrationVariables { get; init; }

    /// <summary>All sources merged; <c>null</c> merges <see cref="Variables"/>, <see cref="IntegrationVariables"/>
    /// and <see cref="Payload"/> (later ones win).</summary>
    public JsonObject? AllVariables { get; init; }

    /// <summary>The current action's name.</summary>
    public string? Action { get; init; }

    /// <summary>The company's entity id (<c>entity_id</c> and <c>company_id</c>).</summary>
    public string? CompanyId { get; init; }

    public string? PersonId { get; init; }

    /// <summary>The full integration identifier, e.g. <c>tech.boss.quickbooks[0]</c>.</summary>
    public string? Integration { get; init; }

    public string? WebhookUrl { get; init; }

    /// <summary>Overrides <see cref="PythonWorkerPoolOptions.RunTimeout"/> for this run.</summary>
    public TimeSpan? Timeout { get; init; }

    internal JsonObject ToGlobals() => new()
    {
        ["payload"] = Payload?.DeepClone(),
        ["storage"] = Storage?.DeepClone(),
        ["variables"] = Variables?.DeepClone(),
        ["integration_variables"] = IntegrationVariables?.DeepClone(),
        ["all_variables"] = AllVariables?.DeepClone(),
        ["action"] = Action,
        ["company_id"] = CompanyId,
        ["person_id"] = PersonId,
        ["integration"] = Integration,
        ["webhook_url"] = WebhookUrl,
    };
}
