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
        // One scope for the request: body and headers become Python values only as far as the steps read them, and
        // its names are the memory, bound once (issue 17). The thread keeps it between requests; it is taken out
        // while in use, so a re-entrant route gets its own, and reset after, so it keeps nothing of the request.
        var scope = t_scope ?? new PyScope(body, headers, new Dictionary<string, PyValue>(StringComparer.Ordinal));
        t_scope = null;
        scope.Reset(body, headers);
        try
        {
            // Indexed loops: a foreach over an IReadOnlyList allocates its enumerator, once per request.
            List<string>? missingBody = null;
            var bodyRequired = BodyRequired;
            for (var i = 0; i < bodyRequired.Count; i++)
            {
                if (!scope.TryGetBodyMember(bodyRequired[i], out _))
                {
                    (missingBody ??= []).Add(bodyRequired[i]);
                }
            }
            List<string>? missingHeaders = null;
            var headersRequired = HeadersRequired;
            for (var i = 0; i < headersRequired.Count; i++)
            {
                if (!Json.JsonMembers.TryGetHeader(headers, headersRequired[i], out _))
                {
                    (missingHeaders ??= []).Add(headersRequired[i]);
                }
            }
            if (missingBody is not null || missingHeaders is not null)
            {
                return new WebhookRouting(missingBody ?? [], missingHeaders ?? [], [], []);
            }
            var dispatches = new List<WebhookDispatch>(StepActions.Count);
            List<WebhookStepError>? errors = null;
            RunSteps(scope, scope.Names, dispatches, ref errors);
            return new WebhookRouting([], [], dispatches, errors ?? []);
        }
        finally
        {
            scope.Reset(default, default);
            t_scope = scope;
        }
    }

    [ThreadStatic]
    private static PyScope? t_scope;

    private void RunSteps(PyScope scope, Dictionary<string, PyValue> memory, List<WebhookDispatch> dispatches, ref List<WebhookStepError>? errors)
    {
        for (var step = 0; step < StepActions.Count; step++)
        {
            scope.ClearNames(); // the names are the memory: each step starts with none
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
                (errors ??= []).Add(new WebhookStepError(step, StepActions[step], e.ExceptionClass, e.Message));
            }
            catch (InsufficientExecutionStackException)
            {
                (errors ??= []).Add(new WebhookStepError(step, StepActions[step], "RecursionError", "expression nested too deeply to evaluate"));
            }
        }
    }

    /// <summary>
    /// Generated: evaluates step <paramref name="step"/>'s condition (false: returns false), then its memory values in
    /// order (each bound in <paramref name="scope"/> for the next), then renders its payload.
    /// </summary>
    protected abstract bool RunStep(int step, PyScope scope, Dictionary<string, PyValue> memory, out string payload);

    /// <summary>A payload's template scope: <see cref="WebhookHoles"/>' rule for payloads (a memory key, whose <c>str()</c> it renders, then the body's top-level key).
    /// The scope keeps one for its thread's requests (issue 17: a dispatch allocates only its payload).</summary>
    protected static TemplateScope PayloadScope(PyScope scope, Dictionary<string, PyValue> memory)
    {
        if (scope.WebhookPayloadScope is WebhookPayloadScope kept && kept.Memory == memory)
        {
            kept.ClearMissing();
            return kept;
        }
        var created = new WebhookPayloadScope(scope, memory);
        scope.WebhookPayloadScope = created;
        return created;
    }

    private sealed class WebhookPayloadScope(PyScope scope, Dictionary<string, PyValue> memory) : TemplateScope(htmlEscape: false)
    {
        public Dictionary<string, PyValue> Memory => memory;

        public override TemplateValue Lookup(string[] path)
        {
            if (!WebhookHoles.TryResolve(path[0], WebhookHoleSources.Payload, memory, scope, out var memoryValue, out var json))
            {
                return TemplateValue.Missing;
            }
            if (memoryValue is null)
            {
                // A body key's string stays in the document: a payload writes it from there (TemplateRuntime.WriteText).
                var node = json;
                for (var i = 1; i < path.Length; i++)
                {
                    if (!TemplateRuntime.TryStep(node, path[i], out node))
                    {
                        return TemplateValue.Missing;
                    }
                }
                return TemplateValue.Of(node);
            }
            if (path.Length == 1)
            {
                return TemplateValue.OfText(PyFormat.Str(memoryValue));
            }
            // A path into a memory value walks its JSON form (memory values are JSON-shaped: dicts, lists, scalars).
            var value = PyJson.ToJsonForm(memoryValue);
            for (var i = 1; i < path.Length; i++)
            {
                if (!TryStep(value, path[i], out value))
                {
                    return TemplateValue.Missing;
                }
            }
            return TemplateValue.Of(value);
        }

        /// <summary><see cref="TemplateRuntime.TryStep"/>'s rule over a value in JSON form: a dict key, else (all digits) a list index.</summary>
        private static bool TryStep(PyValue value, string segment, out PyValue result)
        {
            if (value is PyDict dict && dict.TryGet(PyStr.Of(segment), out result))
            {
                return true;
            }
            if (value is PyList list && segment.Length > 0 && segment.All(c => c is >= '0' and <= '9')
                && int.TryParse(segment, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
                && index < list.Items.Count)
            {
                result = list.Items[index];
                return true;
            }
            result = PyNone.Instance;
            return false;
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
