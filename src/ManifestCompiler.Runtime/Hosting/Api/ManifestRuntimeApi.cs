using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ManifestCompiler.Runtime.Hosting.Api;

/// <summary>
/// The runtime's HTTP API, for any host built with <see cref="ManifestRuntimeServiceCollectionExtensions.AddManifestRuntime"/>:
/// <c>app.MapManifestRuntimeApi()</c>. Every endpoint needs <c>Authorization: Bearer &lt;key&gt;</c>
/// (<see cref="ApiKeyAuthenticationHandler"/>) except the webhook receivers and the OAuth callbacks, which are public
/// by design; the key model and the endpoints are in docs/runtime.md, the threat model in docs/security.md.
/// <list type="bullet">
/// <item><c>POST /instances</c> <c>{"integration", "company", "tokens"}</c> connects a BOSSi integration with API keys;
/// <c>POST /chiefonboarding/instances</c> <c>{"manifest", "initial_data"}</c> adds a ChiefOnboarding manifest;
/// <c>GET /instances</c> lists them (no tokens). A company key acts for its own company only.</item>
/// <item><c>POST /oauth/{integration}/start</c> answers the authorization URL (its <c>state</c> a single-use nonce);
/// <c>GET /oauth/callback</c> completes the connect the nonce names; <c>POST /chiefonboarding/{instance}/oauth</c> and
/// <c>GET /oauth/callback/{instance}</c> do the same for a ChiefOnboarding instance's own <c>redirect_url</c>.</item>
/// <item><c>POST /webhooks/{instance}</c> routes a webhook (400 with the missing names, 404, or 202 with the runs).</item>
/// <item><c>POST /instances/{instance}/runs</c> <c>{"action", "payload"}</c> queues a run as the key's user and role (202);
/// with <c>?wait=true</c> it answers the run's outcome and result (200, or 502 when the run failed).</item>
/// <item><c>GET /events</c> streams the debug events the key may see (server-sent events, secrets masked).</item>
/// <item>Admin keys only: <c>POST /branches/{branch}/deploy</c> (a zip of sources, compiled by the host's
/// <see cref="IPlanSourceCompiler"/>), <c>POST /branches/{from}/merge/{to}</c>, <c>GET /branches</c>, <c>GET /keys</c>,
/// <c>POST /keys</c>, <c>POST /keys/{id}/revoke</c>, <c>GET /runs/dead</c>.</item>
/// </list>
/// </summary>
public static class ManifestRuntimeApi
{
    /// <summary>
    /// Checks every request's <c>Host</c> (<see cref="ManifestRuntimeHostOptions.AllowedHosts"/>), authenticates its
    /// key and authorizes it, then maps the endpoint groups. Call it before mapping anything of your own: the
    /// authorization policy of any endpoint mapped without one is "a live key" too.
    /// </summary>
    public static WebApplication MapManifestRuntimeApi(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<ManifestRuntimeHostOptions>();
        app.UseHostCheck(options.AllowedHosts);
        app.UseAuthentication();
        app.UseAuthorization();
        WebhookEndpoints.Map(app);
        OAuthEndpoints.Map(app);
        InstanceEndpoints.Map(app);
        EventEndpoints.Map(app);
        BranchEndpoints.Map(app);
        KeyEndpoints.Map(app);
        return app;
    }

    /// <summary>Every endpoint mapped, with its HTTP methods and whether it is public (tests probe each one).</summary>
    public static IReadOnlyList<(string Method, string Pattern, bool IsPublic)> Endpoints(IEndpointRouteBuilder routes) =>
    [
        .. routes.DataSources.SelectMany(d => d.Endpoints)
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (m, "/" + e.RoutePattern.RawText!.TrimStart('/'), e.Metadata.GetMetadata<IAllowAnonymous>() is not null))),
    ];
}
