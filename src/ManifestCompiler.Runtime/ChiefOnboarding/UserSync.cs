using ManifestCompiler.Runtime.Support.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime.ChiefOnboarding;

/// <summary>
/// One sync-users run: the <c>execute</c> requests, the pages as the pagination mode says, the records extracted
/// through <c>data_structure</c>, then the users created or updated (or, without applying, the import candidates).
/// </summary>
internal sealed class UserSync(RunContext context, SyncUsersPlan sync)
{
    public async Task<SyncResult> RunAsync(bool apply, CancellationToken cancellationToken)
    {
        context.Event(DebugLevel.Debug, $"Starting user sync ({sync.Action.ToString().ToLowerInvariant()})", "lifecycle");
        var records = new List<JsonObject>();
        var first = await new ExecuteSequence(context).RunAsync([], cancellationToken).ConfigureAwait(false);
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
            var request = new RequestPlan
            {
                Url = TemplatePlan.Constant(next),
                Method = "GET",
                Data = null,
                FormEncodeData = false,
                Headers = null,
                StoreData = [],
                ContinueIf = null,
                Polling = null,
                SaveAsFile = null,
                Files = [],
                StatusCodes = [],
                Expected = null,
                ExtraHeaders = null,
            };
            var result = await context.SendAsync(request, pageState, null, cancellationToken).ConfigureAwait(false);
            if (!result.Success)
            {
                return Fail(pages, "Paginated URL fetch: " + context.Services.Redactor.Redact(result.Error!));
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
        return await ApplyAsync(pages, records, apply, cancellationToken).ConfigureAwait(false);

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
                return $"Notation '{sync.DataFrom}' not in {ChiefOnboardingEngine.Truncate(json.GetRawText())}";
            }
            foreach (var user in users.EnumerateArray())
            {
                var record = new JsonObject();
                foreach (var entry in sync.DataStructure)
                {
                    // A missing path leaves that field out; the record is kept (docs/chiefonboarding-semantics.md, "Execute, exists and user sync").
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
                                                       && Support.Values.JsonPythonFormat.Str(token) is { Length: > 0 } tokenText:
                    // An empty token means "no more pages" (documented: "If it's not found, it will stop"); the
                    // reference engine fetches again with an empty cursor until the page limit.
                    pageState["NEXT_PAGE_TOKEN"] = tokenText;
                    return pagination.NextPage!.Render(context.Variables.Scope(pageState, includeExtraFields: false));
                default:
                    return null;
            }
        }
    }

    private async Task<SyncResult> ApplyAsync(int pages, List<JsonObject> records, bool apply, CancellationToken cancellationToken)
    {
        var skipped = new List<SkippedUser>();
        if (sync.Action == Support.Plans.SyncAction.Create)
        {
            var known = await context.Engine.Users.KnownEmailsAsync(cancellationToken).ConfigureAwait(false);
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
                await context.Engine.Users.CreateAsync(created, cancellationToken).ConfigureAwait(false);
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
        foreach (var user in await context.Engine.Users.FindByEmailsAsync(byEmail.Keys, cancellationToken).ConfigureAwait(false))
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
                await context.Engine.Users.SaveExtraFieldsAsync(user.Id, fields, cancellationToken).ConfigureAwait(false);
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
}
