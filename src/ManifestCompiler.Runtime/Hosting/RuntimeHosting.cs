using System.Reflection;
using ManifestCompiler.Runtime.Hosting.Api;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Runtime.Support.Plans;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ManifestCompiler.Runtime;

/// <summary>What <see cref="ManifestRuntimeServiceCollectionExtensions.AddManifestRuntime"/> sets up.</summary>
public sealed class ManifestRuntimeHostOptions
{
    /// <summary>
    /// The database, chosen by its form (<see cref="RuntimeDatabase"/>): a PostgreSQL connection string
    /// (<c>Host=…;Database=…</c>), shared by many hosts, or else the path of a SQLite file for one host; null keeps
    /// everything in memory (tests, one-off hosts).
    /// </summary>
    public string? Database { get; set; }

    /// <summary>The base64 key (32 bytes) that encrypts tokens at rest; required with <see cref="Database"/> (every host of a PostgreSQL database needs the same key).</summary>
    public string? TokenKey { get; set; }

    /// <summary>Assemblies whose <c>[assembly: ManifestPlan]</c> registrations are loaded at start.</summary>
    public List<Assembly> PlanAssemblies { get; } = [];

    /// <summary>
    /// Plan assembly files (as <c>mfc build</c> writes them) deployed to <see cref="Branch"/> at start, each in a
    /// collectible context; later deployments go through <see cref="PlanBranches"/> (a DI singleton) without a restart.
    /// </summary>
    public List<string> PlanFiles { get; } = [];

    /// <summary>The branch this host serves.</summary>
    public string Branch { get; set; } = PlanBranches.Production;

    /// <summary><c>host-glob=base-url</c> routes for outbound requests.</summary>
    public List<string> Routes { get; } = [];

    public PythonWorkerPoolOptions Pool { get; } = new();

    /// <summary>The egress policy of outbound requests (the primary handler of the named HttpClient).</summary>
    public EgressPolicy Egress { get; set; } = EgressPolicy.Default;

    public string WebhookBaseUrl { get; set; } = RuntimeDefaults.WebhookBaseUrl;

    public string GenericCallbackUrl { get; set; } = RuntimeDefaults.GenericCallbackUrl;

    /// <summary>Called with every debug event (masked), besides the log (a live event stream).</summary>
    public List<Action<DebugEvent>> EventListeners { get; } = [];

    /// <summary>How many runs execute at once (each takes a step worker while its steps run); defaults to the pool's size.</summary>
    public int? MaxConcurrentRuns { get; set; }

    /// <summary>This host's id in run leases; by default unique per process.</summary>
    public string HostId { get; set; } = RunLeaseTerms.NewHostId();

    /// <summary>How long a taken run stays leased without a heartbeat (<see cref="RuntimeOptions.LeaseDuration"/>).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the host looks for plan versions other hosts stored, besides being woken (PostgreSQL: <c>NOTIFY</c>);
    /// see <see cref="PlanPropagation"/>.
    /// </summary>
    public TimeSpan PlanPoll { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the queue worker sleeps when nothing is queued (real time, whatever <see cref="TimeProvider"/> says).</summary>
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The runtime's clock (<see cref="RuntimeOptions.TimeProvider"/>): schedules, due times and leases. The system
    /// clock unless a test gives another (<c>mfc serve</c>'s test-only <c>--test-clock</c>).
    /// </summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// The <c>Host</c> values the API answers to (<see cref="RequestHygiene"/>); none: the server's listening
    /// addresses, and <c>localhost</c> and <c>127.0.0.1</c>, each with the listening port.
    /// </summary>
    public List<string> AllowedHosts { get; } = [];

    /// <summary>The largest deploy body (a zip of sources) the API accepts.</summary>
    public long MaxDeployBytes { get; set; } = SourceDeployment.DefaultMaxBytes;
}

/// <summary>The running runtime, once the hosted service has started the step pool.</summary>
public sealed class ManifestRuntimeAccessor
{
    private readonly TaskCompletionSource<ManifestRuntime> _runtime = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<ManifestRuntime> GetAsync(CancellationToken cancellationToken = default) => _runtime.Task.WaitAsync(cancellationToken);

    internal void Set(ManifestRuntime runtime) => _runtime.TrySetResult(runtime);

    internal void Fail(Exception exception) => _runtime.TrySetException(exception);
}

public static class ManifestRuntimeServiceCollectionExtensions
{
    public const string HttpClientName = "ManifestCompiler.Runtime";

    /// <summary>
    /// The runtime as a hosted service: the stores (SQLite when a database is configured), a named
    /// <c>HttpClient</c> from <c>IHttpClientFactory</c> behind the egress policy, debug events written to
    /// <c>ILogger</c> and to live subscribers (<see cref="EventBroadcaster"/>), the step pool, a worker that runs
    /// queued runs as they become due, and the API's key authentication and policies (a key is required by default).
    /// Map the API with <see cref="ManifestRuntimeApi.MapManifestRuntimeApi"/>.
    /// </summary>
    public static IServiceCollection AddManifestRuntime(this IServiceCollection services, Action<ManifestRuntimeHostOptions> configure)
    {
        var options = new ManifestRuntimeHostOptions();
        configure(options);
        if (options.Database is not null && options.TokenKey is null)
        {
            throw new ArgumentException("a token key is required with a database: tokens are encrypted at rest");
        }
        var routes = new OutboundRoutes();
        foreach (var route in options.Routes)
        {
            if (OutboundRoutes.TryAdd(routes, route) is { } problem)
            {
                throw new ArgumentException(problem);
            }
        }

        var events = new EventBroadcaster();
        options.EventListeners.Add(events.Publish);
        services.AddSingleton(options);
        services.AddSingleton(events);
        ApiCaller.AddServices(services);
        services.AddHttpClient(HttpClientName).ConfigurePrimaryHttpMessageHandler(() => options.Egress.CreateHandler());
        if (options.Database is { } database && RuntimeDatabase.IsPostgres(database))
        {
            services.AddSingleton(_ => PostgreSql.PostgresRuntimeStore.Open(database, TokenProtector.FromBase64(options.TokenKey!)));
            AddStores<PostgreSql.PostgresRuntimeStore>(services);
            services.AddSingleton(_ => PostgreSql.PostgresApiKeyStore.Open(database));
            services.AddSingleton<IApiKeyStore>(p => p.GetRequiredService<PostgreSql.PostgresApiKeyStore>());
            services.AddSingleton<IPlanSourceStore>(_ => PostgreSql.PostgresPlanSourceStore.Open(database, TokenProtector.FromBase64(options.TokenKey!)));
        }
        else if (options.Database is { } path)
        {
            services.AddSingleton(_ => SqliteRuntimeStore.Open(path, TokenProtector.FromBase64(options.TokenKey!)));
            AddStores<SqliteRuntimeStore>(services);
            services.AddSingleton(_ => SqliteApiKeyStore.Open(path));
            services.AddSingleton<IApiKeyStore>(p => p.GetRequiredService<SqliteApiKeyStore>());
            services.AddSingleton<IPlanSourceStore>(_ => SqlitePlanSourceStore.Open(path, TokenProtector.FromBase64(options.TokenKey!)));
        }
        else
        {
            services.AddSingleton<IInstanceStore, InMemoryInstanceStore>();
            services.AddSingleton<IRunQueue, InMemoryRunQueue>();
            services.AddSingleton<IRecordSink, InMemoryRecordSink>();
            services.AddSingleton<ICronJobStore, InMemoryCronJobStore>();
            services.AddSingleton<IOAuthStateStore, InMemoryOAuthStateStore>();
            services.AddSingleton<IApiKeyStore, InMemoryApiKeyStore>();
            services.AddSingleton<IPlanSourceStore, InMemoryPlanSourceStore>();
        }
        services.AddSingleton<PlanBranches>();
        // Stored sources are unpacked under the same bound as a deploy over HTTP (ten times its size limit).
        services.AddSingleton(p => new PlanPropagation(p.GetRequiredService<IPlanSourceStore>(), p.GetRequiredService<PlanBranches>(), p.GetService<IPlanSourceCompiler>(),
            options.MaxDeployBytes * 10, TimeProvider.System, p.GetRequiredService<ILogger<PlanPropagation>>()));
        services.AddSingleton<IDebugEventSink>(p => new LoggingDebugEventSink(p.GetRequiredService<ILoggerFactory>().CreateLogger("ManifestCompiler.Runtime.Debug"), options.EventListeners));
        services.AddSingleton<ManifestRuntimeAccessor>();
        services.AddHostedService(p => new ManifestRuntimeService(p, options, routes));
        return services;
    }

    /// <summary>A durable store as every store interface it implements.</summary>
    private static void AddStores<TStore>(IServiceCollection services)
        where TStore : class, IInstanceStore, IRunQueue, IRecordSink, ICronJobStore, IOAuthStateStore, IDeadLetterStore
    {
        services.AddSingleton<IInstanceStore>(p => p.GetRequiredService<TStore>());
        services.AddSingleton<IRunQueue>(p => p.GetRequiredService<TStore>());
        services.AddSingleton<IRecordSink>(p => p.GetRequiredService<TStore>());
        services.AddSingleton<ICronJobStore>(p => p.GetRequiredService<TStore>());
        services.AddSingleton<IOAuthStateStore>(p => p.GetRequiredService<TStore>());
        services.AddSingleton<IDeadLetterStore>(p => p.GetRequiredService<TStore>());
    }
}

/// <summary>Debug events as log records (the message is already masked), with the correlation id in scope.</summary>
public sealed class LoggingDebugEventSink(ILogger logger, IReadOnlyList<Action<DebugEvent>>? listeners = null) : IDebugEventSink
{
    public void Publish(DebugEvent debugEvent)
    {
        foreach (var listener in listeners ?? [])
        {
            listener(debugEvent);
        }
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = debugEvent.CorrelationId, ["RunId"] = debugEvent.RunId, ["Integration"] = debugEvent.IntegrationId, ["Action"] = debugEvent.Action });
        var level = debugEvent.Level switch
        {
            DebugLevel.Error => LogLevel.Error,
            DebugLevel.Warning => LogLevel.Warning,
            DebugLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        logger.Log(level, "{Action} {Code} {Message}", debugEvent.Action, debugEvent.Code, debugEvent.Message);
    }
}

/// <summary>Starts the pool and the runtime, then runs queued runs as they become due until the host stops.</summary>
internal sealed class ManifestRuntimeService(IServiceProvider services, ManifestRuntimeHostOptions options, OutboundRoutes routes) : BackgroundService
{
    private PythonWorkerPool? _pool;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var accessor = services.GetRequiredService<ManifestRuntimeAccessor>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<ManifestRuntimeService>();
        ManifestRuntime runtime;
        try
        {
            _pool = await PythonWorkerPool.StartAsync(options.Pool, services.GetRequiredService<ILoggerFactory>().CreateLogger<PythonWorkerPool>()).ConfigureAwait(false);
            runtime = new ManifestRuntime(
                _pool,
                services.GetRequiredService<IInstanceStore>(),
                services.GetRequiredService<IRunQueue>(),
                services.GetRequiredService<IRecordSink>(),
                services.GetRequiredService<IDebugEventSink>(),
                new RuntimeOptions
                {
                    Routes = routes,
                    HttpClient = services.GetRequiredService<IHttpClientFactory>().CreateClient(ManifestRuntimeServiceCollectionExtensions.HttpClientName),
                    WebhookBaseUrl = options.WebhookBaseUrl,
                    GenericCallbackUrl = options.GenericCallbackUrl,
                    CronJobs = services.GetRequiredService<ICronJobStore>(),
                    Users = services.GetService<ChiefOnboarding.IUserDirectory>(),
                    Notifier = services.GetService<ChiefOnboarding.INotifier>(),
                    OAuthStates = services.GetRequiredService<IOAuthStateStore>(),
                    HostId = options.HostId,
                    LeaseDuration = options.LeaseDuration,
                    TimeProvider = options.TimeProvider,
                });
            foreach (var assembly in options.PlanAssemblies)
            {
                runtime.AddPlans(PlanCatalog.Load(assembly));
            }
            var branches = services.GetRequiredService<PlanBranches>();
            foreach (var file in options.PlanFiles)
            {
                branches.Deploy(options.Branch, file);
            }
            // The stored versions of every branch (deploys and merges on any host), over the configuration's plans.
            await services.GetRequiredService<PlanPropagation>().CatchUpAsync(null, stoppingToken).ConfigureAwait(false);
            branches.Attach(options.Branch, runtime);
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "The manifest runtime could not start");
            accessor.Fail(e);
            throw;
        }
        accessor.Set(runtime);

        // Each loop takes one due run at a time, so a run queued now (a webhook) never waits behind a delayed one.
        var loops = Math.Max(1, options.MaxConcurrentRuns ?? options.Pool.MaxWorkers);
        var propagation = services.GetRequiredService<PlanPropagation>();
        await Task.WhenAll([
            .. Enumerable.Range(0, loops).Select(_ => Task.Run(() => RunLoopAsync(runtime, logger, stoppingToken), CancellationToken.None)),
            Task.Run(() => propagation.FollowAsync(options.PlanPoll, stoppingToken), CancellationToken.None)]).ConfigureAwait(false);
    }

    private Task RunLoopAsync(ManifestRuntime runtime, ILogger logger, CancellationToken stoppingToken)
    {
        var queue = services.GetRequiredService<IRunQueue>();
        return runtime.RunWorkerAsync(
            (woken, stop) => IdleAsync(queue, woken, stop),
            (e, stop) =>
            {
                // A store or pool failure must not stop the host; the run stays taken, and is taken over when its lease expires
                // (or, with SQLite, queued again on restart).
                logger.LogError(e, "A run could not be carried out");
                return Task.Delay(options.IdlePoll, stop);
            },
            stoppingToken);
    }

    /// <summary>
    /// Waits until a run is queued (<see cref="IRunQueueWakeup"/>), the next queued run is due, or <see cref="ManifestRuntimeHostOptions.IdlePoll"/>
    /// passed (the fallback: schedules, take-overs of expired leases, a broken listener), whichever comes first.
    /// </summary>
    private async Task IdleAsync(IRunQueue queue, Task? woken, CancellationToken stoppingToken)
    {
        using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var waits = new List<Task> { Task.Delay(options.IdlePoll, stopWaiting.Token) };
        if (await queue.NextDueAsync(stoppingToken).ConfigureAwait(false) is { } due)
        {
            // The due time is the runtime's clock's, so the wait is too (the poll bounds it in real time).
            waits.Add(Task.Delay(RunDelays.UntilDue(due, options.TimeProvider), options.TimeProvider, stopWaiting.Token));
        }
        if (woken is not null)
        {
            waits.Add(woken);
        }
        await Task.WhenAny(waits).ConfigureAwait(false);
        await stopWaiting.CancelAsync().ConfigureAwait(false);
        stoppingToken.ThrowIfCancellationRequested();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_pool is not null)
        {
            await _pool.DisposeAsync().ConfigureAwait(false);
        }
    }
}
