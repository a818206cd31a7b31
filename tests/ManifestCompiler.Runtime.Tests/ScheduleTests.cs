using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Python;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>
/// Schedules and delayed runs (docs/runtime.md, "Schedules across hosts"): a sync-users schedule's cursor is durable,
/// so a restarted host fires a missed occurrence once, and a delayed run that comes due starts while another run is
/// busy. Real SQLite, a real step pool and a Kestrel QuickBooks.
/// </summary>
public sealed class ScheduleTests(PoolFixture fixture) : IClassFixture<PoolFixture>, IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-schedules-").FullName;
    private readonly TokenProtector _key = TokenProtector.FromBase64(TokenProtector.NewKey());
    private readonly ThirdPartyApis _apis = new();
    private readonly DebugEventLog _events = new();

    public Task InitializeAsync() => _apis.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _apis.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A host on the SQLite file (no Python: a sync-users manifest runs none, and these runs are only queued).</summary>
    private ManifestRuntime ChiefOnboardingHost(SqliteRuntimeStore store, TimeProvider clock)
    {
        var runtime = new ManifestRuntime(null!, store, store, store, _events, new RuntimeOptions { TimeProvider = clock, CronJobs = store });
        runtime.AddPlans(SamplePlans.ChiefOnboarding);
        return runtime;
    }

    [Fact]
    public async Task A_sync_users_schedule_cursor_survives_a_restart_and_a_missed_occurrence_fires_once()
    {
        var path = Path.Combine(_directory, "runtime.db");
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 30, 0, TimeSpan.Zero));
        string instanceId;
        using (var store = SqliteRuntimeStore.Open(path, _key))
        {
            var host = ChiefOnboardingHost(store, clock);
            instanceId = (await host.ChiefOnboarding.AddAsync("bamboohr-sync-update", new JsonObject { ["KEY"] = PeopleApis.BambooKey, ["REPORT_ID"] = "9", ["COMPANY_ID"] = "acme" })).Id;
            // 10:30: the schedule ("0 * * * *") is due at 11:00.
            Assert.Equal(clock.GetUtcNow().AddMinutes(30), await host.EnqueueDueSchedulesAsync());
            Assert.Empty(await store.CountRunsAsync());
        }

        // The host is down from 10:30 to 13:30: 11:00, 12:00 and 13:00 pass.
        clock.Advance(TimeSpan.FromHours(3));
        using (var store = SqliteRuntimeStore.Open(path, _key))
        {
            var restarted = ChiefOnboardingHost(store, clock);
            Assert.Equal(clock.GetUtcNow().AddMinutes(30), await restarted.EnqueueDueSchedulesAsync());
            Assert.Equal(clock.GetUtcNow().AddMinutes(30), await restarted.EnqueueDueSchedulesAsync());

            // Once for the gap (the first missed occurrence), as cron jobs do; looking again queues nothing.
            var taken = await store.TryTakeDueAsync(clock.GetUtcNow(), new RunLeaseTerms("test", TimeSpan.FromMinutes(1)));
            Assert.NotNull(taken);
            Assert.Equal((instanceId, ChiefOnboarding.ChiefOnboardingEngine.SyncAction, new DateTimeOffset(2026, 11, 23, 11, 0, 0, TimeSpan.Zero)), (taken.Run.InstanceId, taken.Run.Action, taken.Run.NotBefore));
            Assert.Null(await store.TryTakeDueAsync(clock.GetUtcNow(), new RunLeaseTerms("test", TimeSpan.FromMinutes(1))));

            // 14:00 fires again, once.
            clock.Advance(TimeSpan.FromMinutes(30));
            await restarted.EnqueueDueSchedulesAsync();
            await restarted.EnqueueDueSchedulesAsync();
            Assert.Equal(2, (await store.CountRunsAsync()).Values.Sum());

            // Removing the instance removes its schedule.
            await restarted.RemoveAsync(instanceId);
            Assert.Empty(await store.ListJobsAsync());
        }
    }

    [Fact]
    public async Task A_delayed_run_that_comes_due_starts_while_another_run_is_busy()
    {
        var routes = new OutboundRoutes();
        Assert.Null(OutboundRoutes.TryAdd(routes, "quickbooks.api.intuit.com=" + _apis.BaseUrl));
        var queue = new InMemoryRunQueue();
        var runtime = new ManifestRuntime(fixture.Pool, new InMemoryInstanceStore(), queue, new InMemoryRecordSink(), _events, new RuntimeOptions
        {
            Routes = routes,
            HttpClient = new EgressPolicy { AllowedNetworks = [System.Net.IPNetwork.Parse("127.0.0.1/32")] }.CreateHttpClient(),
            MaxConcurrentRuns = 2,
        });
        runtime.AddPlans(SamplePlans.Value);
        var instance = await runtime.ConnectAsync("quickbooks", "c-1", new JsonObject { ["realmId"] = "9130", ["access_token"] = "qb-delayed-1" }, runTriggerSteps: false);
        // The sync is busy for 4 s (the vendor is slow); the delayed run comes due after 1 s.
        _apis.QueryDelay = TimeSpan.FromSeconds(4);
        var busy = await runtime.EnqueueAsync(instance.Id, "quickbooks-sync-v1", null, RunCaller.System);
        var due = DateTimeOffset.UtcNow.AddSeconds(1);
        var delayed = new RunRequest("delayed-1", "corr-delayed", instance.Id, "get-profit-and-loss-v1", "{}", due, "delayed-1", Caller: RunCaller.System);
        Assert.True(await queue.EnqueueAsync(delayed));

        var outcomes = await runtime.RunUntilIdleAsync();

        // It started once due, in the free slot, and ended before the busy run did.
        Assert.Equal([delayed.RunId, busy.RunId], outcomes.Select(o => o.Run.RunId));
        var runs = runtime.Runs.List().ToDictionary(r => r.RunId);
        Assert.True(runs[delayed.RunId].StartedAt >= due);
        Assert.True(runs[delayed.RunId].EndedAt < runs[busy.RunId].EndedAt);
    }
}
