using ManifestCompiler.Runtime.Support.Json;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime.Bossi;

/// <summary>
/// Runs compiled BOSSi plans: connects instances (API keys or OAuth), checks a caller's run against
/// <c>usertypes.json</c>, executes each action's Python steps on the worker pool with the side effects the plan allows
/// (<see cref="ActionExecution"/>), keeps <c>rate_limit</c> windows and <c>create_cron_job</c> schedules, and routes
/// webhooks after verifying their signatures.
/// </summary>
public sealed class BossiEngine : IManifestEngine
{
    private readonly RuntimeServices _services;
    private readonly ConcurrentDictionary<string, IntegrationPlan> _plans = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Instance, string Action), Queue<DateTimeOffset>> _rateWindows = new();

    /// <summary>Accepted timestamped requests (a hash of instance, timestamp and body) until their tolerance ends: replays are refused.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seenSignatures = new(StringComparer.Ordinal);

    internal BossiEngine(RuntimeServices services) => _services = services;

    ManifestDialect IManifestEngine.Dialect => ManifestDialect.Bossi;

    internal RuntimeServices Services => _services;

    void IManifestEngine.AddPlans(PlanCatalog catalog)
    {
        foreach (var plan in catalog.Integrations)
        {
            _plans[plan.Name] = plan;
            _services.Redactor.Add(plan.OAuth.ClientSecret);
        }
    }

    RunRequest IManifestEngine.NewCallerRun(IntegrationInstance instance, string action, JsonNode? payload, RunCaller caller)
    {
        var plan = FindPlan(instance.Integration) ?? throw new RunRefusedException(RefusalReason.NotFound, $"no plan named '{instance.Integration}' is loaded");
        if (plan.FindAction(action) is null)
        {
            throw new RunRefusedException(RefusalReason.Invalid, $"{plan} has no action '{action}'");
        }
        if (plan.UserTypes is { } userTypes && !userTypes.Allows(caller.Role ?? "", action, caller.IsOwner))
        {
            throw new RunRefusedException(RefusalReason.Forbidden, $"role '{caller.Role}' may not trigger '{action}' of {plan}");
        }
        return new RunRequest(RuntimeServices.NewId(), RuntimeServices.NewId(), instance.Id, action, (payload ?? new JsonObject()).ToJsonString(), _services.Now, RuntimeServices.NewId(), Caller: caller);
    }

    async Task<RunOutcome?> IManifestEngine.ExecuteAsync(IntegrationInstance instance, RunRequest run, RunLease lease, CancellationToken cancellationToken)
    {
        var plan = FindPlan(instance.Integration);
        var action = plan?.FindAction(run.Action);
        if (plan is null || action is null)
        {
            var reason = plan is null ? $"no plan named '{instance.Integration}' is loaded" : $"{plan} has no action '{run.Action}'";
            _services.Publish(DebugLevel.Error, reason, 500, run.Action, run.CorrelationId, run.RunId, run.InstanceId, "action_error");
            return new RunOutcome(run, RunStatus.Refused, null, reason);
        }
        if (RateLimitDelay(run, action) is { } notBefore)
        {
            _services.Publish(DebugLevel.Debug, $"Rate limit of {action.Name} reached ({action.RateLimit!.Limit} per {action.RateLimit.PeriodSeconds} s): waiting until {notBefore:O}", 200, action.Name, run.CorrelationId, run.RunId, instance.Id, "lifecycle");
            await _services.DeferAsync(run, lease, notBefore, cancellationToken).ConfigureAwait(false);
            return null;
        }

        _services.Redactor.AddTokens(instance.Tokens);
        if (plan.Webhook?.Signature is { } signature)
        {
            WebhookSecret(plan, signature, instance, out _);
        }
        using var activity = RuntimeServices.StartRunActivity(run, instance.Id, action.Name);
        var outcome = await new ActionExecution(this, plan, action, instance, run).RunAsync(cancellationToken).ConfigureAwait(false);
        _services.EndRunActivity(activity, outcome);
        return outcome;
    }

    async Task<RunOutcome?> IManifestEngine.RunRemovalAsync(IntegrationInstance instance, CancellationToken cancellationToken)
    {
        if (FindPlan(instance.Integration) is not { Schema.DeleteAction: { } delete } plan)
        {
            return null;
        }
        var run = new RunRequest(RuntimeServices.NewId(), RuntimeServices.NewId(), instance.Id, delete.Action, delete.Payload.Render(AllVariablesScope(plan, instance)), _services.Now, RuntimeServices.NewId(), Caller: RunCaller.System);
        return await new ActionExecution(this, plan, plan.FindAction(delete.Action)!, instance, run).RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>create_cron_job</c> jobs are queued by the runtime's <see cref="CronJobScheduler"/>, with every other cron job.</summary>
    Task<DateTimeOffset?> IManifestEngine.QueueDueSchedulesAsync(DateTimeOffset now, CancellationToken cancellationToken) => Task.FromResult<DateTimeOffset?>(null);

    public IntegrationPlan? FindPlan(string integration) => _plans.GetValueOrDefault(integration);

    /// <summary>
    /// Connects an integration for a company with tokens already in hand (API keys from <c>requiredQueryParams</c>, or
    /// tokens of a completed OAuth exchange), then queues the plan's trigger steps (unless <paramref name="runTriggerSteps"/>
    /// is false: <c>mfc run</c> runs one action only).
    /// </summary>
    public async Task<IntegrationInstance> ConnectAsync(string integration, string companyId, JsonObject tokens, bool runTriggerSteps = true, CancellationToken cancellationToken = default)
    {
        var plan = FindPlan(integration) ?? throw new RunRefusedException(RefusalReason.NotFound, $"no plan named '{integration}' is loaded");
        var missing = plan.OAuth.RequiredQueryParams.Where(p => tokens[p] is null).ToList();
        if (missing.Count > 0)
        {
            throw new RunRefusedException(RefusalReason.Invalid, $"connecting {integration} needs {string.Join(", ", missing)}");
        }
        var index = await _services.NextIndexAsync(integration, ManifestDialect.Bossi, cancellationToken).ConfigureAwait(false);
        var instance = new IntegrationInstance(integration, index, companyId, (JsonObject)tokens.DeepClone(), _services.Now);
        _services.Redactor.AddTokens(instance.Tokens);
        await _services.Instances.SaveAsync(instance, cancellationToken).ConfigureAwait(false);
        var correlation = RuntimeServices.NewId();
        foreach (var step in runTriggerSteps ? plan.OAuth.TriggerSteps : [])
        {
            var payload = step.Payload.Render(VariablesScope(instance));
            await _services.QueueAsync(new RunRequest(RuntimeServices.NewId(), correlation, instance.Id, step.Action, payload, _services.Now, RuntimeServices.NewId(), Caller: RunCaller.System), cancellationToken).ConfigureAwait(false);
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
        var plan = FindPlan(integration) ?? throw new RunRefusedException(RefusalReason.NotFound, $"no plan named '{integration}' is loaded");
        if (plan.OAuth.IsNonOauth)
        {
            return null;
        }
        var pending = new IntegrationInstance(integration, -1, companyId, [], _services.Now);
        var oauth = plan.OAuth with { Parameters = [.. plan.OAuth.Parameters.Where(p => p.Name != "state")] };
        if (oauth.AuthorizationUrl(VariablesScope(pending)) is not { } url)
        {
            return null;
        }
        var nonce = await Runtime.OAuthStates.IssueAsync(_services.OAuthStates, companyId, integration, null, _services.Options.GenericCallbackUrl, _services.Now, cancellationToken).ConfigureAwait(false);
        return Runtime.OAuthStates.WithState(url, nonce);
    }

    /// <summary>
    /// The generic OAuth callback: redeems <paramref name="state"/> (a live nonce from <see cref="StartOAuthAsync"/>,
    /// used up here) and completes the connect for the company and integration it was issued for. An unknown, used or
    /// expired state is refused (<see cref="OAuthStateRefusedException"/>) before anything is exchanged.
    /// </summary>
    public async Task<IntegrationInstance> CompleteOAuthCallbackAsync(string? state, string code, IReadOnlyDictionary<string, string>? callbackParameters = null, CancellationToken cancellationToken = default)
    {
        if (await Runtime.OAuthStates.RedeemAsync(_services.OAuthStates, state, _services.Options.GenericCallbackUrl, _services.Now, cancellationToken).ConfigureAwait(false) is not { Integration: { } integration } flow)
        {
            throw new OAuthStateRefusedException();
        }
        return await CompleteOAuthAsync(integration, flow.CompanyId, code, callbackParameters, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Completes an OAuth connect for a company already known to be the one that started it (a host's HTTP callback
    /// uses <see cref="CompleteOAuthCallbackAsync"/>, which learns it from the state): exchanges <paramref name="code"/> at the token URL (an OAuth2
    /// <c>authorization_code</c> POST with <c>redirect_uri</c> = <c>generic_callback</c> and the client's id and secret
    /// as Basic authentication), captures <c>oauth.json</c>'s <c>tokens</c> from the response (plus the callback's
    /// query parameters, such as QuickBooks' <c>realmId</c>), and connects the instance.
    /// </summary>
    public async Task<IntegrationInstance> CompleteOAuthAsync(string integration, string companyId, string code, IReadOnlyDictionary<string, string>? callbackParameters = null, CancellationToken cancellationToken = default)
    {
        var plan = FindPlan(integration) ?? throw new RunRefusedException(RefusalReason.NotFound, $"no plan named '{integration}' is loaded");
        if (plan.OAuth.TokenUrl is null)
        {
            throw new RunRefusedException(RefusalReason.Invalid, $"{plan} has no token URL");
        }
        var pending = new IntegrationInstance(integration, -1, companyId, [], _services.Now);
        var tokenUrl = plan.OAuth.TokenUrl.Render(VariablesScope(pending));
        if (!Uri.TryCreate(tokenUrl, UriKind.Absolute, out var uri))
        {
            throw new RunRefusedException(RefusalReason.Invalid, $"the token URL of {plan} is not a URL after rendering");
        }
        var exchanged = await TokenRefresher.PostTokenRequestAsync(plan, _services.Http, _services.Options.Routes.Rewrite(uri),
            [new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", _services.Options.GenericCallbackUrl)],
            reason => new RunRefusedException(RefusalReason.Invalid, $"the code exchange at {uri.Host} {reason}"), cancellationToken).ConfigureAwait(false);
        foreach (var (name, value) in callbackParameters ?? new Dictionary<string, string>())
        {
            exchanged[name] ??= value;
        }
        _services.Redactor.AddTokens(exchanged);
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

    /// <summary>
    /// Routes a webhook request for an instance. <paramref name="body"/> is the request's body exactly as received:
    /// the signature (<c>validations.signature</c>) is verified over these bytes before anything reads them (401,
    /// nothing queued, a <c>webhook_refused</c> event); then the body is parsed (400 if it is not JSON), validations
    /// run (400 with the missing names), then every trigger step; each action whose condition holds is queued with its
    /// payload. A step that raised is reported as an error event and in the response; the other steps still run.
    /// </summary>
    public async Task<WebhookResponse> ReceiveWebhookAsync(string instanceId, ReadOnlyMemory<byte> body, JsonElement headers, CancellationToken cancellationToken = default)
    {
        var instance = await _services.Instances.GetAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (instance is null || instance.Dialect != ManifestDialect.Bossi || FindPlan(instance.Integration) is not { Webhook: { } router } plan)
        {
            return new WebhookResponse(404, [], [], []);
        }
        if (router.Signature is { } signature && VerifyWebhookSignature(plan, signature, instance, body.Span, headers) is { } refusal)
        {
            _services.Publish(DebugLevel.Warning, $"Webhook refused (401): {refusal}", 401, "", RuntimeServices.NewId(), "", instanceId, "webhook_refused");
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
        var correlation = RuntimeServices.NewId();
        foreach (var error in routing.Errors)
        {
            _services.Publish(DebugLevel.Error, $"Webhook trigger step {error.Step + 1} ({error.Action}) raised {error.ExceptionClass}: {error.Message}", 500, error.Action, correlation, "", instanceId, "webhook_error");
        }
        var queued = new List<RunRequest>();
        foreach (var dispatch in routing.Dispatches)
        {
            var run = new RunRequest(RuntimeServices.NewId(), correlation, instanceId, dispatch.Action, dispatch.Payload, _services.Now, RuntimeServices.NewId(), Caller: RunCaller.System);
            await _services.QueueAsync(run, cancellationToken).ConfigureAwait(false);
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
        var now = _services.Now;
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
        var scope = AllVariablesScope(plan, instance);
        var secret = signature.Secret.Render(scope);
        _services.Redactor.Add(secret);
        missing = scope.Missing;
        return secret;
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
            var now = _services.Now;
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
            ["webhook_url"] = _services.WebhookUrl(instance),
            ["generic_callback"] = _services.Options.GenericCallbackUrl,
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

    /// <summary>
    /// The scope of the templates schema.json's variables reach (deleteAction's payload, the webhook secret):
    /// <see cref="AllVariables(IntegrationPlan, IntegrationInstance, out JsonObject, out IReadOnlyList{string})"/>, as the
    /// compiler checks them (BossiBinder's InstanceScope once schema.json's variables are known). oauth.json's trigger
    /// steps are checked before them and render over <see cref="VariablesScope"/>.
    /// </summary>
    internal TemplateScope AllVariablesScope(IntegrationPlan plan, IntegrationInstance instance) =>
        TemplateScope.FromObject(JsonSerializer.SerializeToElement(AllVariables(plan, instance, out _), DataJson.SerializerOptions));

    internal JsonObject AllVariables(IntegrationPlan plan, IntegrationInstance instance, out IReadOnlyList<string> missing) =>
        AllVariables(plan, instance, out _, out missing);
}
