using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Bossi;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime;

/// <summary>
/// How a webhook request ended: 401 when its signature was refused (<see cref="Error"/> says so without the reason,
/// which only the debug event carries), 400 with the missing names or a body that is not JSON (<see cref="Error"/>),
/// 404 for an unknown instance, or 202 with the runs queued.
/// </summary>
public sealed record WebhookResponse(int StatusCode, IReadOnlyList<string> Missing, IReadOnlyList<RunRequest> Queued, IReadOnlyList<WebhookStepError> StepErrors, string? Error = null);

/// <summary>
/// The runtime: one engine per dialect (<see cref="Bossi"/>, <see cref="ChiefOnboarding"/>) over shared
/// <see cref="RuntimeServices"/>. This class only dispatches: it queues a caller's run through the engine of the
/// instance's dialect, takes due runs off the queue and hands each to its engine, ends any run that throws as failed,
/// and hands outcomes to callers waiting for them. It knows neither dialect's actions.
/// </summary>
public sealed class ManifestRuntime
{
    /// <summary>One activity per run (<c>manifest.run</c>), tagged with the correlation id, so a chain of runs is one trace.</summary>
    public static readonly System.Diagnostics.ActivitySource ActivitySource = new("ManifestCompiler.Runtime");

    private readonly RuntimeServices _services;
    private readonly IReadOnlyList<IManifestEngine> _engines;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<RunOutcome>> _waiters = new(StringComparer.Ordinal);

    public ManifestRuntime(IPythonStepRunner pool, IInstanceStore instances, IRunQueue queue, IRecordSink records, IDebugEventSink events, RuntimeOptions? options = null)
    {
        var resolved = options ?? new RuntimeOptions();
        _services = new RuntimeServices(pool, instances, queue, records, events, resolved);
        Bossi = new BossiEngine(_services);
        ChiefOnboarding = new ChiefOnboarding.ChiefOnboardingEngine(_services, resolved.Users ?? new ChiefOnboarding.InMemoryUserDirectory(), resolved.Notifier ?? new ChiefOnboarding.RecordingNotifier());
        // Schedules are looked at in this order: sync-users schedules, then cron jobs.
        _engines = [ChiefOnboarding, Bossi];
    }

    /// <summary>The BOSSi engine: integrations, OAuth connects, webhooks, actions' Python steps.</summary>
    public BossiEngine Bossi { get; }

    /// <summary>The ChiefOnboarding engine: manifests added with their initial data, execute/exists/revoke, user sync.</summary>
    public ChiefOnboarding.ChiefOnboardingEngine ChiefOnboarding { get; }

    public SecretRedactor Redactor => _services.Redactor;

    /// <summary>The last runs this runtime carried out, with status, duration and error (<c>GET /runs</c>, the Debug panel).</summary>
    public RunHistory Runs { get; } = new();

    internal RuntimeServices Services => _services;

    /// <summary>Makes the catalog's plans runnable, each by its dialect's engine (a plan of the same name replaces the one before).</summary>
    public void AddPlans(PlanCatalog catalog)
    {
        foreach (var engine in _engines)
        {
            engine.AddPlans(catalog);
        }
    }

    // The BOSSi engine's entry points, for hosts and tools that hold the runtime.

    /// <inheritdoc cref="BossiEngine.FindPlan"/>
    public IntegrationPlan? FindPlan(string integration) => Bossi.FindPlan(integration);

    /// <inheritdoc cref="BossiEngine.ConnectAsync"/>
    public Task<IntegrationInstance> ConnectAsync(string integration, string companyId, JsonObject tokens, bool runTriggerSteps = true, CancellationToken cancellationToken = default) =>
        Bossi.ConnectAsync(integration, companyId, tokens, runTriggerSteps, cancellationToken);

    /// <inheritdoc cref="BossiEngine.StartOAuthAsync"/>
    public Task<string?> StartOAuthAsync(string integration, string companyId, CancellationToken cancellationToken = default) =>
        Bossi.StartOAuthAsync(integration, companyId, cancellationToken);

    /// <inheritdoc cref="BossiEngine.CompleteOAuthCallbackAsync"/>
    public Task<IntegrationInstance> CompleteOAuthCallbackAsync(string? state, string code, IReadOnlyDictionary<string, string>? callbackParameters = null, CancellationToken cancellationToken = default) =>
        Bossi.CompleteOAuthCallbackAsync(state, code, callbackParameters, cancellationToken);

    /// <inheritdoc cref="BossiEngine.CompleteOAuthAsync"/>
    public Task<IntegrationInstance> CompleteOAuthAsync(string integration, string companyId, string code, IReadOnlyDictionary<string, string>? callbackParameters = null, CancellationToken cancellationToken = default) =>
        Bossi.CompleteOAuthAsync(integration, companyId, code, callbackParameters, cancellationToken);

    /// <inheritdoc cref="BossiEngine.ReceiveWebhookAsync"/>
    public Task<WebhookResponse> ReceiveWebhookAsync(string instanceId, ReadOnlyMemory<byte> body, JsonElement headers, CancellationToken cancellationToken = default) =>
        Bossi.ReceiveWebhookAsync(instanceId, body, headers, cancellationToken);

    /// <summary>A ChiefOnboarding instance's own OAuth callback (its <c>redirect_url</c>): the generic callback plus its id.</summary>
    public string ChiefOnboardingCallbackUrl(IntegrationInstance instance) => _services.ChiefOnboardingCallbackUrl(instance);

    // --- instances and runs ----------------------------------------------------------------------------

    /// <summary>Removes an instance after running what its engine runs first (a plan's <c>deleteAction</c>; its outcome is returned; the instance goes either way).</summary>
    public async Task<RunOutcome?> RemoveAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var instance = await _services.Instances.GetAsync(instanceId, cancellationToken).ConfigureAwait(false) ?? throw new RunRefusedException(RefusalReason.NotFound, $"no connected instance '{instanceId}'");
        var outcome = await EngineOf(instance).RunRemovalAsync(instance, cancellationToken).ConfigureAwait(false);
        await _services.Instances.DeleteAsync(instanceId, cancellationToken).ConfigureAwait(false);
        await _services.CronJobs.DeleteJobsAsync(instanceId, cancellationToken).ConfigureAwait(false);
        _services.Publish(DebugLevel.Info, $"{instanceId} removed", 200, "", "", "", instanceId, "lifecycle");
        return outcome;
    }

    /// <summary>Queues an action for an instance on behalf of <paramref name="caller"/> (its engine checks the action and the caller's permission).</summary>
    public Task<RunRequest> EnqueueAsync(string instanceId, string action, JsonNode? payload, RunCaller caller, CancellationToken cancellationToken = default) =>
        QueueCallerRunAsync(instanceId, action, payload, caller, waiter: null, cancellationToken);

    /// <summary>
    /// Queues a run like <see cref="EnqueueAsync"/> and waits for its outcome: the synchronous caller of a
    /// <c>returnsData</c> action gets its result. Whoever runs the queue (the host's worker loops, or
    /// <see cref="RunUntilIdleAsync"/>) carries the run out; the run stays durable while the caller waits.
    /// </summary>
    public async Task<RunOutcome> RunAndWaitAsync(string instanceId, string action, JsonNode? payload, RunCaller caller, CancellationToken cancellationToken = default)
    {
        var waiter = new TaskCompletionSource<RunOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = await QueueCallerRunAsync(instanceId, action, payload, caller, waiter, cancellationToken).ConfigureAwait(false);
        try
        {
            return await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _waiters.TryRemove(run.RunId, out _);
        }
    }

    /// <summary>A caller's run: built and checked by the instance's engine, registered with its waiter, then queued.</summary>
    private async Task<RunRequest> QueueCallerRunAsync(string instanceId, string action, JsonNode? payload, RunCaller caller, TaskCompletionSource<RunOutcome>? waiter, CancellationToken cancellationToken)
    {
        var instance = await _services.Instances.GetAsync(instanceId, cancellationToken).ConfigureAwait(false) ?? throw new RunRefusedException(RefusalReason.NotFound, $"no connected instance '{instanceId}'");
        var run = EngineOf(instance).NewCallerRun(instance, action, payload, caller);
        if (waiter is not null)
        {
            _waiters[run.RunId] = waiter;
        }
        await _services.QueueAsync(run, cancellationToken).ConfigureAwait(false);
        return run;
    }

    /// <summary>Hands an outcome to the caller waiting for it, if any (<see cref="RunAndWaitAsync"/>).</summary>
    private RunOutcome? Finish(RunOutcome? outcome)
    {
        if (outcome is not null)
        {
            Runs.Ended(outcome with { Error = outcome.Error is null ? null : _services.Redactor.Redact(outcome.Error) }, _services.Now);
        }
        if (outcome is not null && _waiters.TryRemove(outcome.Run.RunId, out var waiter))
        {
            waiter.TrySetResult(outcome);
        }
        return outcome;
    }

    private IManifestEngine EngineOf(IntegrationInstance instance) => _engines.First(e => e.Dialect == instance.Dialect);

    // --- the queue -----------------------------------------------------------------------------------------

    /// <summary>
    /// Runs queued runs until none is left, up to <see cref="RuntimeOptions.MaxConcurrentRuns"/> at once, waiting for
    /// delayed ones (<c>schedule_task</c>, rate limits); a delayed run that comes due while others run starts in a free
    /// slot at once. Returns the outcomes in the order the runs ended.
    /// </summary>
    public async Task<IReadOnlyList<RunOutcome>> RunUntilIdleAsync(CancellationToken cancellationToken = default)
    {
        var outcomes = new List<RunOutcome>();
        var running = new List<Task<RunOutcome?>>();
        var concurrency = Math.Max(1, _services.Options.MaxConcurrentRuns);
        var wakeup = _services.Queue as IRunQueueWakeup;
        // One coordinator takes runs and collects outcomes; only the executions run concurrently.
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Taken before looking at the queue, so a run queued meanwhile (a child run, another host's) wakes the wait below.
            var woken = wakeup?.NextWakeup();
            while (running.Count < concurrency && await _services.Queue.TryTakeDueAsync(_services.Now, _services.LeaseTerms, cancellationToken).ConfigureAwait(false) is { } run)
            {
                running.Add(ExecuteAsync(run, cancellationToken));
            }
            if (running.Count == 0)
            {
                if (await _services.Queue.NextDueAsync(cancellationToken).ConfigureAwait(false) is not { } due)
                {
                    return outcomes;
                }
                var wait = due - _services.Now;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _services.Options.TimeProvider, cancellationToken).ConfigureAwait(false);
                }
                continue;
            }
            if (running.Count < concurrency)
            {
                // A slot is free: wait for a run to end, the next delayed run to come due, or a run to be queued,
                // whichever comes first, so a delayed run starts without waiting for a busy one to finish.
                using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var waits = new List<Task>(running);
                if (await _services.Queue.NextDueAsync(cancellationToken).ConfigureAwait(false) is { } due)
                {
                    waits.Add(Task.Delay(RunDelays.UntilDue(due, _services.Options.TimeProvider), _services.Options.TimeProvider, stopWaiting.Token));
                }
                if (woken is not null)
                {
                    waits.Add(woken);
                }
                await Task.WhenAny(waits).ConfigureAwait(false);
                await stopWaiting.CancelAsync().ConfigureAwait(false);
            }
            else
            {
                await Task.WhenAny(running).ConfigureAwait(false);
            }
            foreach (var finished in running.Where(t => t.IsCompleted).ToList())
            {
                running.Remove(finished);
                if (await finished.ConfigureAwait(false) is { } outcome)
                {
                    outcomes.Add(outcome);
                }
            }
        }
    }

    /// <summary>
    /// Queues what recurring schedules made due (sync-users <c>schedule</c>s) and runs the first due run only (the
    /// host's worker; <c>mfc run --no-follow</c>); what it queued stays queued.
    /// </summary>
    public async Task<IReadOnlyList<RunOutcome>> RunOneAsync(CancellationToken cancellationToken = default) =>
        (await RunNextAsync(null, takeNext: false, cancellationToken).ConfigureAwait(false)).Outcomes;

    /// <summary>
    /// A host's loop turn: queues what schedules made due, then runs <paramref name="carried"/> (the run the last turn
    /// took with its completion) or else the first due run. With <paramref name="takeNext"/> the run ends together with
    /// taking the next due one (<see cref="IRunQueue.CompleteAndTakeNextAsync"/>), which is returned for the next turn;
    /// a carried run the turn cannot start is put back in the queue.
    /// </summary>
    internal async Task<(IReadOnlyList<RunOutcome> Outcomes, TakenRun? Next)> RunNextAsync(TakenRun? carried, bool takeNext, CancellationToken cancellationToken)
    {
        try
        {
            await EnqueueDueSchedulesAsync(cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested(); // a carried run is not started by a stopping host
        }
        catch when (carried is not null)
        {
            await ReleaseAsync(carried).ConfigureAwait(false);
            throw;
        }
        while ((carried ?? await _services.Queue.TryTakeDueAsync(_services.Now, _services.LeaseTerms, cancellationToken).ConfigureAwait(false)) is { } run)
        {
            var (outcome, next) = await ExecuteAsync(run, takeNext, cancellationToken).ConfigureAwait(false);
            if (outcome is not null)
            {
                return ([outcome], next);
            }
            carried = null; // deferred by its engine: it ended without taking another
        }
        return ([], null);
    }

    /// <summary>
    /// A host's worker loop (<c>mfc serve</c> runs one per concurrent run): each turn is <see cref="RunNextAsync"/>, every
    /// run's completion taking the next due run; when none is due it awaits <paramref name="idleAsync"/> with the queue's
    /// wake-up taken before the turn looked (so a run queued meanwhile is not missed). A turn that throws goes to
    /// <paramref name="failedAsync"/> and the loop goes on; on stopping, a run taken for the next turn is put back.
    /// </summary>
    public async Task RunWorkerAsync(Func<Task?, CancellationToken, Task> idleAsync, Func<Exception, CancellationToken, Task> failedAsync, CancellationToken stoppingToken)
    {
        var wakeup = _services.Queue as IRunQueueWakeup;
        TakenRun? next = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var woken = wakeup?.NextWakeup();
                    var (outcomes, taken) = await RunNextAsync(next, takeNext: true, stoppingToken).ConfigureAwait(false);
                    next = taken;
                    if (outcomes.Count == 0 && next is null)
                    {
                        await idleAsync(woken, stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    next = null; // the turn released its carried run, or was running it (left to its lease)
                    break;
                }
                catch (Exception e)
                {
                    next = null;
                    await failedAsync(e, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (next is not null)
            {
                await ReleaseAsync(next).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Puts a run this host took and will not start back in the queue, due now (the host is stopping, or its turn failed).</summary>
    internal Task ReleaseAsync(TakenRun taken) => _services.Queue.DeferAsync(taken.Lease, _services.Now, CancellationToken.None);

    /// <summary>
    /// Executes one taken run; null when its engine deferred it (a rate limit). Whatever a run throws (a store, the
    /// step pool, data no step expected) ends that run as failed with an error event, so no run is left taken by a
    /// live host; only the host stopping leaves it taken, for another host (or this one after a restart) to take over.
    /// While it executes, a heartbeat renews its lease every third of the lease's duration.
    /// </summary>
    internal async Task<RunOutcome?> ExecuteAsync(TakenRun taken, CancellationToken cancellationToken) =>
        (await ExecuteAsync(taken, takeNext: false, cancellationToken).ConfigureAwait(false)).Outcome;

    /// <summary><see cref="ExecuteAsync(TakenRun, CancellationToken)"/>; with <paramref name="takeNext"/>, the run's completion also takes the next due run (see <see cref="RunNextAsync"/>).</summary>
    private async Task<(RunOutcome? Outcome, TakenRun? Next)> ExecuteAsync(TakenRun taken, bool takeNext, CancellationToken cancellationToken)
    {
        var (run, lease) = taken;
        RunOutcome result;
        var failed = false;
        using (var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var beating = HeartbeatAsync(run, lease, heartbeat.Token);
            try
            {
                var instance = await _services.Instances.GetAsync(run.InstanceId, cancellationToken).ConfigureAwait(false);
                Runs.Started(run, instance?.CompanyId, _services.Now);
                if (instance is null)
                {
                    var reason = $"no connected instance '{run.InstanceId}'";
                    _services.Publish(DebugLevel.Error, reason, 500, run.Action, run.CorrelationId, run.RunId, run.InstanceId, "action_error");
                    result = new RunOutcome(run, RunStatus.Refused, null, reason);
                }
                else if (await EngineOf(instance).ExecuteAsync(instance, run, lease, cancellationToken).ConfigureAwait(false) is { } outcome)
                {
                    result = outcome;
                }
                else
                {
                    Runs.Deferred(run);
                    return (null, null); // deferred: the engine queued it again for later
                }
            }
            catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                var reason = $"The run failed with {e.GetType().Name}: {e.Message}";
                _services.Publish(DebugLevel.Error, reason, 500, run.Action, run.CorrelationId, run.RunId, run.InstanceId, "action_error");
                result = new RunOutcome(run, RunStatus.Failed, null, _services.Redactor.Redact(reason));
                failed = true;
            }
            finally
            {
                await heartbeat.CancelAsync().ConfigureAwait(false);
                await beating.ConfigureAwait(false);
            }
        }
        // The run is over: it is completed (a failed one too, so no live host leaves a run taken), and the run its
        // completion took is handed back, or put back when anything after the take throws.
        var next = await CompleteAsync(run, lease, takeNext && !cancellationToken.IsCancellationRequested, failed ? CancellationToken.None : cancellationToken).ConfigureAwait(false);
        try
        {
            return (Finish(result), next);
        }
        catch when (next is not null)
        {
            await ReleaseAsync(next).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Marks a run done under its lease; a stale lease (the run was taken over) is reported, and the run is left to the host that holds it now.</summary>
    /// <returns>The next due run, taken with the completion when <paramref name="takeNext"/> (and the host is not stopping).</returns>
    private async Task<TakenRun?> CompleteAsync(RunRequest run, RunLease lease, bool takeNext, CancellationToken cancellationToken)
    {
        bool completed;
        TakenRun? next = null;
        if (takeNext && !cancellationToken.IsCancellationRequested)
        {
            // Not cancelled once sent: a store may commit the take and the host must then get the run it took.
            (completed, next) = await _services.Queue.CompleteAndTakeNextAsync(lease, _services.Now, _services.LeaseTerms, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            completed = await _services.Queue.CompleteAsync(lease, cancellationToken).ConfigureAwait(false);
        }
        if (!completed)
        {
            try
            {
                _services.PublishLeaseLost(run, lease, "completion");
            }
            catch when (next is not null)
            {
                await ReleaseAsync(next).ConfigureAwait(false);
                throw;
            }
        }
        return next;
    }

    /// <summary>Renews a run's lease until <paramref name="stop"/>; stops early when the lease turns out stale.</summary>
    private async Task HeartbeatAsync(RunRequest run, RunLease lease, CancellationToken stop)
    {
        var duration = _services.Options.LeaseDuration;
        try
        {
            while (true)
            {
                await Task.Delay(duration / 3, _services.Options.TimeProvider, stop).ConfigureAwait(false);
                if (!await _services.Queue.RenewAsync(lease, RunLeases.ExpiryOf(_services.Now, duration), stop).ConfigureAwait(false))
                {
                    _services.PublishLeaseLost(run, lease, "heartbeat");
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // A store that fails a heartbeat: the run goes on; if the lease expires meanwhile, its completion is refused.
            _services.Publish(DebugLevel.Warning, $"The run's lease could not be renewed: {e.GetType().Name}: {e.Message}", 500, run.Action, run.CorrelationId, run.RunId, run.InstanceId, "lifecycle");
        }
    }

    /// <summary>
    /// Queues every recurring run that came due (sync-users schedules, <c>create_cron_job</c> jobs: all cron jobs of
    /// the store), each occurrence once across hosts (<see cref="CronJobScheduler"/>). Returns when the next one is due
    /// (null: none).
    /// </summary>
    public async Task<DateTimeOffset?> EnqueueDueSchedulesAsync(CancellationToken cancellationToken = default)
    {
        var now = _services.Now;
        DateTimeOffset? next = null;
        foreach (var engine in _engines)
        {
            next = RuntimeServices.Earliest(next, await engine.QueueDueSchedulesAsync(now, cancellationToken).ConfigureAwait(false));
        }
        return RuntimeServices.Earliest(next, await CronJobScheduler.QueueDueAsync(_services, now, cancellationToken).ConfigureAwait(false));
    }
}
