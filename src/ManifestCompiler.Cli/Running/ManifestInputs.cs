using System.Globalization;
using System.Text.Json.Nodes;
using ManifestCompiler.IR;
using ManifestCompiler.Runtime.ChiefOnboarding;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Cli.Running;

/// <summary>
/// What <c>mfc run</c> checks of a ChiefOnboarding manifest's inputs before any request: the <c>--user</c> file (the
/// new hire's fields the manifest's templates read, and its <c>extra_user_info</c> values) and the
/// <c>--initial-data</c> and <c>--form</c> values (only the ids the manifest asks for). Each problem is one line.
/// </summary>
internal static class ManifestInputs
{
    /// <summary>The keys of a <c>--user</c> file: the new-hire fields (docs/chiefonboarding-semantics.md, "Variables"), its id and its extra fields.</summary>
    public static readonly string[] UserKeys =
        ["id", "email", "first_name", "last_name", "position", "start", "department", "manager", "manager_email", "buddy", "buddy_email", "phone", "extra_fields"];

    /// <summary>The new-hire fields a template can name; <c>access_overview</c> is computed, never given.</summary>
    private static readonly HashSet<string> NewHireFields =
        ["email", "first_name", "last_name", "position", "start", "department", "manager", "manager_email", "buddy", "buddy_email"];

    /// <summary>Reads one user object; problems name the file and the key.</summary>
    public static NewHire? ReadUser(JsonObject user, string origin, List<string> problems)
    {
        foreach (var (key, _) in user)
        {
            if (!UserKeys.Contains(key, StringComparer.Ordinal))
            {
                problems.Add($"{origin}: unknown user key '{key}' (known: {string.Join(", ", UserKeys)})");
            }
        }
        string Text(string key)
        {
            var node = user[key];
            if (node is null)
            {
                return "";
            }
            if (node is JsonValue value && value.TryGetValue<string>(out var text))
            {
                return text;
            }
            problems.Add($"{origin}: '{key}' must be a string");
            return "";
        }
        DateOnly? start = null;
        if (Text("start") is { Length: > 0 } startText)
        {
            if (DateOnly.TryParseExact(startText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                start = date;
            }
            else
            {
                problems.Add($"{origin}: 'start' must be a date written yyyy-MM-dd, not '{startText}'");
            }
        }
        var extra = user["extra_fields"] switch
        {
            null => [],
            JsonObject fields => (JsonObject)fields.DeepClone(),
            _ => null,
        };
        if (extra is null)
        {
            problems.Add($"{origin}: 'extra_fields' must be an object");
            extra = [];
        }
        var id = Text("id");
        return new NewHire(id.Length > 0 ? id : "new-hire-1", Text("email"), Text("first_name"), Text("last_name"), Text("position"), start,
            Text("department"), Text("manager"), Text("manager_email"), Text("buddy"), Text("buddy_email"), Text("phone"))
        {
            ExtraFields = extra,
        };
    }

    /// <summary>
    /// The new-hire fields and <c>extra_user_info</c> values a run of <paramref name="action"/> reads that
    /// <paramref name="user"/> lacks (absent or empty), each with where the manifest reads it.
    /// </summary>
    public static IEnumerable<string> MissingUserFields(ChiefOnboardingManifestIR manifest, string action, JsonObject user)
    {
        var requests = action switch
        {
            ChiefOnboardingEngine.ExistsAction => manifest.Exists is { } exists ? [exists] : [],
            ChiefOnboardingEngine.RevokeAction => manifest.Revoke.ToList(),
            _ => manifest.Execute.ToList(),
        };
        var read = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var request in requests)
        {
            Collect(request, read);
        }
        foreach (var header in manifest.Headers)
        {
            Collect(header.Name, read);
            Collect(header.Value, read);
        }
        if (action == ChiefOnboardingEngine.ExecuteAction)
        {
            foreach (var notification in manifest.PostExecuteNotifications)
            {
                Collect(notification.To, read);
                Collect(notification.Subject, read);
                Collect(notification.Message, read);
            }
        }
        var extra = user["extra_fields"] as JsonObject;
        // ChiefOnboarding asks for every extra_user_info value before it runs the integration (docs/chiefonboarding-semantics.md, "Execute, exists and user sync").
        foreach (var item in manifest.ExtraUserInfo)
        {
            if (action != ChiefOnboardingEngine.ExistsAction && string.IsNullOrEmpty(TextOf(extra?[item.Id])))
            {
                yield return $"extra_fields.{item.Id} ({item.Name}: extra_user_info)";
            }
        }
        var stored = manifest.Execute.SelectMany(r => r.StoreData).Select(s => s.Property).ToHashSet(StringComparer.Ordinal);
        foreach (var name in read)
        {
            if (NewHireFields.Contains(name) && !stored.Contains(name) && string.IsNullOrEmpty(TextOf(user[name])))
            {
                yield return $"{name} (read by {action})";
            }
        }
    }

    /// <summary>
    /// Checks <c>--initial-data</c> against <c>initial_data_form</c>: unknown keys and missing values are problems;
    /// <c>oauth</c> (the stored answer of the token endpoint, as after connecting) only when the manifest has OAuth.
    /// </summary>
    public static void CheckInitialData(ChiefOnboardingPlan plan, JsonObject values, string origin, List<string> problems)
    {
        var ids = plan.InitialDataForm.Select(i => i.Id).ToList();
        foreach (var (key, value) in values)
        {
            if (key == "oauth" && plan.OAuth is not null)
            {
                if (value is not JsonObject)
                {
                    problems.Add($"{origin}: 'oauth' must be the token endpoint's answer, an object");
                }
                continue;
            }
            if (plan.InitialDataForm.FirstOrDefault(i => i.Id == key) is not { } item)
            {
                problems.Add($"{origin}: unknown initial-data key '{key}' (initial_data_form asks for {(ids.Count == 0 ? "nothing" : string.Join(", ", ids))}{(plan.OAuth is null ? "" : "; 'oauth' holds the stored token")})");
            }
            else if (item.Generate)
            {
                problems.Add($"{origin}: '{key}' is generated for each run (a 'generate' item) and cannot be given");
            }
        }
        foreach (var item in plan.InitialDataForm.Where(i => !i.Generate && string.IsNullOrEmpty(TextOf(values[i.Id]))))
        {
            problems.Add($"{origin}: missing initial-data value '{item.Id}' ({item.Name})");
        }
    }

    /// <summary>Checks <c>--form</c> values: only the ids of the manifest's <c>form</c>.</summary>
    public static void CheckForm(ChiefOnboardingPlan plan, JsonObject values, string origin, List<string> problems)
    {
        foreach (var (key, _) in values)
        {
            if (!plan.Form.Any(f => f.Id == key))
            {
                var ids = plan.Form.Select(f => f.Id).ToList();
                problems.Add($"{origin}: unknown form key '{key}' (the manifest's form asks for {(ids.Count == 0 ? "nothing" : string.Join(", ", ids))})");
            }
        }
    }

    /// <summary>A value as the runtime renders it: a JSON string's own text, any other value its JSON (null for none).</summary>
    private static string? TextOf(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node?.ToJsonString();

    private static void Collect(RequestIR request, SortedSet<string> names)
    {
        Collect(request.Url, names);
        if (request.Data is { } data)
        {
            Collect(data, names);
        }
        foreach (var header in request.Headers ?? [])
        {
            Collect(header.Name, names);
            Collect(header.Value, names);
        }
        if (request.ContinueIf is { } condition)
        {
            Collect(condition.Value, names);
        }
        if (request.Expected is { } expected)
        {
            Collect(expected, names);
        }
    }

    private static void Collect(JsonValueIR value, SortedSet<string> names)
    {
        switch (value)
        {
            case JsonStringIR text:
                Collect(text.Value, names);
                break;
            case JsonArrayIR array:
                foreach (var item in array.Items)
                {
                    Collect(item, names);
                }
                break;
            case JsonObjectIR obj:
                foreach (var property in obj.Properties)
                {
                    Collect(property.Value, names);
                }
                break;
        }
    }

    private static void Collect(TemplateIR template, SortedSet<string> names)
    {
        foreach (var part in template.Parts)
        {
            if (part is TemplateHoleIR hole)
            {
                names.Add(hole.Root);
            }
        }
    }
}
