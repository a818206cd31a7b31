using BenchmarkDotNet.Attributes;
using ManifestCompiler.Runtime;
using ManifestCompiler.Runtime.PostgreSql;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Benchmarks;

/// <summary>
/// The queue's own cost per run, without executing anything: enqueue, take (under a lease) and complete one empty
/// run, on each store. Two kinds of run, because the SQLite store syncs one and not the other (docs/runtime.md,
/// "Durability of the SQLite store"): (a) a run a run queued (<c>send_to_trigger</c>, a sync's children; its commit is
/// not synced), here one at a time, each in its own commits, and (b) a run a caller queued (a webhook's or the API's;
/// synced to disk before the caller hears of it). (c) is the queue as a host's loop drives it (see its summary).
/// PostgreSQL commits every transaction durably (its default <c>synchronous_commit</c>; the throwaway cluster of
/// <see cref="PostgresCluster"/> runs with <c>fsync=off</c>, so its figures leave the disk out).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class QueueBenchmarks
{
    public enum QueueStore { InMemory, Sqlite, PostgreSql }

    [ParamsAllValues]
    public QueueStore Store { get; set; }

    private readonly RunLeaseTerms _terms = new("bench-host", TimeSpan.FromSeconds(30));
    private IRunQueue _queue = null!;
    private IDisposable? _store;
    private PostgresCluster? _cluster;
    private string _directory = "";
    private long _next;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("mc-queue-bench-").FullName;
        switch (Store)
        {
            case QueueStore.InMemory:
                _queue = new InMemoryRunQueue();
                break;
            case QueueStore.Sqlite:
                var sqlite = SqliteRuntimeStore.Open(Path.Combine(_directory, "queue.db"), SyncSetup.Protector());
                (_queue, _store) = (sqlite, sqlite);
                break;
            case QueueStore.PostgreSql:
                _cluster = new PostgresCluster();
                _cluster.InitializeAsync().GetAwaiter().GetResult();
                var postgres = PostgresRuntimeStore.OpenAsync(_cluster.CreateDatabaseAsync().GetAwaiter().GetResult(), SyncSetup.Protector()).GetAwaiter().GetResult();
                (_queue, _store) = (postgres, postgres);
                break;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store?.Dispose();
        _cluster?.DisposeAsync().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Description = "(a) child run: enqueue + take + complete")]
    public Task<bool> ChildRun() => CycleAsync(parentRunId: "bench-parent");

    [Benchmark(Description = "(b) caller's run: enqueue + take + complete")]
    public Task<bool> CallerRun() => CycleAsync(parentRunId: null);

    private const int Children = 100;

    /// <summary>
    /// (c) How a host's loop runs a run's children (a sync's invoices): a run queues <see cref="Children"/> empty children,
    /// and each run ends with the take of the next (<see cref="IRunQueue.CompleteAndTakeNextAsync"/>). Per child; the
    /// parent's own take and completion are counted in too. SQLite writes the children with the parent's completion and
    /// ends each run and takes the next in one transaction; the other stores enqueue at once and complete, then take.
    /// </summary>
    [Benchmark(Description = "(c) a run's children, as a host's loop runs them (per child)", OperationsPerInvoke = Children)]
    public async Task<int> ChildrenAsAHostRunsThem()
    {
        var now = DateTimeOffset.UtcNow;
        var parentId = NextId();
        // The parent is itself a child of an outside run, so its enqueue is neither synced nor held.
        await _queue.EnqueueAsync(new RunRequest(parentId, parentId, "bench[0]", "empty", "{}", now, parentId, "bench-parent", Caller: RunCaller.System));
        var current = await _queue.TryTakeDueAsync(now, _terms) ?? throw new InvalidOperationException("the parent just queued was not taken");
        for (var i = 0; i < Children; i++)
        {
            var id = NextId();
            await _queue.EnqueueAsync(new RunRequest(id, id, "bench[0]", "empty", "{}", now, id, parentId, Caller: RunCaller.System));
        }
        var ran = 0;
        while (true)
        {
            var (completed, next) = await _queue.CompleteAndTakeNextAsync(current.Lease, now, _terms);
            if (!completed)
            {
                throw new InvalidOperationException("the completion was refused");
            }
            if (next is null)
            {
                return ran == Children ? ran : throw new InvalidOperationException($"{ran} of {Children} children ran");
            }
            (current, ran) = (next, ran + 1);
        }
    }

    private string NextId() => (++_next).ToString(System.Globalization.CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N");

    private async Task<bool> CycleAsync(string? parentRunId)
    {
        var id = NextId();
        var now = DateTimeOffset.UtcNow;
        await _queue.EnqueueAsync(new RunRequest(id, id, "bench[0]", "empty", "{}", now, id, parentRunId, Caller: RunCaller.System));
        var taken = await _queue.TryTakeDueAsync(now, _terms) ?? throw new InvalidOperationException("the run just queued was not taken");
        return await _queue.CompleteAsync(taken.Lease) ? true : throw new InvalidOperationException("the completion was refused");
    }
}
