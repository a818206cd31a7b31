using System.Net;
using System.Text.Json;
using ManifestCompiler.Cli.Running;
using ManifestCompiler.Runtime;
using ManifestCompiler.Runtime.Hosting;
using ManifestCompiler.Runtime.Hosting.Api;
using ManifestCompiler.Runtime.Hosting.DebugPanel;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Workspace;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Hosting;
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
    LogLevel LogLevel = LogLevel.Information,
    int LeaseSeconds = 30,
    TimeProvider? Clock = null);

/// <summary>
/// <c>mfc serve</c>: the runtime as a web host on 127.0.0.1 with the SQLite or PostgreSQL store, and the runtime's authenticated API
/// (<see cref="ManifestRuntimeApi"/>). This is start-up only: the plans of the command line, the token key file, the
/// admin key file of a store without keys, the stand-in, and the deploy compiler (<see cref="WorkspacePlanCompiler"/>).
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
    internal IReadOnlyList<(string Method, string Pattern, bool IsPublic)> Endpoints => ManifestRuntimeApi.Endpoints(_app);

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
        var postgres = RuntimeDatabase.IsPostgres(options.Database);
        if (tokenKey is null && postgres)
        {
            // Every host of a shared database must hold the same key, so none is made up here.
            return (null, "a PostgreSQL database needs the token key of its hosts: give --token-key or set MC_TOKEN_KEY (the same key on every host)");
        }
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

        var port = options.Port == 0 ? LoopbackServer.FreePort() : options.Port;
        var baseUrl = $"http://127.0.0.1:{port}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(options.LogLevel);
        // Request logs carry query strings, and an OAuth callback's query carries its code: never logged.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton<IPlanSourceCompiler, WorkspacePlanCompiler>();
        // The Debug panel's anti-forgery tokens are protected with keys held in memory: its sessions are in memory
        // too, so a restart signs everyone out anyway, and no key ring is written to the user's home. (Its log
        // would warn that keys are stored unencrypted: they are stored nowhere.)
        builder.Services.AddDataProtection();
        builder.Services.Configure<KeyManagementOptions>(o => o.XmlRepository = new InMemoryKeyRepository());
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.Services.AddManifestRuntime(o =>
        {
            o.Database = options.Database;
            o.TokenKey = tokenKey;
            o.Branch = options.Branch;
            o.Routes.AddRange(routes);
            o.WebhookBaseUrl = baseUrl + "/webhooks";
            o.GenericCallbackUrl = baseUrl + "/oauth/callback";
            o.IdlePoll = TimeSpan.FromMilliseconds(100);
            o.Pool.MaxWorkers = 2;
            o.Pool.SpareWorkers = 0;
            o.AllowedHosts.AddRange(AllowedHosts(options.AllowedHosts, port));
            o.MaxDeployBytes = options.MaxDeployBytes;
            o.LeaseDuration = TimeSpan.FromSeconds(options.LeaseSeconds);
            o.TimeProvider = options.Clock ?? TimeProvider.System;
            // Routed targets on this machine (a stand-in) are reachable at their exact endpoints; this host's own
            // listening endpoint never is, whatever the routes say; everything else keeps the default policy.
            o.Egress = EgressPolicy.AllowingEndpoints(localTargets, [new IPEndPoint(IPAddress.Loopback, port)]);
        });
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
        try
        {
            await EnsureAdminKeyAsync(app.Services.GetRequiredService<IApiKeyStore>(), options.Database, output, cancellationToken);
        }
        catch (Exception e) when (e is SchemaVersionException or Npgsql.NpgsqlException or Microsoft.Data.Sqlite.SqliteException)
        {
            await app.DisposeAsync();
            return (null, $"cannot open the database {RuntimeDatabase.Describe(options.Database)}: {e.Message}");
        }
        app.MapManifestRuntimeApi();
        app.MapManifestRuntimeDebugPanel();
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
        if (RuntimeDatabase.IsPostgres(database))
        {
            // Hosts of a shared database start together and have no file beside it: the operator makes the first key.
            output.WriteLine($"mfc serve: the database {RuntimeDatabase.Describe(database)} has no API key yet: create one with mfc keys create --admin --db <connection string>");
            return;
        }
        var file = database + ".admin-key";
        File.Delete(file); // a file left from an earlier database names a key this store does not have
        var issued = await ApiKeys.IssueAsync(keys, ApiKeyScope.Admin, null, null, null, DateTimeOffset.UtcNow, cancellationToken);
        PrivateFiles.WriteNew(file, issued.BearerText + "\n");
        output.WriteLine($"mfc serve: the store had no API key; an admin key was written to {file}");
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

    /// <summary>
    /// The <c>Host</c> values a request may carry: each of <paramref name="configured"/> (a name with a port must
    /// match exactly, a name without one matches that name on any port), or by default the listening address,
    /// <c>localhost</c> and <c>127.0.0.1</c> with the port. Kestrel's host filtering ignores ports, hence this.
    /// </summary>
    internal static IReadOnlyList<string> AllowedHosts(IReadOnlyList<string> configured, int port) =>
        configured.Count > 0
            ? [.. configured.SelectMany(h => h.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))]
            : [$"127.0.0.1:{port}", $"localhost:{port}"];
}
