using ManifestCompiler.Runtime.Support.Json;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime;

/// <summary>
/// OAuth2 refresh through the security block's <c>refreshTokenUrl</c>: when the access token has expired
/// (<c>expiryInVariable</c> seconds after the tokens were stored, with a minute's margin) or an API answered 401.
/// The request is the standard one (<c>grant_type=refresh_token</c>, the client's id and secret as Basic
/// authentication); the response's fields replace the stored tokens of the same name.
/// </summary>
internal static class TokenRefresher
{
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(1);

    public static bool HasExpired(IntegrationPlan plan, IntegrationInstance instance, DateTimeOffset now)
    {
        if (plan.Schema.Security is not { ExpiryInVariable: { } expiryName } || instance.Tokens[expiryName] is not { } expiry)
        {
            return false;
        }
        return double.TryParse(JsonText.Of(expiry), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            && instance.TokensStoredAt + TimeSpan.FromSeconds(seconds) - Margin <= now;
    }

    public static bool CanRefresh(IntegrationPlan plan, IntegrationInstance instance) =>
        plan.Schema.Security?.RefreshTokenUrl is not null && instance.Tokens["refresh_token"] is not null;

    /// <summary>The instance with refreshed tokens; throws <see cref="StepEffectException"/> (no secrets in it) when the refresh fails.</summary>
    public static async Task<IntegrationInstance> RefreshAsync(IntegrationPlan plan, IntegrationInstance instance, HttpClient http, OutboundRoutes routes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var security = plan.Schema.Security!;
        var scope = TemplateScope.FromObject(JsonSerializer.SerializeToElement(instance.Tokens, DataJson.SerializerOptions));
        var url = security.RefreshTokenUrl!.Render(scope);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new StepEffectException($"the refresh token URL of {plan} is not a URL after rendering");
        }
        var refreshToken = JsonText.Of(instance.Tokens["refresh_token"]) ?? "";
        var fresh = await PostTokenRequestAsync(plan, http, routes.Rewrite(uri), [new("grant_type", "refresh_token"), new("refresh_token", refreshToken)],
            reason => new StepEffectException($"the token refresh at {uri.Host} {reason}"), cancellationToken).ConfigureAwait(false);
        var tokens = (JsonObject)instance.Tokens.DeepClone();
        foreach (var (name, value) in fresh)
        {
            tokens[name] = value?.DeepClone();
        }
        return instance with { Tokens = tokens, TokensStoredAt = now };
    }

    /// <summary>
    /// An OAuth2 token-endpoint request (refresh or code exchange): a form POST with the client's id and secret as
    /// Basic authentication, answered by a JSON object. <paramref name="fail"/> makes the exception for a reason
    /// ("answered 400"); no secret is ever part of it.
    /// </summary>
    public static async Task<JsonObject> PostTokenRequestAsync(IntegrationPlan plan, HttpClient http, Uri uri, IEnumerable<KeyValuePair<string, string>> form, Func<string, Exception> fail, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (plan.OAuth.ClientId is { } clientId)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{plan.OAuth.ClientSecret}")));
        }
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw fail("failed: " + e.Message);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw fail($"answered {(int)response.StatusCode}");
            }
            try
            {
                return DataJson.ParseNode(body) as JsonObject ?? throw fail("did not answer with a JSON object");
            }
            catch (JsonException)
            {
                throw fail("did not answer with a JSON object");
            }
        }
    }
}
