using ManifestCompiler.Cli.Checking;
using ManifestCompiler.Cli.Running;
using ManifestCompiler.Runtime.Hosting.Api;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Cli.Serving;

/// <summary>
/// Deployed sources compiled as <c>mfc build</c> compiles them: the runtime's API unpacks a deploy
/// (<see cref="SourceDeployment"/>) and hands the folder here, so the runtime never depends on the compiler.
/// </summary>
internal sealed class WorkspacePlanCompiler : IPlanSourceCompiler
{
    public PlanSourceCompilation Compile(string folder)
    {
        var workspace = ManifestWorkspace.Load([folder]);
        if (workspace.Problems.Length > 0 || workspace.Count == 0)
        {
            return new PlanSourceCompilation(null, Problem: workspace.Count == 0 ? "the zip holds no integration folder or manifest" : string.Join("; ", workspace.Problems));
        }
        var built = RunnablePlans.Build(workspace, "DeployedPlans");
        if (built.Image is null)
        {
            using var json = new MemoryStream();
            DiagnosticWriters.WriteJson(json, built.Diagnostics, CheckSummary.Of(built.Integrations, built.Manifests, built.Diagnostics));
            return new PlanSourceCompilation(null, DiagnosticsJson: System.Text.Encoding.UTF8.GetString(json.ToArray()));
        }
        return new PlanSourceCompilation(built.Image);
    }
}
