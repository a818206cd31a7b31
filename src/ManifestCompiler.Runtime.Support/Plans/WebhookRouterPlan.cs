using ManifestCompiler.Runtime.Support.Json;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Python;
using ManifestCompiler.Runtime.Support.Templates;

namespace ManifestCompiler.Runtime.Support.Plans;

/// <summary>
/// A compiled webhook.json: the signature the host verifies over the raw body first, validations, then each trigger
/// step's condition, memory and payload, as generated C# over the same Python value semantics as the interpreter.
/// </summary>
public abstract class WebhookRouterPlan
{
    /// <summary><c>validations.signature</c>; null when webhook.json has none (anyone who knows the URL can trigger it).</summary>
    public abstract WebhookSignaturePlan? Signature { get; }

    public abstract IReadOnlyList<string> BodyRequired { get; }

    public abstract IReadOnlyList<string> HeadersRequired { get; }

    /// <summary>The actions each trigger step names, in step order.</summary>
    public abstract IReadOnlyList<string> StepActions { get; }

    /// <summary>
    /// Routes one request. Missing body keys or headers (headers match without regard to case) stop it before any
    /// step runs. Otherwise every step runs in order; a step whose condition or memory raises is reported as that
    /// step's error and the other steps still run.
    /// </summary>
    public WebhookRouting Route(JsonElement body, JsonElement headers)
    {
        var missingBody = BodyRequired.Where(key => body.ValueKind != JsonValueKind.Object || !Json.JsonMembers.TryGet(body, key, out _)).ToList();
        var missingHeaders = HeadersRequired.Where(name => !Json.JsonMembers.TryGetHeader(headers, name, out _)).ToList();
        if (missingBody.Count > 0 || missingHeaders.Count > 0)
        {
            return new WebhookRouting(missingBody, missingHeaders, [], []);
        }
        var dispatches = new List<WebhookDispatch>();
        var errors = new List<WebhookStepError>();
        for (var step = 0; step < StepActions.Count; step++)
        {
            var scope = new PyScope(body, headers);
            var memory = new Dictionary<string, PyValue>(StringComparer.Ordinal);
            try
            {
                if (!RunStep(step, scope, memory, out var payload))
                {
                    continue;
                }
                dispatches.Add(new WebhookDispatch(step, StepActions[step], payload));
            }
            catch (PyException e)
            {
                errors.Add(new WebhookStepError(step, StepActions[step], e.ExceptionClass, e.Message));
            }
            catch (InsufficientExecutionStackException)
            {
                errors.Add(new WebhookStepError(step, StepActions[step], "RecursionError", "expression nested too deeply to evaluate"));
            }
        }
        return new WebhookRouting([], [], dispatches, errors);
    }

    /// <summary>
    /// Generated: evaluates step <paramref name="step"/>'s condition (false: returns false), then its memory values in
    /// order (each bound in <paramref name="scope"/> for the next), then renders its payload.
    /// </summary>
    protected abstract bool RunStep(int step, PyScope scope, Dictionary<string, PyValue> memory, out string payload);

    /// <summary>A payload's template scope: memory keys first (their <c>str()</c>), then the body's top-level keys.</summary>
    protected static TemplateScope PayloadScope(PyScope scope, Dictionary<string, PyValue> memory) => new WebhookPayloadScope(scope, memory);

    private sealed class WebhookPayloadScope(PyScope scope, Dictionary<string, PyValue> memory) : TemplateScope(htmlEscape: false)
    {
        public override TemplateValue Lookup(string[] path)
        {
            if (memory.TryGetValue(path[0], out var value))
            {
                if (path.Length == 1)
                {
                    return TemplateValue.OfText(PyFormat.Str(value));
                }
                // A path into a memory value walks its JSON form (memory values are JSON-shaped: dicts, lists, scalars).
                using var document = DataJson.ParseDocument(PyJson.Serialize(value));
                var node = document.RootElement;
                for (var i = 1; i < path.Length; i++)
                {
                    if (!TemplateRuntime.TryStep(node, path[i], out node))
                    {
                        return TemplateValue.Missing;
                    }
                }
                return TemplateValue.Of(node.Clone());
            }
            return TemplateRuntime.Lookup(TemplateRuntime.FromObject(scope.Body), path);
        }
    }
}

/// <summary>The outcome of routing one webhook request.</summary>
public sealed record WebhookRouting(
    IReadOnlyList<string> MissingBodyKeys,
    IReadOnlyList<string> MissingHeaders,
    IReadOnlyList<WebhookDispatch> Dispatches,
    IReadOnlyList<WebhookStepError> Errors)
{
    /// <summary>False when validations failed (the host answers 400 with the missing names).</summary>
    public bool Accepted => MissingBodyKeys.Count == 0 && MissingHeaders.Count == 0;
}

/// <summary>An action to queue: the step that chose it and its rendered payload (JSON).</summary>
public sealed record WebhookDispatch(int Step, string Action, string Payload);

/// <summary>A step whose condition or memory raised: CPython's exception class and message.</summary>
public sealed record WebhookStepError(int Step, string Action, string ExceptionClass, string Message);
