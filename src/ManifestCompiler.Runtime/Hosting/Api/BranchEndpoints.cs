using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static ManifestCompiler.Runtime.Hosting.Api.ApiResults;

namespace ManifestCompiler.Runtime.Hosting.Api;

/// <summary>Plan branches: deploys of sources (compiled by the host's <see cref="IPlanSourceCompiler"/>) and merges.</summary>
internal static class BranchEndpoints
{
    /// <summary>The operator's: deploying sources, merging branches, listing them.</summary>
    public static void Map(IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("").RequireAuthorization(ApiPolicies.Admin);
        admin.MapPost("/branches/{target}/deploy", DeployAsync);
        var adminJson = admin.MapGroup("").AddEndpointFilter(RequestHygiene.RequireJsonBody);
        adminJson.MapPost("/branches/{source}/merge/{target}", MergeAsync);
        adminJson.MapGet("/branches", (PlanBranches branches, PlanPropagation propagation, ManifestRuntimeHostOptions options) => ListBranches(branches, propagation, options.Branch));
    }

    private static async Task<IResult> DeployAsync(string target, HttpContext context, PlanPropagation propagation, ManifestRuntimeHostOptions options, CancellationToken ct)
    {
        if (!PlanSources.IsBranchName(target))
        {
            return Problem(400, PlanSources.NotABranchName(target));
        }
        var (image, zip, refusal) = await SourceDeployment.CompileAsync(context, context.RequestServices.GetService<IPlanSourceCompiler>(), options.MaxDeployBytes, ct);
        if (image is null || zip is null)
        {
            return refusal!;
        }
        try
        {
            // Stored for every host of the branch, then loaded here (with any version another host stored first).
            return Results.Json(Describe(await propagation.DeployAsync(target, zip, image, ct)));
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or FileLoadException)
        {
            return Problem(500, "the compiled plans did not load: " + e.Message);
        }
    }

    private static async Task<IResult> MergeAsync(string source, string target, PlanPropagation propagation, CancellationToken ct)
    {
        try
        {
            return Results.Json(Describe(await propagation.MergeAsync(source, target, ct)));
        }
        catch (InvalidOperationException e)
        {
            return Problem(400, e.Message);
        }
    }

    private static IResult ListBranches(PlanBranches branches, PlanPropagation propagation, string served) => Results.Json(new JsonObject
    {
        ["served"] = served,
        ["branches"] = new JsonObject(branches.Branches.Select(b => KeyValuePair.Create(b, (JsonNode?)new JsonArray([
            .. branches.Catalog(b).Integrations.Select(p => (JsonNode)p.Name), .. branches.Catalog(b).Manifests.Select(m => (JsonNode)m.Name)])))),
        // The latest stored version of each branch this host has loaded (plans of its configuration are not versions).
        ["versions"] = new JsonObject(propagation.AppliedVersions.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => KeyValuePair.Create(v.Key, (JsonNode?)v.Value))),
    });

    private static JsonObject Describe(StoredPlanVersion stored) => new()
    {
        ["branch"] = stored.Branch,
        ["version"] = stored.Version,
        ["plans"] = new JsonArray([.. stored.Plans.Select(n => (JsonNode)n)]),
    };
}
