using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace ManifestCompiler.Runtime.ChiefOnboarding;

/// <summary>
/// The person an integration runs for, with the fields templates can read (spec: "Variables") and the
/// <see cref="ExtraFields"/> that <c>store_data</c> and sync <c>update</c> write and templates also read.
/// </summary>
public sealed record NewHire(
    string Id,
    string Email,
    string FirstName,
    string LastName,
    string Position = "",
    DateOnly? Start = null,
    string Department = "",
    string Manager = "",
    string ManagerEmail = "",
    string Buddy = "",
    string BuddyEmail = "",
    string Phone = "")
{
    public JsonObject ExtraFields { get; init; } = [];

    /// <summary>The new-hire variables (docs/chiefonboarding-semantics.md, "Template variables"); <c>start</c> as Django's en-us date (<c>Jan. 5, 2024</c>).</summary>
    internal JsonObject TemplateVariables() => new()
    {
        ["first_name"] = FirstName,
        ["last_name"] = LastName,
        ["email"] = Email,
        ["position"] = Position,
        ["start"] = Start is { } start ? DjangoDate(start) : "",
        ["department"] = Department,
        ["manager"] = Manager,
        ["manager_email"] = ManagerEmail,
        ["buddy"] = Buddy,
        ["buddy_email"] = BuddyEmail,
    };

    // Django's DATE_FORMAT "N j, Y": AP-style month abbreviations.
    private static readonly string[] ApMonths = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."];

    internal static string DjangoDate(DateOnly date) => $"{ApMonths[date.Month - 1]} {date.Day.ToString(CultureInfo.InvariantCulture)}, {date.Year.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>A user a sync-users manifest would create: the fields the import keeps (spec: email, first and last name).</summary>
public sealed record ImportedUser(string Email, string FirstName, string LastName);

/// <summary>
/// The host's people: what ChiefOnboarding's user table is to its engine. New hires are read by id; <c>store_data</c>
/// and sync <c>update</c> save extra fields; sync <c>create</c> adds users.
/// </summary>
public interface IUserDirectory
{
    Task<NewHire?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The users whose email is exactly one of <paramref name="emails"/>.</summary>
    Task<IReadOnlyList<NewHire>> FindByEmailsAsync(IReadOnlyCollection<string> emails, CancellationToken cancellationToken = default);

    /// <summary>Emails a sync must not create: existing users' and the organisation's ignored ones.</summary>
    Task<IReadOnlySet<string>> KnownEmailsAsync(CancellationToken cancellationToken = default);

    Task SaveExtraFieldsAsync(string id, JsonObject extraFields, CancellationToken cancellationToken = default);

    Task CreateAsync(IReadOnlyList<ImportedUser> users, CancellationToken cancellationToken = default);
}

public sealed class InMemoryUserDirectory : IUserDirectory
{
    private readonly ConcurrentDictionary<string, NewHire> _users = new(StringComparer.Ordinal);

    /// <summary>Emails never imported (ChiefOnboarding's <c>ignored_user_emails</c>).</summary>
    public HashSet<string> IgnoredEmails { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<NewHire> Users => [.. _users.Values.OrderBy(u => u.Id, StringComparer.Ordinal)];

    public void Add(NewHire user) => _users[user.Id] = user with { ExtraFields = (JsonObject)user.ExtraFields.DeepClone() };

    public Task<NewHire?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(_users.TryGetValue(id, out var user) ? user with { ExtraFields = (JsonObject)user.ExtraFields.DeepClone() } : null);

    public Task<IReadOnlyList<NewHire>> FindByEmailsAsync(IReadOnlyCollection<string> emails, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<NewHire>>([.. _users.Values.Where(u => emails.Contains(u.Email)).OrderBy(u => u.Id, StringComparer.Ordinal)]);

    public Task<IReadOnlySet<string>> KnownEmailsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlySet<string>>(new HashSet<string>(_users.Values.Select(u => u.Email).Concat(IgnoredEmails), StringComparer.Ordinal));

    public Task SaveExtraFieldsAsync(string id, JsonObject extraFields, CancellationToken cancellationToken = default)
    {
        if (_users.TryGetValue(id, out var user))
        {
            _users[id] = user with { ExtraFields = (JsonObject)extraFields.DeepClone() };
        }
        return Task.CompletedTask;
    }

    public Task CreateAsync(IReadOnlyList<ImportedUser> users, CancellationToken cancellationToken = default)
    {
        foreach (var user in users)
        {
            var id = "user-" + (_users.Count + 1).ToString(CultureInfo.InvariantCulture);
            _users[id] = new NewHire(id, user.Email, user.FirstName, user.LastName);
        }
        return Task.CompletedTask;
    }
}
