using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>
/// Asana, BambooHR, Google's directory and token endpoints, PandaDoc and an HR document store as one real HTTP server
/// on 127.0.0.1, recording what they were sent. Each checks the credentials the sample manifests send.
/// </summary>
public sealed class PeopleApis : IAsyncLifetime
{
    public const string AsanaToken = "asana-pat-1/1207:9f3e4d2c";
    public const string BambooKey = "bamboo-key-6c1d0e55";
    public const string GoogleAccessToken = "ya29.google-access-41aa";
    public const string GoogleRefreshedToken = "ya29.google-refreshed-93bc";
    public const string GoogleRefreshToken = "1//google-refresh-77de";
    public const string GoogleClientSecret = "GOCSPX-client-secret-5e6f";
    public const string PandaDocKey = "pandadoc-key-0a1b2c3d";
    public const string HrToken = "hr-token-4e5f6a7b";

    private WebApplication? _app;

    public string BaseUrl { get; private set; } = "";

    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Request bodies by "METHOD path".</summary>
    public ConcurrentQueue<(string Request, string ContentType, string Body)> Bodies { get; } = new();

    /// <summary>Asana users that exist (by email).</summary>
    public ConcurrentDictionary<string, bool> AsanaUsers { get; } = new(StringComparer.Ordinal);

    /// <summary>The status poll answers "pending" until this many calls were made (then "active"); int.MaxValue: never.</summary>
    public int AsanaActiveAfter { get; set; } = 3;

    public int AsanaStatusCalls;

    /// <summary>The workspace add-user answer leaves out <c>data.gid</c> (to break store_data).</summary>
    public bool AsanaAddUserAnswersWithoutGid { get; set; }

    /// <summary>The team add-user answers this gid instead of the user's (to break continue_if).</summary>
    public string? AsanaTeamAnswerGid { get; set; }

    /// <summary>BambooHR's report, one page per list; each page links the next.</summary>
    public List<JsonArray> BambooPages { get; } = [];

    /// <summary>Google's directory pages; each but the last carries a nextPageToken.</summary>
    public List<JsonArray> GooglePages { get; } = [];

    public int GoogleRefreshes;

    public byte[] ContractPdf { get; } = Encoding.ASCII.GetBytes("%PDF-1.7 contract for ada\n%%EOF");

    public byte[]? UploadedDocument { get; private set; }

    public async Task InitializeAsync()
    {
        (_app, BaseUrl) = await LoopbackServer.StartAsync(app =>
        {
            app.Use(async (context, next) =>
            {
                context.Request.EnableBuffering();
                var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
                context.Request.Body.Position = 0;
                var key = $"{context.Request.Method} {context.Request.Path}";
                Requests.Enqueue($"{key}{context.Request.QueryString} auth={context.Request.Headers.Authorization}");
                Bodies.Enqueue((key, context.Request.ContentType ?? "", body));
                await next(context);
            });

            // --- Asana ---
            var asana = app.MapGroup("/api/1.0").AddEndpointFilter(async (context, next) =>
                context.HttpContext.Request.Headers.Authorization == "Bearer " + AsanaToken ? await next(context) : Results.StatusCode(401));
            // The form's request: POST, the documented default method of form items.
            asana.MapMethods("/organizations/{org}/teams", ["GET", "POST"], (string org) => Results.Json(new JsonObject
            {
                ["data"] = new JsonArray(new JsonObject { ["gid"] = "team-eng", ["name"] = "Engineering" }, new JsonObject { ["gid"] = "team-ops", ["name"] = "Operations" }),
            }));
            asana.MapPost("/workspaces/{org}/addUser", async (HttpRequest request) =>
            {
                var body = JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync())!;
                var email = body["data"]!["user"]!.GetValue<string>();
                AsanaUsers[email] = true;
                return Results.Json(AsanaAddUserAnswersWithoutGid
                    ? new JsonObject { ["data"] = new JsonObject { ["email"] = email } }
                    : new JsonObject { ["data"] = new JsonObject { ["gid"] = "user-1207", ["email"] = email } });
            });
            asana.MapPost("/teams/{team}/addUser", async (HttpRequest request) =>
            {
                var body = JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync())!;
                return Results.Json(new JsonObject { ["data"] = new JsonObject { ["gid"] = AsanaTeamAnswerGid ?? body["data"]!["user"]!.GetValue<string>() } });
            });
            asana.MapGet("/users/{gid}/status", () =>
            {
                var calls = Interlocked.Increment(ref AsanaStatusCalls);
                return Results.Json(new JsonObject { ["data"] = new JsonObject { ["status"] = calls >= AsanaActiveAfter ? "active" : "pending" } });
            });
            asana.MapGet("/users/{email}", (string email) => AsanaUsers.ContainsKey(email)
                ? Results.Json(new JsonObject { ["data"] = new JsonObject { ["gid"] = "user-1207", ["email"] = email } })
                : Results.Json(new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["message"] = "Not found" }) }, statusCode: 404));
            asana.MapPost("/workspaces/{org}/removeUser", async (HttpRequest request) =>
            {
                var body = JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync())!;
                AsanaUsers.TryRemove(body["data"]!["user"]!.GetValue<string>(), out _);
                return Results.Json(new JsonObject { ["data"] = new JsonObject() });
            });

            // --- BambooHR: Basic base64("<key>:x"), pages linked by links.next ---
            app.MapGet("/api/gateway.php/{company}/v1/reports/{report}", (HttpRequest request, string company, string report) =>
            {
                if (request.Headers.Authorization != "Basic " + Convert.ToBase64String(Encoding.ASCII.GetBytes(BambooKey + ":x")))
                {
                    return Results.StatusCode(401);
                }
                var page = int.TryParse(request.Query["page"], out var p) ? p : 1;
                var answer = new JsonObject { ["employees"] = page <= BambooPages.Count ? BambooPages[page - 1].DeepClone() : new JsonArray() };
                if (page < BambooPages.Count)
                {
                    answer["links"] = new JsonObject { ["next"] = $"https://api.bamboohr.com/api/gateway.php/{company}/v1/reports/{report}?page={page + 1}" };
                }
                return Results.Json(answer);
            });

            // --- Google: token exchange and refresh, directory pages by pageToken ---
            app.MapPost("/token", (HttpRequest request) =>
            {
                if (request.Query["client_secret"] != GoogleClientSecret)
                {
                    return Results.Json(new JsonObject { ["error"] = "invalid_client" }, statusCode: 401);
                }
                if (request.Query["grant_type"] == "authorization_code")
                {
                    return request.Query["code"] == "google-code"
                        ? Results.Json(new JsonObject { ["access_token"] = GoogleAccessToken, ["refresh_token"] = GoogleRefreshToken, ["expires_in"] = 3600, ["token_type"] = "Bearer" })
                        : Results.Json(new JsonObject { ["error"] = "invalid_grant" }, statusCode: 400);
                }
                if (request.Query["grant_type"] == "refresh_token" && request.Query["refresh_token"] == GoogleRefreshToken)
                {
                    Interlocked.Increment(ref GoogleRefreshes);
                    return Results.Json(new JsonObject { ["access_token"] = GoogleRefreshedToken, ["expires_in"] = 3600, ["token_type"] = "Bearer" });
                }
                return Results.Json(new JsonObject { ["error"] = "invalid_grant" }, statusCode: 400);
            });
            app.MapGet("/admin/directory/v1/users", (HttpRequest request) =>
            {
                var auth = request.Headers.Authorization.ToString();
                if (auth != "Bearer " + GoogleAccessToken && auth != "Bearer " + GoogleRefreshedToken)
                {
                    return Results.StatusCode(401);
                }
                var token = request.Query["pageToken"].ToString();
                var page = token.Length == 0 ? 0 : int.Parse(token.Replace("tok-", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
                var answer = new JsonObject { ["users"] = page < GooglePages.Count ? GooglePages[page].DeepClone() : new JsonArray() };
                if (page + 1 < GooglePages.Count)
                {
                    answer["nextPageToken"] = $"tok-{page + 1}";
                }
                return Results.Json(answer);
            });

            // --- PandaDoc and the HR document store ---
            app.MapPost("/public/v1/documents", (HttpRequest request) => request.Headers.Authorization == "API-Key " + PandaDocKey
                ? Results.Json(new JsonObject { ["id"] = "doc-88", ["status"] = "document.uploaded" }, statusCode: 201)
                : Results.StatusCode(401));
            app.MapGet("/public/v1/documents/{id}", (string id) => Results.Json(new JsonObject { ["id"] = id, ["status"] = "document.draft" }));
            app.MapGet("/public/v1/documents/{id}/download", () => Results.Bytes(ContractPdf, "application/pdf"));
            app.MapPost("/api/employees/{email}/documents", async (HttpRequest request) =>
            {
                if (request.Headers.Authorization != "Bearer " + HrToken || !request.HasFormContentType)
                {
                    return Results.StatusCode(400);
                }
                var form = await request.ReadFormAsync();
                if (form.Files["document"] is not { } file)
                {
                    return Results.StatusCode(422);
                }
                using var buffer = new MemoryStream();
                await file.CopyToAsync(buffer);
                UploadedDocument = buffer.ToArray();
                return Results.Json(new JsonObject { ["stored"] = file.FileName });
            });


        });
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Routes for every host the ChiefOnboarding samples call.</summary>
    public OutboundRoutes Routes()
    {
        var routes = new OutboundRoutes();
        foreach (var host in new[] { "app.asana.com", "api.bamboohr.com", "admin.googleapis.com", "oauth2.googleapis.com", "api.pandadoc.com", "upload.example-hr.com" })
        {
            Assert.Null(OutboundRoutes.TryAdd(routes, host + "=" + BaseUrl));
        }
        return routes;
    }
}
