using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Hosting;
using ManifestCompiler.Runtime.Hosting.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>
/// A host of its own, built from <c>services.AddManifestRuntime(...)</c> and <c>app.MapManifestRuntimeApi()</c> only,
/// on Kestrel at 127.0.0.1, gets the same authenticated API as <c>mfc serve</c>.
/// </summary>
public sealed class RuntimeApiTests : IAsyncLifetime
{
    private WebApplication? _app;
    private string _baseUrl = "";
    private readonly HttpClient _client = new();

    public async Task InitializeAsync() =>
        (_app, _baseUrl) = await LoopbackServer.StartAsync(
            app => app.MapManifestRuntimeApi(),
            builder => builder.Services.AddManifestRuntime(o =>
            {
                o.Pool.MaxWorkers = 1;
                o.Pool.SpareWorkers = 0;
            }));

    public async Task DisposeAsync()
    {
        _client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_endpoint_but_webhooks_and_OAuth_callbacks_needs_a_key_and_an_admin_key_passes_them_all()
    {
        var endpoints = ManifestRuntimeApi.Endpoints(_app!);
        Assert.Equal(
            ["GET /oauth/callback", "GET /oauth/callback/{instance}", "POST /webhooks/{instance}"],
            endpoints.Where(e => e.IsPublic).Select(e => $"{e.Method} {e.Pattern}").Order(StringComparer.Ordinal));
        var guarded = endpoints.Where(e => !e.IsPublic).ToList();
        Assert.True(guarded.Count >= 14, string.Join(", ", guarded));

        var admin = await ApiKeys.IssueAsync(_app!.Services.GetRequiredService<IApiKeyStore>(), ApiKeyScope.Admin, null, null, null, DateTimeOffset.UtcNow);
        foreach (var (method, pattern, _) in guarded)
        {
            var path = pattern.Replace("{instance}", Uri.EscapeDataString("tech.boss.quickbooks[0]"), StringComparison.Ordinal)
                .Replace("{target}", "production", StringComparison.Ordinal).Replace("{source}", "production", StringComparison.Ordinal)
                .Replace("{integration}", "quickbooks", StringComparison.Ordinal).Replace("{id}", "0000000000000000", StringComparison.Ordinal);

            using (var anonymous = await SendAsync(method, path, null))
            {
                Assert.True(anonymous.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} without a key answered {(int)anonymous.StatusCode}");
            }
            using (var forged = await SendAsync(method, path, admin.BearerText + "x"))
            {
                Assert.True(forged.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} with a forged key answered {(int)forged.StatusCode}");
            }
            using var authorized = await SendAsync(method, path, admin.BearerText);
            // Reads answer 200; the rest get past authentication and authorization to their own answer (a body
            // naming nothing, an unknown instance, a host that compiles no sources).
            if (method == "GET")
            {
                Assert.True(authorized.StatusCode == HttpStatusCode.OK, $"{method} {path} with the admin key answered {(int)authorized.StatusCode}");
            }
            else
            {
                Assert.True(authorized.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{method} {path} with the admin key answered {(int)authorized.StatusCode}");
            }
        }

        // An admin key issues a key over the API: 201, the secret shown once.
        using var issued = await SendAsync("POST", "/keys", admin.BearerText, new JsonObject { ["admin"] = true });
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        Assert.StartsWith("mfck_", (await issued.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>(), StringComparison.Ordinal);

        // The public endpoints answer without a key, by their own rules.
        using var webhook = await SendAsync("POST", "/webhooks/" + Uri.EscapeDataString("tech.boss.quickbooks[0]"), null);
        Assert.Equal(HttpStatusCode.NotFound, webhook.StatusCode);
        using var callback = await SendAsync("GET", "/oauth/callback?code=x&state=forged", null);
        Assert.Equal(HttpStatusCode.BadRequest, callback.StatusCode);

        // Another Host (DNS rebinding) gets 400 before any key is looked at.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, _baseUrl + "/instances");
        rebound.Headers.Host = "attacker.example";
        rebound.Headers.TryAddWithoutValidation("Authorization", "Bearer " + admin.BearerText);
        using var reboundAnswer = await _client.SendAsync(rebound);
        Assert.Equal(HttpStatusCode.BadRequest, reboundAnswer.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(string method, string path, string? key, JsonObject? body = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), _baseUrl + path)
        {
            Content = method == "GET" ? null : JsonContent.Create(body ?? new JsonObject()),
        };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        }
        // The event stream answers its headers and stays open: the status is all this reads.
        return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
