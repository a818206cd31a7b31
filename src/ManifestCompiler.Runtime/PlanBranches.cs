using System.Runtime.Loader;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime;

/// <summary>One deployment: a plan assembly loaded for one branch in its own collectible context.</summary>
public sealed record PlanDeployment(string Branch, int Version, string ContextName, PlanCatalog Catalog);

/// <summary>
/// The plans deployed per branch (<c>development</c>, <c>production</c>, …), each deployment a plan assembly in its
/// own collectible <see cref="AssemblyLoadContext"/>. Deploying replaces the branch's plans of the same name while
/// the host runs; a run already under way finishes on the plan it started with. <see cref="Merge"/> promotes one
/// branch's plans to another by overwriting the target's plans of the same name (the spec's Deploy &amp; Merge: "the
/// source fully overwrites matching files in the target"); other plans of the target stay. A context is unloaded once
/// none of its plans is deployed anywhere, and the runtime reclaims it when no run still holds one of them.
/// Plan assemblies share Runtime.Support and Pidgin with the host (the default context), so their types are the
/// host's types.
/// </summary>
public sealed class PlanBranches
{
    public const string Development = "development";
    public const string Production = "production";

    private readonly object _gate = new();
    private readonly Dictionary<string, Dictionary<string, Deployed>> _branches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ManifestRuntime> _runtimes = new(StringComparer.Ordinal);
    private int _version;

    /// <summary>A loaded assembly and how many branch slots still use one of its plans.</summary>
    private sealed class Unit(AssemblyLoadContext context, byte[] image, PlanCatalog catalog)
    {
        public AssemblyLoadContext Context { get; } = context;

        public byte[] Image { get; } = image;

        public PlanCatalog Catalog { get; } = catalog;

        public int Uses { get; set; }
    }

    private sealed record Deployed(Unit Unit, object Plan);

    /// <summary>The runtime that serves <paramref name="branch"/>: every deployment to the branch reaches it at once.</summary>
    public void Attach(string branch, ManifestRuntime runtime)
    {
        lock (_gate)
        {
            _runtimes[branch] = runtime;
            runtime.AddPlans(CatalogLocked(branch));
        }
    }

    /// <summary>Loads a plan assembly (as <c>mfc build</c> writes it) into <paramref name="branch"/>.</summary>
    public PlanDeployment Deploy(string branch, byte[] image)
    {
        lock (_gate)
        {
            var unit = LoadLocked(branch, image);
            foreach (var plan in unit.Catalog.Integrations)
            {
                PutLocked(branch, "integration:" + plan.Name, new Deployed(unit, plan));
            }
            foreach (var manifest in unit.Catalog.Manifests)
            {
                PutLocked(branch, "manifest:" + manifest.Name, new Deployed(unit, manifest));
            }
            if (unit.Uses == 0)
            {
                unit.Context.Unload(); // an assembly without plans
            }
            if (_runtimes.TryGetValue(branch, out var runtime))
            {
                runtime.AddPlans(unit.Catalog);
            }
            return new PlanDeployment(branch, _version, unit.Context.Name!, unit.Catalog);
        }
    }

    /// <summary>
    /// Loads <paramref name="image"/> in a collectible context of its own, reads its plans and unloads it: the
    /// plans' names, or the exception <see cref="Deploy(string, byte[])"/> would throw. A deploy checks this before it
    /// is stored for every host.
    /// </summary>
    public static IReadOnlyList<string> Check(byte[] image)
    {
        var context = new AssemblyLoadContext("check", isCollectible: true);
        try
        {
            using var stream = new MemoryStream(image, writable: false);
            var catalog = PlanCatalog.Load(context.LoadFromStream(stream));
            return [.. catalog.Integrations.Select(p => p.Name), .. catalog.Manifests.Select(m => m.Name)];
        }
        finally
        {
            context.Unload();
        }
    }

    public PlanDeployment Deploy(string branch, string assemblyPath) => Deploy(branch, File.ReadAllBytes(assemblyPath));

    /// <summary>
    /// Promotes every plan of <paramref name="source"/> to <paramref name="target"/>: each source assembly is loaded
    /// again for the target (so the branches never share a context and can be replaced independently).
    /// </summary>
    public IReadOnlyList<PlanDeployment> Merge(string source, string target)
    {
        lock (_gate)
        {
            if (!_branches.TryGetValue(source, out var plans) || plans.Count == 0)
            {
                throw new InvalidOperationException($"branch '{source}' has no plans to merge");
            }
            var images = plans.Values.Select(d => d.Unit).Distinct().Select(u => u.Image).ToList();
            return [.. images.Select(image => Deploy(target, image))];
        }
    }

    /// <summary>The plans deployed to a branch now.</summary>
    public PlanCatalog Catalog(string branch)
    {
        lock (_gate)
        {
            return CatalogLocked(branch);
        }
    }

    public IReadOnlyList<string> Branches
    {
        get
        {
            lock (_gate)
            {
                return [.. _branches.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    private PlanCatalog CatalogLocked(string branch)
    {
        var plans = _branches.TryGetValue(branch, out var found) ? found.Values.Select(d => d.Plan).ToList() : [];
        return new PlanCatalog([.. plans.OfType<IntegrationPlan>().OrderBy(p => p.Name, StringComparer.Ordinal)], [.. plans.OfType<ChiefOnboardingPlan>().OrderBy(p => p.Name, StringComparer.Ordinal)]);
    }

    private Unit LoadLocked(string branch, byte[] image)
    {
        var version = ++_version;
        var context = new AssemblyLoadContext($"{branch}#{version}", isCollectible: true);
        try
        {
            using var stream = new MemoryStream(image, writable: false);
            var catalog = PlanCatalog.Load(context.LoadFromStream(stream));
            return new Unit(context, image, catalog);
        }
        catch
        {
            context.Unload();
            throw;
        }
    }

    private void PutLocked(string branch, string key, Deployed deployed)
    {
        if (!_branches.TryGetValue(branch, out var plans))
        {
            _branches[branch] = plans = new Dictionary<string, Deployed>(StringComparer.Ordinal);
        }
        deployed.Unit.Uses++;
        if (plans.TryGetValue(key, out var previous) && --previous.Unit.Uses == 0)
        {
            previous.Unit.Context.Unload();
        }
        plans[key] = deployed;
    }
}
