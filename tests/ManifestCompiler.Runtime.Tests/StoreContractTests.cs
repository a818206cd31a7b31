using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>
/// One host's view of a store: every store interface, over the storage all hosts of the test share (for a database,
/// a connection of its own). <see cref="ReadRecordsAsync"/> reads what the record sink kept, as JSON.
/// </summary>
public sealed record StoreView(
    IInstanceStore Instances,
    IRunQueue Queue,
    IRecordSink Records,
    ICronJobStore CronJobs,
    IOAuthStateStore OAuthStates,
    IApiKeyStore ApiKeys,
    IPlanSourceStore PlanSources,
    Func<string, Task<IReadOnlyList<string>>> ReadRecordsAsync,
    IDisposable? Owner = null);

/// <summary>
/// The store contract: the same test methods run against every store (in memory, SQLite, PostgreSQL), each subclass
/// only saying how a host opens its view of the shared storage. Times are passed explicitly, as hosts pass their clock.
/// </summary>
public abstract class StoreContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
    private static readonly RunLeaseTerms HostA = new("host-a", TimeSpan.FromSeconds(30));
    private static readonly RunLeaseTerms HostB = new("host-b", TimeSpan.FromSeconds(30));
    private readonly List<StoreView> _opened = [];

    /// <summary>Whether a store's wake-ups complete once when it starts listening (PostgreSQL's <c>LISTEN</c>), for anything stored before.</summary>
    protected virtual bool WakesWhenListening => false;

    /// <summary>Opens one more host's view of the shared storage (a new connection for a database).</summary>
    protected abstract StoreView OpenView();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync()
    {
        foreach (var view in _opened)
        {
            view.Owner?.Dispose();
        }
        return Task.CompletedTask;
    }

    private StoreView Open()
    {
        var view = OpenView();
        _opened.Add(view);
        return view;
    }

    private static RunRequest Run(string id, DateTimeOffset due, string? key = null) =>
        new(id, "corr-" + id, "tech.boss.quickbooks[0]", "quickbooks-sync-v1", $$"""{"run":"{{id}}"}""", due, key ?? "key-" + id, Caller: RunCaller.System);

    [Fact]
    public async Task Enqueueing_the_same_idempotency_key_twice_queues_one_run()
    {
        var store = Open();
        Assert.True(await store.Queue.EnqueueAsync(Run("r1", T0, "k")));
        Assert.False(await store.Queue.EnqueueAsync(Run("r2", T0, "k")));
        var taken = await store.Queue.TryTakeDueAsync(T0, HostA);
        Assert.Equal("r1", taken?.Run.RunId);
        Assert.True(await store.Queue.CompleteAsync(taken!.Lease));
        // Once done the key still counts: a run executed again after a crash does not queue its children twice.
        Assert.False(await store.Queue.EnqueueAsync(Run("r3", T0, "k")));
        Assert.Null(await store.Queue.TryTakeDueAsync(T0.AddHours(1), HostA));
    }

    [Fact]
    public async Task A_taken_run_carries_its_request_and_lease_and_once_completed_is_gone()
    {
        var store = Open();
        var run = Run("r1", T0) with { ParentRunId = "parent", RetriesLeft = 1, Caller = new RunCaller("u-1", "admin", IsOwner: true) };
        await store.Queue.EnqueueAsync(run);

        var taken = await store.Queue.TryTakeDueAsync(T0.AddSeconds(1), HostA);

        Assert.NotNull(taken);
        Assert.Equal(run, taken.Run);
        Assert.Equal(("r1", "host-a", T0.AddSeconds(31)), (taken.Lease.RunId, taken.Lease.Owner, taken.Lease.ExpiresAt));
        Assert.Null(await store.Queue.TryTakeDueAsync(T0.AddSeconds(1), HostB));
        Assert.Null(await store.Queue.NextDueAsync());
        Assert.True(await store.Queue.CompleteAsync(taken.Lease));
        Assert.False(await store.Queue.CompleteAsync(taken.Lease));
        Assert.Null(await store.Queue.TryTakeDueAsync(T0.AddHours(1), HostB));
    }

    [Fact]
    public async Task Due_runs_are_taken_earliest_first_and_a_future_run_waits()
    {
        var store = Open();
        await store.Queue.EnqueueAsync(Run("later", T0.AddMinutes(5)));
        await store.Queue.EnqueueAsync(Run("second", T0.AddSeconds(2)));
        await store.Queue.EnqueueAsync(Run("first", T0.AddSeconds(1)));
        await store.Queue.EnqueueAsync(Run("third", T0.AddSeconds(2)));
        Assert.Equal(T0.AddSeconds(1), await store.Queue.NextDueAsync());

        var order = new List<string>();
        while (await store.Queue.TryTakeDueAsync(T0.AddMinutes(1), HostA) is { } taken)
        {
            order.Add(taken.Run.RunId);
            Assert.True(await store.Queue.CompleteAsync(taken.Lease));
        }

        Assert.Equal(["first", "second", "third"], order);
        Assert.Equal(T0.AddMinutes(5), await store.Queue.NextDueAsync());
        Assert.Equal("later", (await store.Queue.TryTakeDueAsync(T0.AddMinutes(5), HostA))?.Run.RunId);
    }

    [Fact]
    public async Task A_deferred_run_is_due_again_at_its_new_time()
    {
        var store = Open();
        await store.Queue.EnqueueAsync(Run("r1", T0));
        var taken = (await store.Queue.TryTakeDueAsync(T0, HostA))!;

        Assert.True(await store.Queue.DeferAsync(taken.Lease, T0.AddMinutes(1)));

        Assert.Equal(T0.AddMinutes(1), await store.Queue.NextDueAsync());
        Assert.Null(await store.Queue.TryTakeDueAsync(T0.AddSeconds(59), HostA));
        var again = await store.Queue.TryTakeDueAsync(T0.AddMinutes(1), HostB);
        Assert.Equal(("r1", T0.AddMinutes(1)), (again?.Run.RunId, again?.Run.NotBefore));
        Assert.NotEqual(taken.Lease.LeaseId, again!.Lease.LeaseId);
    }

    [Fact]
    public async Task A_completion_takes_the_next_due_run_with_it_and_a_stale_completion_is_refused_but_still_takes()
    {
        var store = Open();
        await store.Queue.EnqueueAsync(Run("r1", T0));
        await store.Queue.EnqueueAsync(Run("r2", T0.AddMinutes(5)));
        var first = (await store.Queue.TryTakeDueAsync(T0, HostA))!;
        // A child the run queues is due once the run ended, and its completion takes it.
        Assert.True(await store.Queue.EnqueueAsync(Run("child", T0) with { ParentRunId = "r1" }));
        var (completed, child) = await store.Queue.CompleteAndTakeNextAsync(first.Lease, T0, HostA);
        Assert.True(completed);
        Assert.Equal("child", child?.Run.RunId);
        Assert.Equal("r1", child!.Run.ParentRunId);
        Assert.Equal(new RunLease("child", child.Lease.LeaseId, "host-a", T0.AddSeconds(30)), child.Lease);

        // The first lease again: refused, and the next due run is still taken (none is due at T0: r2 waits).
        Assert.Equal((false, (TakenRun?)null), await store.Queue.CompleteAndTakeNextAsync(first.Lease, T0, HostA));
        Assert.Equal((true, (TakenRun?)null), await store.Queue.CompleteAndTakeNextAsync(child.Lease, T0, HostA));
        Assert.Null(await store.Queue.TryTakeDueAsync(T0, HostB));
        var later = (await Open().Queue.TryTakeDueAsync(T0.AddMinutes(5), HostB))!;
        Assert.Equal("r2", later.Run.RunId);
        Assert.Equal((false, (TakenRun?)null), await store.Queue.CompleteAndTakeNextAsync(later.Lease with { LeaseId = "forged" }, T0.AddMinutes(5), HostA));
        Assert.True(await store.Queue.CompleteAsync(later.Lease));
    }

    [Fact]
    public async Task A_run_whose_lease_expired_is_taken_over_by_another_host_and_the_stale_lease_is_refused()
    {
        var hostA = Open();
        var hostB = Open();
        await hostA.Queue.EnqueueAsync(Run("r1", T0));
        var first = (await hostA.Queue.TryTakeDueAsync(T0, HostA))!;

        // Within the lease nobody else takes it; at its expiry host B does.
        Assert.Null(await hostB.Queue.TryTakeDueAsync(T0.AddSeconds(29), HostB));
        var second = await hostB.Queue.TryTakeDueAsync(T0.AddSeconds(30), HostB);
        Assert.Equal(("r1", "host-b", T0.AddSeconds(60)), (second?.Run.RunId, second?.Lease.Owner, second?.Lease.ExpiresAt));

        // Host A wakes up (it was paused past its lease): its heartbeat, deferral and completion are all refused.
        Assert.False(await hostA.Queue.RenewAsync(first.Lease, T0.AddSeconds(90)));
        Assert.False(await hostA.Queue.DeferAsync(first.Lease, T0.AddSeconds(90)));
        Assert.False(await hostA.Queue.CompleteAsync(first.Lease));
        Assert.Null(await hostA.Queue.TryTakeDueAsync(T0.AddSeconds(31), HostA));

        Assert.True(await hostB.Queue.CompleteAsync(second!.Lease));
        Assert.Null(await hostA.Queue.TryTakeDueAsync(T0.AddHours(1), HostA));
    }

    [Fact]
    public async Task A_renewed_lease_is_not_taken_over_and_a_host_never_takes_over_its_own_run()
    {
        var hostA = Open();
        var hostB = Open();
        await hostA.Queue.EnqueueAsync(Run("r1", T0));
        var taken = (await hostA.Queue.TryTakeDueAsync(T0, HostA))!;

        Assert.True(await hostA.Queue.RenewAsync(taken.Lease, T0.AddSeconds(50)));
        Assert.Null(await hostB.Queue.TryTakeDueAsync(T0.AddSeconds(40), HostB));
        // Host A is alive (it is asking), so a run it holds is running, even past the lease.
        Assert.Null(await hostA.Queue.TryTakeDueAsync(T0.AddMinutes(10), HostA));
        // A lease that expired but was not taken over is still the host's: it completes.
        Assert.True(await hostA.Queue.CompleteAsync(taken.Lease));
    }

    [Fact]
    public async Task Concurrent_takers_never_take_the_same_run()
    {
        const int Runs = 60;
        var hosts = new[] { Open(), Open() };
        for (var i = 0; i < Runs; i++)
        {
            await hosts[0].Queue.EnqueueAsync(Run($"r{i:D2}", T0.AddMilliseconds(i % 7)));
        }
        var taken = new ConcurrentBag<(string Host, string RunId)>();

        await Task.WhenAll(hosts.SelectMany((host, h) => Enumerable.Range(0, 2).Select(worker => Task.Run(async () =>
        {
            var terms = new RunLeaseTerms($"host-{h}", TimeSpan.FromMinutes(5));
            while (await host.Queue.TryTakeDueAsync(T0.AddSeconds(1), terms) is { } run)
            {
                taken.Add((terms.Owner, run.Run.RunId));
                Assert.True(await host.Queue.CompleteAsync(run.Lease));
            }
        }))));

        Assert.Equal(Runs, taken.Count);
        Assert.Equal(Runs, taken.Select(t => t.RunId).Distinct().Count());
    }

    [Fact]
    public async Task Instances_round_trip_with_their_tokens_and_are_deleted()
    {
        var store = Open();
        var instance = new IntegrationInstance("quickbooks", 0, "company-a", new JsonObject { ["access_token"] = "at-1", ["nested"] = new JsonObject { ["n"] = 1 } }, T0);
        var onboarding = new IntegrationInstance("slack", 2, "company-b", [], T0.AddSeconds(1), ManifestDialect.ChiefOnboarding);
        await store.Instances.SaveAsync(instance);
        await store.Instances.SaveAsync(onboarding);
        await store.Instances.SaveAsync(instance with { Tokens = new JsonObject { ["access_token"] = "at-2" } });

        var read = await Open().Instances.GetAsync(instance.Id);
        Assert.Equal(("company-a", "at-2", T0), (read?.CompanyId, read?.Tokens["access_token"]?.GetValue<string>(), read?.TokensStoredAt));
        Assert.Equal(new[] { instance.Id, onboarding.Id }.Order(StringComparer.Ordinal), (await store.Instances.ListAsync()).Select(i => i.Id));
        Assert.Equal(ManifestDialect.ChiefOnboarding, (await store.Instances.GetAsync(onboarding.Id))?.Dialect);
        Assert.True(await store.Instances.DeleteAsync(instance.Id));
        Assert.False(await store.Instances.DeleteAsync(instance.Id));
        Assert.Null(await store.Instances.GetAsync(instance.Id));
    }

    [Fact]
    public async Task Cron_jobs_are_replaced_by_id_and_deleted_with_their_instance()
    {
        var store = Open();
        await store.CronJobs.SaveJobAsync(new CronJob("i-1", "nightly", "sync", """{"a":1}""", "0 2 * * *", T0));
        await store.CronJobs.SaveJobAsync(new CronJob("i-1", "nightly", "sync", """{"a":2}""", "0 3 * * *", T0.AddDays(1)));
        await store.CronJobs.SaveJobAsync(new CronJob("i-2", "hourly", "sync", "{}", "0 * * * *", T0));

        var jobs = await Open().CronJobs.ListJobsAsync();
        Assert.Equal([("i-1:nightly", """{"a":2}""", "0 3 * * *", T0.AddDays(1)), ("i-2:hourly", "{}", "0 * * * *", T0)], jobs.Select(j => (j.Id, j.PayloadJson, j.Cron, j.Cursor)));
        await store.CronJobs.DeleteJobsAsync("i-1");
        Assert.Equal(["i-2:hourly"], (await store.CronJobs.ListJobsAsync()).Select(j => j.Id));
    }

    [Fact]
    public async Task A_cron_job_is_listed_when_due_and_its_cursor_moves_only_by_compare_and_set()
    {
        var store = Open();
        var other = Open();
        await store.CronJobs.SaveJobAsync(new CronJob("i-1", "hourly", "sync", "{}", "0 * * * *", T0));

        // Its next due time not computed yet: listed at any time.
        var read = Assert.Single(await other.CronJobs.ListDueJobsAsync(T0));
        Assert.Null(read.NextDue);
        Assert.True(await other.CronJobs.AdvanceJobAsync(read, T0.AddMinutes(5), T0.AddHours(1)));
        // Another host that read the same cursor loses: it never moves the cursor again from a stale read.
        Assert.False(await store.CronJobs.AdvanceJobAsync(read, T0.AddMinutes(6), T0.AddHours(1)));

        Assert.Empty(await store.CronJobs.ListDueJobsAsync(T0.AddMinutes(59)));
        var due = Assert.Single(await store.CronJobs.ListDueJobsAsync(T0.AddHours(1)));
        Assert.Equal((T0.AddMinutes(5), (DateTimeOffset?)T0.AddHours(1)), (due.Cursor, due.NextDue));
        Assert.Equal(T0.AddHours(1), await store.CronJobs.NextJobDueAsync());

        // Saving it again (create_cron_job again) starts it afresh; a read from before is stale.
        await store.CronJobs.SaveJobAsync(new CronJob("i-1", "hourly", "sync", "{}", "0 * * * *", T0.AddHours(2)));
        Assert.False(await other.CronJobs.AdvanceJobAsync(due, T0.AddHours(3), T0.AddHours(4)));
        Assert.Null(await other.CronJobs.NextJobDueAsync());
    }

    [Fact]
    public async Task Ensuring_a_job_keeps_its_cursor_and_a_changed_cron_is_computed_again()
    {
        var store = Open();
        await store.CronJobs.EnsureJobAsync(new CronJob("i-1", CronJob.ScheduleName, "sync", "{}", "0 * * * *", T0));
        var read = Assert.Single(await store.CronJobs.ListJobsAsync());
        Assert.True(await store.CronJobs.AdvanceJobAsync(read, T0.AddHours(1), T0.AddHours(2)));

        // Ensured again (a host starting, a plan deployed): the cursor and due time stay.
        await Open().CronJobs.EnsureJobAsync(new CronJob("i-1", CronJob.ScheduleName, "sync", """{"v":2}""", "0 * * * *", T0.AddHours(5)));
        var kept = Assert.Single(await store.CronJobs.ListJobsAsync());
        Assert.Equal(("""{"v":2}""", T0.AddHours(1), (DateTimeOffset?)T0.AddHours(2)), (kept.PayloadJson, kept.Cursor, kept.NextDue));

        // Its cron changed: the cursor stays, the due time is computed again, and a read of the old cron is stale.
        await store.CronJobs.EnsureJobAsync(new CronJob("i-1", CronJob.ScheduleName, "sync", "{}", "*/5 * * * *", T0.AddHours(5)));
        var changed = Assert.Single(await store.CronJobs.ListDueJobsAsync(T0));
        Assert.Equal(("*/5 * * * *", T0.AddHours(1), (DateTimeOffset?)null), (changed.Cron, changed.Cursor, changed.NextDue));
        Assert.False(await store.CronJobs.AdvanceJobAsync(kept, T0.AddHours(1), T0.AddHours(3)));

        // One job is deleted by name; the instance's others stay.
        await store.CronJobs.SaveJobAsync(new CronJob("i-1", "nightly", "sync", "{}", "0 2 * * *", T0));
        await store.CronJobs.DeleteJobAsync("i-1", CronJob.ScheduleName);
        Assert.Equal(["i-1:nightly"], (await Open().CronJobs.ListJobsAsync()).Select(j => j.Id));
    }

    [Fact]
    public async Task Hosts_advancing_one_cursor_at_once_move_it_once()
    {
        var hosts = Enumerable.Range(0, 4).Select(_ => Open()).ToList();
        await hosts[0].CronJobs.SaveJobAsync(new CronJob("i-1", "minutely", "tick", "{}", "* * * * *", T0));
        var read = Assert.Single(await hosts[0].CronJobs.ListDueJobsAsync(T0.AddMinutes(1)));

        using var start = new Barrier(hosts.Count);
        var advanced = await Task.WhenAll(hosts.Select((host, i) => Task.Run(async () =>
        {
            start.SignalAndWait();
            return await host.CronJobs.AdvanceJobAsync(read, T0.AddMinutes(1).AddSeconds(i), T0.AddMinutes(2));
        })));

        Assert.Single(advanced, won => won);
    }

    [Fact]
    public async Task An_OAuth_state_is_taken_once_and_expired_ones_are_purged()
    {
        var store = Open();
        await store.OAuthStates.SaveAsync("hash-old", new OAuthState("c", "quickbooks", null, "https://r", T0.AddMinutes(1)), T0);
        await store.OAuthStates.SaveAsync("hash-new", new OAuthState("c", null, "i-1", "https://r", T0.AddMinutes(20)), T0.AddMinutes(10));

        Assert.Null(await store.OAuthStates.TakeAsync("hash-old"));
        var other = Open();
        Assert.Equal(new OAuthState("c", null, "i-1", "https://r", T0.AddMinutes(20)), await other.OAuthStates.TakeAsync("hash-new"));
        Assert.Null(await store.OAuthStates.TakeAsync("hash-new"));
    }

    [Fact]
    public async Task Api_keys_are_found_by_id_and_revoked_once()
    {
        var store = Open();
        var issued = await ApiKeys.IssueAsync(store.ApiKeys, ApiKeyScope.Company, "company-a", "u-1", "admin", T0);
        var admin = await ApiKeys.IssueAsync(store.ApiKeys, ApiKeyScope.Admin, null, null, null, T0.AddSeconds(1));

        var other = Open();
        Assert.Equal(issued.Key, await ApiKeys.AuthenticateAsync(other.ApiKeys, issued.BearerText));
        Assert.Equal([issued.Key.Id, admin.Key.Id], (await other.ApiKeys.ListAsync()).Select(k => k.Id));
        Assert.True(await other.ApiKeys.RevokeAsync(issued.Key.Id, T0.AddHours(1)));
        Assert.False(await store.ApiKeys.RevokeAsync(issued.Key.Id, T0.AddHours(2)));
        Assert.Null(await ApiKeys.AuthenticateAsync(store.ApiKeys, issued.BearerText));
        Assert.Equal(T0.AddHours(1), (await store.ApiKeys.FindAsync(issued.Key.Id))?.Key.RevokedAt);
    }

    private static byte[] Zip(string text) => System.Text.Encoding.UTF8.GetBytes(text); // the store keeps bytes as they are; hosts check them as zips

    [Fact]
    public async Task Plan_source_versions_count_up_per_branch_across_hosts_and_come_back_in_order()
    {
        var hostA = Open();
        var hostB = Open();
        Assert.Empty(await hostA.PlanSources.LatestVersionsAsync());
        Assert.Empty(await hostA.PlanSources.ListVersionsAsync("production", 0));

        Assert.Equal(1, await hostA.PlanSources.AddVersionAsync("production", [Zip("deploy one")], "deploy", T0));
        Assert.Equal(2, await hostB.PlanSources.AddVersionAsync("production", [Zip("deploy two")], "deploy", T0.AddMinutes(1)));
        Assert.Equal(1, await hostB.PlanSources.AddVersionAsync("development", [Zip("dev one")], "deploy", T0));
        // A merge stores several zips in one version, in their order.
        Assert.Equal(3, await hostA.PlanSources.AddVersionAsync("production", [Zip("merged first"), Zip("merged second")], "merge of development version 1", T0.AddMinutes(2)));

        var versions = await hostB.PlanSources.ListVersionsAsync("production", 0);
        Assert.Equal([1, 2, 3], versions.Select(v => v.Version));
        Assert.All(versions, v => Assert.Equal(("production", null), (v.Branch, v.Problem)));
        Assert.Equal(["deploy one"], versions[0].Sources.Select(System.Text.Encoding.UTF8.GetString));
        Assert.Equal(["merged first", "merged second"], versions[2].Sources.Select(System.Text.Encoding.UTF8.GetString));
        Assert.Equal(("deploy", T0.AddMinutes(1)), (versions[1].Origin, versions[1].StoredAt));
        Assert.Equal("merge of development version 1", versions[2].Origin);
        Assert.Equal([2, 3], (await hostA.PlanSources.ListVersionsAsync("production", 1)).Select(v => v.Version));
        Assert.Empty(await hostA.PlanSources.ListVersionsAsync("production", 3));
        Assert.Equal(new Dictionary<string, int> { ["development"] = 1, ["production"] = 3 }, await hostA.PlanSources.LatestVersionsAsync());
    }

    [Fact]
    public async Task Hosts_storing_versions_of_one_branch_at_once_never_get_the_same_number()
    {
        var hosts = new[] { Open(), Open(), Open() };
        var stored = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Task.Run(() => hosts[i % 3].PlanSources.AddVersionAsync("production", [Zip($"deploy {i}")], "deploy", T0))));

        Assert.Equal(Enumerable.Range(1, 30), stored.Order());
        // Each number holds the zip of the deploy that got it.
        var versions = await hosts[0].PlanSources.ListVersionsAsync("production", 0);
        Assert.Equal(Enumerable.Range(1, 30), versions.Select(v => v.Version));
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal($"deploy {i}", System.Text.Encoding.UTF8.GetString(Assert.Single(versions[stored[i] - 1].Sources)));
        }
    }

    [Fact]
    public async Task Storing_a_plan_version_wakes_the_hosts_waiting_for_one()
    {
        var host = Open();
        var changed = host.PlanSources.NextChange();
        if (WakesWhenListening)
        {
            await changed.WaitAsync(TimeSpan.FromSeconds(30));
            changed = host.PlanSources.NextChange();
        }
        Assert.False(changed.IsCompleted);

        await host.PlanSources.AddVersionAsync("production", [Zip("deploy")], "deploy", T0);

        await changed.WaitAsync(TimeSpan.FromSeconds(30)); // a deadline, not a measurement
    }

    [Fact]
    public async Task A_record_is_written_once_per_key()
    {
        var store = Open();
        await store.Records.WriteAsync(new MappedRecord("k1", "i-1", "invoices-post-v1", "r1", new JsonObject { ["n"] = 1 }));
        await store.Records.WriteAsync(new MappedRecord("k1", "i-1", "invoices-post-v1", "r1-again", new JsonObject { ["n"] = 1 }));
        await Open().Records.WriteAsync(new MappedRecord("k2", "i-1", "invoices-post-v1", "r2", new JsonObject { ["n"] = 2 }));

        Assert.Equal(["""{"n":1}""", """{"n":2}"""], await store.ReadRecordsAsync("invoices-post-v1"));
    }
}

public sealed class InMemoryStoreContractTests : StoreContractTests
{
    private readonly InMemoryInstanceStore _instances = new();
    private readonly InMemoryRunQueue _queue = new();
    private readonly InMemoryRecordSink _records = new();
    private readonly InMemoryCronJobStore _cronJobs = new();
    private readonly InMemoryOAuthStateStore _oauth = new();
    private readonly InMemoryApiKeyStore _keys = new();
    private readonly InMemoryPlanSourceStore _plans = new();

    // In memory, every host of the test shares the one set of objects (hosts of one process).
    protected override StoreView OpenView() => new(_instances, _queue, _records, _cronJobs, _oauth, _keys, _plans,
        action => Task.FromResult<IReadOnlyList<string>>([.. _records.Records.Where(r => r.Action == action).Select(r => System.Text.Json.JsonSerializer.Serialize(r.Record, r.Record.GetType()))]));
}

public sealed class SqliteStoreContractTests : StoreContractTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-contract-").FullName;
    private readonly TokenProtector _key = TokenProtector.FromBase64(TokenProtector.NewKey());

    private string DatabasePath => Path.Combine(_directory, "runtime.db");

    protected override StoreView OpenView()
    {
        var store = SqliteRuntimeStore.Open(DatabasePath, _key);
        var keys = SqliteApiKeyStore.Open(DatabasePath);
        var plans = SqlitePlanSourceStore.Open(DatabasePath, _key);
        return new StoreView(store, store, store, store, store, keys, plans, store.ReadRecordsAsync, new All(store, keys, plans));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreContractTests(PostgresCluster cluster) : StoreContractTests
{
    private readonly TokenProtector _key = TokenProtector.FromBase64(TokenProtector.NewKey());
    private string _database = "";

    public override async Task InitializeAsync() => _database = await cluster.CreateDatabaseAsync();

    protected override bool WakesWhenListening => true;

    // Every view is a data source of its own: its own connections, as another host's would be.
    protected override StoreView OpenView()
    {
        var store = PostgreSql.PostgresRuntimeStore.Open(_database, _key);
        var keys = PostgreSql.PostgresApiKeyStore.Open(_database);
        var plans = PostgreSql.PostgresPlanSourceStore.Open(_database, _key);
        return new StoreView(store, store, store, store, store, keys, plans, store.ReadRecordsAsync, new All(store, keys, plans));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await cluster.DropDatabaseAsync(_database);
    }
}

/// <summary>Disposes the stores that make one view.</summary>
internal sealed class All(params IDisposable[] stores) : IDisposable
{
    public void Dispose()
    {
        foreach (var store in stores)
        {
            store.Dispose();
        }
    }
}
