using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static ManifestCompiler.Runtime.Hosting.Api.ApiResults;

namespace ManifestCompiler.Runtime.Hosting.Api;

/// <summary>OAuth connects: starting one (the authorization URL) and the callbacks that complete it.</summary>
internal static class OAuthEndpoints
{
    /// <summary>
    /// Starting a connect needs a key (a company key for its own company or instance); the callbacks are public by
    /// design, since providers redirect users to them: the single-use state nonce authenticates those.
    /// </summary>
    public static void Map(IEndpointRouteBuilder routes)
    {
        var open = routes.MapGroup("").AllowAnonymous();
        open.MapGet("/oauth/callback", CompleteOAuthAsync);
        open.MapGet("/oauth/callback/{instance}", CompleteChiefOnboardingOAuthAsync);

        routes.MapGroup("").RequireAuthorization(ApiPolicies.AnyKey).AddEndpointFilter(RequestHygiene.RequireJsonBody)
            .MapPost("/oauth/{integration}/start", StartOAuthAsync);
        routes.MapGroup("/chiefonboarding/{instance}").RequireAuthorization(ApiPolicies.InstanceOwner).AddEndpointFilter(RequestHygiene.RequireJsonBody)
            .MapPost("/oauth", StartChiefOnboardingOAuthAsync);
    }

    /// <summary>Starts a connect: the authorization URL to send the company's user to, its <c>state</c> a single-use nonce.</summary>
    private static async Task<IResult> StartOAuthAsync(string integration, HttpContext context, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        var body = RequestHygiene.HasBody(context) ? await ReadObjectAsync(context.Request, ct) : null;
        var (company, refusal) = CompanyOf(ApiCaller.Of(context), body);
        if (company is null)
        {
            return refusal!;
        }
        return await Refusable(async () => await runtime.StartOAuthAsync(integration, company, ct) is { } url
            ? Results.Json(new JsonObject { ["authorization_url"] = url })
            : Problem(404, $"{integration} connects with API keys, not OAuth"));
    }

    /// <summary>The generic callback: company and integration come from the state nonce only; anything but a live nonce is 400 and connects nothing.</summary>
    private static async Task<IResult> CompleteOAuthAsync(HttpRequest request, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        var query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        if (query.GetValueOrDefault("code") is not { Length: > 0 } code)
        {
            return Problem(400, "the callback needs a code and the state of a connect started with POST /oauth/{integration}/start");
        }
        var parameters = query.Where(q => q.Key is not ("code" or "state" or "integration" or "company")).ToDictionary();
        return await Refusable(async () =>
        {
            var instance = await runtime.CompleteOAuthCallbackAsync(query.GetValueOrDefault("state"), code, parameters, ct);
            return Results.Json(new JsonObject { ["id"] = instance.Id, ["connected"] = true });
        });
    }

    private static async Task<IResult> StartChiefOnboardingOAuthAsync(string instance, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        return await Refusable(async () => Results.Json(new JsonObject { ["authorization_url"] = await runtime.ChiefOnboarding.StartOAuthAsync(instance, ct) }));
    }

    private static async Task<IResult> CompleteChiefOnboardingOAuthAsync(string instance, string? code, string? state, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        return await Refusable(async () =>
        {
            await runtime.ChiefOnboarding.CompleteOAuthCallbackAsync(instance, state, code, ct);
            return Results.Json(new JsonObject { ["id"] = instance, ["connected"] = true });
        });
    }
}
