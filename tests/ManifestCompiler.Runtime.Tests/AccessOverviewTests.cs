using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.ChiefOnboarding;
using ManifestCompiler.Runtime.Hosting;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Workspace;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>
/// ChiefOnboarding's <c>access_overview</c> (issue 18, item 6): <c>exists</c> on every integration of the new hire's
/// company, against a Kestrel stand-in of three vendors (one knows the user, one does not, one is down).
/// </summary>
public sealed class AccessOverviewTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-access-overview-").FullName;
    private readonly InMemoryInstanceStore _instances = new();
    private readonly DebugEventLog _events = new();
    private readonly InMemoryUserDirectory _users = new();
    private readonly ConcurrentQueue<(string Request, string Token, string Body)> _requests = new();
    private WebApplication? _standIn;
    private ManifestRuntime _runtime = null!;

    private ChiefOnboardingEngine Engine => _runtime.ChiefOnboarding;

    /// <summary>A manifest whose <c>exists</c> asks <paramref name="host"/> for the new hire's email.</summary>
    private static JsonObject Vendor(string host) => new()
    {
        ["exists"] = new JsonObject { ["url"] = $"https://{host}/users/{{{{email}}}}", ["method"] = "GET", ["expected"] = "{{email}}" },
        ["execute"] = new JsonArray(new JsonObject { ["url"] = $"https://{host}/users", ["method"] = "POST", ["data"] = new JsonObject { ["email"] = "{{ email }}" } }),
        ["headers"] = new JsonObject { ["Authorization"] = "Bearer {{TOKEN}}", ["Content-Type"] = "application/json" },
        ["initial_data_form"] = new JsonArray(new JsonObject { ["id"] = "TOKEN", ["name"] = "Token" }),
    };

    public async Task InitializeAsync()
    {
        var manifests = Path.Combine(_directory, "manifests");
        Directory.CreateDirectory(manifests);
        File.WriteAllText(Path.Combine(manifests, "crm.json"), Vendor("crm.example").ToJsonString());
        File.WriteAllText(Path.Combine(manifests, "wiki.json"), Vendor("wiki.example").ToJsonString());
        // Any HTTP status completes a request unless status_code lists the allowed ones: chat's 503 is then a
        // failed request, which the reference engine reports as "unknown" (it "couldn't reach the service").
        var chat = Vendor("chat.example");
        chat["exists"]!["status_code"] = new JsonArray("200");
        File.WriteAllText(Path.Combine(manifests, "chat.json"), chat.ToJsonString());
        // A welcome note that tells the manager what the new hire can reach; it has no exists of its own.
        File.WriteAllText(Path.Combine(manifests, "welcome-note.json"), new JsonObject
        {
            ["execute"] = new JsonArray(new JsonObject
            {
                ["url"] = "https://notes.example/notes", ["method"] = "POST",
                ["data"] = new JsonObject { ["to"] = "{{ manager_email }}", ["text"] = "{{ first_name }} can reach: {{ access_overview }}" },
            }),
            ["headers"] = new JsonObject { ["Authorization"] = "Bearer {{TOKEN}}", ["Content-Type"] = "application/json" },
            ["initial_data_form"] = new JsonArray(new JsonObject { ["id"] = "TOKEN", ["name"] = "Token" }),
        }.ToJsonString());
        // An exists that names access_overview itself: the reference engine would recurse without end.
        var looping = Vendor("loop.example");
        looping["exists"]!["url"] = "https://loop.example/users/{{email}}?seen={{ access_overview }}";
        File.WriteAllText(Path.Combine(manifests, "loop.json"), looping.ToJsonString());

        var workspace = ManifestWorkspace.Load([manifests]);
        var built = PlanAssemblyBuilder.Build(workspace, "AccessOverviewTestPlans");
        Assert.True(built.Succeeded, string.Join("\n", built.Diagnostics.Select(d => d.ToString()).Concat(built.CompilerErrors)));
        Assert.DoesNotContain(built.Diagnostics, d => d.ToString().Contains("access_overview", StringComparison.Ordinal));

        string baseUrl;
        (_standIn, baseUrl) = await LoopbackServer.StartAsync(app =>
        {
            app.Use(async (context, next) =>
            {
                var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
                _requests.Enqueue(($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}", context.Request.Headers.Authorization.ToString(), body));
                await next(context);
            });
            // crm knows ada; wiki answers but does not; chat is down.
            app.MapGet("/users/{email}", (HttpContext context, string email) => context.Request.Headers.Authorization.ToString().Contains("crm", StringComparison.Ordinal)
                ? Results.Json(new JsonObject { ["users"] = new JsonArray(email) })
                : context.Request.Headers.Authorization.ToString().Contains("chat", StringComparison.Ordinal)
                    ? Results.StatusCode(503)
                    : Results.Json(new JsonObject { ["users"] = new JsonArray() }));
            app.MapPost("/notes", () => Results.Json(new JsonObject { ["ok"] = true }));
        });

        var routes = new OutboundRoutes();
        foreach (var host in new[] { "crm.example", "wiki.example", "chat.example", "notes.example", "loop.example" })
        {
            Assert.Null(OutboundRoutes.TryAdd(routes, host + "=" + baseUrl));
        }
        _runtime = new ManifestRuntime(null!, _instances, new InMemoryRunQueue(), new InMemoryRecordSink(), _events, new RuntimeOptions
        {
            Routes = routes,
            HttpClient = new EgressPolicy { AllowedNetworks = [System.Net.IPNetwork.Parse("127.0.0.1/32")] }.CreateHttpClient(),
            Users = _users,
        });
        _runtime.AddPlans(PlanCatalog.Load(Assembly.Load(built.Image!)));
        _users.Add(new NewHire("ada", "ada@example.com", "Ada", "Lovelace", "Engineer", null, ManagerEmail: "grace@example.com"));
    }

    public async Task DisposeAsync()
    {
        if (_standIn is not null)
        {
            await _standIn.StopAsync();
            await _standIn.DisposeAsync();
        }
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Access_overview_calls_exists_on_every_integration_of_the_company_and_renders_what_each_answered()
    {
        await Engine.AddAsync("crm", new JsonObject { ["TOKEN"] = "crm-c1" }, "c1");
        await Engine.AddAsync("wiki", new JsonObject { ["TOKEN"] = "wiki-c1" }, "c1");
        await Engine.AddAsync("chat", new JsonObject { ["TOKEN"] = "chat-c1" }, "c1");
        var note = await Engine.AddAsync("welcome-note", new JsonObject { ["TOKEN"] = "notes-c1" }, "c1");
        // Another company's integration: never asked about c1's new hire.
        await Engine.AddAsync("crm", new JsonObject { ["TOKEN"] = "crm-c2" }, "c2");

        var result = await Engine.ExecuteAsync(note.Id, "ada");

        Assert.True(result.Succeeded, result.Error);
        var sent = Assert.Single(_requests, r => r.Request == "POST /notes");
        Assert.Equal("""{"to":"grace@example.com","text":"Ada can reach: chat (unknown), crm (has access), wiki (no access)"}""", sent.Body);
        // One exists per integration of c1 that has one, with that integration's own token; none with c2's.
        Assert.Equal(["Bearer chat-c1", "Bearer crm-c1", "Bearer wiki-c1"], _requests.Where(r => r.Request == "GET /users/ada@example.com").Select(r => r.Token).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(_requests, r => r.Token.Contains("c2", StringComparison.Ordinal));
        // No "not defined; rendered empty" warning any more, and the checks are events of the run that asked.
        Assert.DoesNotContain(_events.Events, e => e.Level == DebugLevel.Warning);
        var run = _events.Events.Single(e => e.Message.StartsWith("access_overview: ", StringComparison.Ordinal));
        Assert.Equal("access_overview: chat (unknown), crm (has access), wiki (no access)", run.Message);
        Assert.Equal(3, _events.Events.Count(e => e.CorrelationId == run.CorrelationId && e.Action == ChiefOnboardingEngine.ExistsAction && e.DebugType == "request"));
    }

    [Fact]
    public async Task Access_overview_is_not_worked_out_when_no_template_names_it()
    {
        var crm = await Engine.AddAsync("crm", new JsonObject { ["TOKEN"] = "crm-c1" }, "c1");
        await Engine.AddAsync("wiki", new JsonObject { ["TOKEN"] = "wiki-c1" }, "c1");

        Assert.True((await Engine.ExecuteAsync(crm.Id, "ada")).Succeeded);
        Assert.True(await Engine.UserExistsAsync(crm.Id, "ada"));

        Assert.Equal(["POST /users", "GET /users/ada@example.com"], _requests.Select(r => r.Request));
        Assert.DoesNotContain(_events.Events, e => e.Message.StartsWith("access_overview", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_exists_that_names_access_overview_gets_it_once_without_recursing_into_itself()
    {
        await Engine.AddAsync("crm", new JsonObject { ["TOKEN"] = "crm-c1" }, "c1");
        var loop = await Engine.AddAsync("loop", new JsonObject { ["TOKEN"] = "loop-c1" }, "c1");

        var found = await Engine.UserExistsAsync(loop.Id, "ada");

        Assert.False(found); // the stand-in knows ada only for crm's token
        var asked = _requests.Where(r => r.Token == "Bearer loop-c1").Select(r => r.Request).ToList();
        // The overview asked loop once (its own access_overview empty there), then loop's own exists had the overview.
        Assert.Equal(2, asked.Count);
        Assert.Equal("GET /users/ada@example.com?seen=", asked[0]);
        Assert.Equal("GET /users/ada@example.com?seen=crm%20(has%20access),%20loop%20(no%20access)", asked[1]);
        Assert.Contains(_events.Events, e => e.Level == DebugLevel.Warning && e.Message.Contains("access_overview not defined; rendered empty", StringComparison.Ordinal));
    }
}
