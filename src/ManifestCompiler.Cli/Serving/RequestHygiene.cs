using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ManifestCompiler.Cli.Serving;

/// <summary>
/// What <c>mfc serve</c> checks of every request before its handler: the <c>Host</c> header (DNS rebinding: a page
/// of another site whose name resolves to 127.0.0.1 sends its own name), and that a body sent to a JSON endpoint is
/// declared JSON (a cross-site form or <c>text/plain</c> request, which browsers send without a CORS preflight, gets
/// 415). No CORS headers are ever sent, so browsers keep other origins from reading any answer.
/// </summary>
internal static class RequestHygiene
{
    /// <summary>
    /// The <c>Host</c> values a request may carry: each of <paramref name="configured"/> (a name with a port must
    /// match exactly, a name without one matches that name on any port), or by default the listening address,
    /// <c>localhost</c> and <c>127.0.0.1</c> with the port. Kestrel's host filtering ignores ports, hence this.
    /// </summary>
    public static IReadOnlyList<string> AllowedHosts(IReadOnlyList<string> configured, int port) =>
        configured.Count > 0
            ? [.. configured.SelectMany(h => h.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))]
            : [$"127.0.0.1:{port}", $"localhost:{port}"];

    public static void UseHostCheck(this WebApplication app, IReadOnlyList<string> allowed)
    {
        app.Use(async (context, next) =>
        {
            var host = context.Request.Host;
            if (!host.HasValue || !allowed.Any(a => Matches(a, host)))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsJsonAsync(new JsonObject { ["error"] = "the Host header is not one this server answers to (--allowed-hosts)" });
                return;
            }
            await next(context);
        });
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
