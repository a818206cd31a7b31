using ManifestCompiler.Runtime.Support.Json;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime;

public sealed class RuntimeOptions
{
    /// <summary>Outbound requests of steps go through these routes first (<c>--route</c>).</summary>
    public OutboundRoutes Routes { get; init; } = OutboundRoutes.None;

    /// <summary>The client for outbound requests; by default one guarded by <see cref="EgressPolicy.Default"/>.</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>The base of inbound webhook URLs (<c>webhook_url</c>); an instance's URL is this plus its id.</summary>
    public string WebhookBaseUrl { get; init; } = "http://127.0.0.1:5080/webhooks";

    /// <summary>The OAuth redirect every integration registers (<c>generic_callback</c>).</summary>
    public string GenericCallbackUrl { get; init; } = "http://127.0.0.1:5080/oauth/callback";

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How many runs <see cref="ManifestRuntime.RunUntilIdleAsync"/> executes at once (match it to the step pool's workers).</summary>
    public int MaxConcurrentRuns { get; init; } = 1;

    /// <summary>Where <c>create_cron_job</c> keeps its jobs; by default in memory (the SQLite store when hosted with a database).</summary>
    public ICronJobStore? CronJobs { get; init; }

    /// <summary>The people ChiefOnboarding manifests run for; by default an empty in-memory directory.</summary>
    public ChiefOnboarding.IUserDirectory? Users { get; init; }

    /// <summary>Where ChiefOnboarding notifications and messages go; by default a <see cref="ChiefOnboarding.RecordingNotifier"/>.</summary>
    public ChiefOnboarding.INotifier? Notifier { get; init; }

    /// <summary>Where pending OAuth flows are kept (<see cref="OAuthStates"/>); by default in memory (the SQLite store when hosted with a database).</summary>
    public IOAuthStateStore? OAuthStates { get; init; }
}

/// <summary>A run the host refuses to queue: an unknown instance or action, or a role without permission (<see cref="IsForbidden"/>).</summary>
public sealed class RunRefusedException(string message, bool isForbidden = false) : Exception(message)
{
    /// <summary>The caller's role may not do this (<c>usertypes.json</c>), as opposed to a request that names nothing runnable.</summary>
    public bool IsForbidden { get; } = isForbidden;
}

/// <summary>An OAuth callback whose state is not a live nonce of a flow this host started: nothing is connected.</summary>
public sealed class OAuthStateRefusedException() : Exception("the OAuth state is unknown, already used or expired; start the connect again");

/// <summary>
/// How a webhook request ended: 401 when its signature was refused (<see cref="Error"/> says so without the reason,
/// which only the debug event carries), 400 with the missing names or a body that is not JSON (<see cref="Error"/>),
/// 404 for an unknown instance, or 202 with the runs queued.
/// </summary>
public sealed record WebhookResponse(int StatusCode, IReadOnlyList<string> Missing, IReadOnlyList<RunRequest> Queued, IReadOnlyList<WebhookStepError> StepErrors, string? Error = null);

/// <summary>
/// Runs compiled BOSSi plans: connects instances, queues runs, executes each action's Python steps on the worker
/// pool with the side effects the plan allows, maps records through the compiled mappers, routes webhooks, and
/// reports every step of it as debug events (secrets masked).
/// </summary>
public sealed class ManifestRuntime
{
    /// <summary>One activity per run (<c>manifest.run</c>), tagged with the correlation id, so a chain of runs is one trace.</summary>
    public static readonly System.Diagnostics.ActivitySource ActivitySource = new("ManifestCompiler.Runtime");

    private readonly ConcurrentDictionary<string, IntegrationPlan> _plans = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Instance, string Action), Queue<DateTimeOffset>> _rateWindows = new();

    /// <summary>Accepted timestamped requests (a hash of instance, timestamp and body) until their tolerance ends: replays are refused.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seenSignatures = new(StringComparer.Ordinal);
    private readonly PythonWorkerPool _pool;
    private readonly IInstanceStore _instances;
    private readonly IRunQueue _queue;
    private readonly IRecordSink _records;
    private readonly IDebugEventSink _events;
    private readonly RuntimeOptions _options;
    private readonly HttpClient _http;

    public ManifestRuntime(PythonWorkerPool pool, IInstanceStore instances, IRunQueue queue, IRecordSink records, IDebugEventSink events, RuntimeOptions? options = null)
    {
        _pool = pool;
        _instances = instances;
        _queue = queue;
        _records = records;
        _events = events;
        _options = options ?? new RuntimeOptions();
        _http = _options.HttpClient ?? EgressPolicy.Default.CreateHttpClient();
        ChiefOnboarding = new ChiefOnboarding.ChiefOnboardingRuntime(this, _options.Users ?? new ChiefOnboarding.InMemoryUserDirectory(), _options.Notifier ?? new ChiefOnboarding.RecordingNotifier());
    }

    /// <summary>The ChiefOnboarding engine: its instances share the stores, the queue, the HTTP client and the events.</summary>
    public ChiefOnboarding.ChiefOnboardingRuntime ChiefOnboarding { get; }

    public SecretRedactor Redactor { get; } = new();

    /// <summary>The time from the configured <see cref="TimeProvider"/>.</summary>
    internal DateTimeOffset Now => _options.TimeProvider.GetUtcNow();

    /// <summary>Makes the catalog's plans runnable (a plan of the same name replaces the one before).</summary>
    public void AddPlans(PlanCatalog catalog)
    {
        foreach (var plan in catalog.Integrations)
        {
            _plans[plan.Name] = plan;
            Redactor.Add(plan.OAuth.ClientSecret);
        }
        foreach (var manifest in catalog.Manifests)
        {
            ChiefOnboarding.AddPlan(manifest);
        }
    }

    public IntegrationPlan? FindPlan(string integration) => _plans.GetValueOrDefault(integration);

    /// <summary>
    /// Connects an integration for a company with tokens already in hand (API keys from <c>requiredQueryParams</c>, or
    /// tokens of a completed OAuth exchange), then queues the plan's trigger steps (unless <paramref name="runTriggerSteps"/>
    /// is false: <c>mfc run</c> runs one action only).
    /// </summary>
    public async Task<IntegrationInstance> ConnectAsync(string integration, string companyId, JsonObject tokens, bool runTriggerSteps = true, CancellationToken cancellationToken = default)
    {
        var plan = FindPlan(integration) ?? throw new RunRefusedException($"no plan named '{integration}' is loaded");
        var missing = plan.OAuth.RequiredQueryParams.Where(p => tokens[p] is null).ToList();
        if (missing.Count > 0)
        {
            throw new RunRefusedException($"connecting {integration} needs {string.Join(", ", missing)}");
        }
        var index = await NextIndexAsync(integration, ManifestDialect.Bossi, cancellationToken).ConfigureAwait(false);
        var instance = new IntegrationInstance(integration, index, companyId, (JsonObject)tokens.DeepClone(), Now);
        Redactor.AddTokens(instance.Tokens);
        await _instances.SaveAsync(instance, cancellationToken).ConfigureAwait(false);
        var correlation = NewId();
        foreach (var step in runTriggerSteps ? plan.OAuth.TriggerSteps : [])
        {
            var payload = step.Payload.Render(VariablesScope(instance));
            await EnqueueCoreAsync(new RunRequest(NewId(), correlation, instance.Id, step.Action, payload, Now, NewId(), Caller: RunCaller.System), cancellationToken).ConfigureAwait(false);
        }
        return instance;
    }

    /// <summary>
    /// Starts an OAuth connect for a company: the URL to send its user to, <c>oauth.json</c>'s URL and parameters
    /// rendered with <c>generic_callback</c> and <c>company_id</c>, except that <c>state</c> is a fresh single-use
    /// nonce bound to the company, the integration and the callback (<see cref="OAuthStates"/>), whatever
    /// <c>oauth.json</c> renders for it. Null for API-key plans.
    /// </summary>
    public async Task<string?> StartOAuthAsync(string integration, string companyId, CancellationToken cancellationToken = default)
    {
        var plan = FindPlan(integration) ?? throw new RunRefusedException($"no plan named '{integration}' is loaded");
        if (plan.OAuth.IsNonOauth)
        {
            return null;
        }
        var pending = new IntegrationInstance(integration, -1, companyId, [], Now);
        var oauth = plan.OAuth with { Parameters = [.. plan.OAuth.Parameters.Where(p => p.Name != "state")] };
        if (oauth.AuthorizationUrl(VariablesScope(pending)) is not { } url)
        {
            return null;
        }
        var nonce = await Runtime.OAuthStates.IssueAsync(OAuthStateStore, companyId, integration, null, _options.GenericCallbackUrl, Now, cancellationToken).ConfigureAwait(false);
        return Runtime.OAuthStates.WithState(url, nonce);
    }

    /// <summary>
    /// The generic OAuth callback: redeems <paramref name="state"/> (a live nonce from <see cref="StartOAuthAsync"/>,
    /// used up here) and completes the connect for the company and integration it was issued for. An unknown, used or
    /// expired state is refused (<see cref="OAuthStateRefusedException"/>) before anything is exchanged.
    /// </summary>
    public async Task<IntegrationInstance> CompleteOAuthCallbackAsync(string? state, string code, IReadOnlyDictionary<string, string>? callbackParameters = null, CancellationToken cancellationToken = default)
    {
        if (await Runtime.OAuthStates.RedeemAsync(OAuthStateStore, state, _options.GenericCallbackUrl, Now, cancellationToken).ConfigureAwait(false) is not { Integration: { } integration } flow)
        {
            throw new OAuthStateRefusedException();
        }
        return await CompleteOAuthAsync(integration, flow.CompanyId, code, callbackParameters, cancellationToken).ConfigureAwait(false);
    }

    internal IOAuthStateStore OAuthStateStore => _options.OAuthStates ?? _defaultOAuthStates;

    private readonly InMemoryOAuthStateStore _defaultOAuthStates = new();

    /// <summary>
    /// Completes an OAuth connect for a company already known to be the one that started it (a host's HTTP callback
    /// uses <see cref="CompleteOAuthCallbackAsync"/>, which learns it from the state): exchanges <paramref name="code"/> at the token URL (an OAuth2
    /// <c>authorization_code</c> POST with <c>redirect_uri</c> = <c>generic_callback</c> and the client's id and secret
    /// as Basic authentication), captures <c>oauth.json</c>'s <c>tokens</c> from the response (plus the callback's
    /// query parameters, such as QuickBooks' <c>realmId</c>), and connects the instance.
    /// </summary>
    public async Task<IntegrationInstance> CompleteOAuthAsync(string integration, string companyId, string code, IReadOnlyDictionary<string, string>? callbackParameters = null, CancellationToken cancellationToken = default)
    {
        var plan = FindPlan(integration) ?? throw new RunRefusedException($"no plan named '{integration}' is loaded");
        if (plan.OAuth.TokenUrl is null)
        {
            throw new RunRefusedException($"{plan} has no token URL");
        }
        var pending = new IntegrationInstance(integration, -1, companyId, [], Now);
        var tokenUrl = plan.OAuth.TokenUrl.Render(VariablesScope(pending));
        if (!Uri.TryCreate(tokenUrl, UriKind.Absolute, out var uri))
        {
            throw new RunRefusedException($"the token URL of {plan} is not a URL after rendering");
        }
        var exchanged = await TokenRefresher.PostTokenRequestAsync(plan, _http, _options.Routes.Rewrite(uri),
            [new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", _options.GenericCallbackUrl)],
            reason => new RunRefusedException($"the code exchange at {uri.Host} {reason}"), cancellationToken).ConfigureAwait(false);
        foreach (var (name, value) in callbackParameters ?? new Dictionary<string, string>())
        {
            exchanged[name] ??= value;
        }
        Redactor.AddTokens(exchanged);
        // oauth.json's token captures, rendered over the exchange's answer; a capture whose field is absent is left out.
        var captureScope = TemplateScope.FromObject(JsonSerializer.SerializeToElement(exchanged, DataJson.SerializerOptions));
        var tokens = new JsonObject();
        foreach (var capture in plan.OAuth.Tokens)
        {
            var before = captureScope.Missing.Count;
            var value = capture.Value.Render(captureScope);
            if (captureScope.Missing.Count == before)
            {
                tokens[capture.Name] = value;
            }
        }
        if (plan.OAuth.Tokens.Count == 0)
        {
            tokens = exchanged;
        }
        // The security block's expiry field is kept even when the captures do not name it: refresh needs it.
        if (plan.Schema.Security?.ExpiryInVariable is { } expiry && exchanged[expiry] is { } lifetime)
        {
            tokens[expiry] ??= lifetime.DeepClone();
        }
        return await ConnectAsync(integration, companyId, tokens, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes an instance after running the plan's <c>deleteAction</c> (its outcome is returned; the instance goes either way).</summary>
    public async Task<RunOutcome?> RemoveAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var instance = await _instances.GetAsync(instanceId, cancellationToken).ConfigureAwait(false) ?? throw new RunRefusedException($"no connected instance '{instanceId}'");
        RunOutcome? outcome = null;
        if (instance.Dialect == ManifestDialect.Bossi && FindPlan(instance.Integration) is { Schema.DeleteAction: { } delete } plan)
        {
            var run = new RunRequest(NewId(), NewId(), instanceId, delete.Action, delete.Payload.Render(VariablesScope(instance)), Now, NewId(), Caller: RunCaller.System);
            outcome = await new ActionExecution(this, plan, plan.FindAction(delete.Action)!, instance, run).RunAsync(cancellationToken).ConfigureAwait(false);
        }
        await _instances.DeleteAsync(instanceId, cancellationToken).ConfigureAwait(false);
        await CronJobs.DeleteJobsAsync(instanceId, cancellationToken).ConfigureAwait(false);
        Publish(DebugLevel.Info, $"{instanceId} removed", 200, "", "", "", instanceId, "lifecycle");
        return outcome;
    }

    /// <summary>Queues an action for an instance on behalf of <paramref name="caller"/> (usertypes checked; owners bypass).</summary>
    public Task<RunRequest> EnqueueAsync(string instanceId, string action, JsonNode? payload, RunCaller caller, CancellationToken cancellationToken = default) =>
        EnqueueCoreAsync(instanceId, action, payload, caller, waiter: null, cancellationToken);

    /// <summary>
    /// Queues a run like <see cref="EnqueueAsync"/> and waits for its outcome: the synchronous caller of a
    /// <c>returnsData</c> action gets its result. Whoever runs the queue (the host's worker loops, or
    /// <see cref="RunUntilIdleAsync"/>) carries the run out; the run stays durable while the caller waits.
    /// </summary>
    public async Task<RunOutcome> RunAndWaitAsync(string instanceId, string action, JsonNode? payload, RunCaller caller, CancellationToken cancellationToken = default)
    {
        var waiter = new TaskCompletionSource<RunOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = await EnqueueCoreAsync(instanceId, action, payload, caller, waiter, cancellationToken).ConfigureAwait(false);
        try
        {
            return await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _waiters.TryRemove(run.RunId, out _);
        }
    }

    private readonly ConcurrentDictionary<string, TaskCompletionSource<RunOutcome>> _waiters = new(StringComparer.Ordinal);

    private async Task<RunRequest> EnqueueCoreAsync(string instanceId, string action, JsonNode? payload, RunCaller caller, TaskCompletionSource<RunOutcome>? waiter, CancellationToken cancellationToken)
    {
        var instance = await _instances.GetAsync(instanceId, cancellationToken).ConfigureAwait(false) ?? throw new RunRefusedException($"no connected instance '{instanceId}'");
        if (instance.Dialect == ManifestDialect.ChiefOnboarding)
        {
            if (action is not (Runtime.ChiefOnboarding.ChiefOnboardingRuntime.ExecuteAction or Runtime.ChiefOnboarding.ChiefOnboardingRuntime.ExistsAction
                or Runtime.ChiefOnboarding.ChiefOnboardingRuntime.RevokeAction or Runtime.ChiefOnboarding.ChiefOnboardingRuntime.SyncAction))
            {
                throw new RunRefusedException($"a ChiefOnboarding integration has no action '{action}' (execute, exists, revoke, sync)");
            }
            // A queued execute is a sequence's: it is retried once an hour after a failure.
            var queued = new RunRequest(NewId(), NewId(), instanceId, action, (payload ?? new JsonObject()).ToJsonString(), Now, NewId(), RetriesLeft: 1, Caller: caller);
            RegisterWaiter(queued, waiter);
            await EnqueueCoreAsync(queued, cancellationToken).ConfigureAwait(false);
            return queued;
        }
        var plan = FindPlan(instance.Integration) ?? throw new RunRefusedException($"no plan named '{instance.Integration}' is loaded");
        if (plan.FindAction(action) is null)
        {
            throw new RunRefusedException($"{plan} has no action '{action}'");
        }
        if (plan.UserTypes is { } userTypes && !userTypes.Allows(caller.Role ?? "", action, caller.IsOwner))
        {
            throw new RunRefusedException($"role '{caller.Role}' may not trigger '{action}' of {plan}", isForbidden: true);
        }
        var run = new RunRequest(NewId(), NewId(), instanceId, action, (payload ?? new JsonObject()).ToJsonString(), Now, NewId(), Caller: caller);
        RegisterWaiter(run, waiter);
        await EnqueueCoreAsync(run, cancellationToken).ConfigureAwait(false);
        return run;
    }

    private void RegisterWaiter(RunRequest run, TaskCompletionSource<RunOutcome>? waiter)
    {
        if (waiter is not null)
        {
            _waiters[run.RunId] = waiter;
        }
    }

    /// <summary>Hands an outcome to the caller waiting for it, if any (<see cref="RunAndWaitAsync"/>).</summary>
    private RunOutcome? Finish(RunOutcome? outcome)
    {
        if (outcome is not null && _waiters.TryRemove(outcome.Run.RunId, out var waiter))
        {
            waiter.TrySetResult(outcome);
        }
        return outcome;
    }

    /// <summary>
    /// Routes a webhook request for an instance. <paramref name="body"/> is the request's body exactly as received:
    /// the signature (<c>validations.signature</c>) is verified over these bytes before anything reads them (401,
    /// nothing queued, a <c>webhook_refused</c> event); then the body is parsed (400 if it is not JSON), validations
    /// run (400 with the missing names), then every trigger step; each action whose condition holds is queued with its
    /// payload. A step that raised is reported as an error event and in the response; the other steps still run.
    /// </summary>
    public async Task<WebhookResponse> ReceiveWebhookAsync(string instanceId, ReadOnlyMemory<byte> body, JsonElement headers, CancellationToken cancellationToken = default)
    {
        var instance = await _instances.GetAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (instance is null || instance.Dialect != ManifestDialect.Bossi || FindPlan(instance.Integration) is not { Webhook: { } router } plan)
        {
            return new WebhookResponse(404, [], [], []);
        }
        if (router.Signature is { } signature && VerifyWebhookSignature(plan, signature, instance, body.Span, headers) is { } refusal)
        {
            Publish(DebugLevel.Warning, $"Webhook refused (401): {refusal}", 401, "", NewId(), "", instanceId, "webhook_refused");
            return new WebhookResponse(401, [], [], [], "the webhook signature was refused");
        }
        JsonElement parsed;
        try
        {
            using var document = DataJson.ParseDocument(body);
            parsed = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return new WebhookResponse(400, [], [], [], "the body is not JSON: " + e.Message);
        }
        var routing = router.Route(parsed, headers);
        if (!routing.Accepted)
        {
            return new WebhookResponse(400, [.. routing.MissingBodyKeys, .. routing.MissingHeaders], [], []);
        }
        var correlation = NewId();
        foreach (var error in routing.Errors)
        {
            Publish(DebugLevel.Error, $"Webhook trigger step {error.Step + 1} ({error.Action}) raised {error.ExceptionClass}: {error.Message}", 500, error.Action, correlation, "", instanceId, "webhook_error");
        }
        var queued = new List<RunRequest>();
        foreach (var dispatch in routing.Dispatches)
        {
            var run = new RunRequest(NewId(), correlation, instanceId, dispatch.Action, dispatch.Payload, Now, NewId(), Caller: RunCaller.System);
            await EnqueueCoreAsync(run, cancellationToken).ConfigureAwait(false);
            queued.Add(run);
        }
        return new WebhookResponse(202, [], queued, routing.Errors);
    }

    /// <summary>
    /// Null when the request's signature is valid, else why it is refused (never the secret or the signature). The
    /// secret is rendered over the instance's variables; one that renders empty or with a hole refuses every request
    /// rather than verifying against a guessable key. A timestamped (Stripe) request is accepted once: the same timestamp
    /// and body again, within the tolerance, is a replay (Stripe signs every delivery attempt with a new timestamp).
    /// </summary>
    private string? VerifyWebhookSignature(IntegrationPlan plan, WebhookSignaturePlan signature, IntegrationInstance instance, ReadOnlySpan<byte> body, JsonElement headers)
    {
        var secret = WebhookSecret(plan, signature, instance, out var missing);
        if (missing.Count > 0)
        {
            return $"the signing secret uses {string.Join(", ", missing.Distinct())}, which the instance does not define";
        }
        string? headerValue = null;
        if (Support.Json.JsonMembers.TryGetHeader(headers, signature.Header, out var header))
        {
            if (header.ValueKind != JsonValueKind.String)
            {
                return $"the {signature.Header} header is not text";
            }
            headerValue = header.GetString();
        }
        var now = Now;
        var check = signature.Verify(body, headerValue, secret, now);
        if (!check.IsValid)
        {
            return check.Failure;
        }
        if (check.Timestamp is { } timestamp)
        {
            var expires = DateTimeOffset.FromUnixTimeSeconds(timestamp).AddSeconds(signature.ToleranceSeconds);
            foreach (var (key, until) in _seenSignatures)
            {
                if (until < now)
                {
                    _seenSignatures.TryRemove(key, out _);
                }
            }
            // Keyed by what was signed, not by the header's text, which a replay could pad with more v1 values.
            using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{instance.Id}\n{timestamp}\n"));
            hash.AppendData(body);
            var seen = Convert.ToHexString(hash.GetHashAndReset());
            if (!_seenSignatures.TryAdd(seen, expires))
            {
                return $"a request with this {signature.Header} timestamp and body was already accepted (a replay)";
            }
        }
        return null;
    }

    /// <summary>An instance's webhook signing secret, registered with the redactor (a schema variable holding it reaches steps).</summary>
    private string WebhookSecret(IntegrationPlan plan, WebhookSignaturePlan signature, IntegrationInstance instance, out IReadOnlyList<string> missing)
    {
        var scope = TemplateScope.FromObject(JsonSerializer.SerializeToElement(AllVariables(plan, instance, out _), DataJson.SerializerOptions));
        var secret = signature.Secret.Render(scope);
        Redactor.Add(secret);
        missing = scope.Missing;
        return secret;
    }

    /// <summary>
    /// Runs queued runs until none is left, up to <see cref="RuntimeOptions.MaxConcurrentRuns"/> at once, waiting for
    /// delayed ones (<c>schedule_task</c>, rate limits). Returns the outcomes in the order the runs ended.
    /// </summary>
    public async Task<IReadOnlyList<RunOutcome>> RunUntilIdleAsync(CancellationToken cancellationToken = default)
    {
        var outcomes = new List<RunOutcome>();
        var running = new List<Task<RunOutcome?>>();
        var concurrency = Math.Max(1, _options.MaxConcurrentRuns);
        // One coordinator takes runs and collects outcomes; only the executions run concurrently.
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (running.Count < concurrency && await _queue.TryTakeDueAsync(Now, cancellationToken).ConfigureAwait(false) is { } run)
            {
                running.Add(ExecuteAsync(run, cancellationToken));
            }
            if (running.Count == 0)
            {
                if (await _queue.NextDueAsync(cancellationToken).ConfigureAwait(false) is not { } due)
                {
                    return outcomes;
                }
                var wait = due - Now;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                }
                continue;
            }
            var finished = await Task.WhenAny(running).ConfigureAwait(false);
            running.Remove(finished);
            if (await finished.ConfigureAwait(false) is { } outcome)
            {
                outcomes.Add(outcome);
            }
        }
    }

    /// <summary>
    /// Queues what recurring schedules made due (sync-users <c>schedule</c>s) and runs the first due run only (the
    /// host's worker; <c>mfc run --no-follow</c>); what it queued stays queued.
    /// </summary>
    public async Task<IReadOnlyList<RunOutcome>> RunOneAsync(CancellationToken cancellationToken = default)
    {
        await EnqueueDueSchedulesAsync(cancellationToken).ConfigureAwait(false);
        while (await _queue.TryTakeDueAsync(Now, cancellationToken).ConfigureAwait(false) is { } run)
        {
            if (await ExecuteAsync(run, cancellationToken).ConfigureAwait(false) is { } outcome)
            {
                return [outcome];
            }
        }
        return [];
    }

    /// <summary>
    /// Executes one taken run; null when a rate limit deferred it. Whatever a run throws (a store, the step pool, data
    /// no step expected) ends that run as failed with an error event, so no run is left taken by a live host; only
    /// the host stopping leaves it taken, to run again after a restart.
    /// </summary>
    internal async Task<RunOutcome?> ExecuteAsync(RunRequest run, CancellationToken cancellationToken)
    {
        try
        {
            return await ExecuteCoreAsync(run, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            var reason = $"The run failed with {e.GetType().Name}: {e.Message}";
            Publish(DebugLevel.Error, reason, 500, run.Action, run.CorrelationId, run.RunId, run.InstanceId, "action_error");
            await _queue.CompleteAsync(run.RunId, CancellationToken.None).ConfigureAwait(false);
            return Finish(new RunOutcome(run, RunStatus.Failed, null, Redactor.Redact(reason)));
        }
    }

    private async Task<RunOutcome?> ExecuteCoreAsync(RunRequest run, CancellationToken cancellationToken)
    {
        var instance = await _instances.GetAsync(run.InstanceId, cancellationToken).ConfigureAwait(false);
        if (instance is { Dialect: ManifestDialect.ChiefOnboarding })
        {
            using var coActivity = StartRunActivity(run, instance.Id, run.Action);
            var coOutcome = await ChiefOnboarding.RunQueuedAsync(run, cancellationToken).ConfigureAwait(false);
            coActivity?.SetStatus(coOutcome.Succeeded ? System.Diagnostics.ActivityStatusCode.Ok : System.Diagnostics.ActivityStatusCode.Error, coOutcome.Error is null ? null : Redactor.Redact(coOutcome.Error));
            await _queue.CompleteAsync(run.RunId, cancellationToken).ConfigureAwait(false);
            return Finish(coOutcome);
        }
        var plan = instance is null || instance.Dialect != ManifestDialect.Bossi ? null : FindPlan(instance.Integration);
        var action = plan?.FindAction(run.Action);
        if (instance is null || plan is null || action is null)
        {
            var reason = instance is null ? $"no connected instance '{run.InstanceId}'" : plan is null ? $"no plan named '{instance.Integration}' is loaded" : $"{plan} has no action '{run.Action}'";
            Publish(DebugLevel.Error, reason, 500, run.Action, run.CorrelationId, run.RunId, run.InstanceId, "action_error");
            await _queue.CompleteAsync(run.RunId, cancellationToken).ConfigureAwait(false);
            return Finish(new RunOutcome(run, RunStatus.Refused, null, reason));
        }
        if (RateLimitDelay(run, action) is { } notBefore)
        {
            Publish(DebugLevel.Debug, $"Rate limit of {action.Name} reached ({action.RateLimit!.Limit} per {action.RateLimit.PeriodSeconds} s): waiting until {notBefore:O}", 200, action.Name, run.CorrelationId, run.RunId, instance.Id, "lifecycle");
            await _queue.DeferAsync(run, notBefore, cancellationToken).ConfigureAwait(false);
            return null;
        }

        Redactor.AddTokens(instance.Tokens);
        if (plan.Webhook?.Signature is { } signature)
        {
            WebhookSecret(plan, signature, instance, out _);
        }
        using var activity = StartRunActivity(run, instance.Id, action.Name);
        var outcome = await new ActionExecution(this, plan, action, instance, run).RunAsync(cancellationToken).ConfigureAwait(false);
        activity?.SetStatus(outcome.Succeeded ? System.Diagnostics.ActivityStatusCode.Ok : System.Diagnostics.ActivityStatusCode.Error, outcome.Error is null ? null : Redactor.Redact(outcome.Error));
        await _queue.CompleteAsync(run.RunId, cancellationToken).ConfigureAwait(false);
        return Finish(outcome);
    }

    /// <summary>
    /// Queues every recurring run that came due: <c>create_cron_job</c> jobs and sync-users schedules, each occurrence
    /// once (its idempotency key is the occurrence). A job whose occurrences passed while no host ran fires once for
    /// them. Returns when the next one is due (null: none).
    /// </summary>
    public async Task<DateTimeOffset?> EnqueueDueSchedulesAsync(CancellationToken cancellationToken = default)
    {
        var now = Now;
        var next = await ChiefOnboarding.EnqueueDueSyncsAsync(now, cancellationToken).ConfigureAwait(false);
        foreach (var job in await CronJobs.ListJobsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (Support.Cron.CronScheduleParser.Parse(job.Cron, out _) is not { } schedule)
            {
                continue; // validated when created; a job is never stored with a bad expression
            }
            var (due, upcoming) = schedule.DueBetween(job.Cursor, now);
            if (due is { } occurrence)
            {
                await EnqueueOccurrenceAsync(job.Id, job.InstanceId, job.Action, job.PayloadJson, occurrence, cancellationToken).ConfigureAwait(false);
                await CronJobs.SaveJobAsync(job with { Cursor = now }, cancellationToken).ConfigureAwait(false);
            }
            next = Earliest(next, upcoming);
        }
        return next;
    }

    /// <summary>Queues one occurrence of a schedule; its idempotency key is the occurrence, so it is queued once however often it is seen.</summary>
    internal Task<bool> EnqueueOccurrenceAsync(string scheduleId, string instanceId, string action, string payloadJson, DateTimeOffset occurrence, CancellationToken cancellationToken) =>
        EnqueueCoreAsync(new RunRequest(NewId(), NewId(), instanceId, action, payloadJson, occurrence, $"cron:{scheduleId}:{occurrence:O}", Caller: RunCaller.System), cancellationToken);

    internal static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    /// <summary>The index of a new instance of <paramref name="name"/>: one past the highest in use.</summary>
    internal async Task<int> NextIndexAsync(string name, ManifestDialect dialect, CancellationToken cancellationToken)
    {
        var existing = await _instances.ListAsync(cancellationToken).ConfigureAwait(false);
        return existing.Where(i => i.Dialect == dialect && i.Integration == name).Select(i => i.Index + 1).DefaultIfEmpty(0).Max();
    }

    internal ICronJobStore CronJobs => _options.CronJobs ?? _defaultCronJobs;

    private readonly InMemoryCronJobStore _defaultCronJobs = new();

    private static System.Diagnostics.Activity? StartRunActivity(RunRequest run, string instanceId, string action)
    {
        var activity = ActivitySource.StartActivity("manifest.run");
        activity?.SetTag("manifest.correlation_id", run.CorrelationId);
        activity?.SetTag("manifest.run_id", run.RunId);
        activity?.SetTag("manifest.parent_run_id", run.ParentRunId);
        activity?.SetTag("manifest.integration", instanceId);
        activity?.SetTag("manifest.action", action);
        return activity;
    }

    /// <summary>When <c>rate_limit</c> allows this run, records its start and returns null; otherwise when it may start.</summary>
    private DateTimeOffset? RateLimitDelay(RunRequest run, ActionPlan action)
    {
        if (action.RateLimit is not { Limit: > 0, PeriodSeconds: > 0 } limit)
        {
            return null;
        }
        var window = _rateWindows.GetOrAdd((run.InstanceId, action.Name), _ => new Queue<DateTimeOffset>());
        lock (window)
        {
            var now = Now;
            var period = TimeSpan.FromSeconds(limit.PeriodSeconds);
            while (window.Count > 0 && window.Peek() <= now - period)
            {
                window.Dequeue();
            }
            if (window.Count >= limit.Limit)
            {
                return window.Peek() + period;
            }
            window.Enqueue(now);
            return null;
        }
    }

    /// <summary>The variables templates see: the instance's tokens, the platform's names, then the schema's variables.</summary>
    internal JsonObject Variables(IntegrationInstance instance)
    {
        var platform = new JsonObject
        {
            ["company_id"] = instance.CompanyId,
            ["entity_id"] = instance.CompanyId,
            ["integration"] = instance.Id,
            ["webhook_url"] = WebhookUrl(instance),
            ["generic_callback"] = _options.GenericCallbackUrl,
        };
        foreach (var (name, value) in instance.Tokens)
        {
            platform[name] = value?.DeepClone();
        }
        return platform;
    }

    internal TemplateScope VariablesScope(IntegrationInstance instance) =>
        TemplateScope.FromObject(JsonSerializer.SerializeToElement(Variables(instance), DataJson.SerializerOptions));

    /// <summary>
    /// schema.json's variables rendered over <see cref="Variables"/> (<paramref name="schemaVariables"/>), and both
    /// merged, the schema's last: what steps see as <c>all_variables</c> and the webhook signature's secret renders
    /// over. <paramref name="missing"/> lists the placeholders of schema variables the instance does not define.
    /// </summary>
    internal JsonObject AllVariables(IntegrationPlan plan, IntegrationInstance instance, out JsonObject schemaVariables, out IReadOnlyList<string> missing)
    {
        var baseVariables = Variables(instance);
        schemaVariables = new JsonObject();
        var scope = TemplateScope.FromObject(JsonSerializer.SerializeToElement(baseVariables, DataJson.SerializerOptions));
        foreach (var variable in plan.Schema.Variables)
        {
            schemaVariables[variable.Name] = variable.Value.Render(scope);
        }
        missing = scope.Missing;
        var all = baseVariables;
        foreach (var (name, value) in schemaVariables)
        {
            all[name] = value?.DeepClone();
        }
        return all;
    }

    internal JsonObject AllVariables(IntegrationPlan plan, IntegrationInstance instance, out IReadOnlyList<string> missing) =>
        AllVariables(plan, instance, out _, out missing);

    /// <summary>A ChiefOnboarding instance's own OAuth callback (its <c>redirect_url</c>): the generic callback plus its id.</summary>
    public string ChiefOnboardingCallbackUrl(IntegrationInstance instance) => _options.GenericCallbackUrl.TrimEnd('/') + "/" + Uri.EscapeDataString(instance.Id);

    internal string WebhookUrl(IntegrationInstance instance) => _options.WebhookBaseUrl.TrimEnd('/') + "/" + Uri.EscapeDataString(instance.Id);

    internal Task<bool> EnqueueCoreAsync(RunRequest run, CancellationToken cancellationToken) => _queue.EnqueueAsync(run, cancellationToken);

    internal IRecordSink Records => _records;

    internal IInstanceStore Instances => _instances;

    internal PythonWorkerPool Pool => _pool;

    internal HttpClient Http => _http;

    internal RuntimeOptions Options => _options;

    internal void Publish(DebugLevel level, string message, int code, string action, string correlationId, string runId, string integrationId, string debugType, string? data = null) =>
        _events.Publish(new DebugEvent(Now, level, Redactor.Redact(message), code, action, correlationId, runId, integrationId, debugType, data is null ? null : Redactor.Redact(data)));

    internal static string NewId() => Guid.NewGuid().ToString("N");
}
