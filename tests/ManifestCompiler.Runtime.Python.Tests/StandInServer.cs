using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ManifestCompiler.Runtime.Python.Tests;

/// <summary>A real HTTP server on 127.0.0.1 standing in for the third-party APIs steps call.</summary>
public sealed class StandInServer : IAsyncLifetime
{
    private WebApplication? app;

    public string BaseUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        (app, BaseUrl) = await LoopbackServer.StartAsync(routes =>
        {
            routes.MapGet("/contacts", (HttpRequest request) =>
            {
                var page = int.Parse(request.Query["page"].FirstOrDefault() ?? "1", System.Globalization.CultureInfo.InvariantCulture);
                var contacts = new JsonArray(new JsonObject { ["id"] = $"c{page}a" }, new JsonObject { ["id"] = $"c{page}b" });
                return Results.Json(new JsonObject
                {
                    ["contacts"] = contacts,
                    ["has_more"] = page < 2,
                    ["auth"] = request.Headers.Authorization.ToString(),
                });
            });
            routes.MapPost("/echo", async (HttpRequest request) =>
            {
                using var reader = new StreamReader(request.Body);
                var body = await reader.ReadToEndAsync();
                return Results.Json(new JsonObject
                {
                    ["method"] = request.Method,
                    ["body"] = body,
                    ["contentType"] = request.ContentType,
                    ["auth"] = request.Headers.Authorization.ToString(),
                    ["custom"] = request.Headers["X-Custom"].ToString(),
                }, statusCode: 201);
            });
            routes.MapGet("/ratelimited", (HttpResponse response) =>
            {
                response.Headers["Retry-After"] = "7";
                return Results.StatusCode(429);
            });
            routes.MapGet("/invoices", () => Results.Json(new JsonObject
            {
                ["QueryResponse"] = new JsonObject
                {
                    ["Invoice"] = new JsonArray(new JsonObject { ["Id"] = "101", ["TotalAmt"] = 12.5 }, new JsonObject { ["Id"] = "102", ["TotalAmt"] = 80 }),
                },
            }));
            routes.MapGet("/query", (HttpRequest request) => Results.Json(new JsonObject
            {
                ["QueryResponse"] = new JsonObject
                {
                    ["Invoice"] = new JsonArray(new JsonObject { ["Id"] = "101" }, new JsonObject { ["Id"] = "102" }, new JsonObject { ["Id"] = "103" }),
                },
                ["query"] = request.Query["query"].ToString(),
                ["auth"] = request.Headers.Authorization.ToString(),
            }));
            // A third-party API that answers JSON text with a lone surrogate escape (valid JSON, not valid Unicode).
            routes.MapGet("/lone-surrogate", () => Results.Text("{\"name\": \"Inv\\ud800oice\", \"id\": \"42\"}", "application/json"));
            routes.MapGet("/redirect-metadata", () => Results.Redirect("http://169.254.169.254/latest/meta-data/"));
            routes.MapGet("/redirect-local", () => Results.Redirect("/contacts?page=2"));
        });
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }
}
