using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>QuickBooks and Stripe as a real HTTP server on 127.0.0.1, recording what they were sent.</summary>
public sealed class ThirdPartyApis : IAsyncLifetime
{
    private WebApplication? _app;

    public string BaseUrl { get; private set; } = "";

    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>How many QuickBooks queries answer 429 (Retry-After: 1) before the invoices come.</summary>
    public int QuickBooksRateLimitedCalls;

    public JsonArray Invoices { get; set; } = [];

    /// <summary>When set, the invoice query answers this JSON text instead of <see cref="Invoices"/>.</summary>
    public string? RawInvoicesJson { get; set; }

    /// <summary>How long the invoice query takes to answer (a slow vendor).</summary>
    public TimeSpan QueryDelay { get; set; }

    /// <summary>When set, QuickBooks answers 401 to any other bearer token.</summary>
    public string? RequiredAccessToken { get; set; }

    public const string RefreshedAccessToken = "qb-access-refreshed-90ab";
    public const string RefreshedRefreshToken = "qb-refresh-refreshed-17cd";
    public const string ExchangedAccessToken = "qb-access-exchanged-2b7a";

    public int Refreshes;

    public async Task InitializeAsync()
    {
        (_app, BaseUrl) = await LoopbackServer.StartAsync(app =>
        {
            app.Use(async (context, next) =>
            {
                Requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString} auth={context.Request.Headers.Authorization}");
                await next(context);
            });
            app.MapPost("/oauth2/v1/tokens/bearer", async (HttpRequest request) =>
            {
                var form = await request.ReadFormAsync();
                var basic = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("ABc123ClientId:do-not-commit-real-secrets"));
                if (request.Headers.Authorization != basic)
                {
                    return Results.StatusCode(401);
                }
                if (form["grant_type"] == "authorization_code")
                {
                    return form["code"] == "good-code" && form["redirect_uri"].ToString().StartsWith("http", StringComparison.Ordinal)
                        ? Results.Json(new JsonObject
                        {
                            ["access_token"] = ExchangedAccessToken,
                            ["refresh_token"] = "qb-refresh-exchanged-3e4f",
                            ["expires_in"] = 3600,
                            ["x_refresh_token_expires_in"] = 8726400,
                            ["token_type"] = "bearer",
                        })
                        : Results.StatusCode(400);
                }
                if (form["grant_type"] != "refresh_token" || form["refresh_token"].ToString().Length == 0)
                {
                    return Results.StatusCode(400);
                }
                Interlocked.Increment(ref Refreshes);
                return Results.Json(new JsonObject
                {
                    ["access_token"] = RefreshedAccessToken,
                    ["refresh_token"] = RefreshedRefreshToken,
                    ["expires_in"] = 3600,
                    ["token_type"] = "bearer",
                });
            });
            app.MapGet("/v3/company/{realm}/query", async (HttpRequest request, HttpResponse response) =>
            {
                await Task.Delay(QueryDelay);
                if (RequiredAccessToken is { } required && request.Headers.Authorization != "Bearer " + required)
                {
                    return Results.StatusCode(401);
                }
                if (Interlocked.Decrement(ref QuickBooksRateLimitedCalls) >= 0)
                {
                    response.Headers["Retry-After"] = "1";
                    return Results.StatusCode(429);
                }
                if (RawInvoicesJson is { } raw)
                {
                    return Results.Text(raw, "application/json"); // as a vendor sends it, escapes System.Text.Json cannot write included
                }
                return Results.Json(new JsonObject { ["QueryResponse"] = new JsonObject { ["Invoice"] = Invoices.DeepClone() } });
            });
            app.MapGet("/v1/customers", (HttpRequest request) =>
            {
                var after = request.Query["starting_after"].ToString();
                var page = after.Length == 0
                    ? new JsonArray(Customer("cus_1"), Customer("cus_2"))
                    : after == "cus_2" ? new JsonArray(Customer("cus_3")) : [];
                return Results.Json(new JsonObject { ["data"] = page, ["has_more"] = after.Length == 0 });
            });

        });
    }

    private static JsonObject Customer(string id) => new()
    {
        ["id"] = id,
        ["email"] = $"{id}@example.com",
        ["name"] = "Customer " + id,
        ["created"] = 1_700_000_000,
        ["livemode"] = false,
    };

    public static JsonObject Invoice(string id, decimal total) => new()
    {
        ["Id"] = id,
        ["DocNumber"] = "D-" + id,
        ["TxnDate"] = "2024-01-31",
        ["TotalAmt"] = total,
        ["Balance"] = 0,
        ["CustomerRef"] = new JsonObject { ["value"] = "7", ["name"] = "Ada" },
    };

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
