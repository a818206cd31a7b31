using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Python;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>
/// The runtime's side of run leases: the heartbeat keeps a run longer than its lease from being taken over, and a host
/// whose lease was taken over has its completion refused with a warning. Real step pool, a Kestrel QuickBooks.
/// </summary>
public sealed class RunLeaseTests(PoolFixture fixture) : IClassFixture<PoolFixture>, IAsyncLifetime
{
    // Long enough that a heartbeat (every third of it) delayed by a loaded machine still lands in time: a CI run saw
    // host B take over a 1.2 s lease while test assemblies ran side by side.
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private readonly ThirdPartyApis _apis = new();
    private readonly InMemoryInstanceStore _instances = new();
    private readonly InMemoryRunQueue _queue = new();
    private readonly DebugEventLog _events = new();

    public Task InitializeAsync() => _apis.InitializeAsync();

    public Task DisposeAsync() => _apis.DisposeAsync();

    private ManifestRuntime Runtime(string hostId)
    {
        var routes = new OutboundRoutes();
        Assert.Null(OutboundRoutes.TryAdd(routes, "quickbooks.api.intuit.com=" + _apis.BaseUrl));
        var runtime = new ManifestRuntime(fixture.Pool, _instances, _queue, new InMemoryRecordSink(), _events, new RuntimeOptions
        {
            Routes = routes,
            HttpClient = new EgressPolicy { AllowedNetworks = [System.Net.IPNetwork.Parse("127.0.0.1/32")] }.CreateHttpClient(),
            HostId = hostId,
            LeaseDuration = Lease,
        });
        runtime.AddPlans(SamplePlans.Value);
        return runtime;
    }

    [Fact]
    public async Task The_heartbeat_keeps_a_run_longer_than_its_lease_from_being_taken_over()
    {
        var hostA = Runtime("host-a");
        var instance = await hostA.ConnectAsync("quickbooks", "c-1", new JsonObject { ["realmId"] = "9130", ["access_token"] = "qb-lease-1" }, runTriggerSteps: false);
        var sync = await hostA.EnqueueAsync(instance.Id, "quickbooks-sync-v1", null, RunCaller.System);
        // The vendor answers after more than two leases: only renewals keep the run host A's.
        _apis.QueryDelay = 2 * Lease + TimeSpan.FromSeconds(0.5);

        var running = hostA.RunOneAsync();
        var hostB = new RunLeaseTerms("host-b", Lease);
        var takenByB = new List<string>();
        while (!running.IsCompleted)
        {
            if (await _queue.TryTakeDueAsync(DateTimeOffset.UtcNow, hostB) is { } taken)
            {
                takenByB.Add(taken.Run.RunId);
                Assert.True(await _queue.DeferAsync(taken.Lease, DateTimeOffset.UtcNow.AddHours(1)));
            }
            await Task.Delay(100);
        }

        var outcome = Assert.Single(await running);
        Assert.Equal(sync.RunId, outcome.Run.RunId);
        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.DoesNotContain(sync.RunId, takenByB);
        Assert.DoesNotContain(_events.Events, e => e.Message.Contains("taken over", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_host_whose_lease_was_taken_over_has_its_completion_refused_and_says_so()
    {
        var hostA = Runtime("host-a");
        var instance = await hostA.ConnectAsync("quickbooks", "c-1", new JsonObject { ["realmId"] = "9130", ["access_token"] = "qb-lease-2" }, runTriggerSteps: false);
        var sync = await hostA.EnqueueAsync(instance.Id, "quickbooks-sync-v1", null, RunCaller.System);
        var now = DateTimeOffset.UtcNow;
        var stale = await _queue.TryTakeDueAsync(now, new RunLeaseTerms("host-a", Lease));
        Assert.NotNull(stale);
        // Host A "hung" past its lease: host B takes the run over before A gets to execute it.
        var takenOver = await _queue.TryTakeDueAsync(now + Lease, new RunLeaseTerms("host-b", TimeSpan.FromMinutes(5)));
        Assert.Equal(sync.RunId, takenOver?.Run.RunId);

        await hostA.ExecuteAsync(stale, CancellationToken.None);

        Assert.Contains(_events.Events, e => e.RunId == sync.RunId && e.Level == DebugLevel.Warning && e.Message.Contains("was taken over by another host: its completion here was refused", StringComparison.Ordinal));
        Assert.False(await _queue.CompleteAsync(stale.Lease));
        Assert.True(await _queue.CompleteAsync(takenOver!.Lease));
    }

    [Fact]
    public async Task A_worker_loop_runs_each_run_once_and_on_stopping_puts_the_run_it_took_with_a_completion_back()
    {
        var hostA = Runtime("host-a");
        var instance = await hostA.ConnectAsync("quickbooks", "c-1", new JsonObject { ["realmId"] = "9130", ["access_token"] = "qb-lease-3" }, runTriggerSteps: false);
        _apis.Invoices = [ThirdPartyApis.Invoice("901", 1m), ThirdPartyApis.Invoice("902", 2m), ThirdPartyApis.Invoice("903", 3m)];
        await hostA.EnqueueAsync(instance.Id, "quickbooks-sync-v1", null, RunCaller.System);
        using var stopA = new CancellationTokenSource();
        var loop = Task.Run(() => hostA.RunWorkerAsync((woken, stop) => Task.WhenAny(woken ?? Task.Delay(Timeout.Infinite, stop), Task.Delay(Timeout.Infinite, stop)), (e, _) => Task.FromException(e), stopA.Token));

        // The sync and its three children run, each completion taking the next run; then the loop is idle.
        var runs = hostA.Runs;
        while (runs.List().Count(r => r.EndedAt is not null) < 4)
        {
            Assert.False(loop.IsCompleted, loop.Exception?.ToString());
            await Task.Delay(50);
        }
        Assert.All(runs.List(), r => Assert.True(r.Status == nameof(RunStatus.Succeeded), r.Error));
        Assert.Null(await _queue.NextDueAsync());
        await stopA.CancelAsync();
        await loop; // host A stops, idle: it takes nothing more from the shared queue

        // A second worker whose store stops it right after a completion took the next run: that run goes back, due.
        var stopping = new StopAfterCompletionQueue(_queue);
        var hostB = new ManifestRuntime(fixture.Pool, _instances, stopping, new InMemoryRecordSink(), _events, new RuntimeOptions { HostId = "host-b" });
        hostB.AddPlans(SamplePlans.Value);
        await _queue.EnqueueAsync(new RunRequest("gone-1", "gone-1", "no-such-instance[0]", "quickbooks-sync-v1", "{}", DateTimeOffset.UtcNow, "gone-1", Caller: RunCaller.System));
        await _queue.EnqueueAsync(new RunRequest("gone-2", "gone-2", "no-such-instance[0]", "quickbooks-sync-v1", "{}", DateTimeOffset.UtcNow, "gone-2", Caller: RunCaller.System));
        await hostB.RunWorkerAsync((woken, stop) => Task.Delay(Timeout.Infinite, stop), (e, _) => Task.FromException(e), stopping.Stop.Token);
        Assert.Equal(["gone-1"], hostB.Runs.List().Select(r => r.RunId));
        var back = await _queue.TryTakeDueAsync(DateTimeOffset.UtcNow, new RunLeaseTerms("host-c", Lease));
        Assert.Equal("gone-2", back?.Run.RunId);
    }

    /// <summary>A queue that asks its worker to stop as soon as a completion has taken the next run (the stop arriving between two turns).</summary>
    private sealed class StopAfterCompletionQueue(IRunQueue inner) : IRunQueue
    {
        public CancellationTokenSource Stop { get; } = new();

        public Task<bool> EnqueueAsync(RunRequest run, CancellationToken cancellationToken = default) => inner.EnqueueAsync(run, cancellationToken);

        public Task<TakenRun?> TryTakeDueAsync(DateTimeOffset now, RunLeaseTerms terms, CancellationToken cancellationToken = default) => inner.TryTakeDueAsync(now, terms, cancellationToken);

        public Task<bool> RenewAsync(RunLease lease, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) => inner.RenewAsync(lease, expiresAt, cancellationToken);

        public Task<bool> CompleteAsync(RunLease lease, CancellationToken cancellationToken = default) => inner.CompleteAsync(lease, cancellationToken);

        public async Task<(bool Completed, TakenRun? Next)> CompleteAndTakeNextAsync(RunLease lease, DateTimeOffset now, RunLeaseTerms terms, CancellationToken cancellationToken = default)
        {
            var result = await inner.CompleteAndTakeNextAsync(lease, now, terms, cancellationToken);
            await Stop.CancelAsync();
            return result;
        }

        public Task<bool> DeferAsync(RunLease lease, DateTimeOffset notBefore, CancellationToken cancellationToken = default) => inner.DeferAsync(lease, notBefore, cancellationToken);

        public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default) => inner.NextDueAsync(cancellationToken);
    }
}
