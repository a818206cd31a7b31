using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Text.Json.Nodes;
using ManifestCompiler.Testing;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>Per-branch plan deployment in collectible contexts: replacement while running, merge, unloading.</summary>
public sealed class PlanBranchesTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("mc-branches-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    /// <summary>The QuickBooks sample built to an image; <paramref name="marker"/> changes one step's source (a new version).</summary>
    private byte[] BuildQuickBooks(string marker)
    {
        var folder = Path.Combine(_work, marker, "quickbooks");
        CopyDirectory(Path.Combine(RepositoryPaths.Root, "samples", "bossi", "quickbooks"), folder);
        var step = Path.Combine(folder, "action", "invoices-post-v1", "code", "invoices-post-v1.py");
        File.AppendAllText(step, $"\n# {marker}\n");
        var built = PlanAssemblyBuilder.Build(ManifestWorkspace.Load([folder]), "QuickbooksPlans");
        Assert.True(built.Succeeded, string.Join("\n", built.Diagnostics.Select(d => d.ToString()).Concat(built.CompilerErrors)));
        return built.Image!;
    }

    private static byte[] BuildSample(string name)
    {
        var built = PlanAssemblyBuilder.Build(ManifestWorkspace.Load([Path.Combine(RepositoryPaths.Root, "samples", "bossi", name)]), name + "Plans");
        Assert.True(built.Succeeded);
        return built.Image!;
    }

    private static string StepSource(ManifestRuntime runtime) => runtime.FindPlan("quickbooks")!.FindAction("invoices-post-v1")!.Steps[0].Source;

    private static string ContextOf(ManifestRuntime runtime) => AssemblyLoadContext.GetLoadContext(runtime.FindPlan("quickbooks")!.GetType().Assembly)!.Name!;

    private static ManifestRuntime NewRuntime() => new(null!, new InMemoryInstanceStore(), new InMemoryRunQueue(), new InMemoryRecordSink(), new DebugEventLog());

    [Fact]
    public void A_new_deployment_replaces_the_running_plan_and_the_old_context_is_collected()
    {
        var branches = new PlanBranches();
        var development = NewRuntime();
        branches.Attach(PlanBranches.Development, development);
        var (oldContext, v2) = DeployTwice(branches, development);

        Assert.EndsWith("# v2\n", StepSource(development), StringComparison.Ordinal);
        Assert.Equal("development#2", ContextOf(development));
        Assert.Equal(2, v2.Version);
        for (var i = 0; i < 20 && oldContext.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(oldContext.IsAlive, "the replaced deployment's context was not collected");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private (WeakReference OldContext, PlanDeployment V2) DeployTwice(PlanBranches branches, ManifestRuntime runtime)
    {
        var v1 = branches.Deploy(PlanBranches.Development, BuildQuickBooks("v1"));
        Assert.EndsWith("# v1\n", StepSource(runtime), StringComparison.Ordinal);
        var oldContext = new WeakReference(AssemblyLoadContext.GetLoadContext(runtime.FindPlan("quickbooks")!.GetType().Assembly));
        Assert.Equal("development#1", v1.ContextName);
        var v2 = branches.Deploy(PlanBranches.Development, BuildQuickBooks("v2"));
        return (oldContext, v2);
    }

    [Fact]
    public void Merge_overwrites_the_targets_plans_of_the_same_name_and_keeps_the_others()
    {
        var branches = new PlanBranches();
        var production = NewRuntime();
        branches.Attach(PlanBranches.Production, production);
        branches.Deploy(PlanBranches.Production, BuildQuickBooks("prod-v1"));
        branches.Deploy(PlanBranches.Production, BuildSample("stripe"));
        branches.Deploy(PlanBranches.Development, BuildQuickBooks("dev-v2"));
        Assert.EndsWith("# prod-v1\n", StepSource(production), StringComparison.Ordinal);

        var merged = Assert.Single(branches.Merge(PlanBranches.Development, PlanBranches.Production));

        Assert.Equal(PlanBranches.Production, merged.Branch);
        Assert.EndsWith("# dev-v2\n", StepSource(production), StringComparison.Ordinal);
        // The production copy is its own context: replacing development later leaves production alone.
        Assert.StartsWith("production#", ContextOf(production), StringComparison.Ordinal);
        Assert.Equal(["quickbooks", "stripe"], branches.Catalog(PlanBranches.Production).Integrations.Select(p => p.Name));
        branches.Deploy(PlanBranches.Development, BuildQuickBooks("dev-v3"));
        Assert.EndsWith("# dev-v2\n", StepSource(production), StringComparison.Ordinal);
        Assert.EndsWith("# dev-v3\n", branches.Catalog(PlanBranches.Development).Integrations.Single().FindAction("invoices-post-v1")!.Steps[0].Source, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => branches.Merge("staging", PlanBranches.Production));
    }

    [Fact]
    public async Task Instances_keep_running_across_a_deployment()
    {
        var branches = new PlanBranches();
        var runtime = NewRuntime();
        branches.Attach(PlanBranches.Development, runtime);
        branches.Deploy(PlanBranches.Development, BuildQuickBooks("v1"));
        var instance = await runtime.ConnectAsync("quickbooks", "company-1", new JsonObject { ["realmId"] = "1", ["access_token"] = "a-token-1234" }, runTriggerSteps: false);

        branches.Deploy(PlanBranches.Development, BuildQuickBooks("v2"));

        var run = await runtime.EnqueueAsync(instance.Id, "invoices-post-v1", new JsonObject(), RunCaller.System);
        Assert.Equal(instance.Id, run.InstanceId);
        Assert.EndsWith("# v2\n", StepSource(runtime), StringComparison.Ordinal);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
