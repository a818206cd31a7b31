using ManifestCompiler.Runtime.Support.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime.Bossi;

/// <summary>
/// One run of one action: its steps in order on the worker pool (<c>storage</c> shared; a step's returned dict is
/// merged into it for the steps after; <c>payload</c> is the run's payload for every step), a failed step ending the
/// run unless it has <c>continueOnFailure</c>, then the last step's result through the field mapping when the action
/// does not skip the parser. A step fails when Python raised or when it returned a dict with an <c>error</c> key,
/// the samples' convention for "the API said no".
/// </summary>
internal sealed class ActionExecution(BossiEngine engine, IntegrationPlan plan, ActionPlan action, IntegrationInstance instance, RunRequest run)
{
    private int _sequence;
    private IntegrationInstance _instance = instance;

    private RuntimeServices Services => engine.Services;

    private BossiEngine Engine => engine;

    private IntegrationPlan Plan => plan;

    private RunRequest Run => run;

    public async Task<RunOutcome> RunAsync(CancellationToken cancellationToken)
    {
        Event(DebugLevel.Debug, $"Starting execution of action: {action.Name}", "lifecycle");
        JsonNode? payload;
        try
        {
            payload = DataJson.ParseNode(run.PayloadJson);
        }
        catch (JsonException e)
        {
            return Fail($"the run's payload is not JSON: {e.Message}");
        }

        var all = engine.AllVariables(plan, _instance, out var variables, out var missing);
        if (missing.Count > 0)
        {
            Event(DebugLevel.Warning, $"schema variables use {string.Join(", ", missing.Distinct())}, which the instance does not define; they render empty", "lifecycle");
        }

        var storage = new JsonObject();
        JsonNode? result = null;
        for (var i = 0; i < action.Steps.Count; i++)
        {
            var step = action.Steps[i];
            Event(DebugLevel.Debug, $"Starting step {i + 1} of {action.Steps.Count}", "lifecycle");
            Event(DebugLevel.Debug, "Starting code execution step", "lifecycle");
            var request = StepRequest(step, payload, storage, variables, all);
            var stepResult = await Services.Pool.RunAsync(request, new RunEffects(this), cancellationToken).ConfigureAwait(false);
            foreach (var log in stepResult.Logs)
            {
                Event(Level(log.Level), log.Message, "log", code: log.Level >= StepLogLevel.Error ? 500 : 200);
            }
            var failure = stepResult.Error is { } error ? Describe(error) : ReturnedError(stepResult.ReturnValue);
            if (failure is not null)
            {
                Event(DebugLevel.Error, $"Step {i + 1} of {action.Steps.Count} ({step.CodeRef}) failed: {failure}", "action_error", code: 500);
                if (!step.ContinueOnFailure)
                {
                    return new RunOutcome(run, RunStatus.Failed, stepResult.ReturnValue, failure);
                }
                continue;
            }
            storage = stepResult.Storage ?? storage;
            // After the last step storage is read by nobody: merging the result into it would only copy it.
            if (i + 1 < action.Steps.Count && stepResult.ReturnValue is JsonObject returned)
            {
                foreach (var (name, value) in returned)
                {
                    storage[name] = value?.DeepClone();
                }
            }
            result = stepResult.ReturnValue;
        }

        if (!action.SkipParser && action.Mapper is not null && result is not null)
        {
            await MapAsync(action, result, cancellationToken).ConfigureAwait(false);
        }
        Event(DebugLevel.Debug, $"Finished execution of action: {action.Name}", "lifecycle");
        return new RunOutcome(run, RunStatus.Succeeded, result, null);
    }

    /// <summary>
    /// The request for one step of this run: the instance as the worker's tenant, the run's values as its globals.
    /// They are passed as they are, not copied: the runner serializes them when the step starts and changes none
    /// (<see cref="PythonStepRequest"/>), and this run changes none of them in place while the step runs.
    /// </summary>
    internal PythonStepRequest StepRequest(StepPlan step, JsonNode? payload, JsonObject storage, JsonObject variables, JsonObject all) => new()
    {
        TenantId = _instance.Id,
        Source = step.Source,
        FileName = step.CodePath,
        Payload = payload,
        Storage = storage,
        Variables = variables,
        IntegrationVariables = _instance.Tokens,
        AllVariables = all,
        Action = action.Name,
        CompanyId = _instance.CompanyId,
        PersonId = run.Caller?.PersonId,
        Integration = _instance.Id,
        WebhookUrl = Services.WebhookUrl(_instance),
    };

    /// <summary>Each record (a dict, or each dict of a list) through the action's mapper into the sink; failures are kept and reported.</summary>
    internal async Task<int> MapAsync(ActionPlan target, JsonNode data, CancellationToken cancellationToken)
    {
        var mapper = target.Mapper ?? throw new StepEffectException($"action '{target.Name}' has no field mapping");
        var records = data is JsonArray array ? array.ToList() : [data];
        var mapped = 0;
        for (var i = 0; i < records.Count; i++)
        {
            // The record as UTF-8, written once from the step's result (parsed from the worker's frame into nodes,
            // so no bytes of the record alone exist before this); the text is made only for a record that does not
            // map. The mapper reads the bytes: in one forward pass without a DOM when its queries allow it (the
            // streaming mapper), else through a document parsed as DataJson parses; either reads as deep as
            // DataJson.MaxDepth, so the same records and errors come out as from the DOM mapper.
            var utf8 = JsonSerializer.SerializeToUtf8Bytes(records[i], DataJson.SerializerOptions);
            var result = mapper.Map(new ReadOnlySpan<byte>(utf8));
            var key = NextKey("record");
            if (result.Record is { } record)
            {
                await Services.Records.WriteAsync(new MappedRecord(key, _instance.Id, target.Name, run.RunId, record), cancellationToken).ConfigureAwait(false);
                mapped++;
            }
            else
            {
                var json = Encoding.UTF8.GetString(utf8);
                await Services.Records.WriteFailureAsync(new MappingFailure(key, _instance.Id, target.Name, run.RunId, result.Errors, json), cancellationToken).ConfigureAwait(false);
                Event(DebugLevel.Warning, $"Record {i + 1} of {records.Count} for {target.Name} did not map: {string.Join("; ", result.Errors.Select(e => e.Message))}", "mapping_error", code: 422, data: Services.Redactor.Redact(records[i])?.ToJsonString() ?? "null");
            }
        }
        return mapped;
    }

    private RunOutcome Fail(string reason)
    {
        Event(DebugLevel.Error, reason, "action_error", code: 500);
        return new RunOutcome(run, RunStatus.Failed, null, reason);
    }

    private static string Describe(PythonStepError error) =>
        error.Kind == StepErrorKind.PythonException
            ? $"{error.PythonType}: {error.Message}{(error.Line is { } line ? $" (line {line})" : "")}"
            : $"{error.Kind}: {error.Message}";

    private static string? ReturnedError(JsonNode? value) =>
        value is JsonObject result && result["error"] is { } error && error.GetValueKind() is not (JsonValueKind.Null or JsonValueKind.False)
            ? "returned error: " + JsonText.Of(error)
            : null;

    private static DebugLevel Level(StepLogLevel level) => level switch
    {
        StepLogLevel.Debug => DebugLevel.Debug,
        StepLogLevel.Info => DebugLevel.Info,
        StepLogLevel.Warning => DebugLevel.Warning,
        _ => DebugLevel.Error,
    };

    internal void Event(DebugLevel level, string message, string debugType, int code = 200, string? data = null) =>
        Services.Publish(level, message, code, action.Name, run.CorrelationId, run.RunId, _instance.Id, debugType, data);

    /// <summary>A deterministic idempotency key for the n-th queued side effect of this run (a re-run after a crash queues nothing twice).</summary>
    private string NextKey(string kind) => $"{run.RunId}:{kind}:{Interlocked.Increment(ref _sequence)}";

    /// <summary>The side effects of this run's steps: everything the worker asks the host to do.</summary>
    private sealed class RunEffects(ActionExecution execution) : StepEffectHandler(execution.Services.Http)
    {
        private RuntimeServices Runtime => execution.Services;

        /// <summary>
        /// Through the routes; a 401 to a request that carried the current access token refreshes the tokens (when the
        /// plan can) and sends the request once more with the new token in its place.
        /// </summary>
        public override async Task<StepHttpResponse> SendHttpAsync(StepHttpRequest request, StepCallContext context, CancellationToken cancellationToken)
        {
            var routed = request with { Url = Runtime.Options.Routes.Rewrite(request.Url) };
            var response = await base.SendHttpAsync(routed, context, cancellationToken).ConfigureAwait(false);
            if (response.Status != 401 || CurrentAccessToken() is not { Length: > 0 } token
                || !routed.Headers.Any(h => h.Value.Contains(token, StringComparison.Ordinal))
                || !TokenRefresher.CanRefresh(execution.Plan, execution._instance))
            {
                return response;
            }
            execution.Event(DebugLevel.Debug, $"{request.Url.Host} answered 401: refreshing the access token", "lifecycle");
            await RefreshAsync(cancellationToken).ConfigureAwait(false);
            var fresh = CurrentAccessToken() ?? "";
            var retried = routed with { Headers = [.. routed.Headers.Select(h => new KeyValuePair<string, string>(h.Key, h.Value.Replace(token, fresh, StringComparison.Ordinal)))] };
            return await base.SendHttpAsync(retried, context, cancellationToken).ConfigureAwait(false);
        }

        public override async Task<string?> GetTokenAsync(StepCallContext context, CancellationToken cancellationToken)
        {
            if (TokenRefresher.HasExpired(execution.Plan, execution._instance, Runtime.Now) && TokenRefresher.CanRefresh(execution.Plan, execution._instance))
            {
                execution.Event(DebugLevel.Debug, "The access token has expired: refreshing it", "lifecycle");
                await RefreshAsync(cancellationToken).ConfigureAwait(false);
            }
            return CurrentAccessToken();
        }

        private async Task RefreshAsync(CancellationToken cancellationToken)
        {
            var refreshed = await TokenRefresher.RefreshAsync(execution.Plan, execution._instance, Runtime.Http, Runtime.Options.Routes, Runtime.Now, cancellationToken).ConfigureAwait(false);
            Runtime.Redactor.AddTokens(refreshed.Tokens);
            execution._instance = refreshed;
            await Runtime.Instances.SaveAsync(refreshed, cancellationToken).ConfigureAwait(false);
            execution.Event(DebugLevel.Info, "Access token refreshed", "lifecycle");
        }

        private string? CurrentAccessToken()
        {
            var tokens = execution._instance.Tokens;
            var security = execution.Plan.Schema.Security;
            var name = security?.AccessTokenVariable ?? "access_token";
            if (tokens[name] is JsonValue value && value.TryGetValue<string>(out var token))
            {
                return token;
            }
            if (security?.Token is { } template)
            {
                var scope = TemplateScope.FromObject(JsonSerializer.SerializeToElement(tokens, DataJson.SerializerOptions));
                var rendered = template.Render(scope);
                return scope.Missing.Count == 0 ? rendered : null;
            }
            return null;
        }

        public override async Task ModifyTokensAsync(JsonObject tokens, StepCallContext context, CancellationToken cancellationToken)
        {
            execution._instance = execution._instance with { Tokens = (JsonObject)tokens.DeepClone(), TokensStoredAt = Runtime.Now };
            Runtime.Redactor.AddTokens(tokens);
            await Runtime.Instances.SaveAsync(execution._instance, cancellationToken).ConfigureAwait(false);
            execution.Event(DebugLevel.Debug, "Tokens replaced by the step", "lifecycle");
        }

        public override async Task ScheduleTaskAsync(int seconds, int retries, StepCallContext context, CancellationToken cancellationToken)
        {
            var run = execution.Run;
            var left = run.RetriesLeft ?? retries;
            if (left <= 0)
            {
                execution.Event(DebugLevel.Warning, $"schedule_task({seconds}) not queued: no retries left for this run", "lifecycle");
                return;
            }
            var retry = run with
            {
                RunId = RuntimeServices.NewId(),
                NotBefore = Runtime.Now.AddSeconds(Math.Max(0, seconds)),
                IdempotencyKey = execution.NextKey("schedule"),
                ParentRunId = run.RunId,
                RetriesLeft = left - 1,
            };
            await Runtime.QueueAsync(retry, cancellationToken).ConfigureAwait(false);
            execution.Event(DebugLevel.Debug, $"Scheduled {run.Action} again in {seconds} s ({left - 1} retries left after it)", "lifecycle");
        }

        public override async Task SendToTriggerAsync(string action, JsonNode? payload, StepCallContext context, CancellationToken cancellationToken)
        {
            if (execution.Plan.FindAction(action) is null)
            {
                throw new StepEffectException($"send_to_trigger: {execution.Plan} has no action '{action}'");
            }
            var payloadJson = (payload ?? new JsonObject()).ToJsonString();
            // The event's copy is masked before it is serialized; the child run gets the values themselves.
            execution.Event(DebugLevel.Debug, "Sending to trigger service", "trigger", data: $"{{\"action\":{JsonSerializer.Serialize(action)},\"payload\":{Runtime.Redactor.Redact(payload ?? new JsonObject())!.ToJsonString()}}}");
            var run = execution.Run;
            var child = new RunRequest(RuntimeServices.NewId(), run.CorrelationId, run.InstanceId, action, payloadJson, Runtime.Now, execution.NextKey("trigger"), run.RunId, Caller: RunCaller.System);
            await Runtime.QueueAsync(child, cancellationToken).ConfigureAwait(false);
        }

        public override async Task SendToParserAsync(string action, JsonNode? data, StepCallContext context, CancellationToken cancellationToken)
        {
            var target = execution.Plan.FindAction(action) ?? throw new StepEffectException($"send_to_parser: {execution.Plan} has no action '{action}'");
            await execution.MapAsync(target, data ?? new JsonArray(), cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// <c>create_cron_job(action, cron, payload=None, name=None)</c>, positional or by keyword: queues
        /// <c>action</c> with <c>payload</c> at every occurrence of <c>cron</c> (UTC; five fields, or six with seconds
        /// last, or a macro such as <c>@hourly</c>). <c>name</c> (default: the action) identifies the job within the
        /// instance, so creating it again replaces it rather than doubling it.
        /// </summary>
        public override async Task CreateCronJobAsync(JsonArray arguments, JsonObject keywordArguments, StepCallContext context, CancellationToken cancellationToken)
        {
            JsonNode? Argument(int position, string name) => keywordArguments[name] ?? (arguments.Count > position ? arguments[position] : null);
            var action = JsonText.Of(Argument(0, "action"));
            var cron = JsonText.Of(Argument(1, "cron"));
            if (string.IsNullOrEmpty(action) || string.IsNullOrEmpty(cron))
            {
                throw new StepEffectException("create_cron_job needs an action and a cron expression: create_cron_job(action, cron, payload=None, name=None)");
            }
            if (execution.Plan.FindAction(action) is null)
            {
                throw new StepEffectException($"create_cron_job: {execution.Plan} has no action '{action}'");
            }
            if (Support.Cron.CronScheduleParser.Parse(cron, out var errors) is null)
            {
                var error = errors[0];
                throw new StepEffectException($"create_cron_job: '{cron}' is not a cron expression ({error.Kind} at column {error.Start + 1})");
            }
            var name = JsonText.Of(Argument(3, "name")) ?? action;
            var payload = (Argument(2, "payload") ?? new JsonObject()).ToJsonString();
            await Runtime.CronJobs.SaveJobAsync(new CronJob(execution._instance.Id, name, action, payload, cron, Runtime.Now), cancellationToken).ConfigureAwait(false);
            execution.Event(DebugLevel.Debug, $"Cron job '{name}' created: {action} at '{cron}'", "lifecycle");
        }

        /// <summary>
        /// <c>dispatch_command(action, payload, passthrough)</c>: queues <c>action</c> of the company's connected
        /// integration that has it (write <c>&lt;instance id&gt;/&lt;action&gt;</c> when several do) with
        /// <c>payload</c>, in this run's correlation. The step gets <c>{"run_id", "integration", "passthrough"}</c> back
        /// at once: waiting for the other run here could starve the worker pool.
        /// </summary>
        public override async Task<JsonNode?> DispatchCommandAsync(string action, JsonNode? payload, JsonNode? passthrough, StepCallContext context, CancellationToken cancellationToken)
        {
            string? instanceId = null;
            var slash = action.LastIndexOf('/');
            if (slash > 0)
            {
                instanceId = action[..slash];
                action = action[(slash + 1)..];
            }
            var candidates = new List<IntegrationInstance>();
            foreach (var instance in await Runtime.Instances.ListAsync(cancellationToken).ConfigureAwait(false))
            {
                if (instance.Dialect == ManifestDialect.Bossi && instance.CompanyId == execution._instance.CompanyId
                    && (instanceId is null || instance.Id == instanceId)
                    && execution.Engine.FindPlan(instance.Integration)?.FindAction(action) is not null)
                {
                    candidates.Add(instance);
                }
            }
            if (candidates.Count != 1)
            {
                throw new StepEffectException(candidates.Count == 0
                    ? $"dispatch_command: no connected integration of this company has an action '{action}'"
                    : $"dispatch_command: several integrations have '{action}' ({string.Join(", ", candidates.Select(c => c.Id))}); write '<integration>/{action}'");
            }
            var target = candidates[0];
            var run = execution.Run;
            var payloadJson = (payload ?? new JsonObject()).ToJsonString();
            execution.Event(DebugLevel.Debug, $"Dispatching {action} to {target.Id}", "trigger", data: $"{{\"integration\":{JsonSerializer.Serialize(target.Id)},\"action\":{JsonSerializer.Serialize(action)},\"payload\":{Runtime.Redactor.Redact(payload ?? new JsonObject())!.ToJsonString()},\"passthrough\":{Runtime.Redactor.Redact(passthrough)?.ToJsonString() ?? "null"}}}");
            var child = new RunRequest(RuntimeServices.NewId(), run.CorrelationId, target.Id, action, payloadJson, Runtime.Now, execution.NextKey("dispatch"), run.RunId, Caller: RunCaller.System);
            await Runtime.QueueAsync(child, cancellationToken).ConfigureAwait(false);
            return new JsonObject { ["run_id"] = child.RunId, ["integration"] = target.Id, ["passthrough"] = passthrough?.DeepClone() };
        }
    }
}
