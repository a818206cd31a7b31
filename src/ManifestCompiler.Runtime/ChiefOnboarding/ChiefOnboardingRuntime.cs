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
/// Runs compiled ChiefOnboarding manifests (spec 002; behaviour notes in chiefonboarding-engine-notes.md), with the
/// documented semantics where the reference engine differs (docs/chiefonboarding-semantics.md): <c>execute</c>
/// sequences with <c>store_data</c>, <c>responses.N</c>, <c>continue_if</c> and polling, files; <c>exists</c>;
/// <c>revoke</c>; OAuth with lazy refresh; <c>initial_data_form</c> values kept encrypted as the instance's tokens and
/// <c>generate</c> secrets made per run; post-execute notifications; one retry an hour after a failed run; sync users
/// with the three pagination modes and cron schedules. Every request is a debug event (the reference engine's
/// tracker step) with secrets masked.
/// </summary>
public sealed class ChiefOnboardingRuntime
{
    /// <summary>The queued actions of a ChiefOnboarding instance.</summary>
    public const string ExecuteAction = "execute", ExistsAction = "exists", RevokeAction = "revoke", SyncAction = "sync";

    public static readonly TimeSpan RetryDelay = TimeSpan.FromHours(1);

    private readonly ManifestRuntime _host;
    private readonly ConcurrentDictionary<string, ChiefOnboardingPlan> _plans = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _scheduleCursors = new(StringComparer.Ordinal);
    private readonly RequestSender _sender;

    internal ChiefOnboardingRuntime(ManifestRuntime host, IUserDirectory users, INotifier notifier)
    {
        _host = host;
        Users = users;
        Notifier = notifier;
        _sender = new RequestSender(host.Http, host.Options.Routes, host.Options.TimeProvider);
        Delay = (delay, cancellationToken) => Task.Delay(delay, host.Options.TimeProvider, cancellationToken);
    }

    public IUserDirectory Users { get; }

    public INotifier Notifier { get; }

    /// <summary>Polling waits through this (tests make it instant); by default the runtime's clock.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; set; }

    internal void AddPlan(ChiefOnboardingPlan plan) => _plans[plan.Name] = plan;

    public ChiefOnboardingPlan? FindPlan(string manifest) => _plans.GetValueOrDefault(manifest);

    // --- adding an integration ------------------------------------------------------------------------

    /// <summary>
    /// Adds a manifest as an integration with its <c>initial_data_form</c> values (stored encrypted as the
    /// instance's tokens). Every item but <c>generate</c> ones is required; keys the form does not ask for are ignored.
    /// </summary>
    public async Task<IntegrationInstance> AddAsync(string manifest, JsonObject initialData, string companyId = "default", CancellationToken cancellationToken = default)
    {
        var plan = FindPlan(manifest) ?? throw new RunRefusedException($"no manifest named '{manifest}' is loaded");
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
            throw new RunRefusedException($"adding {manifest} needs {string.Join(", ", missing)} (initial_data_form)");
        }
        var index = await _host.NextIndexAsync(manifest, ManifestDialect.ChiefOnboarding, cancellationToken).ConfigureAwait(false);
        var instance = new IntegrationInstance(manifest, index, companyId, values, _host.Now, ManifestDialect.ChiefOnboarding);
        _host.Redactor.AddTokens(values);
        await _host.Instances.SaveAsync(instance, cancellationToken).ConfigureAwait(false);
        _host.Publish(DebugLevel.Info, $"{instance.Id} added", 200, "", "", "", instance.Id, "lifecycle");
        return instance;
    }

    // --- OAuth ------------------------------------------------------------------------------------

    /// <summary>Where to send the admin to authorize (<c>oauth.authenticate_url</c>, rendered with the initial data and <c>redirect_url</c>).</summary>
    public async Task<string> AuthenticateUrlAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var (instance, plan) = await LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var oauth = plan.OAuth ?? throw new RunRefusedException($"{plan} has no oauth");
        return oauth.AuthenticateUrl.Render(new RunContext(this, plan, instance, null, "oauth", ManifestRuntime.NewId()).Scope(new JsonObject(), includeExtraFields: false));
    }

    /// <summary>
    /// Starts the OAuth connect of an instance over HTTP: <see cref="AuthenticateUrlAsync"/> with a <c>state</c>
    /// nonce appended, bound to the instance, its company and its own <c>redirect_url</c> (<see cref="OAuthStates"/>).
    /// </summary>
    public async Task<string> StartOAuthAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var url = await AuthenticateUrlAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var (instance, _) = await LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var nonce = await OAuthStates.IssueAsync(_host.OAuthStateStore, instance.CompanyId, null, instance.Id, _host.ChiefOnboardingCallbackUrl(instance), _host.Now, cancellationToken).ConfigureAwait(false);
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
        if (await OAuthStates.RedeemAsync(_host.OAuthStateStore, state, _host.ChiefOnboardingCallbackUrl(instance), _host.Now, cancellationToken).ConfigureAwait(false) is not { } flow
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
        var oauth = plan.OAuth ?? throw new RunRefusedException($"{plan} has no oauth");
        if (string.IsNullOrEmpty(code) && !oauth.WithoutCode)
        {
            throw new RunRefusedException("Code was not provided");
        }
        var context = new RunContext(this, plan, instance, null, "oauth", ManifestRuntime.NewId());
        var result = await context.SendAsync(oauth.AccessToken, new JsonObject(), oauth.WithoutCode ? null : code, cancellationToken).ConfigureAwait(false);
        if (TokenAnswer(result) is not { } answer)
        {
            throw new RunRefusedException("Couldn't save token: " + _host.Redactor.Redact(result.Error ?? $"{result.Url} answered {result.Status} {Truncate(result.Json?.GetRawText() ?? result.Text)}"));
        }
        var tokens = (JsonObject)instance.Tokens.DeepClone();
        tokens["oauth"] = DataJson.ParseNode(answer.GetRawText());
        var connected = instance with { Tokens = tokens, TokensStoredAt = _host.Now };
        _host.Redactor.AddTokens(tokens);
        await _host.Instances.SaveAsync(connected, cancellationToken).ConfigureAwait(false);
        _host.Publish(DebugLevel.Info, "OAuth connected", 200, "oauth", context.CorrelationId, context.CorrelationId, instance.Id, "lifecycle");
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
        var context = new RunContext(this, plan, instance, newHire, ExecuteAction, ManifestRuntime.NewId());
        var result = await context.ExecuteAsync(form ?? [], cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded && retryOnFailure)
        {
            var retryAt = _host.Now + RetryDelay;
            var payload = new JsonObject { ["new_hire"] = newHireId, ["form"] = form?.DeepClone() ?? new JsonObject() };
            await _host.EnqueueCoreAsync(new RunRequest(ManifestRuntime.NewId(), context.CorrelationId, instanceId, ExecuteAction, payload.ToJsonString(), retryAt, context.CorrelationId + ":retry", RetriesLeft: 0, Caller: RunCaller.System), cancellationToken).ConfigureAwait(false);
            context.Event(DebugLevel.Info, $"The integration will be retried once at {retryAt:O}", "lifecycle");
            return result with { RetryAt = retryAt };
        }
        return result;
    }

    /// <summary>Whether the new hire has an account (<c>exists</c>): true, false, or null when unknown (no <c>exists</c>, or the request failed).</summary>
    public async Task<bool?> UserExistsAsync(string instanceId, string newHireId, CancellationToken cancellationToken = default)
    {
        var (instance, plan) = await LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (plan.Exists is not { } exists)
        {
            return null;
        }
        var newHire = await FindNewHireAsync(newHireId, cancellationToken).ConfigureAwait(false);
        var context = new RunContext(this, plan, instance, newHire, ExistsAction, ManifestRuntime.NewId());
        if (!await context.RenewKeyAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        // exists templates see the new hire's built-in fields, not their extra fields (notes §24).
        var result = await context.SendAsync(exists, new JsonObject(), null, cancellationToken, includeExtraFields: false).ConfigureAwait(false);
        return result.Success ? context.FoundExpected(exists, result, new JsonObject(), includeExtraFields: false) : null;
    }

    /// <summary>Runs <c>revoke</c> for the new hire; each request must succeed and contain its <c>expected</c> text, if any.</summary>
    public async Task<RevokeResult> RevokeAsync(string instanceId, string newHireId, CancellationToken cancellationToken = default)
    {
        var (instance, plan) = await LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var newHire = await FindNewHireAsync(newHireId, cancellationToken).ConfigureAwait(false);
        var context = new RunContext(this, plan, instance, newHire, RevokeAction, ManifestRuntime.NewId());
        if (plan.Revoke.Count == 0)
        {
            return new RevokeResult(false, $"{plan} has no revoke");
        }
        if (!await context.RenewKeyAsync(cancellationToken).ConfigureAwait(false))
        {
            return new RevokeResult(false, "Couldn't renew key");
        }
        foreach (var request in plan.Revoke)
        {
            var result = await context.SendAsync(request, new JsonObject(), null, cancellationToken).ConfigureAwait(false);
            if (!result.Success)
            {
                return new RevokeResult(false, _host.Redactor.Redact(result.Error!));
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
        var context = new RunContext(this, plan, instance, null, "form", ManifestRuntime.NewId());
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
                    fields.Add(new FormField(item.Id, item.Name, item.Type, [], _host.Redactor.Redact(result.Error ?? $"{result.Url} did not answer JSON")));
                    continue;
                }
                options = json;
            }
            else if (item.Items is { } items)
            {
                using var document = items.RenderDocument(context.Scope(new JsonObject(), includeExtraFields: false));
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
                    choices.Add(new FormChoice(Support.Values.PythonFormat.Str(value), Support.Values.PythonFormat.Str(name)));
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
        var sync = plan.Sync ?? throw new RunRefusedException($"{plan} is not a sync-users manifest");
        var context = new RunContext(this, plan, instance, null, SyncAction, ManifestRuntime.NewId());
        context.Event(DebugLevel.Debug, $"Starting user sync ({sync.Action.ToString().ToLowerInvariant()})", "lifecycle");
        var records = new List<JsonObject>();
        var first = await context.ExecuteAsync([], cancellationToken).ConfigureAwait(false);
        if (!first.Succeeded)
        {
            return Fail(0, first.Error!);
        }
        var pages = 1;
        var page = first.LastResponse;
        if (Extract(page) is { } error)
        {
            return Fail(pages, error);
        }
        var pageState = new JsonObject();
        while (pages < sync.Pagination.AmountPagesToFetch && NextPageUrl(page) is { } next)
        {
            var request = new RequestPlan(TemplatePlan.Constant(next), "GET", null, false, null, [], null, null, null, [], [], null, null);
            var result = await context.SendAsync(request, pageState, null, cancellationToken).ConfigureAwait(false);
            if (!result.Success)
            {
                return Fail(pages, "Paginated URL fetch: " + _host.Redactor.Redact(result.Error!));
            }
            page = result.Json;
            // "It will stop earlier if there are no users found anymore."
            if (page is not { } json || !sync.DataFrom.TryEvaluate(json, out var users, out _) || users.ValueKind != JsonValueKind.Array || users.GetArrayLength() == 0)
            {
                context.Event(DebugLevel.Debug, $"Page {pages + 1} has no users: the sync stops there", "lifecycle");
                break;
            }
            pages++;
            if (Extract(page) is { } pageError)
            {
                return Fail(pages, pageError);
            }
        }
        context.Event(DebugLevel.Info, $"Fetched {records.Count} user record(s) in {pages} page(s)", "lifecycle");
        return await ApplyAsync(context, sync, pages, records, apply, cancellationToken).ConfigureAwait(false);

        SyncResult Fail(int fetched, string reason)
        {
            context.Event(DebugLevel.Error, "User sync failed: " + reason, "action_error", 500);
            return new SyncResult(fetched, records, [], [], [], reason);
        }

        string? Extract(JsonElement? response)
        {
            if (response is not { } json)
            {
                return "the response is not JSON";
            }
            if (!sync.DataFrom.TryEvaluate(json, out var users, out _) || users.ValueKind != JsonValueKind.Array)
            {
                return $"Notation '{sync.DataFrom}' not in {Truncate(json.GetRawText())}";
            }
            foreach (var user in users.EnumerateArray())
            {
                var record = new JsonObject();
                foreach (var entry in sync.DataStructure)
                {
                    // A missing path leaves that field out; the record is kept (notes §58).
                    if (entry.Path.TryEvaluate(user, out var value, out _))
                    {
                        record[entry.Property] = DataJson.ParseNode(value.GetRawText());
                    }
                }
                records.Add(record);
            }
            return null;
        }

        string? NextPageUrl(JsonElement? response)
        {
            if (response is not { } json)
            {
                return null;
            }
            var pagination = sync.Pagination;
            switch (pagination.Mode)
            {
                case PaginationMode.NextPageUrl when pagination.NextPageFrom!.TryEvaluate(json, out var url, out _) && url.ValueKind == JsonValueKind.String && url.GetString() is { Length: > 0 } text:
                    return text;
                case PaginationMode.NextPageToken when pagination.NextPageTokenFrom!.TryEvaluate(json, out var token, out _) && token.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
                                                       && Support.Values.PythonFormat.Str(token) is { Length: > 0 } tokenText:
                    // An empty token means "no more pages" (documented: "If it's not found, it will stop"); the
                    // reference engine fetches again with an empty cursor until the page limit.
                    pageState["NEXT_PAGE_TOKEN"] = tokenText;
                    return pagination.NextPage!.Render(context.Scope(pageState, includeExtraFields: false));
                default:
                    return null;
            }
        }
    }

    private async Task<SyncResult> ApplyAsync(RunContext context, SyncUsersPlan sync, int pages, List<JsonObject> records, bool apply, CancellationToken cancellationToken)
    {
        var skipped = new List<SkippedUser>();
        if (sync.Action == Support.Plans.SyncAction.Create)
        {
            var known = await Users.KnownEmailsAsync(cancellationToken).ConfigureAwait(false);
            var created = new List<ImportedUser>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var record in records)
            {
                var email = JsonText.Of(record["email"]) ?? "";
                var first = JsonText.Of(record["first_name"]) ?? "";
                var last = JsonText.Of(record["last_name"]) ?? "";
                if (email.Length == 0 || known.Contains(email) || known.Contains(email.ToLowerInvariant()))
                {
                    continue; // existing, ignored or email-less users are not candidates (not an error)
                }
                var reason = !IsEmail(email) ? "email is not a valid address"
                    : first.Length == 0 || last.Length == 0 ? "first_name and last_name are required"
                    : !seen.Add(email.ToLowerInvariant()) ? "the email appears twice in the response"
                    : null;
                if (reason is not null)
                {
                    skipped.Add(new SkippedUser(record, reason));
                    context.Event(DebugLevel.Warning, $"User {email} not imported: {reason}", "mapping_error", 422, record.ToJsonString());
                    continue;
                }
                created.Add(new ImportedUser(email.ToLowerInvariant(), first, last));
            }
            if (apply && created.Count > 0)
            {
                await Users.CreateAsync(created, cancellationToken).ConfigureAwait(false);
            }
            context.Event(DebugLevel.Info, $"{(apply ? "Created" : "Would create")} {created.Count} user(s); {skipped.Count} skipped", "lifecycle");
            return new SyncResult(pages, records, created, [], skipped, null);
        }

        var byEmail = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            if (JsonText.Of(record["email"]) is { Length: > 0 } email)
            {
                byEmail[email] = record;
            }
            else
            {
                skipped.Add(new SkippedUser(record, "the record has no email to match a user by"));
                context.Event(DebugLevel.Warning, "A user record without an email was skipped", "mapping_error", 422, record.ToJsonString());
            }
        }
        var updated = new List<string>();
        foreach (var user in await Users.FindByEmailsAsync(byEmail.Keys, cancellationToken).ConfigureAwait(false))
        {
            var fields = (JsonObject)user.ExtraFields.DeepClone();
            foreach (var (name, value) in byEmail[user.Email])
            {
                if (name != "email")
                {
                    fields[name] = value?.DeepClone();
                }
            }
            if (apply)
            {
                await Users.SaveExtraFieldsAsync(user.Id, fields, cancellationToken).ConfigureAwait(false);
            }
            updated.Add(user.Id);
        }
        context.Event(DebugLevel.Info, $"{(apply ? "Updated" : "Would update")} {updated.Count} user(s); {byEmail.Count - updated.Count} matched no user", "lifecycle");
        return new SyncResult(pages, records, [], updated, skipped, null);
    }

    private static bool IsEmail(string email)
    {
        var at = email.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == email.LastIndexOf('@') && email.IndexOf('.', at) > at + 1 && !email.EndsWith('.') && !email.Any(char.IsWhiteSpace);
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
            _host.Publish(DebugLevel.Error, e.Message, 500, run.Action, run.CorrelationId, run.RunId, run.InstanceId, "action_error");
            return new RunOutcome(run, RunStatus.Refused, null, e.Message);
        }
    }

    /// <summary>
    /// Queues the sync of every sync-users instance whose <c>schedule</c> came due since the last look (once per
    /// occurrence: the idempotency key is the occurrence). Occurrences missed while no host ran are not made up, as
    /// cron does not. Returns when the next one is due.
    /// </summary>
    internal async Task<DateTimeOffset?> EnqueueDueSyncsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        DateTimeOffset? nextDue = null;
        foreach (var instance in await _host.Instances.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (instance.Dialect != ManifestDialect.ChiefOnboarding || FindPlan(instance.Integration)?.Sync?.Schedule is not { } schedule)
            {
                continue;
            }
            var (due, upcoming) = schedule.DueBetween(_scheduleCursors.GetOrAdd(instance.Id, now), now);
            if (due is { } occurrence)
            {
                await _host.EnqueueOccurrenceAsync(instance.Id, instance.Id, SyncAction, "{}", occurrence, cancellationToken).ConfigureAwait(false);
                _scheduleCursors[instance.Id] = now;
            }
            nextDue = ManifestRuntime.Earliest(nextDue, upcoming);
        }
        return nextDue;
    }

    // --- plumbing -------------------------------------------------------------------------------------

    private async Task<(IntegrationInstance Instance, ChiefOnboardingPlan Plan)> LoadAsync(string instanceId, CancellationToken cancellationToken)
    {
        var instance = await _host.Instances.GetAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (instance is not { Dialect: ManifestDialect.ChiefOnboarding })
        {
            throw new RunRefusedException($"no ChiefOnboarding integration '{instanceId}'");
        }
        var plan = FindPlan(instance.Integration) ?? throw new RunRefusedException($"no manifest named '{instance.Integration}' is loaded");
        _host.Redactor.AddTokens(instance.Tokens);
        return (instance, plan);
    }

    private async Task<NewHire?> FindNewHireAsync(string? id, CancellationToken cancellationToken) =>
        id is null ? null : await Users.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new RunRefusedException($"no new hire '{id}'");

    /// <summary>
    /// A token endpoint's answer: a JSON object with a 2xx status. Unlike other requests, an error status fails here
    /// even without <c>status_code</c>: the reference engine would store <c>{"error": "invalid_grant"}</c> as the token.
    /// </summary>
    private static JsonElement? TokenAnswer(RequestResult result) =>
        result is { Success: true, Status: >= 200 and < 300, Json: { ValueKind: JsonValueKind.Object } answer } ? answer : null;

    internal static string Truncate(string text) => text.Length <= 2000 ? text : text[..2000] + "…";

    /// <summary>
    /// One run against one instance: the template context (new-hire fields, then the stored values, then the run's
    /// values), the responses and files so far, and the events, all under one correlation id.
    /// </summary>
    private sealed class RunContext(ChiefOnboardingRuntime engine, ChiefOnboardingPlan plan, IntegrationInstance instance, NewHire? newHire, string action, string correlationId)
    {
        private readonly JsonArray _responses = [];
        private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
        private readonly JsonObject _generated = [];
        private IntegrationInstance _instance = instance;
        private NewHire? _newHire = newHire;

        public string CorrelationId => correlationId;

        private ManifestRuntime Host => engine._host;

        public void Event(DebugLevel level, string message, string debugType, int code = 200, string? data = null) =>
            Host.Publish(level, message, code, action, correlationId, correlationId, _instance.Id, debugType, data);

        /// <summary>
        /// The variables (notes §22–24): the new hire's fields, then the stored values, then <paramref name="values"/>
        /// (form values, the new hire's extra fields, stored data); <c>responses</c> and <c>redirect_url</c> always.
        /// HTML-escaped like Django's autoescape.
        /// </summary>
        public TemplateScope Scope(JsonObject values, bool includeExtraFields = true)
        {
            var context = _newHire?.TemplateVariables() ?? [];
            foreach (var (name, value) in _instance.Tokens)
            {
                context[name] = value?.DeepClone();
            }
            foreach (var (name, value) in _generated)
            {
                context[name] = value?.DeepClone();
            }
            foreach (var (name, value) in values)
            {
                context[name] = value?.DeepClone();
            }
            if (includeExtraFields && _newHire is not null)
            {
                foreach (var (name, value) in _newHire.ExtraFields)
                {
                    context[name] = value?.DeepClone();
                }
            }
            context["responses"] = _responses.DeepClone();
            context["redirect_url"] = Host.ChiefOnboardingCallbackUrl(_instance);
            return TemplateScope.FromObject(JsonSerializer.SerializeToElement(context, DataJson.SerializerOptions), htmlEscape: true);
        }

        public async Task<RequestResult> SendAsync(RequestPlan request, JsonObject values, string? appendCode, CancellationToken cancellationToken, bool includeExtraFields = true)
        {
            var scope = Scope(values, includeExtraFields);
            var extraArgs = (JsonObject)_instance.Tokens.DeepClone();
            var result = await engine._sender.SendAsync(plan, request, scope, _files, extraArgs, Host.Redactor, appendCode, cancellationToken).ConfigureAwait(false);
            if (plan.OAuth is { } oauth && (ReferenceEquals(request, oauth.AccessToken) || ReferenceEquals(request, oauth.Refresh))
                && result.Json is { ValueKind: JsonValueKind.Object } answer && DataJson.ParseNode(answer.GetRawText()) is JsonObject tokens)
            {
                // A token endpoint's answer is secret before it is stored: mask it in this request's own event.
                Host.Redactor.AddTokens(tokens);
            }
            if (scope.Missing.Count > 0)
            {
                Event(DebugLevel.Warning, $"{request.Method} {result.Url}: {string.Join(", ", scope.Missing.Distinct())} not defined; rendered empty", "request");
            }
            var data = new JsonObject
            {
                ["url"] = result.Url,
                ["method"] = request.Method,
                ["status_code"] = result.Status,
                ["post_data"] = request.Data?.Render(scope),
                ["response"] = request.SaveAsFile is not null ? "Cannot display, could be file" : Truncate(result.Json?.GetRawText() ?? result.Text),
                ["error"] = result.Error,
            };
            Event(result.Success ? DebugLevel.Debug : DebugLevel.Error,
                result.Success ? $"{request.Method} {result.Url}: {result.Status}" : $"{request.Method} {result.Url}: {result.Error}",
                "request", result.Success ? 200 : 500, data.ToJsonString());
            return result;
        }

        /// <summary>
        /// Whether the answer contains the rendered <c>expected</c> text ("everything that comes back is parsed to a
        /// string and then checked against"); no <c>expected</c> always holds.
        /// </summary>
        public bool FoundExpected(RequestPlan request, RequestResult result, JsonObject values, bool includeExtraFields)
        {
            if (request.Expected is not { } template || template.Render(Scope(values, includeExtraFields)) is not { Length: > 0 } expected)
            {
                return true;
            }
            return Encoding.UTF8.GetString(result.Body).Contains(expected, StringComparison.Ordinal);
        }

        /// <summary>
        /// Refreshes the OAuth token when it has expired (stored <c>oauth.expires_in</c> seconds after it was stored),
        /// merging the answer into the stored one; false (and a failed-integration notification) when that fails.
        /// </summary>
        public async Task<bool> RenewKeyAsync(CancellationToken cancellationToken)
        {
            if (plan.OAuth is not { Refresh: { } refresh } || _instance.Tokens["oauth"] is not JsonObject oauth
                || JsonText.Of(oauth["expires_in"]) is not { } lifetimeText
                || !double.TryParse(lifetimeText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var lifetime)
                || _instance.TokensStoredAt.AddSeconds(lifetime) >= Host.Now)
            {
                return true;
            }
            Event(DebugLevel.Debug, "The OAuth token has expired: refreshing it", "lifecycle");
            var result = await SendAsync(refresh, new JsonObject(), null, cancellationToken, includeExtraFields: false).ConfigureAwait(false);
            if (TokenAnswer(result) is not { } answer)
            {
                var reason = Host.Redactor.Redact(result.Error ?? $"{result.Url} answered {result.Status} {Truncate(result.Json?.GetRawText() ?? result.Text)}");
                await engine.Notifier.NotifyAsync(new IntegrationNotification(NotificationKind.FailedIntegration, _instance.Id, _newHire?.Id, "Refresh url: " + reason), cancellationToken).ConfigureAwait(false);
                Event(DebugLevel.Error, "Refreshing the OAuth token failed: " + reason, "action_error", 500);
                return false;
            }
            var merged = (JsonObject)oauth.DeepClone();
            foreach (var property in answer.EnumerateObject())
            {
                merged[property.Name] = DataJson.ParseNode(property.Value.GetRawText());
            }
            var tokens = (JsonObject)_instance.Tokens.DeepClone();
            tokens["oauth"] = merged;
            Host.Redactor.AddTokens(tokens);
            _instance = _instance with { Tokens = tokens, TokensStoredAt = Host.Now };
            await Host.Instances.SaveAsync(_instance, cancellationToken).ConfigureAwait(false);
            Event(DebugLevel.Info, "OAuth token refreshed", "lifecycle");
            return true;
        }

        /// <summary>The <c>execute</c> algorithm (notes §38) with the documented semantics (see the class summary).</summary>
        public async Task<ExecuteResult> ExecuteAsync(JsonObject form, CancellationToken cancellationToken)
        {
            Event(DebugLevel.Debug, $"Starting execution of {plan.Name}" + (_newHire is null ? "" : $" for {_newHire.Id}"), "lifecycle");
            if (!await RenewKeyAsync(cancellationToken).ConfigureAwait(false))
            {
                return new ExecuteResult(false, "Couldn't renew key", null);
            }
            foreach (var item in plan.InitialDataForm.Where(i => i.Generate))
            {
                var secret = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10);
                _generated[item.Id] = secret;
                Host.Redactor.Add(secret);
            }
            var values = (JsonObject)form.DeepClone();
            RequestResult? last = null;
            for (var i = 0; i < plan.Execute.Count; i++)
            {
                var request = plan.Execute[i];
                var result = await SendAsync(request, values, null, cancellationToken).ConfigureAwait(false);
                if (request.ContinueIf is { } condition && result.Success)
                {
                    var matched = Matches(condition, result, values);
                    for (var tried = 1; !matched && request.Polling is { } polling && tried < polling.Amount; tried++)
                    {
                        await engine.Delay(TimeSpan.FromSeconds(polling.IntervalSeconds), cancellationToken).ConfigureAwait(false);
                        var again = await SendAsync(request, values, null, cancellationToken).ConfigureAwait(false);
                        if (!again.Success)
                        {
                            continue; // a failed poll is one more try that did not match
                        }
                        result = again;
                        matched = Matches(condition, result, values);
                    }
                    if (!matched)
                    {
                        var blocked = $"Execute url ({request.Url.Source}): {Host.Redactor.Redact(Truncate(result.Json?.GetRawText() ?? result.Text))}";
                        var why = request.Polling is { } p ? $"Polling timed out after {p.Amount} request(s): " : "";
                        await engine.Notifier.NotifyAsync(new IntegrationNotification(NotificationKind.BlockedIntegration, _instance.Id, _newHire?.Id, why + blocked), cancellationToken).ConfigureAwait(false);
                        Event(DebugLevel.Error, $"{why}continue_if did not hold: '{condition.ResponseNotation}' is not the expected value", "action_error", 500);
                        return new ExecuteResult(false, why + blocked, result.Json, Blocked: true);
                    }
                }
                if (!result.Success)
                {
                    var error = $"Execute url ({request.Url.Source}): {Host.Redactor.Redact(result.Error!)}";
                    if (_newHire is not null)
                    {
                        await engine.Notifier.NotifyAsync(new IntegrationNotification(NotificationKind.FailedIntegration, _instance.Id, _newHire.Id, error), cancellationToken).ConfigureAwait(false);
                    }
                    return new ExecuteResult(false, error, result.Json);
                }
                if (request.SaveAsFile is { } fileName)
                {
                    _files[fileName] = result.Body;
                }
                _responses.Add(result.Json is { } json ? DataJson.ParseNode(json.GetRawText()) : new JsonObject());
                if (request.StoreData.Count > 0 && await StoreDataAsync(request, result, values, cancellationToken).ConfigureAwait(false) is { } storeError)
                {
                    Event(DebugLevel.Error, storeError, "action_error", 500);
                    return new ExecuteResult(false, storeError, result.Json);
                }
                last = result;
            }
            await NotifyAsync(values, cancellationToken).ConfigureAwait(false);
            if (_newHire is not null)
            {
                await engine.Notifier.NotifyAsync(new IntegrationNotification(NotificationKind.RanIntegration, _instance.Id, _newHire.Id, $"{plan.Name} ran"), cancellationToken).ConfigureAwait(false);
            }
            Event(DebugLevel.Debug, $"Finished execution of {plan.Name}", "lifecycle");
            return new ExecuteResult(true, null, last?.Json);
        }

        /// <summary>
        /// <c>continue_if</c>: the rendered value equals the response's value at the notation. Strings compare as text;
        /// other JSON values never equal a string, as in the reference engine (Python's <c>"5" == 5</c> is false).
        /// </summary>
        private bool Matches(ContinueIfPlan condition, RequestResult result, JsonObject values)
        {
            var expected = condition.Value.Render(Scope(values));
            return result.Json is { } json && condition.ResponseNotation.TryEvaluate(json, out var actual, out _)
                ? actual.ValueKind == JsonValueKind.String && actual.GetString() == expected
                : expected.Length == 0; // a missing notation compares as "" (notes §39)
        }

        /// <summary>Every property or none: a missing notation fails the run with the reference engine's message and stores nothing.</summary>
        private async Task<string?> StoreDataAsync(RequestPlan request, RequestResult result, JsonObject values, CancellationToken cancellationToken)
        {
            if (_newHire is null)
            {
                return "Could not store data: there is no new hire to store it on";
            }
            var stored = new List<(string, JsonNode?)>();
            foreach (var entry in request.StoreData)
            {
                if (result.Json is not { } json || !entry.Path.TryEvaluate(json, out var value, out _))
                {
                    return $"Could not store data to new hire: {entry.Path} not found in {Host.Redactor.Redact(Truncate(result.Json?.GetRawText() ?? result.Text))}";
                }
                stored.Add((entry.Property, DataJson.ParseNode(value.GetRawText())));
            }
            var fields = (JsonObject)_newHire.ExtraFields.DeepClone();
            foreach (var (property, value) in stored)
            {
                fields[property] = value?.DeepClone();
                values[property] = value?.DeepClone();
            }
            _newHire = _newHire with { ExtraFields = fields };
            await engine.Users.SaveExtraFieldsAsync(_newHire.Id, fields, cancellationToken).ConfigureAwait(false);
            Event(DebugLevel.Debug, $"Stored {string.Join(", ", stored.Select(s => s.Item1))} on {_newHire.Id}", "lifecycle");
            return null;
        }

        /// <summary>Every <c>post_execute_notification</c> in order (the documentation; the reference engine stops after the first email).</summary>
        private async Task NotifyAsync(JsonObject values, CancellationToken cancellationToken)
        {
            foreach (var notification in plan.PostExecuteNotifications)
            {
                var scope = Scope(values);
                var to = notification.To.Render(scope);
                try
                {
                    if (notification.Type == NotificationType.Email)
                    {
                        await engine.Notifier.SendEmailAsync(to, notification.Subject.Render(scope), notification.Message.Render(scope), cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await engine.Notifier.SendTextAsync(to, notification.Message.Render(scope), cancellationToken).ConfigureAwait(false);
                    }
                    Event(DebugLevel.Info, $"Sent the {notification.Type.ToString().ToLowerInvariant()} notification to {to}", "lifecycle");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    await engine.Notifier.NotifyAsync(new IntegrationNotification(NotificationKind.FailedNotification, _instance.Id, _newHire?.Id, $"The {notification.Type.ToString().ToLowerInvariant()} to {to} could not be sent: {e.Message}"), cancellationToken).ConfigureAwait(false);
                    Event(DebugLevel.Error, $"The {notification.Type.ToString().ToLowerInvariant()} notification to {to} could not be sent: {e.Message}", "action_error", 500);
                }
            }
        }
    }
}
