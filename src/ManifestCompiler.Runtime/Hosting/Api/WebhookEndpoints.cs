using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static ManifestCompiler.Runtime.Hosting.Api.ApiResults;

namespace ManifestCompiler.Runtime.Hosting.Api;

/// <summary>The webhook receivers of BOSSi instances.</summary>
internal static class WebhookEndpoints
{
    /// <summary>Public by design: vendors call webhooks (a signature block authenticates them); their bodies are whatever the vendor sends, so no JSON rule either.</summary>
    public static void Map(IEndpointRouteBuilder routes) =>
        routes.MapGroup("").AllowAnonymous().MapPost("/webhooks/{instance}", ReceiveWebhookAsync);

    /// <summary>The most a webhook body may hold; vendors send far less (Stripe's events are a few kilobytes).</summary>
    private const int MaxWebhookBytes = 5 * 1024 * 1024;

    private static async Task<IResult> ReceiveWebhookAsync(string instance, HttpRequest request, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        // The bytes as received: the runtime verifies the webhook signature over them before parsing.
        using var raw = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, ct)) > 0)
        {
            if (raw.Length + read > MaxWebhookBytes)
            {
                return Problem(413, $"the webhook body is larger than {MaxWebhookBytes / (1024 * 1024)} MB");
            }
            raw.Write(buffer, 0, read);
        }
        var headers = JsonSerializer.SerializeToElement(request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
        var response = await runtime.ReceiveWebhookAsync(instance, raw.GetBuffer().AsMemory(0, (int)raw.Length), headers, ct);
        if (response.Error is { } error)
        {
            return Problem(response.StatusCode, error);
        }
        return Results.Json(new JsonObject
        {
            ["missing"] = new JsonArray([.. response.Missing.Select(m => (JsonNode)m)]),
            ["queued"] = new JsonArray([.. response.Queued.Select(r => (JsonNode)new JsonObject { ["run_id"] = r.RunId, ["action"] = r.Action })]),
            ["errors"] = response.StepErrors.Count,
        }, statusCode: response.StatusCode);
    }
}
