using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ManifestCompiler.Runtime.Hosting.Api;

/// <summary>
/// What the runtime API checks of every request before its handler: the <c>Host</c> header (DNS rebinding: a page
/// of another site whose name resolves to 127.0.0.1 sends its own name), and that a body sent to a JSON endpoint is
/// declared JSON (a cross-site form or <c>text/plain</c> request, which browsers send without a CORS preflight, gets
/// 415). No CORS headers are ever sent, so browsers keep other origins from reading any answer.
/// </summary>
public static class RequestHygiene
{
    /// <summary>
    /// Answers 400 to a request whose <c>Host</c> is not one of <paramref name="allowed"/>; with none configured, the
    /// server's own listening addresses with their ports, and <c>localhost</c> and <c>127.0.0.1</c> with each port.
    /// </summary>
    public static IApplicationBuilder UseHostCheck(this IApplicationBuilder app, IReadOnlyList<string> allowed)
    {
        IReadOnlyList<string>? resolved = allowed.Count > 0 ? allowed : null;
        return app.Use(async (context, next) =>
        {
            resolved ??= ListeningHosts(app.ServerFeatures.Get<IServerAddressesFeature>()?.Addresses ?? []);
            var host = context.Request.Host;
            if (!host.HasValue || !resolved.Any(a => Matches(a, host)))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsJsonAsync(new JsonObject { ["error"] = "the Host header is not one this server answers to (--allowed-hosts)" });
                return;
            }
            await next(context);
        });
    }

    private static List<string> ListeningHosts(IEnumerable<string> addresses)
    {
        var hosts = new List<string>();
        foreach (var address in addresses)
        {
            if (Uri.TryCreate(address, UriKind.Absolute, out var uri))
            {
                hosts.AddRange([$"{uri.Host}:{uri.Port}", $"127.0.0.1:{uri.Port}", $"localhost:{uri.Port}"]);
            }
        }
        return hosts;
    }

    private static bool Matches(string allowed, HostString host) =>
        allowed.Contains(':', StringComparison.Ordinal)
            ? string.Equals(allowed, host.Value, StringComparison.OrdinalIgnoreCase)
            : string.Equals(allowed, host.Host, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the request carries a body (a length above zero, or chunked).</summary>
    public static bool HasBody(HttpContext context) =>
        context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0;

    /// <summary>An endpoint filter: a request with a body must declare <c>application/json</c> (or a <c>+json</c> type), else 415.</summary>
    public static async ValueTask<object?> RequireJsonBody(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        if (HasBody(invocation.HttpContext) && !invocation.HttpContext.Request.HasJsonContentType())
        {
            return Results.Json(new JsonObject { ["error"] = "a request body must be Content-Type: application/json" }, statusCode: StatusCodes.Status415UnsupportedMediaType);
        }
        return await next(invocation);
    }
}
