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
        adminJson.MapPost("/branches/{source}/merge/{target}", Merge);
        adminJson.MapGet("/branches", (PlanBranches branches, ManifestRuntimeHostOptions options) => ListBranches(branches, options.Branch));
    }

    private static async Task<IResult> DeployAsync(string target, HttpContext context, PlanBranches branches, ManifestRuntimeHostOptions options, CancellationToken ct)
    {
        var (image, refusal) = await SourceDeployment.CompileAsync(context, context.RequestServices.GetService<IPlanSourceCompiler>(), options.MaxDeployBytes, ct);
        if (image is null)
        {
            return refusal!;
        }
        try
        {
            return Results.Json(Describe(branches.Deploy(target, image)));
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or FileLoadException)
        {
            return Problem(500, "the compiled plans did not load: " + e.Message);
        }
    }

    private static IResult Merge(string source, string target, PlanBranches branches)
    {
        try
        {
            return Results.Json(new JsonArray([.. branches.Merge(source, target).Select(d => (JsonNode)Describe(d))]));
        }
        catch (InvalidOperationException e)
        {
            return Problem(400, e.Message);
        }
    }

    private static IResult ListBranches(PlanBranches branches, string served) => Results.Json(new JsonObject
    {
        ["served"] = served,
        ["branches"] = new JsonObject(branches.Branches.Select(b => KeyValuePair.Create(b, (JsonNode?)new JsonArray([
            .. branches.Catalog(b).Integrations.Select(p => (JsonNode)p.Name), .. branches.Catalog(b).Manifests.Select(m => (JsonNode)m.Name)])))),
    });

    private static JsonObject Describe(PlanDeployment deployment) => new()
    {
        ["branch"] = deployment.Branch,
        ["version"] = deployment.Version,
        ["plans"] = new JsonArray([.. deployment.Catalog.Integrations.Select(p => (JsonNode)p.Name), .. deployment.Catalog.Manifests.Select(m => (JsonNode)m.Name)]),
    };
}
