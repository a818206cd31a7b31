using ManifestCompiler.Runtime.Support.Json;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime.ChiefOnboarding;

/// <summary>How an <c>execute</c> ended: the last response on success; the error, whether <c>continue_if</c> blocked it, and when its one retry is due.</summary>
public sealed record ExecuteResult(bool Succeeded, string? Error, JsonElement? LastResponse, bool Blocked = false, DateTimeOffset? RetryAt = null);

/// <summary>How a <c>revoke</c> ended (<c>(True, "")</c> or <c>(False, reason)</c> in the reference engine).</summary>
public sealed record RevokeResult(bool Succeeded, string Error);

/// <summary>One option of a <c>choice</c> form field.</summary>
public sealed record FormChoice(string Value, string Name);

/// <summary>A per-run form field with its choices (none for <c>input</c>); <see cref="Error"/> when fetching them failed.</summary>
public sealed record FormField(string Id, string Name, FormItemType Type, IReadOnlyList<FormChoice> Choices, string? Error);

/// <summary>A user record a sync did not apply, and why (never dropped silently).</summary>
public sealed record SkippedUser(JsonObject Record, string Reason);

/// <summary>
/// What a sync fetched and did: the pages read, every extracted record, the users created or updated, and the records
/// skipped with their reasons. <see cref="Error"/> is set when the sync could not fetch at all.
/// </summary>
public sealed record SyncResult(int Pages, IReadOnlyList<JsonObject> Records, IReadOnlyList<ImportedUser> Created, IReadOnlyList<string> Updated, IReadOnlyList<SkippedUser> Skipped, string? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>
/// Runs compiled ChiefOnboarding manifests (docs/chiefonboarding-semantics.md and docs/runtime.md), with the
/// documented semantics where the reference engine differs (docs/chiefonboarding-semantics.md): <c>execute</c>
/// sequences with <c>store_data</c>, <c>responses.N</c>, <c>continue_if</c> and polling, files; <c>exists</c>;
/// <c>revoke</c>; OAuth with lazy refresh; <c>initial_data_form</c> values kept encrypted as the instance's tokens and
/// <c>generate</c> secrets made per run; post-execute notifications; one retry an hour after a failed run; sync users
/// with the three pagination modes and cron schedules. Every request is a debug event (the reference engine's
/// tracker step) with secrets masked.
/// </summary>
public sealed class ChiefOnboardingEngine : IManifestEngine
{
    /// <summary>The queued actions of a ChiefOnboarding instance.</summary>
    public const string ExecuteAction = "execute", ExistsAction = "exists", RevokeAction = "revoke", SyncAction = "sync";

    public static readonly TimeSpan RetryDelay = TimeSpan.FromHours(1);

    private readonly RuntimeServices _services;
    private readonly ConcurrentDictionary<string, ChiefOnboardingPlan> _plans = new(StringComparer.Ordinal);
    private int _schedulesToReconcile;
    private readonly RequestSender _sender;

    internal ChiefOnboardingEngine(RuntimeServices services, IUserDirectory users, INotifier notifier)
    {
        _services = services;
        Users = users;
        Notifier = notifier;
        _sender = new RequestSender(services.Http, services.Options.Routes, services.Options.TimeProvider);
        Delay = (delay, cancellationToken) => Task.Delay(delay, services.Options.TimeProvider, cancellationToken);
    }

    public IUserDirectory Users { get; }

    public INotifier Notifier { get; }

    /// <summary>Polling waits through this (tests make it instant); by default the runtime's clock.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; set; }

    internal RuntimeServices Services => _services;

    internal RequestSender Sender => _sender;

    internal void AddPlan(ChiefOnboardingPlan plan)
    {
        _plans[plan.Name] = plan;
        // A plan (re)loaded may add, change or drop a schedule: the instances' schedule jobs are brought in line on the next turn.
        Volatile.Write(ref _schedulesToReconcile, 1);
    }

    // --- the engine's part in the runtime ------------------------------------------------------------------

    ManifestDialect IManifestEngine.Dialect => ManifestDialect.ChiefOnboarding;

    void IManifestEngine.AddPlans(PlanCatalog catalog)
    {
        foreach (var manifest in catalog.Manifests)
        {
            AddPlan(manifest);
        }
    }

    RunRequest IManifestEngine.NewCallerRun(IntegrationInstance instance, string action, JsonNode? payload, RunCaller caller)
    {
        if (action is not (ExecuteAction or ExistsAction or RevokeAction or SyncAction))
        {
            throw new RunRefusedException(RefusalReason.Invalid, $"a ChiefOnboarding integration has no action '{action}' (execute, exists, revoke, sync)");
        }
        // A queued execute is a sequence's: it is retried once an hour after a failure.
        return new RunRequest(RuntimeServices.NewId(), RuntimeServices.NewId(), instance.Id, action, (payload ?? new JsonObject()).ToJsonString(), _services.Now, RuntimeServices.NewId(), RetriesLeft: 1, Caller: caller);
    }

    async Task<RunOutcome?> IManifestEngine.ExecuteAsync(IntegrationInstance instance, RunRequest run, RunLease lease, CancellationToken cancellationToken)
    {
        using var activity = RuntimeServices.StartRunActivity(run, instance.Id, run.Action);
        var outcome = await RunQueuedAsync(run, cancellationToken).ConfigureAwait(false);
        _services.EndRunActivity(activity, outcome);
        return outcome;
    }

    Task<RunOutcome?> IManifestEngine.RunRemovalAsync(IntegrationInstance instance, CancellationToken cancellationToken) => Task.FromResult<RunOutcome?>(null);

    Task<DateTimeOffset?> IManifestEngine.QueueDueSchedulesAsync(DateTimeOffset now, CancellationToken cancellationToken) => EnsureScheduleJobsAsync(now, cancellationToken);

    public ChiefOnboardingPlan? FindPlan(string manifest) => _plans.GetValueOrDefault(manifest);

    // --- adding an integration ------------------------------------------------------------------------

    /// <summary>
    /// Adds a manifest as an integration with its <c>initial_data_form</c> values (stored encrypted as the
    /// instance's tokens). Every item but <c>generate</c> ones is required; keys the form does not ask for are ignored.
    /// </summary>
    public async Task<IntegrationInstance> AddAsync(string manifest, JsonObject initialData, string companyId = "default", CancellationToken cancellationToken = default)
    {
        var plan = FindPlan(manifest) ?? throw new RunRefusedException(RefusalReason.NotFound, $"no manifest named '{manifest}' is loaded");
        var values = new JsonObject();
        var missing = new List<string>();
        foreach (var item in plan.InitialDataForm.Where(i => !i.Generate))
        {
            if (JsonText.Of(initialData[item.Id]) is { Length: > 0 } value)
            {
                values[item.Id] = value;
            }
            else
            {
                missing.Add(item.Id);
            }
        }
        if (missing.Count > 0)
        {
            throw new RunRefusedException(RefusalReason.Invalid, $"adding {manifest} needs {string.Join(", ", missing)} (initial_data_form)");
        }
        var index = await _services.NextIndexAsync(manifest, ManifestDialect.ChiefOnboarding, cancellationToken).ConfigureAwait(false);
        var instance = new IntegrationInstance(manifest, index, companyId, values, _services.Now, ManifestDialect.ChiefOnboarding);
        _services.Redactor.AddTokens(values);
        await _services.Instances.SaveAsync(instance, cancellationToken).ConfigureAwait(false);
        if (plan.Sync?.Schedule is { } schedule)
        {
            await _services.CronJobs.EnsureJobAsync(ScheduleJob(instance, schedule, _services.Now), cancellationToken).ConfigureAwait(false);
        }
        _services.Publish(DebugLevel.Info, $"{instance.Id} added", 200, "", "", "", instance.Id, "lifecycle");
        return instance;
    }

    // --- OAuth ------------------------------------------------------------------------------------

    /// <summary>Where to send the admin to authorize (<c>oauth.authenticate_url</c>, rendered with the initial data and <c>redirect_url</c>).</summary>
    public async Task<string> AuthenticateUrlAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var (instance, plan) = await LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var oauth = plan.OAuth ?? throw new RunRefusedException(RefusalReason.Invalid, $"{plan} has no oauth");
        return oauth.AuthenticateUrl.Render(new RunContext(this, plan, instance, null, "oauth", RuntimeServices.NewId()).Variables.Scope(new JsonObject(), includeExtraFields: false));
    }

    /// <summary>
    /// Starts the OAuth connect of an instance over HTTP: <see cref="AuthenticateUrlAsync"/> with a <c>state</c>
    /// nonce appended, bound to the instance, its company and its own <c>redirect_url</c> (<see cref="OAuthStates"/>).
    /// </summary>
    public async Task<string> StartOAuthAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var url = await AuthenticateUrlAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var (instance, _) = await LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var nonce = await OAuthStates.IssueAsync(_services.OAuthStates, instance.CompanyId, null, instance.Id, _services.ChiefOnboardingCallbackUrl(instance), _services.Now, cancellationToken).ConfigureAwait(false);
        return OAuthStates.WithState(url, nonce);
    }

    /// <summary>
    /// An instance's own OAuth callback over HTTP: redeems <paramref name="state"/> (issued by <see cref="StartOAuthAsync"/>
    /// for this very instance and callback, used up here), then <see cref="CompleteOAuthAsync"/>. Anything else is
    /// refused with <see cref="OAuthStateRefusedException"/> and connects nothing.
    /// </summary>
    public async Task<IntegrationInstance> CompleteOAuthCallbackAsync(string instanceId, string? state, string? code, CancellationToken cancellationToken = default)
    {
        var (instance, _) = await LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (await OAuthStates.RedeemAsync(_services.OAuthStates, state, _services.ChiefOnboardingCallbackUrl(instance), _services.Now, cancellationToken).ConfigureAwait(false) is not { } flow
            || flow.InstanceId != instance.Id || flow.CompanyId != instance.CompanyId)
        {
            throw new OAuthStateRefusedException();
        }
        return await CompleteOAuthAsync(instance.Id, code, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The OAuth callback: exchanges the code at <c>oauth.access_token</c> (the code appended to its URL, unless
    /// <c>without_code</c>) and stores the answer as the instance's <c>oauth</c>; <c>expires_in</c> starts its clock.
    /// </summary>
    public async Task<IntegrationInstance> CompleteOAuthAsync(string instanceId, string? code, CancellationToken cancellationToken = default)
    {
        var (instance, plan) = await LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var oauth = plan.OAuth ?? throw new RunRefusedException(RefusalReason.Invalid, $"{plan} has no oauth");
        if (string.IsNullOrEmpty(code) && !oauth.WithoutCode)
        {
            throw new RunRefusedException(RefusalReason.Invalid, "Code was not provided");
        }
        var context = new RunContext(this, plan, instance, null, "oauth", RuntimeServices.NewId());
        var result = await context.SendAsync(oauth.AccessToken, new JsonObject(), oauth.WithoutCode ? null : code, cancellationToken).ConfigureAwait(false);
        if (TokenAnswer(result) is not { } answer)
        {
            throw new RunRefusedException(RefusalReason.Invalid, "Couldn't save token: " + _services.Redactor.Redact(result.Error ?? $"{result.Url} answered {result.Status} {Truncate(result.Json?.GetRawText() ?? result.Text)}"));
        }
        var tokens = (JsonObject)instance.Tokens.DeepClone();
        tokens["oauth"] = DataJson.ParseNode(answer.GetRawText());
        var connected = instance with { Tokens = tokens, TokensStoredAt = _services.Now };
        _services.Redactor.AddTokens(tokens);
        await _services.Instances.SaveAsync(connected, cancellationToken).ConfigureAwait(false);
        _services.Publish(DebugLevel.Info, "OAuth connected", 200, "oauth", context.CorrelationId, context.CorrelationId, instance.Id, "lifecycle");
        return connected;
    }

    // --- execute ------------------------------------------------------------------------------------

    /// <summary>
    /// Runs the manifest's <c>execute</c> requests for a new hire (null for none) with the per-run
    /// <paramref name="form"/> values. With <paramref name="retryOnFailure"/> (sequences), a failed run is queued
    /// once more an hour later, as the documentation says.
    /// </summary>
    public async Task<ExecuteResult> ExecuteAsync(string instanceId, string? newHireId, JsonObject? form = null, bool retryOnFailure = false, CancellationToken cancellationToken = default)
    {
        var (instance, plan) = await LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var newHire = await FindNewHireAsync(newHireId, cancellationToken).ConfigureAwait(false);
        var context = new RunContext(this, plan, instance, newHire, ExecuteAction, RuntimeServices.NewId());
        await context.PrepareAccessOverviewAsync(cancellationToken).ConfigureAwait(false);
        var result = await new ExecuteSequence(context).RunAsync(form ?? [], cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded && retryOnFailure)
        {
            var retryAt = _services.Now + RetryDelay;
            var payload = new JsonObject { ["new_hire"] = newHireId, ["form"] = form?.DeepClone() ?? new JsonObject() };
            await _services.QueueAsync(new RunRequest(RuntimeServices.NewId(), context.CorrelationId, instanceId, ExecuteAction, payload.ToJsonString(), retryAt, context.CorrelationId + ":retry", RetriesLeft: 0, Caller: RunCaller.System), cancellationToken).ConfigureAwait(false);
            context.Event(DebugLevel.Info, $"The integration will be retried once at {retryAt:O}", "lifecycle");
            return result with { RetryAt = retryAt };
        }
        return result;
    }

    /// <summary>Whether the new hire has an account (<c>exists</c>): true, false, or null when unknown (no <c>exists</c>, or the request failed).</summary>
    public Task<bool?> UserExistsAsync(string instanceId, string newHireId, CancellationToken cancellationToken = default) =>
        UserExistsAsync(instanceId, newHireId, RuntimeServices.NewId(), forAccessOverview: false, cancellationToken);

    /// <summary>
    /// <c>exists</c> under <paramref name="correlationId"/>. Asked for an <c>access_overview</c>, its own templates do
    /// not get one (the reference engine would recurse without end): there the variable renders empty with a warning.
    /// </summary>
    private async Task<bool?> UserExistsAsync(string instanceId, string newHireId, string correlationId, bool forAccessOverview, CancellationToken cancellationToken)
    {
        var (instance, plan) = await LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (plan.Exists is not { } exists)
        {
            return null;
        }
        var newHire = await FindNewHireAsync(newHireId, cancellationToken).ConfigureAwait(false);
        var context = new RunContext(this, plan, instance, newHire, ExistsAction, correlationId);
        if (!await context.RenewKeyAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        if (!forAccessOverview)
        {
            await context.PrepareAccessOverviewAsync(cancellationToken).ConfigureAwait(false);
        }
        // exists templates see the new hire's built-in fields, not their extra fields (docs/chiefonboarding-semantics.md, "Template variables").
        var result = await context.SendAsync(exists, new JsonObject(), null, cancellationToken, includeExtraFields: false).ConfigureAwait(false);
        return result.Success ? context.FoundExpected(exists, result, new JsonObject(), includeExtraFields: false) : null;
    }

    /// <summary>
    /// The <c>access_overview</c> of a new hire (<see cref="AccessOverview"/>): <c>exists</c> on every ChiefOnboarding
    /// integration of <paramref name="companyId"/> that has one, by name; never another company's.
    /// Each check's events carry <paramref name="correlationId"/>, the run that asked.
    /// </summary>
    internal async Task<string> AccessOverviewAsync(string companyId, string newHireId, string correlationId, CancellationToken cancellationToken)
    {
        var answers = new List<(string, bool?)>();
        var instances = (await _services.Instances.ListAsync(cancellationToken).ConfigureAwait(false))
            .Where(i => i.Dialect == ManifestDialect.ChiefOnboarding && i.CompanyId == companyId && FindPlan(i.Integration)?.Exists is not null)
            .OrderBy(i => i.Integration, StringComparer.Ordinal).ThenBy(i => i.Index);
        foreach (var instance in instances)
        {
            bool? found;
            try
            {
                found = await UserExistsAsync(instance.Id, newHireId, correlationId, forAccessOverview: true, cancellationToken).ConfigureAwait(false);
            }
            catch (RunRefusedException)
            {
                found = null; // removed meanwhile, or its plan is gone: as unreachable
            }
            answers.Add((instance.Integration, found));
        }
        return AccessOverview.Render(answers);
    }

    /// <summary>Runs <c>revoke</c> for the new hire; each request must succeed and contain its <c>expected</c> text, if any.</summary>
    public async Task<RevokeResult> RevokeAsync(string instanceId, string newHireId, CancellationToken cancellationToken = default)
    {
        var (instance, plan) = await LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var newHire = await FindNewHireAsync(newHireId, cancellationToken).ConfigureAwait(false);
        var context = new RunContext(this, plan, instance, newHire, RevokeAction, RuntimeServices.NewId());
        if (plan.Revoke.Count == 0)
        {
            return new RevokeResult(false, $"{plan} has no revoke");
        }
        if (!await context.RenewKeyAsync(cancellationToken).ConfigureAwait(false))
        {
            return new RevokeResult(false, "Couldn't renew key");
        }
        await context.PrepareAccessOverviewAsync(cancellationToken).ConfigureAwait(false);
        foreach (var request in plan.Revoke)
        {
            var result = await context.SendAsync(request, new JsonObject(), null, cancellationToken).ConfigureAwait(false);
            if (!result.Success)
            {
                return new RevokeResult(false, _services.Redactor.Redact(result.Error!));
            }
            if (!context.FoundExpected(request, result, new JsonObject(), includeExtraFields: true))
            {
                return new RevokeResult(false, $"the answer of {result.Url} does not contain the expected text");
            }
        }
        context.Event(DebugLevel.Info, "Access revoked", "lifecycle");
        return new RevokeResult(true, "");
    }

    /// <summary>The per-run form with its choices: fetched from the item's URL (default method POST) or its fixed items.</summary>
    public async Task<IReadOnlyList<FormField>> FormAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var (instance, plan) = await LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var context = new RunContext(this, plan, instance, null, "form", RuntimeServices.NewId());
        var fields = new List<FormField>();
        foreach (var item in plan.Form)
        {
            if (item.Type is not (FormItemType.Choice or FormItemType.MultipleChoice))
            {
                if (item.Type == FormItemType.Input)
                {
                    fields.Add(new FormField(item.Id, item.Name, item.Type, [], null));
                }
                continue;
            }
            JsonElement options;
            if (item.Source is { } source)
            {
                var result = await context.SendAsync(source, new JsonObject(), null, cancellationToken).ConfigureAwait(false);
                if (!result.Success || result.Json is not { } json)
                {
                    fields.Add(new FormField(item.Id, item.Name, item.Type, [], _services.Redactor.Redact(result.Error ?? $"{result.Url} did not answer JSON")));
                    continue;
                }
                options = json;
            }
            else if (item.Items is { } items)
            {
                using var document = items.RenderDocument(context.Variables.Scope(new JsonObject(), includeExtraFields: false));
                options = document.RootElement.Clone();
            }
            else
            {
                fields.Add(new FormField(item.Id, item.Name, item.Type, [], null));
                continue;
            }
            if (!item.DataFrom.TryEvaluate(options, out var list, out var failure) || list.ValueKind != JsonValueKind.Array)
            {
                fields.Add(new FormField(item.Id, item.Name, item.Type, [], $"the options are not a list at '{item.DataFrom}'{(failure is null ? "" : ": " + failure)}"));
                continue;
            }
            var choices = new List<FormChoice>();
            string? error = null;
            foreach (var option in list.EnumerateArray())
            {
                if (item.ChoiceValue.TryEvaluate(option, out var value, out _) && item.ChoiceName.TryEvaluate(option, out var name, out _))
                {
                    choices.Add(new FormChoice(Support.Values.JsonPythonFormat.Str(value), Support.Values.JsonPythonFormat.Str(name)));
                }
                else
                {
                    error ??= $"an option lacks '{item.ChoiceValue}' or '{item.ChoiceName}': {option.GetRawText()}";
                }
            }
            fields.Add(new FormField(item.Id, item.Name, item.Type, choices, error));
        }
        return fields;
    }

    // --- sync users -----------------------------------------------------------------------------------

    /// <summary>
    /// Fetches the users (all <c>execute</c> requests, then the pages as the pagination mode says, at most
    /// <c>amount_pages_to_fetch</c> pages in all, stopping early at a page without users) and, when
    /// <paramref name="apply"/>, creates or updates them. Without <paramref name="apply"/> it lists the import
    /// candidates (the manual import page).
    /// </summary>
    public async Task<SyncResult> SyncUsersAsync(string instanceId, bool apply = true, CancellationToken cancellationToken = default)
    {
        var (instance, plan) = await LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var sync = plan.Sync ?? throw new RunRefusedException(RefusalReason.Invalid, $"{plan} is not a sync-users manifest");
        return await new UserSync(new RunContext(this, plan, instance, null, SyncAction, RuntimeServices.NewId()), sync).RunAsync(apply, cancellationToken).ConfigureAwait(false);
    }

    // --- the queue and schedules ---------------------------------------------------------------------

    /// <summary>A queued run of an instance (<c>execute</c>, <c>exists</c>, <c>revoke</c>, <c>sync</c>).</summary>
    internal async Task<RunOutcome> RunQueuedAsync(RunRequest run, CancellationToken cancellationToken)
    {
        JsonObject payload;
        try
        {
            payload = DataJson.ParseNode(run.PayloadJson) as JsonObject ?? [];
        }
        catch (JsonException e)
        {
            return new RunOutcome(run, RunStatus.Failed, null, "the run's payload is not JSON: " + e.Message);
        }
        var newHire = JsonText.Of(payload["new_hire"]);
        try
        {
            switch (run.Action)
            {
                case ExecuteAction:
                    var executed = await ExecuteAsync(run.InstanceId, newHire, payload["form"] as JsonObject, retryOnFailure: (run.RetriesLeft ?? 1) > 0, cancellationToken).ConfigureAwait(false);
                    return new RunOutcome(run, executed.Succeeded ? RunStatus.Succeeded : RunStatus.Failed, executed.LastResponse is { } last ? DataJson.ParseNode(last.GetRawText()) : null, executed.Error);
                case ExistsAction:
                    var exists = await UserExistsAsync(run.InstanceId, newHire ?? "", cancellationToken).ConfigureAwait(false);
                    return new RunOutcome(run, RunStatus.Succeeded, exists is { } found ? JsonValue.Create(found) : null, null);
                case RevokeAction:
                    var revoked = await RevokeAsync(run.InstanceId, newHire ?? "", cancellationToken).ConfigureAwait(false);
                    return new RunOutcome(run, revoked.Succeeded ? RunStatus.Succeeded : RunStatus.Failed, null, revoked.Succeeded ? null : revoked.Error);
                case SyncAction:
                    var synced = await SyncUsersAsync(run.InstanceId, apply: true, cancellationToken).ConfigureAwait(false);
                    return new RunOutcome(run, synced.Succeeded ? RunStatus.Succeeded : RunStatus.Failed,
                        new JsonObject { ["pages"] = synced.Pages, ["records"] = synced.Records.Count, ["created"] = synced.Created.Count, ["updated"] = synced.Updated.Count, ["skipped"] = synced.Skipped.Count },
                        synced.Error);
                default:
                    return new RunOutcome(run, RunStatus.Refused, null, $"a ChiefOnboarding integration has no action '{run.Action}' (execute, exists, revoke, sync)");
            }
        }
        catch (RunRefusedException e)
        {
            _services.Publish(DebugLevel.Error, e.Message, 500, run.Action, run.CorrelationId, run.RunId, run.InstanceId, "action_error");
            return new RunOutcome(run, RunStatus.Refused, null, e.Message);
        }
    }

    /// <summary>
    /// A sync-users <c>schedule</c> is a cron job of its instance (<see cref="CronJob.ScheduleName"/>, the <c>sync</c>
    /// action), kept in the cron job store with a durable cursor, so the runtime's <see cref="CronJobScheduler"/> queues
    /// it like any cron job: once per occurrence across hosts, and after downtime the first missed occurrence once.
    /// Adding an instance creates its job; after plans were (re)loaded, this brings every instance's job in line with
    /// its plan (created, cron changed, or removed with the schedule) without moving a cursor. That lists the instances
    /// once per plan load, never on every turn. Returns null: the jobs' due times are the scheduler's.
    /// </summary>
    internal async Task<DateTimeOffset?> EnsureScheduleJobsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _schedulesToReconcile, 0) == 0)
        {
            return null;
        }
        try
        {
            foreach (var instance in await _services.Instances.ListAsync(cancellationToken).ConfigureAwait(false))
            {
                if (instance.Dialect != ManifestDialect.ChiefOnboarding || FindPlan(instance.Integration) is not { } plan)
                {
                    continue; // a manifest this host has not loaded: its job, if any, is left as it is
                }
                if (plan.Sync?.Schedule is { } schedule)
                {
                    await _services.CronJobs.EnsureJobAsync(ScheduleJob(instance, schedule, now), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _services.CronJobs.DeleteJobAsync(instance.Id, CronJob.ScheduleName, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            Volatile.Write(ref _schedulesToReconcile, 1); // tried again on the next turn
            throw;
        }
        return null;
    }

    /// <summary>An instance's schedule job as it starts (the cursor is kept when the job exists already).</summary>
    private static CronJob ScheduleJob(IntegrationInstance instance, Support.Plans.CronSchedulePlan schedule, DateTimeOffset cursor) =>
        new(instance.Id, CronJob.ScheduleName, SyncAction, "{}", schedule.Expression, cursor);

    // --- plumbing -------------------------------------------------------------------------------------

    private async Task<(IntegrationInstance Instance, ChiefOnboardingPlan Plan)> LoadAsync(string instanceId, CancellationToken cancellationToken)
    {
        var instance = await _services.Instances.GetAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (instance is not { Dialect: ManifestDialect.ChiefOnboarding })
        {
            throw new RunRefusedException(RefusalReason.NotFound, $"no ChiefOnboarding integration '{instanceId}'");
        }
        var plan = FindPlan(instance.Integration) ?? throw new RunRefusedException(RefusalReason.NotFound, $"no manifest named '{instance.Integration}' is loaded");
        _services.Redactor.AddTokens(instance.Tokens);
        return (instance, plan);
    }

    private async Task<NewHire?> FindNewHireAsync(string? id, CancellationToken cancellationToken) =>
        id is null ? null : await Users.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new RunRefusedException(RefusalReason.NotFound, $"no new hire '{id}'");

    /// <summary>
    /// A token endpoint's answer: a JSON object with a 2xx status. Unlike other requests, an error status fails here
    /// even without <c>status_code</c>: the reference engine would store <c>{"error": "invalid_grant"}</c> as the token.
    /// </summary>
    internal static JsonElement? TokenAnswer(RequestResult result) =>
        result is { Success: true, Status: >= 200 and < 300, Json: { ValueKind: JsonValueKind.Object } answer } ? answer : null;

    internal static string Truncate(string text) => text.Length <= 2000 ? text : text[..2000] + "…";
}
