using System.Text;

namespace ManifestCompiler.Runtime;

/// <summary>
/// One stored version of a branch (docs/runtime.md, "Plans across hosts"): the deployed sources, each a zip of
/// integration folders and manifests that passed a host's deploy checks, applied in order on top of the branch's
/// earlier versions. A deploy stores one zip; a merge stores every zip of the source branch, in its order.
/// <see cref="Problem"/> says why a stored version cannot be used (its sealed zips do not open with this store's
/// key), and <see cref="Sources"/> is then empty.
/// </summary>
public sealed record PlanSourceVersion(string Branch, int Version, IReadOnlyList<byte[]> Sources, string Origin, DateTimeOffset StoredAt, string? Problem = null);

/// <summary>
/// Deployed plan sources, shared by every host of a store: never assemblies, so each host compiles them with its own
/// compiler and only ever loads what that compiler emitted (docs/security.md). Versions count up per branch across
/// hosts: two hosts storing a version of one branch at once get two different numbers.
/// </summary>
public interface IPlanSourceStore
{
    /// <summary>Stores a new version of <paramref name="branch"/>: one more than its latest, whichever host stored that.</summary>
    Task<int> AddVersionAsync(string branch, IReadOnlyList<byte[]> sources, string origin, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The versions of <paramref name="branch"/> after <paramref name="after"/>, oldest first.</summary>
    Task<IReadOnlyList<PlanSourceVersion>> ListVersionsAsync(string branch, int after, CancellationToken cancellationToken = default);

    /// <summary>Every branch with a stored version, and its latest version.</summary>
    Task<IReadOnlyDictionary<string, int>> LatestVersionsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// A task that completes at the next version stored after this call (PostgreSQL: by any host, through
    /// <c>LISTEN/NOTIFY</c>; in memory and SQLite: by this process). Hosts poll as well.
    /// </summary>
    Task NextChange();
}

/// <summary>What the durable plan source stores share.</summary>
public static class PlanSources
{
    /// <summary>
    /// What a stored zip is sealed to (AES-GCM associated data, with the store's token key): its branch, version and
    /// place, so a row written or moved by anyone without the key opens nowhere.
    /// </summary>
    public static byte[] AssociatedData(string branch, int version, int part) => Encoding.UTF8.GetBytes($"mfc-plan-sources\n{branch}\n{version}\n{part}");

    /// <summary>
    /// Stored rows (sorted by version, then place) as versions, each zip opened with <paramref name="protector"/>. A
    /// version with a zip that does not open (another key, a row written or moved without the key) comes with its
    /// <see cref="PlanSourceVersion.Problem"/> and no sources: hosts refuse it, they never compile it.
    /// </summary>
    internal static IReadOnlyList<PlanSourceVersion> Versions(string branch, IEnumerable<(int Version, int Part, string Origin, long At, byte[] Sealed)> rows, TokenProtector protector) =>
        [.. rows.GroupBy(r => r.Version).Select(g =>
        {
            var at = DateTimeOffset.FromUnixTimeMilliseconds(g.First().At);
            try
            {
                return new PlanSourceVersion(branch, g.Key, [.. g.OrderBy(r => r.Part).Select(r => protector.Unprotect(r.Sealed, AssociatedData(branch, r.Version, r.Part)))], g.First().Origin, at);
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                return new PlanSourceVersion(branch, g.Key, [], g.First().Origin, at, "its sources do not open with this host's token key (written without the key, moved, or changed)");
            }
        })];

    /// <summary>A branch name as deploys accept it (it names a URL segment and a store row): 1 to 100 letters, digits, <c>-</c>, <c>_</c>, <c>.</c>.</summary>
    public static bool IsBranchName(string branch) =>
        branch.Length is > 0 and <= 100 && branch.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public static string NotABranchName(string branch) => $"'{branch}' is not a branch name (1 to 100 letters, digits, '-', '_' or '.')";
}

public sealed class InMemoryPlanSourceStore : IPlanSourceStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, List<PlanSourceVersion>> _branches = new(StringComparer.Ordinal);
    private readonly RunQueueSignal _signal = new();

    public Task<int> AddVersionAsync(string branch, IReadOnlyList<byte[]> sources, string origin, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        int version;
        lock (_gate)
        {
            if (!_branches.TryGetValue(branch, out var versions))
            {
                _branches[branch] = versions = [];
            }
            version = versions.Count + 1;
            versions.Add(new PlanSourceVersion(branch, version, [.. sources.Select(s => (byte[])s.Clone())], origin, at));
        }
        _signal.Set();
        return Task.FromResult(version);
    }

    public Task<IReadOnlyList<PlanSourceVersion>> ListVersionsAsync(string branch, int after, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<PlanSourceVersion>>(_branches.TryGetValue(branch, out var versions) ? [.. versions.Where(v => v.Version > after)] : []);
        }
    }

    public Task<IReadOnlyDictionary<string, int>> LatestVersionsAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyDictionary<string, int>>(_branches.ToDictionary(b => b.Key, b => b.Value.Count, StringComparer.Ordinal));
        }
    }

    public Task NextChange() => _signal.NextWakeup();
}
