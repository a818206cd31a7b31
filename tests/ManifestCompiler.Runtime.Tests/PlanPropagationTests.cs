using System.IO.Compression;
using ManifestCompiler.Runtime.Hosting.Api;
using ManifestCompiler.Testing;
using ManifestCompiler.Workspace;
using Microsoft.Extensions.Logging;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>
/// Plans across hosts within one process: two or three <see cref="PlanPropagation"/>s over one store stand for hosts
/// (docs/runtime.md, "Plans across hosts"). The compiler is the real one (<see cref="PlanAssemblyBuilder"/> over the
/// unpacked sources); the processes-and-PostgreSQL version is <c>MultiHostServeTests</c>.
/// </summary>
public sealed class PlanPropagationTests
{
    private readonly InMemoryPlanSourceStore _store = new();

    /// <summary>The build's compiler over a folder of sources, as <c>mfc serve</c>'s <c>WorkspacePlanCompiler</c> calls it.</summary>
    private sealed class BuildCompiler : IPlanSourceCompiler
    {
        public int Compilations { get; private set; }

        public PlanSourceCompilation Compile(string folder)
        {
            Compilations++;
            var built = PlanAssemblyBuilder.Build(ManifestWorkspace.Load([folder]), "DeployedPlans");
            return built.Succeeded ? new PlanSourceCompilation(built.Image) : new PlanSourceCompilation(null, Problem: string.Join("; ", built.Diagnostics.Select(d => d.ToString()).Concat(built.CompilerErrors)));
        }
    }

    private sealed class ListLogger : ILogger<PlanPropagation>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }

    private sealed record Host(PlanPropagation Propagation, PlanBranches Branches, ManifestRuntime Runtime, ListLogger Log, BuildCompiler? Compiler);

    private Host NewHost(bool withCompiler = true)
    {
        var branches = new PlanBranches();
        var runtime = new ManifestRuntime(null!, new InMemoryInstanceStore(), new InMemoryRunQueue(), new InMemoryRecordSink(), new DebugEventLog());
        branches.Attach(PlanBranches.Production, runtime);
        var log = new ListLogger();
        var compiler = withCompiler ? new BuildCompiler() : null;
        return new Host(new PlanPropagation(_store, branches, compiler, 100_000_000, TimeProvider.System, log), branches, runtime, log, compiler);
    }

    /// <summary>A sample's folder as a deploy zip; <paramref name="marker"/> (when given) is appended to QuickBooks' invoice step, making a new version.</summary>
    private static byte[] Zip(string sample, string? marker = null, params (string Name, string Text)[] extra)
    {
        var folder = Path.Combine(RepositoryPaths.Root, "samples", "bossi", sample);
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
                var text = File.ReadAllText(file);
                if (marker is not null && relative.EndsWith("invoices-post-v1.py", StringComparison.Ordinal))
                {
                    text += $"\n# {marker}\n";
                }
                Write(zip, sample + "/" + relative, text);
            }
            foreach (var (name, text) in extra)
            {
                Write(zip, name, text);
            }
        }
        return buffer.ToArray();
    }

    private static void Write(ZipArchive zip, string name, string text)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name).Open());
        writer.Write(text);
    }

    private static async Task<StoredPlanVersion> DeployAsync(Host host, string branch, byte[] zip)
    {
        var compiled = SourceDeployment.CompileStored(zip, host.Compiler!, 100_000_000);
        Assert.True(compiled.Image is not null, compiled.Problem);
        return await host.Propagation.DeployAsync(branch, zip, compiled.Image, CancellationToken.None);
    }

    private static string InvoiceStep(ManifestRuntime runtime) => runtime.FindPlan("quickbooks")!.FindAction("invoices-post-v1")!.Steps[0].Source;

    [Fact]
    public async Task Hosts_of_one_store_load_each_others_deploys_and_merges_in_order_and_hot_swap_their_plans()
    {
        var hostA = NewHost();
        var hostB = NewHost();

        var first = await DeployAsync(hostA, PlanBranches.Production, Zip("quickbooks", "v1"));
        Assert.Equal(1, first.Version);
        Assert.Equal(["quickbooks"], first.Plans);
        Assert.Null(hostB.Runtime.FindPlan("quickbooks"));
        await hostB.Propagation.CatchUpAsync(null, CancellationToken.None);
        Assert.EndsWith("# v1\n", InvoiceStep(hostB.Runtime), StringComparison.Ordinal);

        // B deploys the next version: A swaps its running plan for it.
        Assert.Equal(2, (await DeployAsync(hostB, PlanBranches.Production, Zip("quickbooks", "v2"))).Version);
        await hostA.Propagation.CatchUpAsync(null, CancellationToken.None);
        Assert.EndsWith("# v2\n", InvoiceStep(hostA.Runtime), StringComparison.Ordinal);

        // A merge stores the source branch's zips as the target's next version: QuickBooks v3 and Stripe reach production.
        await DeployAsync(hostA, PlanBranches.Development, Zip("quickbooks", "v3"));
        await DeployAsync(hostA, PlanBranches.Development, Zip("stripe"));
        var merged = await hostA.Propagation.MergeAsync(PlanBranches.Development, PlanBranches.Production, CancellationToken.None);
        Assert.Equal(3, merged.Version);
        Assert.Equal(["quickbooks", "stripe"], merged.Plans);
        await hostB.Propagation.CatchUpAsync(null, CancellationToken.None);
        Assert.EndsWith("# v3\n", InvoiceStep(hostB.Runtime), StringComparison.Ordinal);
        Assert.NotNull(hostB.Runtime.FindPlan("stripe"));
        Assert.Equal(new Dictionary<string, int> { ["development"] = 2, ["production"] = 3 }, hostB.Propagation.AppliedVersions);
        Assert.Equal(new Dictionary<string, int> { ["development"] = 2, ["production"] = 3 }, hostA.Propagation.AppliedVersions);

        // Each distinct zip is compiled once per host: A compiled its three deploys and B's v2, and nothing for the
        // merge (its zips are A's own); B its own v2 and A's v1, v3 and Stripe, and nothing for the merge either.
        Assert.Equal(4, hostA.Compiler!.Compilations);
        Assert.Equal(4, hostB.Compiler!.Compilations);
    }

    [Fact]
    public async Task A_merge_of_a_branch_without_stored_sources_is_refused()
    {
        var host = NewHost();
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Propagation.MergeAsync("staging", PlanBranches.Production, CancellationToken.None));
        Assert.Contains("no deployed sources", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await _store.LatestVersionsAsync());
    }

    [Fact]
    public async Task A_host_without_a_compiler_loads_no_stored_version_and_says_so()
    {
        var deployer = NewHost();
        await DeployAsync(deployer, PlanBranches.Production, Zip("stripe"));
        var bare = NewHost(withCompiler: false);

        await bare.Propagation.CatchUpAsync(null, CancellationToken.None);

        Assert.Null(bare.Runtime.FindPlan("stripe"));
        Assert.Empty(bare.Propagation.AppliedVersions);
        Assert.Contains(bare.Log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("no IPlanSourceCompiler", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stored_zip_that_fails_the_deploy_checks_is_never_compiled_and_later_versions_still_load()
    {
        var outside = Path.Combine(Path.GetTempPath(), $"mfc-escaped-{Guid.NewGuid():N}.json");
        // Stored by someone with the store and its key, not through a deploy: an entry that leaves the folder.
        await _store.AddVersionAsync(PlanBranches.Production, [Zip("stripe", extra: ("../../../../../../" + outside.TrimStart('/'), "{}"))], "deploy", DateTimeOffset.UtcNow);
        await _store.AddVersionAsync(PlanBranches.Production, [Zip("quickbooks", "after")], "deploy", DateTimeOffset.UtcNow);
        var host = NewHost();

        await host.Propagation.CatchUpAsync(null, CancellationToken.None);

        Assert.False(File.Exists(outside));
        Assert.Null(host.Runtime.FindPlan("stripe"));
        Assert.Equal(1, host.Compiler!.Compilations); // version 2 only
        Assert.EndsWith("# after\n", InvoiceStep(host.Runtime), StringComparison.Ordinal);
        Assert.Contains(host.Log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("Version 1 of branch production", StringComparison.Ordinal) && e.Message.Contains("not a plain relative path", StringComparison.Ordinal));
        Assert.Equal(2, host.Propagation.AppliedVersions[PlanBranches.Production]);
    }
}
