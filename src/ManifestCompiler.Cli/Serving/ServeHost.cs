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
using Microsoft.AspNetCore.Authorization;
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
    FileInfo? StandIn,
    IReadOnlyList<string> AllowedHosts,
    long MaxDeployBytes = SourceDeployment.DefaultMaxBytes,
    LogLevel LogLevel = LogLevel.Information);

/// <summary>
/// <c>mfc serve</c>: the runtime as a web host on 127.0.0.1 with the SQLite store. Every endpoint needs
/// <c>Authorization: Bearer &lt;key&gt;</c> (<see cref="ServeApiKeyHandler"/>) except the webhook receivers and the OAuth
/// callbacks; the groups and their policies are in <see cref="MapEndpoints"/>, the key model in docs/runtime.md.
/// <list type="bullet">
/// <item><c>POST /instances</c> <c>{"integration", "company", "tokens"}</c> connects a BOSSi integration with API keys;
/// <c>POST /chiefonboarding/instances</c> <c>{"manifest", "initial_data"}</c> adds a ChiefOnboarding manifest;
/// <c>GET /instances</c> lists them (no tokens). A company key acts for its own company only.</item>
/// <item><c>POST /oauth/{integration}/start</c> answers the authorization URL (its <c>state</c> a single-use nonce);
/// <c>GET /oauth/callback</c> completes the connect the nonce names; <c>POST /chiefonboarding/{instance}/oauth</c> and
/// <c>GET /oauth/callback/{instance}</c> do the same for a ChiefOnboarding instance's own <c>redirect_url</c>.</item>
/// <item><c>POST /webhooks/{instance}</c> routes a webhook (400 with the missing names, 404, or 202 with the runs).</item>
/// <item><c>POST /instances/{instance}/runs</c> <c>{"action", "payload"}</c> queues a run as the key's user and role (202);
/// with <c>?wait=true</c> it answers the run's outcome and result (200, or 502 when the run failed).</item>
/// <item><c>GET /events</c> streams the debug events the key may see (server-sent events, secrets masked).</item>
/// <item>Admin keys only: <c>POST /branches/{branch}/deploy</c> (a zip of sources, compiled here),
/// <c>POST /branches/{from}/merge/{to}</c>, <c>GET /branches</c>, <c>GET /keys</c>, <c>POST /keys</c>,
/// <c>POST /keys/{id}/revoke</c>, <c>GET /runs/dead</c>.</item>
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

    /// <summary>Every endpoint mapped, with its HTTP methods and whether it is public (tests probe each one).</summary>
    internal IReadOnlyList<(string Method, string Pattern, bool IsPublic)> Endpoints =>
    [
        .. ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)_app).DataSources.SelectMany(d => d.Endpoints)
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (m, "/" + e.RoutePattern.RawText!.TrimStart('/'), e.Metadata.GetMetadata<IAllowAnonymous>() is not null))),
    ];

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
                PrivateFiles.WriteNew(keyFile, TokenProtector.NewKey());
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

        var parsedRoutes = new OutboundRoutes();
        foreach (var route in routes)
        {
            if (OutboundRoutes.TryAdd(parsedRoutes, route) is { } routeProblem)
            {
                if (standIn is not null)
                {
                    await standIn.DisposeAsync();
                }
                return (null, "--route " + routeProblem);
            }
        }
        var localTargets = parsedRoutes.LocalTargets().ToList();

        var port = options.Port == 0 ? FreePort() : options.Port;
        var baseUrl = $"http://127.0.0.1:{port}";
        var events = new EventBroadcaster();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(options.LogLevel);
        // Request logs carry query strings, and an OAuth callback's query carries its code: never logged.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        ServeCaller.AddServices(builder.Services);
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
            // Routed targets on this machine (a stand-in) are reachable at their exact endpoints; this host's own
            // listening endpoint never is, whatever the routes say; everything else keeps the default policy.
            o.Egress = EgressPolicy.AllowingEndpoints(localTargets, [new IPEndPoint(IPAddress.Loopback, port)]);
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
        await EnsureAdminKeyAsync(app.Services.GetRequiredService<IApiKeyStore>(), options.Database, output, cancellationToken);
        app.UseHostCheck(RequestHygiene.AllowedHosts(options.AllowedHosts, port));
        app.UseAuthentication();
        app.UseAuthorization();
        MapEndpoints(app, options);
        await app.StartAsync(cancellationToken);
        return (new ServeHost(app, baseUrl, standIn), null);
    }

    /// <summary>
    /// A store without any key gets an admin key, written to <c>&lt;db&gt;.admin-key</c> with mode 0600 beside the
    /// database (as the token key); only the file's path is printed, never the key.
    /// </summary>
    private static async Task EnsureAdminKeyAsync(IApiKeyStore keys, string database, TextWriter output, CancellationToken cancellationToken)
    {
        if ((await keys.ListAsync(cancellationToken)).Count > 0)
        {
            return;
        }
        var file = database + ".admin-key";
        File.Delete(file); // a file left from an earlier database names a key this store does not have
        var issued = await ApiKeys.IssueAsync(keys, ApiKeyScope.Admin, null, null, null, DateTimeOffset.UtcNow, cancellationToken);
        PrivateFiles.WriteNew(file, issued.BearerText + "\n");
        output.WriteLine($"mfc serve: the store had no API key; an admin key was written to {file}");
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

    private static void MapEndpoints(WebApplication app, ServeOptions options)
    {
        // Public by design: vendors call webhooks, providers redirect users to the OAuth callbacks (the state nonce
        // authenticates those). Webhook bodies are whatever the vendor sends, so no JSON rule either.
        var open = app.MapGroup("").AllowAnonymous();
        open.MapPost("/webhooks/{instance}", ReceiveWebhookAsync);
        open.MapGet("/oauth/callback", CompleteOAuthAsync);
        open.MapGet("/oauth/callback/{instance}", CompleteChiefOnboardingOAuthAsync);

        // Any key; a company key sees and acts for its own company only.
        var tenant = app.MapGroup("").RequireAuthorization(ServePolicies.AnyKey).AddEndpointFilter(RequestHygiene.RequireJsonBody);
        tenant.MapGet("/instances", ListInstancesAsync);
        tenant.MapPost("/instances", ConnectAsync);
        tenant.MapPost("/chiefonboarding/instances", AddChiefOnboardingAsync);
        tenant.MapPost("/oauth/{integration}/start", StartOAuthAsync);
        tenant.MapGet("/events", StreamEventsAsync);

        // One instance: an admin key, or a key of the company that owns it.
        var instance = app.MapGroup("/instances/{instance}").RequireAuthorization(ServePolicies.InstanceOwner).AddEndpointFilter(RequestHygiene.RequireJsonBody);
        instance.MapPost("/runs", RunAsync);
        var chiefOnboardingInstance = app.MapGroup("/chiefonboarding/{instance}").RequireAuthorization(ServePolicies.InstanceOwner).AddEndpointFilter(RequestHygiene.RequireJsonBody);
        chiefOnboardingInstance.MapPost("/oauth", StartChiefOnboardingOAuthAsync);

        // The operator: plans and keys.
        var admin = app.MapGroup("").RequireAuthorization(ServePolicies.Admin);
        admin.MapPost("/branches/{target}/deploy", (string target, HttpContext context, PlanBranches branches, CancellationToken ct) => DeployAsync(target, context, branches, options.MaxDeployBytes, ct));
        var adminJson = admin.MapGroup("").AddEndpointFilter(RequestHygiene.RequireJsonBody);
        adminJson.MapPost("/branches/{source}/merge/{target}", Merge);
        adminJson.MapGet("/branches", (PlanBranches branches) => ListBranches(branches, options.Branch));
        adminJson.MapGet("/keys", ListKeysAsync);
        adminJson.MapPost("/keys", CreateKeyAsync);
        adminJson.MapPost("/keys/{id}/revoke", RevokeKeyAsync);
        adminJson.MapGet("/runs/dead", ListDeadRunsAsync);
    }

    /// <summary>The dead letters: runs whose host died while running them <see cref="SqliteRuntimeStore.MaxCrashes"/> times.</summary>
    private static async Task<IResult> ListDeadRunsAsync(SqliteRuntimeStore store, CancellationToken ct) =>
        Results.Json(new JsonArray([.. (await store.ListDeadRunsAsync(ct)).Select(d => (JsonNode)new JsonObject
        {
            ["run_id"] = d.Run.RunId,
            ["instance"] = d.Run.InstanceId,
            ["action"] = d.Run.Action,
            ["crashes"] = d.Crashes,
            ["last_error"] = d.LastError,
        })]));

    // --- instances and runs ------------------------------------------------------------------------

    private static async Task<IResult> ListInstancesAsync(HttpContext context, ManifestRuntimeAccessor accessor, IInstanceStore store, CancellationToken ct)
    {
        await accessor.GetAsync(ct);
        var caller = ServeCaller.Of(context);
        var instances = (await store.ListAsync(ct)).Where(i => caller.Sees(i.CompanyId));
        return Results.Json(new JsonArray([.. instances.Select(i => (JsonNode)new JsonObject { ["id"] = i.Id, ["integration"] = i.Integration, ["company"] = i.CompanyId, ["dialect"] = i.Dialect.ToString() })]));
    }

    /// <summary>The company a request acts for: a company key's own (another named in the body is refused), or the one an admin names.</summary>
    private static (string? Company, IResult? Refusal) CompanyOf(ServeCaller caller, JsonObject? body)
    {
        var named = JsonText(body?["company"]);
        if (caller.IsAdmin)
        {
            return (named ?? "default", null);
        }
        return named is null || named == caller.CompanyId ? (caller.CompanyId, null) : (null, Problem(403, "a company key acts for its own company only"));
    }

    private static async Task<IResult> ConnectAsync(HttpContext context, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        if (await ReadObjectAsync(context.Request, ct) is not { } body || JsonText(body["integration"]) is not { } integration)
        {
            return Problem(400, "expected {\"integration\": name, \"company\": id, \"tokens\": {...}}");
        }
        var (company, refusal) = CompanyOf(ServeCaller.Of(context), body);
        if (company is null)
        {
            return refusal!;
        }
        return await Refusable(async () =>
        {
            var instance = await runtime.ConnectAsync(integration, company, body["tokens"] as JsonObject ?? [], cancellationToken: ct);
            return Results.Json(new JsonObject { ["id"] = instance.Id }, statusCode: 201);
        });
    }

    private static async Task<IResult> AddChiefOnboardingAsync(HttpContext context, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        if (await ReadObjectAsync(context.Request, ct) is not { } body || JsonText(body["manifest"]) is not { } manifest)
        {
            return Problem(400, "expected {\"manifest\": name, \"initial_data\": {...}}");
        }
        var (company, refusal) = CompanyOf(ServeCaller.Of(context), body);
        if (company is null)
        {
            return refusal!;
        }
        return await Refusable(async () =>
        {
            var instance = await runtime.ChiefOnboarding.AddAsync(manifest, body["initial_data"] as JsonObject ?? [], company, ct);
            return Results.Json(new JsonObject { ["id"] = instance.Id }, statusCode: 201);
        });
    }

    private static async Task<IResult> RunAsync(string instance, HttpContext context, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        var request = context.Request;
        if (await ReadObjectAsync(request, ct) is not { } body || JsonText(body["action"]) is not { } action)
        {
            return Problem(400, "expected {\"action\": name, \"payload\": {...}}");
        }
        var caller = ServeCaller.Of(context).RunCaller;
        return await Refusable(async () =>
        {
            if (request.Query["wait"] == "true")
            {
                // The synchronous caller of a returnsData action: the outcome, at most two minutes away.
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromMinutes(2));
                try
                {
                    var outcome = await runtime.RunAndWaitAsync(instance, action, body["payload"]?.DeepClone(), caller, timeout.Token);
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
            var run = await runtime.EnqueueAsync(instance, action, body["payload"]?.DeepClone(), caller, ct);
            return Results.Json(new JsonObject { ["run_id"] = run.RunId, ["correlation_id"] = run.CorrelationId }, statusCode: 202);
        });
    }

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

    // --- OAuth ---------------------------------------------------------------------------------------

    /// <summary>Starts a connect: the authorization URL to send the company's user to, its <c>state</c> a single-use nonce.</summary>
    private static async Task<IResult> StartOAuthAsync(string integration, HttpContext context, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        var body = RequestHygiene.HasBody(context) ? await ReadObjectAsync(context.Request, ct) : null;
        var (company, refusal) = CompanyOf(ServeCaller.Of(context), body);
        if (company is null)
        {
            return refusal!;
        }
        return await Refusable(async () => await runtime.StartOAuthAsync(integration, company, ct) is { } url
            ? Results.Json(new JsonObject { ["authorization_url"] = url })
            : Problem(404, $"{integration} connects with API keys, not OAuth"));
    }

    /// <summary>The generic callback: company and integration come from the state nonce only; anything but a live nonce is 400 and connects nothing.</summary>
    private static async Task<IResult> CompleteOAuthAsync(HttpRequest request, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        var query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        if (query.GetValueOrDefault("code") is not { Length: > 0 } code)
        {
            return Problem(400, "the callback needs a code and the state of a connect started with POST /oauth/{integration}/start");
        }
        var parameters = query.Where(q => q.Key is not ("code" or "state" or "integration" or "company")).ToDictionary();
        return await Refusable(async () =>
        {
            var instance = await runtime.CompleteOAuthCallbackAsync(query.GetValueOrDefault("state"), code, parameters, ct);
            return Results.Json(new JsonObject { ["id"] = instance.Id, ["connected"] = true });
        });
    }

    private static async Task<IResult> StartChiefOnboardingOAuthAsync(string instance, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        return await Refusable(async () => Results.Json(new JsonObject { ["authorization_url"] = await runtime.ChiefOnboarding.StartOAuthAsync(instance, ct) }));
    }

    private static async Task<IResult> CompleteChiefOnboardingOAuthAsync(string instance, string? code, string? state, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        return await Refusable(async () =>
        {
            await runtime.ChiefOnboarding.CompleteOAuthCallbackAsync(instance, state, code, ct);
            return Results.Json(new JsonObject { ["id"] = instance, ["connected"] = true });
        });
    }

    // --- events --------------------------------------------------------------------------------------

    /// <summary>The live debug events a caller may see: an admin all of them, a company key those of its company's instances.</summary>
    private static async Task StreamEventsAsync(HttpContext context, EventBroadcaster events, IInstanceStore store, CancellationToken ct)
    {
        var caller = ServeCaller.Of(context);
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.Body.FlushAsync(ct);
        var reader = events.Subscribe(ct);
        // Instances never change company, so what an id resolved to once holds (an event of an instance not yet
        // stored, such as a failed connect, is not shown to a company key).
        var companies = new Dictionary<string, string?>(StringComparer.Ordinal);
        try
        {
            await foreach (var debugEvent in reader.ReadAllAsync(ct))
            {
                if (!caller.IsAdmin)
                {
                    if (!companies.TryGetValue(debugEvent.IntegrationId, out var company))
                    {
                        company = (await store.GetAsync(debugEvent.IntegrationId, ct))?.CompanyId;
                        if (company is not null)
                        {
                            companies[debugEvent.IntegrationId] = company;
                        }
                    }
                    if (!caller.Sees(company))
                    {
                        continue;
                    }
                }
                await context.Response.WriteAsync("data: " + debugEvent.ToJson() + "\n\n", ct);
                await context.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }

    // --- plans ---------------------------------------------------------------------------------------

    private static async Task<IResult> DeployAsync(string target, HttpContext context, PlanBranches branches, long maxBytes, CancellationToken ct)
    {
        var (image, refusal) = await SourceDeployment.CompileAsync(context, maxBytes, ct);
        if (image is null)
        {
            return refusal!;
        }
        try
        {
            return Results.Json(Describe(branches.Deploy(target, image)));
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or FileLoadException)
        {
            return Problem(500, "the compiled plans did not load: " + e.Message);
        }
    }

    private static IResult Merge(string source, string target, PlanBranches branches)
    {
        try
        {
            return Results.Json(new JsonArray([.. branches.Merge(source, target).Select(d => (JsonNode)Describe(d))]));
        }
        catch (InvalidOperationException e)
        {
            return Problem(400, e.Message);
        }
    }

    private static IResult ListBranches(PlanBranches branches, string served) => Results.Json(new JsonObject
    {
        ["served"] = served,
        ["branches"] = new JsonObject(branches.Branches.Select(b => KeyValuePair.Create(b, (JsonNode?)new JsonArray([
            .. branches.Catalog(b).Integrations.Select(p => (JsonNode)p.Name), .. branches.Catalog(b).Manifests.Select(m => (JsonNode)m.Name)])))),
    });

    // --- keys ----------------------------------------------------------------------------------------

    private static async Task<IResult> ListKeysAsync(IApiKeyStore keys, CancellationToken ct) =>
        Results.Json(new JsonArray([.. (await keys.ListAsync(ct)).Select(k => (JsonNode)DescribeKey(k))]));

    /// <summary>Issues a key (<c>{"admin": true}</c> or <c>{"company", "user", "role"}</c>); the answer is the only time the key is shown.</summary>
    private static async Task<IResult> CreateKeyAsync(HttpRequest request, IApiKeyStore keys, CancellationToken ct)
    {
        var body = await ReadObjectAsync(request, ct) ?? [];
        var admin = body["admin"] is JsonValue flag && flag.TryGetValue<bool>(out var isAdmin) && isAdmin;
        var (company, user, role) = (JsonText(body["company"]), JsonText(body["user"]), JsonText(body["role"]));
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

    internal static JsonObject DescribeKey(ApiKey key) => new()
    {
        ["id"] = key.Id,
        ["scope"] = key.Scope.ToString().ToLowerInvariant(),
        ["company"] = key.CompanyId,
        ["user"] = key.UserId,
        ["role"] = key.Role,
        ["created"] = key.CreatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["revoked"] = key.RevokedAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    };

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
            return Problem(e.Reason switch
            {
                RefusalReason.NotFound => 404,
                RefusalReason.Forbidden => 403,
                RefusalReason.Conflict => 409,
                _ => 400,
            }, e.Message);
        }
        catch (OAuthStateRefusedException e)
        {
            return Problem(400, e.Message);
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
