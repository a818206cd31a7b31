using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.IR;
using ManifestCompiler.Runtime;
using ManifestCompiler.Runtime.ChiefOnboarding;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Cli.Running;

/// <summary>
/// <c>mfc run &lt;manifest.json&gt;</c>: a ChiefOnboarding manifest's inputs, checked before any request is sent
/// (<see cref="Prepare"/>), then one run of <c>execute</c>, <c>exists</c>, <c>revoke</c> or the user sync
/// (<see cref="RunAsync"/>) with the stored values, notifications and users printed at the end.
/// </summary>
internal sealed class ChiefOnboardingRun
{
    private ChiefOnboardingRun(ChiefOnboardingPlan plan, string action, JsonObject initialData, JsonObject form, IReadOnlyList<NewHire> users)
    {
        Plan = plan;
        Action = action;
        InitialData = initialData;
        Form = form;
        Users = users;
    }

    public ChiefOnboardingPlan Plan { get; }

    /// <summary><c>execute</c>, <c>exists</c>, <c>revoke</c> or <c>sync</c>.</summary>
    public string Action { get; }

    public JsonObject InitialData { get; }

    public JsonObject Form { get; }

    /// <summary>The new hire (webhook manifests) or the users who already exist (sync manifests).</summary>
    public IReadOnlyList<NewHire> Users { get; }

    public sealed record Options(bool Exists, bool Revoke, bool Sync, JsonNode? User, string? UserOrigin, JsonObject InitialData, string InitialDataOrigin, JsonObject Form, string FormOrigin);

    /// <summary>The run, or every problem with its inputs (one line each): nothing is sent until they are all fixed.</summary>
    public static (ChiefOnboardingRun? Run, IReadOnlyList<string> Problems) Prepare(ChiefOnboardingPlan plan, ChiefOnboardingManifestIR manifest, Options options)
    {
        var problems = new List<string>();
        var isSync = plan.Kind == ManifestKind.SyncUsers;
        string action;
        if (new[] { options.Exists, options.Revoke, options.Sync }.Count(b => b) > 1)
        {
            problems.Add("--exists, --revoke and --sync are alternatives; give at most one");
            action = ChiefOnboardingEngine.ExecuteAction;
        }
        else
        {
            action = options.Exists ? ChiefOnboardingEngine.ExistsAction
                : options.Revoke ? ChiefOnboardingEngine.RevokeAction
                : options.Sync ? ChiefOnboardingEngine.SyncAction
                : ChiefOnboardingEngine.ExecuteAction;
        }
        if (isSync && action != ChiefOnboardingEngine.SyncAction)
        {
            problems.Add($"{plan.Name} is a sync-users manifest: run it with --sync");
        }
        else if (!isSync && action == ChiefOnboardingEngine.SyncAction)
        {
            problems.Add($"{plan.Name} is a webhook manifest: --sync is for sync-users manifests");
        }
        if (action == ChiefOnboardingEngine.ExistsAction && plan.Exists is null)
        {
            problems.Add($"{plan.Name} has no 'exists' request");
        }
        if (action == ChiefOnboardingEngine.RevokeAction && plan.Revoke.Count == 0)
        {
            problems.Add($"{plan.Name} has no 'revoke' requests");
        }

        ManifestInputs.CheckInitialData(plan, options.InitialData, options.InitialDataOrigin, problems);
        ManifestInputs.CheckForm(plan, options.Form, options.FormOrigin, problems);

        var users = new List<NewHire>();
        if (isSync)
        {
            // A sync's --user names people who already exist: the users an update sync updates, or a create sync skips.
            var list = options.User switch
            {
                null => [],
                JsonArray array => array.ToList(),
                JsonObject one => [one],
                _ => null,
            };
            if (list is null)
            {
                problems.Add($"{options.UserOrigin}: a sync's --user file holds a user object or an array of them");
            }
            foreach (var (item, index) in (list ?? []).Select((u, i) => (u, i)))
            {
                if (item is not JsonObject user)
                {
                    problems.Add($"{options.UserOrigin}: user {index + 1} is not an object");
                }
                else if (ManifestInputs.ReadUser(user, options.UserOrigin!, problems) is { } read)
                {
                    users.Add(read with { Id = user["id"] is null ? $"user-{index + 1}" : read.Id });
                }
            }
        }
        else if (options.User is null)
        {
            problems.Add($"a webhook manifest runs for a new hire: give --user <user.json> (a JSON object with {string.Join(", ", ManifestInputs.UserKeys)})");
        }
        else if (options.User is not JsonObject user)
        {
            problems.Add($"{options.UserOrigin}: a --user file holds one JSON object");
        }
        else
        {
            if (ManifestInputs.ReadUser(user, options.UserOrigin!, problems) is { } newHire)
            {
                users.Add(newHire);
            }
            foreach (var missing in ManifestInputs.MissingUserFields(manifest, action, user))
            {
                problems.Add($"{options.UserOrigin}: the new hire lacks {missing}");
            }
        }
        return problems.Count > 0 ? (null, problems) : (new ChiefOnboardingRun(plan, action, options.InitialData, options.Form, users), []);
    }

    /// <summary>Adds the manifest as an integration, runs the action, prints what it did; true on success.</summary>
    public async Task<bool> RunAsync(ManifestRuntime runtime, InMemoryInstanceStore instances, InMemoryUserDirectory directory, RecordingNotifier notifier, TextWriter output, CancellationToken cancellationToken)
    {
        foreach (var user in Users)
        {
            directory.Add(user);
        }
        var engine = runtime.ChiefOnboarding;
        var values = (JsonObject)InitialData.DeepClone();
        var oauth = values["oauth"];
        values.Remove("oauth");
        var instance = await engine.AddAsync(Plan.Name, values, "local", cancellationToken);
        if (oauth is not null)
        {
            // The stored answer of the token endpoint, as a completed OAuth connect leaves it (stored now, so not expired).
            var tokens = (JsonObject)instance.Tokens.DeepClone();
            tokens["oauth"] = oauth.DeepClone();
            await instances.SaveAsync(instance with { Tokens = tokens }, cancellationToken);
        }

        var newHire = Users.FirstOrDefault()?.Id;
        bool succeeded;
        switch (Action)
        {
            case ChiefOnboardingEngine.ExistsAction:
                var exists = await engine.UserExistsAsync(instance.Id, newHire!, cancellationToken);
                output.WriteLine("exists: " + (exists switch { true => "true (the user has an account)", false => "false (no account)", null => "unknown (the request failed)" }));
                succeeded = exists is not null;
                break;
            case ChiefOnboardingEngine.RevokeAction:
                var revoked = await engine.RevokeAsync(instance.Id, newHire!, cancellationToken);
                output.WriteLine(revoked.Succeeded ? "revoke succeeded" : "revoke failed: " + revoked.Error);
                succeeded = revoked.Succeeded;
                break;
            case ChiefOnboardingEngine.SyncAction:
                var synced = await engine.SyncUsersAsync(instance.Id, apply: true, cancellationToken);
                output.WriteLine($"sync {(synced.Succeeded ? "succeeded" : "failed: " + synced.Error)}: {synced.Pages} page(s), {synced.Records.Count} record(s); {synced.Created.Count} created, {synced.Updated.Count} updated, {synced.Skipped.Count} skipped");
                foreach (var created in synced.Created)
                {
                    output.WriteLine($"created: {created.Email} ({created.FirstName} {created.LastName})");
                }
                foreach (var skipped in synced.Skipped)
                {
                    output.WriteLine($"skipped: {skipped.Reason}: {skipped.Record.ToJsonString()}");
                }
                foreach (var id in synced.Updated)
                {
                    var user = await directory.GetAsync(id, cancellationToken);
                    output.WriteLine($"updated: {id} ({user?.Email}) {runtime.Redactor.Redact(user?.ExtraFields.ToJsonString() ?? "{}")}");
                }
                succeeded = synced.Succeeded;
                break;
            default:
                var executed = await engine.ExecuteAsync(instance.Id, newHire, Form, retryOnFailure: false, cancellationToken);
                output.WriteLine(executed.Succeeded ? "execute succeeded" : "execute failed: " + executed.Error);
                succeeded = executed.Succeeded;
                break;
        }

        foreach (var (kind, to, subject, message) in notifier.Messages)
        {
            output.WriteLine(runtime.Redactor.Redact($"{kind} to {to}: {(subject.Length > 0 ? subject + ": " : "")}{message}"));
        }
        foreach (var notification in notifier.Notifications)
        {
            output.WriteLine(runtime.Redactor.Redact($"notification {notification.Kind}: {notification.Description}"));
        }
        if (Plan.Kind == ManifestKind.Webhook && newHire is not null && await directory.GetAsync(newHire, cancellationToken) is { } stored)
        {
            output.WriteLine($"stored on {stored.Id}: {runtime.Redactor.Redact(stored.ExtraFields.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))}");
        }
        return succeeded;
    }
}
