using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace ManifestCompiler.Runtime.Hosting.Api;

/// <summary>A stored version of a branch as this host loaded it: its number and the names of the plans it deployed.</summary>
public sealed record StoredPlanVersion(string Branch, int Version, IReadOnlyList<string> Plans);

/// <summary>
/// Plans across hosts (docs/runtime.md, "Plans across hosts"): a deploy or merge on any host is stored as a new
/// version of its branch (<see cref="IPlanSourceStore"/>: the sources that passed the deploy checks, never an
/// assembly), and every host loads each stored version in order into its <see cref="PlanBranches"/>, hot-swapped as a
/// deploy on that host would be. Each host compiles stored sources with its own <see cref="IPlanSourceCompiler"/>
/// after the same checks as a deploy over HTTP, so it only ever loads an assembly its own compiler emitted
/// (docs/security.md). A host without a compiler loads no stored version and says so in its log. Images are kept by
/// the SHA-256 of their zip, so the host that received a deploy, and a merge of zips a host already compiled, compile
/// nothing again.
/// </summary>
public sealed class PlanPropagation(IPlanSourceStore store, PlanBranches branches, IPlanSourceCompiler? compiler, long maxUnpacked, TimeProvider time, ILogger<PlanPropagation> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, int> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _applied = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]?> _images = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Branch, int Version), StoredPlanVersion> _loaded = [];

    /// <summary>The latest stored version of each branch this host has loaded whole.</summary>
    public IReadOnlyDictionary<string, int> AppliedVersions
    {
        get
        {
            lock (_applied)
            {
                return new Dictionary<string, int>(_applied, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>
    /// Stores <paramref name="zip"/> (compiled here to <paramref name="image"/>) as the next version of
    /// <paramref name="branch"/> and loads every version of the branch up to it, in order; the other hosts follow.
    /// The image is loaded once on its own first (<see cref="PlanBranches.Check"/>), so plans that do not load are
    /// refused before anything is stored.
    /// </summary>
    public async Task<StoredPlanVersion> DeployAsync(string branch, byte[] zip, byte[] image, CancellationToken cancellationToken)
    {
        RequireBranchName(branch);
        PlanBranches.Check(image);
        lock (_images)
        {
            _images[Hash(zip)] = image;
        }
        var version = await store.AddVersionAsync(branch, [zip], "deploy", time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return await LoadedAsync(branch, version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores every stored zip of <paramref name="source"/>, in its order, as the next version of
    /// <paramref name="target"/>: loaded in turn, they overwrite the target's plans of the same names and leave its
    /// others (the spec's merge). A branch with no stored sources (plans only from a host's configuration) is refused.
    /// </summary>
    public async Task<StoredPlanVersion> MergeAsync(string source, string target, CancellationToken cancellationToken)
    {
        RequireBranchName(target);
        var versions = await store.ListVersionsAsync(source, 0, cancellationToken).ConfigureAwait(false);
        if (versions.Count == 0)
        {
            throw new InvalidOperationException($"branch '{source}' has no deployed sources to merge (plans from a host's command line or configuration stay that host's own)");
        }
        if (versions.FirstOrDefault(v => v.Problem is not null) is { } broken)
        {
            throw new InvalidOperationException($"version {broken.Version} of branch '{source}' cannot be merged: {broken.Problem}");
        }
        var version = await store.AddVersionAsync(target, [.. versions.SelectMany(v => v.Sources)], $"merge of {source} version {versions[^1].Version}", time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return await LoadedAsync(target, version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Loads the branch up to <paramref name="version"/> (the follow loop may have been first) and says what that version deployed.</summary>
    private async Task<StoredPlanVersion> LoadedAsync(string branch, int version, CancellationToken cancellationToken)
    {
        await CatchUpAsync(branch, cancellationToken).ConfigureAwait(false);
        lock (_loaded)
        {
            return _loaded.TryGetValue((branch, version), out var loaded) ? loaded : new StoredPlanVersion(branch, version, []);
        }
    }

    /// <summary>
    /// Loads the versions stored since this host last looked: of <paramref name="branch"/>, or of every branch (at
    /// start, and when another host stored one). One catch-up at a time, so versions load in their order.
    /// </summary>
    public async Task<IReadOnlyList<StoredPlanVersion>> CatchUpAsync(string? branch, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            IEnumerable<string> names = branch is null
                ? (await store.LatestVersionsAsync(cancellationToken).ConfigureAwait(false)).Where(b => b.Value > _seen.GetValueOrDefault(b.Key)).Select(b => b.Key).Order(StringComparer.Ordinal).ToList()
                : [branch];
            var loaded = new List<StoredPlanVersion>();
            foreach (var name in names)
            {
                foreach (var version in await store.ListVersionsAsync(name, _seen.GetValueOrDefault(name), cancellationToken).ConfigureAwait(false))
                {
                    loaded.Add(Load(version));
                    _seen[name] = version.Version;
                }
            }
            return loaded;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Follows the store until <paramref name="stoppingToken"/>: loads what any host stored, woken by the store
    /// (<see cref="IPlanSourceStore.NextChange"/>) or after <paramref name="poll"/>, the fallback.
    /// </summary>
    public async Task FollowAsync(TimeSpan poll, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var changed = store.NextChange();
            try
            {
                await CatchUpAsync(null, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "The stored plan versions could not be read; trying again");
            }
            try
            {
                await Task.WhenAny(changed, Task.Delay(poll, time, stoppingToken)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private StoredPlanVersion Load(PlanSourceVersion version)
    {
        if (version.Problem is not null)
        {
            logger.LogError("Version {Version} of branch {Branch} ({Origin}) is not loaded: {Problem}", version.Version, version.Branch, version.Origin, version.Problem);
            return Loaded(new StoredPlanVersion(version.Branch, version.Version, []));
        }
        var plans = new List<string>();
        var whole = true;
        for (var part = 0; part < version.Sources.Count; part++)
        {
            var image = ImageOf(version, part);
            if (image is null)
            {
                whole = false;
                continue;
            }
            try
            {
                var deployment = branches.Deploy(version.Branch, image);
                plans.AddRange(deployment.Catalog.Integrations.Select(p => p.Name).Concat(deployment.Catalog.Manifests.Select(m => m.Name)));
            }
            catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or FileLoadException)
            {
                logger.LogError(e, "Version {Version} of branch {Branch}: the plans compiled from its sources did not load", version.Version, version.Branch);
                whole = false;
            }
        }
        if (whole)
        {
            lock (_applied)
            {
                _applied[version.Branch] = version.Version;
            }
            logger.LogInformation("Loaded version {Version} of branch {Branch} ({Origin}): {Plans}", version.Version, version.Branch, version.Origin, string.Join(", ", plans));
        }
        return Loaded(new StoredPlanVersion(version.Branch, version.Version, [.. plans.Distinct(StringComparer.Ordinal)]));
    }

    /// <summary>Remembers what a version deployed (names only: nothing that keeps a replaced plan's context alive).</summary>
    private StoredPlanVersion Loaded(StoredPlanVersion version)
    {
        lock (_loaded)
        {
            _loaded[(version.Branch, version.Version)] = version;
        }
        return version;
    }

    /// <summary>The image of one stored zip, compiled here once; null (logged) when this host cannot compile it.</summary>
    private byte[]? ImageOf(PlanSourceVersion version, int part)
    {
        var zip = version.Sources[part];
        var hash = Hash(zip);
        lock (_images)
        {
            if (_images.TryGetValue(hash, out var known))
            {
                return known;
            }
        }
        if (compiler is null)
        {
            logger.LogWarning("Version {Version} of branch {Branch} is stored but not loaded: this host has no IPlanSourceCompiler, so it runs only the plans of its configuration", version.Version, version.Branch);
            return null;
        }
        var compiled = SourceDeployment.CompileStored(zip, compiler, maxUnpacked);
        if (compiled.Image is null)
        {
            // Another host's compiler accepted these sources and this one does not (hosts of different builds).
            logger.LogError("Version {Version} of branch {Branch} is not loaded: its sources do not compile on this host: {Problem}", version.Version, version.Branch,
                compiled.Problem ?? Shorten(compiled.DiagnosticsJson ?? "no image"));
        }
        lock (_images)
        {
            _images[hash] = compiled.Image;
        }
        return compiled.Image;
    }

    private static string Shorten(string text) => text.Length <= 2_000 ? text : text[..2_000] + "…";

    private static string Hash(byte[] zip) => Convert.ToHexString(SHA256.HashData(zip));

    private static void RequireBranchName(string branch)
    {
        if (!PlanSources.IsBranchName(branch))
        {
            throw new InvalidOperationException(PlanSources.NotABranchName(branch));
        }
    }
}
