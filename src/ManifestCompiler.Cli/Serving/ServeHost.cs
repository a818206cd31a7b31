using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ManifestCompiler.Cli.Running;
using ManifestCompiler.Runtime;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Workspace;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ManifestCompiler.Cli.Serving;

/// <summary>What <c>mfc serve</c> was asked for.</summary>
internal sealed record ServeOptions(
    IReadOnlyList<string> Paths,
    string Database,
    string? TokenKey,
    int Port,
    string Branch,
    IReadOnlyList<string> Routes,
    FileInfo? StandIn);

/// <summary>
/// <c>mfc serve</c>: the runtime as a web host on 127.0.0.1 with the SQLite store. Endpoints:
/// <list type="bullet">
/// <item><c>POST /instances</c> <c>{"integration", "company", "tokens"}</c> connects a BOSSi integration with API keys;
/// <c>POST /chiefonboarding/instances</c> <c>{"manifest", "initial_data"}</c> adds a ChiefOnboarding manifest;
/// <c>GET /instances</c> lists them (no tokens).</item>
/// <item><c>GET /oauth/{integration}/start?company=…</c> redirects to the provider; <c>GET /oauth/callback</c> completes
/// the connect (the company comes back as <c>state</c>); <c>GET /oauth/callback/{instance}</c> is a ChiefOnboarding
/// instance's own <c>redirect_url</c>, and <c>GET /chiefonboarding/{instance}/oauth</c> starts it.</item>
/// <item><c>POST /webhooks/{instance}</c> routes a webhook (400 with the missing names, 404, or 202 with the runs).</item>
/// <item><c>POST /instances/{instance}/runs</c> <c>{"action", "payload"}</c> queues a run (202); with <c>?wait=true</c> it
/// answers the run's outcome and result (200, or 502 when the run failed).</item>
/// <item><c>GET /events</c> streams the debug events (server-sent events, one JSON object each, secrets masked).</item>
/// <item><c>POST /branches/{branch}/deploy</c> (a plan assembly as the body) and <c>POST /branches/{from}/merge/{to}</c>.</item>
/// </list>
/// </summary>
internal sealed class ServeHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly StandInApi? _standIn;

    private ServeHost(WebApplication app, string baseUrl, StandInApi? standIn)
    {
        _app = app;
        BaseUrl = baseUrl;
        _standIn = standIn;
    }

    public string BaseUrl { get; }

    /// <summary>The host, started; or null with the reason (printed diagnostics go to <paramref name="error"/>).</summary>
    public static async Task<(ServeHost? Host, string? Problem)> StartAsync(ServeOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var images = new List<byte[]>();
        foreach (var path in options.Paths.Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)))
        {
            if (!File.Exists(path))
            {
                return (null, $"{path} does not exist");
            }
            images.Add(await File.ReadAllBytesAsync(path, cancellationToken));
        }
        var folders = options.Paths.Where(p => !p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).ToList();
        if (folders.Count > 0)
        {
            var workspace = ManifestWorkspace.Load(folders);
            if (workspace.Problems.Length > 0)
            {
                return (null, string.Join("\n", workspace.Problems));
            }
            if (RunnablePlans.Compile(workspace, "ServedPlans", "mfc serve", error) is not { } image)
            {
                return (null, "the plans do not compile; nothing is served");
            }
            images.Add(image);
        }

        var tokenKey = options.TokenKey ?? Environment.GetEnvironmentVariable("MC_TOKEN_KEY");
        if (tokenKey is null)
        {
            // A key beside the database, readable by this user only: tokens are never stored in the clear.
            var keyFile = options.Database + ".key";
            if (!File.Exists(keyFile))
            {
                await File.WriteAllTextAsync(keyFile, TokenProtector.NewKey(), cancellationToken);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
                output.WriteLine($"mfc serve: a new token key was written to {keyFile}");
            }
            tokenKey = (await File.ReadAllTextAsync(keyFile, cancellationToken)).Trim();
        }

        StandInApi? standIn = null;
        var routes = new List<string>(options.Routes);
        if (options.StandIn is { } standInFile)
        {
            using var definition = JsonDocument.Parse(await File.ReadAllTextAsync(standInFile.FullName, cancellationToken));
            (standIn, var problem) = await StandInApi.StartAsync(definition.RootElement);
            if (standIn is null)
            {
                return (null, $"{standInFile.FullName}: {problem}");
            }
            routes.AddRange(standIn.Hosts.Select(host => host + "=" + standIn.BaseUrl));
        }

        var port = options.Port == 0 ? FreePort() : options.Port;
        var baseUrl = $"http://127.0.0.1:{port}";
        var events = new EventBroadcaster();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Services.AddManifestRuntime(o =>
        {
            o.DatabasePath = options.Database;
            o.TokenKey = tokenKey;
            o.Branch = options.Branch;
            o.Routes.AddRange(routes);
            o.WebhookBaseUrl = baseUrl + "/webhooks";
            o.GenericCallbackUrl = baseUrl + "/oauth/callback";
            o.IdlePoll = TimeSpan.FromMilliseconds(100);
            o.Pool.MaxWorkers = 2;
            o.Pool.SpareWorkers = 0;
            o.EventListeners.Add(events.Publish);
            if (routes.Count > 0)
            {
                // Routed targets on this machine (a stand-in) are reachable; everything else keeps the default policy.
                o.Egress = EgressPolicy.AllowingLoopback;
            }
        });
        builder.Services.AddSingleton(events);
        var app = builder.Build();
        var branches = app.Services.GetRequiredService<PlanBranches>();
        try
        {
            foreach (var image in images)
            {
                branches.Deploy(options.Branch, image);
            }
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or FileLoadException)
        {
            await app.DisposeAsync();
            return (null, "cannot load the plans: " + e.Message);
        }
        MapEndpoints(app, options.Branch);
        await app.StartAsync(cancellationToken);
        return (new ServeHost(app, baseUrl, standIn), null);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task WaitForShutdownAsync(CancellationToken cancellationToken) => await _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_standIn is not null)
        {
            await _standIn.DisposeAsync();
        }
    }

    private static void MapEndpoints(WebApplication app, string branch)
    {
        var pendingOAuth = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.Ordinal);

        app.MapGet("/instances", async (ManifestRuntimeAccessor accessor, IInstanceStore store, CancellationToken ct) =>
        {
            await accessor.GetAsync(ct);
            var instances = await store.ListAsync(ct);
            return Results.Json(new JsonArray([.. instances.Select(i => (JsonNode)new JsonObject { ["id"] = i.Id, ["integration"] = i.Integration, ["company"] = i.CompanyId, ["dialect"] = i.Dialect.ToString() })]));
        });

        app.MapPost("/instances", async (HttpRequest request, ManifestRuntimeAccessor accessor, CancellationToken ct) =>
        {
            var runtime = await accessor.GetAsync(ct);
            if (await ReadObjectAsync(request, ct) is not { } body || JsonText(body["integration"]) is not { } integration)
            {
                return Problem(400, "expected {\"integration\": name, \"company\": id, \"tokens\": {...}}");
            }
            return await Refusable(async () =>
            {
                var instance = await runtime.ConnectAsync(integration, JsonText(body["company"]) ?? "default", body["tokens"] as JsonObject ?? [], cancellationToken: ct);
                return Results.Json(new JsonObject { ["id"] = instance.Id }, statusCode: 201);
            });
        });

        app.MapPost("/chiefonboarding/instances", async (HttpRequest request, ManifestRuntimeAccessor accessor, CancellationToken ct) =>
        {
            var runtime = await accessor.GetAsync(ct);
            if (await ReadObjectAsync(request, ct) is not { } body || JsonText(body["manifest"]) is not { } manifest)
            {
                return Problem(400, "expected {\"manifest\": name, \"initial_data\": {...}}");
            }
            return await Refusable(async () =>
            {
                var instance = await runtime.ChiefOnboarding.AddAsync(manifest, body["initial_data"] as JsonObject ?? [], JsonText(body["company"]) ?? "default", ct);
                return Results.Json(new JsonObject { ["id"] = instance.Id }, statusCode: 201);
            });
        });

        app.MapPost("/instances/{instance}/runs", async (string instance, HttpRequest request, ManifestRuntimeAccessor accessor, CancellationToken ct) =>
        {
            var runtime = await accessor.GetAsync(ct);
            if (await ReadObjectAsync(request, ct) is not { } body || JsonText(body["action"]) is not { } action)
            {
                return Problem(400, "expected {\"action\": name, \"payload\": {...}}");
            }
            return await Refusable(async () =>
            {
                if (request.Query["wait"] == "true")
                {
                    // The synchronous caller of a returnsData action: the outcome, at most two minutes away.
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timeout.CancelAfter(TimeSpan.FromMinutes(2));
                    try
                    {
                        var outcome = await runtime.RunAndWaitAsync(instance, action, body["payload"]?.DeepClone(), RunCaller.System, timeout.Token);
                        return Results.Json(new JsonObject
                        {
                            ["run_id"] = outcome.Run.RunId,
                            ["status"] = outcome.Status.ToString(),
                            ["result"] = outcome.Result is null ? null : JsonNode.Parse(runtime.Redactor.Redact(outcome.Result.ToJsonString())),
                            ["error"] = outcome.Error is null ? null : runtime.Redactor.Redact(outcome.Error),
                        }, statusCode: outcome.Succeeded ? 200 : 502);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        return Problem(504, "the run did not finish within two minutes; it stays queued");
                    }
                }
                var run = await runtime.EnqueueAsync(instance, action, body["payload"]?.DeepClone(), RunCaller.System, ct);
                return Results.Json(new JsonObject { ["run_id"] = run.RunId, ["correlation_id"] = run.CorrelationId }, statusCode: 202);
            });
        });

        app.MapPost("/webhooks/{instance}", async (string instance, HttpRequest request, ManifestRuntimeAccessor accessor, CancellationToken ct) =>
        {
            var runtime = await accessor.GetAsync(ct);
            // The bytes as received: the runtime verifies the webhook signature over them before parsing.
            using var raw = new MemoryStream();
            await request.Body.CopyToAsync(raw, ct);
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
        });

        app.MapGet("/oauth/{integration}/start", async (string integration, string? company, ManifestRuntimeAccessor accessor, CancellationToken ct) =>
        {
            var runtime = await accessor.GetAsync(ct);
            company ??= "default";
            return await Refusable(() =>
            {
                if (runtime.AuthorizationUrl(integration, company) is not { } url)
                {
                    return Task.FromResult(Problem(404, $"{integration} connects with API keys, not OAuth"));
                }
                pendingOAuth[company] = integration;
                return Task.FromResult(Results.Redirect(url));
            });
        });

        app.MapGet("/oauth/callback", async (HttpRequest request, ManifestRuntimeAccessor accessor, CancellationToken ct) =>
        {
            var runtime = await accessor.GetAsync(ct);
            var query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
            var company = query.GetValueOrDefault("state") ?? "default";
            var integration = query.GetValueOrDefault("integration") ?? pendingOAuth.GetValueOrDefault(company);
            if (integration is null || query.GetValueOrDefault("code") is not { Length: > 0 } code)
            {
                return Problem(400, "the callback needs a code, and an integration started through /oauth/{integration}/start");
            }
            var parameters = query.Where(q => q.Key is not ("code" or "state" or "integration")).ToDictionary();
            return await Refusable(async () =>
            {
                var instance = await runtime.CompleteOAuthAsync(integration, company, code, parameters, ct);
                pendingOAuth.TryRemove(company, out _);
                return Results.Json(new JsonObject { ["id"] = instance.Id, ["connected"] = true });
            });
        });

        app.MapGet("/chiefonboarding/{instance}/oauth", async (string instance, ManifestRuntimeAccessor accessor, CancellationToken ct) =>
        {
            var runtime = await accessor.GetAsync(ct);
            return await Refusable(async () => Results.Redirect(await runtime.ChiefOnboarding.AuthenticateUrlAsync(instance, ct)));
        });

        app.MapGet("/oauth/callback/{instance}", async (string instance, string? code, ManifestRuntimeAccessor accessor, CancellationToken ct) =>
        {
            var runtime = await accessor.GetAsync(ct);
            return await Refusable(async () =>
            {
                await runtime.ChiefOnboarding.CompleteOAuthAsync(instance, code, ct);
                return Results.Json(new JsonObject { ["id"] = instance, ["connected"] = true });
            });
        });

        app.MapPost("/branches/{target}/deploy", async (string target, HttpRequest request, PlanBranches branches, CancellationToken ct) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, ct);
            try
            {
                var deployment = branches.Deploy(target, buffer.ToArray());
                return Results.Json(Describe(deployment));
            }
            catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or FileLoadException)
            {
                return Problem(400, "not a plan assembly: " + e.Message);
            }
        });

        app.MapPost("/branches/{source}/merge/{target}", (string source, string target, PlanBranches branches) =>
        {
            try
            {
                return Results.Json(new JsonArray([.. branches.Merge(source, target).Select(d => (JsonNode)Describe(d))]));
            }
            catch (InvalidOperationException e)
            {
                return Problem(400, e.Message);
            }
        });

        app.MapGet("/branches", (PlanBranches branches) => Results.Json(new JsonObject
        {
            ["served"] = branch,
            ["branches"] = new JsonObject(branches.Branches.Select(b => KeyValuePair.Create(b, (JsonNode?)new JsonArray([
                .. branches.Catalog(b).Integrations.Select(p => (JsonNode)p.Name), .. branches.Catalog(b).Manifests.Select(m => (JsonNode)m.Name)])))),
        }));

        app.MapGet("/events", async (HttpContext context, EventBroadcaster events, CancellationToken ct) =>
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            await context.Response.Body.FlushAsync(ct);
            var reader = events.Subscribe(ct);
            try
            {
                await foreach (var debugEvent in reader.ReadAllAsync(ct))
                {
                    await context.Response.WriteAsync("data: " + debugEvent.ToJson() + "\n\n", ct);
                    await context.Response.Body.FlushAsync(ct);
                }
            }
            catch (OperationCanceledException)
            {
                // The client went away.
            }
        });
    }

    private static JsonObject Describe(PlanDeployment deployment) => new()
    {
        ["branch"] = deployment.Branch,
        ["version"] = deployment.Version,
        ["plans"] = new JsonArray([.. deployment.Catalog.Integrations.Select(p => (JsonNode)p.Name), .. deployment.Catalog.Manifests.Select(m => (JsonNode)m.Name)]),
    };

    private static async Task<IResult> Refusable(Func<Task<IResult>> body)
    {
        try
        {
            return await body();
        }
        catch (RunRefusedException e)
        {
            return Problem(e.Message.StartsWith("no ", StringComparison.Ordinal) ? 404 : 400, e.Message);
        }
    }

    private static IResult Problem(int status, string message) => Results.Json(new JsonObject { ["error"] = message }, statusCode: status);

    private static async Task<JsonObject?> ReadObjectAsync(HttpRequest request, CancellationToken ct)
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

    /// <summary>A request field that must be a JSON string (unlike the runtime's token text, a number is refused).</summary>
    private static string? JsonText(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}

/// <summary>Debug events to every live <c>/events</c> subscriber; a slow subscriber loses its oldest events, never blocks the runtime.</summary>
internal sealed class EventBroadcaster
{
    private readonly object _gate = new();
    private readonly List<Channel<DebugEvent>> _subscribers = [];

    public void Publish(DebugEvent debugEvent)
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(debugEvent);
            }
        }
    }

    public ChannelReader<DebugEvent> Subscribe(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<DebugEvent>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }
        cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }
}
