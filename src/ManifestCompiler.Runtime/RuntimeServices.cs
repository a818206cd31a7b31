using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime;

/// <summary>The one definition of each runtime default that more than one options type offers.</summary>
public static class RuntimeDefaults
{
    /// <summary>The base of inbound webhook URLs when a host names none.</summary>
    public const string WebhookBaseUrl = "http://127.0.0.1:5080/webhooks";

    /// <summary>The OAuth redirect every integration registers when a host names none.</summary>
    public const string GenericCallbackUrl = "http://127.0.0.1:5080/oauth/callback";
}

public sealed class RuntimeOptions
{
    /// <summary>Outbound requests of steps go through these routes first (<c>--route</c>).</summary>
    public OutboundRoutes Routes { get; init; } = OutboundRoutes.None;

    /// <summary>The client for outbound requests; by default one guarded by <see cref="EgressPolicy.Default"/>.</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>The base of inbound webhook URLs (<c>webhook_url</c>); an instance's URL is this plus its id.</summary>
    public string WebhookBaseUrl { get; init; } = RuntimeDefaults.WebhookBaseUrl;

    /// <summary>The OAuth redirect every integration registers (<c>generic_callback</c>).</summary>
    public string GenericCallbackUrl { get; init; } = RuntimeDefaults.GenericCallbackUrl;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How many runs <see cref="ManifestRuntime.RunUntilIdleAsync"/> executes at once (match it to the step pool's workers).</summary>
    public int MaxConcurrentRuns { get; init; } = 1;

    /// <summary>Where cron jobs (<c>create_cron_job</c>, sync-users schedules) and their cursors are kept; by default in memory (the database's store when hosted with one).</summary>
    public ICronJobStore? CronJobs { get; init; }

    /// <summary>The people ChiefOnboarding manifests run for; by default an empty in-memory directory.</summary>
    public ChiefOnboarding.IUserDirectory? Users { get; init; }

    /// <summary>Where ChiefOnboarding notifications and messages go; by default a <see cref="ChiefOnboarding.RecordingNotifier"/>.</summary>
    public ChiefOnboarding.INotifier? Notifier { get; init; }

    /// <summary>Where pending OAuth flows are kept (<see cref="OAuthStates"/>); by default in memory (the SQLite store when hosted with a database).</summary>
    public IOAuthStateStore? OAuthStates { get; init; }

    /// <summary>This host's id in run leases; unique per process by default (<see cref="RunLeaseTerms.NewHostId"/>).</summary>
    public string HostId { get; init; } = RunLeaseTerms.NewHostId();

    /// <summary>
    /// How long a taken run stays leased without a heartbeat; the host renews it every third of this while the run
    /// executes. After it expires another host takes the run over (docs/runtime.md, "Leases").
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>Why the runtime refused a request; a host maps it to its own answer (HTTP: 404, 403, 400, 409).</summary>
public enum RefusalReason
{
    /// <summary>The request names no instance, plan, manifest, action or person the runtime knows.</summary>
    NotFound,

    /// <summary>The caller's role may not do this (<c>usertypes.json</c>).</summary>
    Forbidden,

    /// <summary>The request is incomplete or malformed, or the plan cannot do what it asks (a vendor refused a code exchange).</summary>
    Invalid,

    /// <summary>The request contradicts the state the runtime is in.</summary>
    Conflict,
}

/// <summary>A request the runtime refuses: an unknown instance or action, a role without permission, missing values (<see cref="Reason"/>).</summary>
public sealed class RunRefusedException(RefusalReason reason, string message) : Exception(message)
{
    public RefusalReason Reason { get; } = reason;

    /// <summary>The caller's role may not do this (<c>usertypes.json</c>), as opposed to a request that names nothing runnable.</summary>
    public bool IsForbidden => Reason == RefusalReason.Forbidden;
}

/// <summary>An OAuth callback whose state is not a live nonce of a flow this host started: nothing is connected.</summary>
public sealed class OAuthStateRefusedException() : Exception("the OAuth state is unknown, already used or expired; start the connect again");

/// <summary>
/// What both dialects' engines share: the clock, the stores, the queue, the step pool, the outbound client, the
/// redactor and the debug events, and the options. One per <see cref="ManifestRuntime"/>; each engine receives it.
/// </summary>
internal sealed class RuntimeServices
{
    private readonly IDebugEventSink _events;
    private readonly InMemoryCronJobStore _defaultCronJobs = new();
    private readonly InMemoryOAuthStateStore _defaultOAuthStates = new();

    public RuntimeServices(IPythonStepRunner pool, IInstanceStore instances, IRunQueue queue, IRecordSink records, IDebugEventSink events, RuntimeOptions options)
    {
        Pool = pool;
        Instances = instances;
        Queue = queue;
        Records = records;
        _events = events;
        Options = options;
        Http = options.HttpClient ?? EgressPolicy.Default.CreateHttpClient();
    }

    public RuntimeOptions Options { get; }

    public IPythonStepRunner Pool { get; }

    public IInstanceStore Instances { get; }

    public IRunQueue Queue { get; }

    public IRecordSink Records { get; }

    public HttpClient Http { get; }

    public SecretRedactor Redactor { get; } = new();

    public ICronJobStore CronJobs => Options.CronJobs ?? _defaultCronJobs;

    public IOAuthStateStore OAuthStates => Options.OAuthStates ?? _defaultOAuthStates;

    /// <summary>The time from the configured <see cref="RuntimeOptions.TimeProvider"/>.</summary>
    public DateTimeOffset Now => Options.TimeProvider.GetUtcNow();

    /// <summary>The terms this host takes runs under.</summary>
    public RunLeaseTerms LeaseTerms => new(Options.HostId, Options.LeaseDuration);

    /// <summary>Puts a taken run back for later; a stale lease (another host has taken the run over) is reported, not thrown.</summary>
    public async Task DeferAsync(RunRequest run, RunLease lease, DateTimeOffset notBefore, CancellationToken cancellationToken)
    {
        if (!await Queue.DeferAsync(lease, notBefore, cancellationToken).ConfigureAwait(false))
        {
            PublishLeaseLost(run, lease, "deferral");
        }
    }

    /// <summary>A warning that a host's lease on a run was stale: another host took the run over, so this host's word on it was refused.</summary>
    public void PublishLeaseLost(RunRequest run, RunLease lease, string what) =>
        Publish(DebugLevel.Warning, $"The run's lease ({lease.Owner}) was taken over by another host: its {what} here was refused", 409, run.Action, run.CorrelationId, run.RunId, run.InstanceId, "lifecycle");

    /// <summary>Puts a run already built on the queue; false when its idempotency key was queued before.</summary>
    public Task<bool> QueueAsync(RunRequest run, CancellationToken cancellationToken) => Queue.EnqueueAsync(run, cancellationToken);

    /// <summary>Queues one occurrence of a schedule; its idempotency key is the occurrence, so it is queued once however often it is seen.</summary>
    public Task<bool> QueueOccurrenceAsync(string scheduleId, string instanceId, string action, string payloadJson, DateTimeOffset occurrence, CancellationToken cancellationToken) =>
        QueueAsync(new RunRequest(NewId(), NewId(), instanceId, action, payloadJson, occurrence, $"cron:{scheduleId}:{occurrence:O}", Caller: RunCaller.System), cancellationToken);

    /// <summary>The index of a new instance of <paramref name="name"/>: one past the highest in use.</summary>
    public async Task<int> NextIndexAsync(string name, ManifestDialect dialect, CancellationToken cancellationToken)
    {
        var existing = await Instances.ListAsync(cancellationToken).ConfigureAwait(false);
        return existing.Where(i => i.Dialect == dialect && i.Integration == name).Select(i => i.Index + 1).DefaultIfEmpty(0).Max();
    }

    public string WebhookUrl(IntegrationInstance instance) => Options.WebhookBaseUrl.TrimEnd('/') + "/" + Uri.EscapeDataString(instance.Id);

    /// <summary>A ChiefOnboarding instance's own OAuth callback (its <c>redirect_url</c>): the generic callback plus its id.</summary>
    public string ChiefOnboardingCallbackUrl(IntegrationInstance instance) => Options.GenericCallbackUrl.TrimEnd('/') + "/" + Uri.EscapeDataString(instance.Id);

    public void Publish(DebugLevel level, string message, int code, string action, string correlationId, string runId, string integrationId, string debugType, string? data = null) =>
        _events.Publish(new DebugEvent(Now, level, Redactor.Redact(message), code, action, correlationId, runId, integrationId, debugType, data is null ? null : Redactor.Redact(data)));

    public static string NewId() => Guid.NewGuid().ToString("N");

    public static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    /// <summary>One activity per run (<c>manifest.run</c>), tagged with the correlation id, so a chain of runs is one trace.</summary>
    public static System.Diagnostics.Activity? StartRunActivity(RunRequest run, string instanceId, string action)
    {
        var activity = ManifestRuntime.ActivitySource.StartActivity("manifest.run");
        activity?.SetTag("manifest.correlation_id", run.CorrelationId);
        activity?.SetTag("manifest.run_id", run.RunId);
        activity?.SetTag("manifest.parent_run_id", run.ParentRunId);
        activity?.SetTag("manifest.integration", instanceId);
        activity?.SetTag("manifest.action", action);
        return activity;
    }

    /// <summary>Sets a run's activity status from its outcome (the error masked).</summary>
    public void EndRunActivity(System.Diagnostics.Activity? activity, RunOutcome outcome) =>
        activity?.SetStatus(outcome.Succeeded ? System.Diagnostics.ActivityStatusCode.Ok : System.Diagnostics.ActivityStatusCode.Error, outcome.Error is null ? null : Redactor.Redact(outcome.Error));
}

/// <summary>
/// One dialect's engine: its plans, how a caller's run of an instance is built (its actions, its permissions), how a
/// taken run executes, what removing an instance runs, and which of its schedules came due. <see cref="ManifestRuntime"/>
/// dispatches to it by the instance's <see cref="ManifestDialect"/> and knows none of its action names.
/// </summary>
internal interface IManifestEngine
{
    ManifestDialect Dialect { get; }

    /// <summary>Makes the catalog's plans of this dialect runnable.</summary>
    void AddPlans(PlanCatalog catalog);

    /// <summary>The run a caller asks for, checked (an unknown action or a refused role throws <see cref="RunRefusedException"/>), not yet queued.</summary>
    RunRequest NewCallerRun(IntegrationInstance instance, string action, JsonNode? payload, RunCaller caller);

    /// <summary>Executes a taken run of one of this dialect's instances, held under <paramref name="lease"/>; null when it was deferred (queued again for later).</summary>
    Task<RunOutcome?> ExecuteAsync(IntegrationInstance instance, RunRequest run, RunLease lease, CancellationToken cancellationToken);

    /// <summary>What removing an instance runs first (a plan's <c>deleteAction</c>); null for nothing.</summary>
    Task<RunOutcome?> RunRemovalAsync(IntegrationInstance instance, CancellationToken cancellationToken);

    /// <summary>
    /// Prepares this dialect's schedules before the runtime's <see cref="CronJobScheduler"/> queues the due cron jobs
    /// (ChiefOnboarding keeps a cron job per sync-users schedule); when the next one is due (null: none of its own).
    /// </summary>
    Task<DateTimeOffset?> QueueDueSchedulesAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
