using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static ManifestCompiler.Runtime.Hosting.Api.ApiResults;

namespace ManifestCompiler.Runtime.Hosting.Api;

/// <summary>API keys (<see cref="ApiKeys"/>): the answer that issues one is the only time its secret is shown.</summary>
public static class KeyEndpoints
{
    /// <summary>The operator's: listing, issuing and revoking API keys.</summary>
    internal static void Map(IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("").RequireAuthorization(ApiPolicies.Admin).AddEndpointFilter(RequestHygiene.RequireJsonBody);
        admin.MapGet("/keys", ListKeysAsync);
        admin.MapPost("/keys", CreateKeyAsync);
        admin.MapPost("/keys/{id}/revoke", RevokeKeyAsync);
    }

    private static async Task<IResult> ListKeysAsync(IApiKeyStore keys, CancellationToken ct) =>
        Results.Json(new JsonArray([.. (await keys.ListAsync(ct)).Select(k => (JsonNode)DescribeKey(k))]));

    /// <summary>Issues a key (<c>{"admin": true}</c> or <c>{"company", "user", "role"}</c>); the answer is the only time the key is shown.</summary>
    private static async Task<IResult> CreateKeyAsync(HttpRequest request, IApiKeyStore keys, CancellationToken ct)
    {
        var body = await ReadObjectAsync(request, ct) ?? [];
        var admin = body["admin"] is JsonValue flag && flag.TryGetValue<bool>(out var isAdmin) && isAdmin;
        var (company, user, role) = (StringField(body["company"]), StringField(body["user"]), StringField(body["role"]));
        if (!admin && (company is null || user is null || role is null))
        {
            return Problem(400, "expected {\"admin\": true} or {\"company\": id, \"user\": id, \"role\": role}");
        }
        var issued = await ApiKeys.IssueAsync(keys, admin ? ApiKeyScope.Admin : ApiKeyScope.Company, company, user, role, DateTimeOffset.UtcNow, ct);
        var answer = DescribeKey(issued.Key);
        answer["key"] = issued.BearerText;
        return Results.Json(answer, statusCode: 201);
    }

    private static async Task<IResult> RevokeKeyAsync(string id, IApiKeyStore keys, CancellationToken ct) =>
        await keys.RevokeAsync(id, DateTimeOffset.UtcNow, ct) ? Results.Json(new JsonObject { ["id"] = id, ["revoked"] = true }) : Problem(404, $"no live key '{id}'");

    public static JsonObject DescribeKey(ApiKey key) => new()
    {
        ["id"] = key.Id,
        ["scope"] = key.Scope.ToString().ToLowerInvariant(),
        ["company"] = key.CompanyId,
        ["user"] = key.UserId,
        ["role"] = key.Role,
        ["created"] = key.CreatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["revoked"] = key.RevokedAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    };
}
