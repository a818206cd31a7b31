using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ManifestCompiler.Runtime.Hosting.Api;

/// <summary>What every endpoint group answers with: problems as <c>{"error": ...}</c>, refusals by their <see cref="RefusalReason"/>.</summary>
internal static class ApiResults
{
    public static IResult Problem(int status, string message) => Results.Json(new JsonObject { ["error"] = message }, statusCode: status);

    /// <summary>A refusal's HTTP status, from its reason only (never from its wording).</summary>
    public static int StatusOf(RefusalReason reason) => reason switch
    {
        RefusalReason.NotFound => StatusCodes.Status404NotFound,
        RefusalReason.Forbidden => StatusCodes.Status403Forbidden,
        RefusalReason.Conflict => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status400BadRequest,
    };

    public static async Task<IResult> Refusable(Func<Task<IResult>> body)
    {
        try
        {
            return await body();
        }
        catch (RunRefusedException e)
        {
            return Problem(StatusOf(e.Reason), e.Message);
        }
        catch (OAuthStateRefusedException e)
        {
            return Problem(400, e.Message);
        }
    }

    public static async Task<JsonObject?> ReadObjectAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: ct) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A request field that must be a JSON string (unlike the runtime's token text, <c>JsonText</c>, a number is refused).</summary>
    public static string? StringField(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>The company a request acts for: a company key's own (another named in the body is refused), or the one an admin names.</summary>
    public static (string? Company, IResult? Refusal) CompanyOf(ApiCaller caller, JsonObject? body)
    {
        var named = StringField(body?["company"]);
        if (caller.IsAdmin)
        {
            return (named ?? "default", null);
        }
        return named is null || named == caller.CompanyId ? (caller.CompanyId, null) : (null, Problem(403, "a company key acts for its own company only"));
    }
}
