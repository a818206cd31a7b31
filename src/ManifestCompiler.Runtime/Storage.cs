using System.Collections.Concurrent;

namespace ManifestCompiler.Runtime;

/// <summary>Connected integration instances and their tokens.</summary>
public interface IInstanceStore
{
    Task<IntegrationInstance?> GetAsync(string instanceId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<IntegrationInstance>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces the instance, tokens included.</summary>
    Task SaveAsync(IntegrationInstance instance, CancellationToken cancellationToken = default);

    Task<bool> DeleteAsync(string instanceId, CancellationToken cancellationToken = default);
}

/// <summary>
/// The terms a host takes runs under: its id (<see cref="RuntimeOptions.HostId"/>) and how long a lease lasts without
/// a heartbeat (<see cref="RuntimeOptions.LeaseDuration"/>).
/// </summary>
public sealed record RunLeaseTerms(string Owner, TimeSpan Duration)
{
    /// <summary>A host id unique to this process: the machine, the process id and a random part (a restarted process is another host).</summary>
    public static string NewHostId() => $"{Environment.MachineName}/{Environment.ProcessId}/{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}";
}

/// <summary>
/// A taken run's lease: which host holds it (<see cref="Owner"/>), until when (<see cref="ExpiresAt"/>, moved on by
/// heartbeats), and the id of this one take (<see cref="LeaseId"/>). Completing, deferring and renewing need the lease
/// id the run is still leased under: once another host has taken the run over, the old lease is stale and refused.
/// </summary>
public sealed record RunLease(string RunId, string LeaseId, string Owner, DateTimeOffset ExpiresAt);

/// <summary>A run just taken off the queue, with the lease it is held under.</summary>
public sealed record TakenRun(RunRequest Run, RunLease Lease);

/// <summary>
/// The run queue, shared by every host of a store. A due run is taken under a <see cref="RunLease"/> that the taking
/// host renews with a heartbeat while the run executes; a run whose lease expired (its host died or hung) is taken over
/// by another host, and the first host's lease is then stale: its completion, deferral and renewal are refused
/// (they return false and change nothing). A host never takes over its own runs: it is alive, so they are running.
/// Enqueueing a run whose idempotency key was seen before does nothing, so a run executed again after a take-over or
/// a crash does not queue its children twice.
/// </summary>
public interface IRunQueue
{
    /// <summary>
    /// False when a run with the same idempotency key was queued before. A store may hold a child run (one with a
    /// <see cref="RunRequest.ParentRunId"/> it handed out) for its parent's completion, as SQLite does: it answers true
    /// then, and a duplicate key is dropped when the child is written.
    /// </summary>
    Task<bool> EnqueueAsync(RunRequest run, CancellationToken cancellationToken = default);

    /// <summary>
    /// The earliest due run (<see cref="RunRequest.NotBefore"/> ≤ <paramref name="now"/>), or a run another host's lease
    /// on expired by <paramref name="now"/>; now leased to <paramref name="terms"/>'s owner until now + its duration.
    /// Null if none.
    /// </summary>
    Task<TakenRun?> TryTakeDueAsync(DateTimeOffset now, RunLeaseTerms terms, CancellationToken cancellationToken = default);

    /// <summary>The heartbeat: moves the lease's expiry to <paramref name="expiresAt"/>; false when the lease is stale.</summary>
    Task<bool> RenewAsync(RunLease lease, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>Marks the run done; false (nothing changes) when the lease is stale: another host has taken the run over.</summary>
    Task<bool> CompleteAsync(RunLease lease, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="CompleteAsync"/>, then <see cref="TryTakeDueAsync"/>: a host's loop ends one run and takes its next in
    /// one call, which a store may do in one transaction (SQLite: one commit per run fewer; docs/runtime.md, "Durability
    /// of the SQLite store"). <c>Completed</c> is false when the lease was stale; the next run is taken either way.
    /// </summary>
    async Task<(bool Completed, TakenRun? Next)> CompleteAndTakeNextAsync(RunLease lease, DateTimeOffset now, RunLeaseTerms terms, CancellationToken cancellationToken = default)
    {
        var completed = await CompleteAsync(lease, cancellationToken).ConfigureAwait(false);
        return (completed, await TryTakeDueAsync(now, terms, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Puts a taken run back, due at <paramref name="notBefore"/> (a rate limit made it wait); false when the lease is stale.</summary>
    Task<bool> DeferAsync(RunLease lease, DateTimeOffset notBefore, CancellationToken cancellationToken = default);

    /// <summary>When the next queued run is due; null when nothing is queued (leased runs are not counted).</summary>
    Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// A queue that wakes idle hosts when a run is queued (PostgreSQL: <c>LISTEN/NOTIFY</c> across hosts; in memory and
/// SQLite: within the process), so a run starts without waiting for a poll. Hosts keep polling as a fallback.
/// </summary>
public interface IRunQueueWakeup
{
    /// <summary>
    /// A task that completes at the next wake-up after this call. Take it before looking at the queue, then wait on it
    /// when nothing was due, so a run queued in between is not missed.
    /// </summary>
    Task NextWakeup();
}

/// <summary>A broadcast wake-up: every task handed out before <see cref="Set"/> completes when it is called.</summary>
public sealed class RunQueueSignal : IRunQueueWakeup
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task NextWakeup() => Volatile.Read(ref _next).Task;

    public void Set() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

/// <summary>A durable queue's dead letters: runs whose host died while running them <see cref="RunLeases.MaxCrashes"/> times, or whose payload cannot be opened.</summary>
public interface IDeadLetterStore
{
    /// <summary>The dead-lettered runs, oldest first, with how often their host died and the last error.</summary>
    Task<IReadOnlyList<(RunRequest Run, int Crashes, string? LastError)>> ListDeadRunsAsync(CancellationToken cancellationToken = default);
}

/// <summary>What every durable queue shares about leases.</summary>
public static class RunLeases
{
    /// <summary>How many times a host may die (or lose its lease) while running a run before it is dead-lettered.</summary>
    public const int MaxCrashes = 3;

    /// <summary>The last error recorded on a run a stopped host had taken (SQLite, on open).</summary>
    public const string HostStopped = "the host stopped while the run was taken";

    /// <summary>The last error recorded on a run taken over from a host whose lease expired.</summary>
    public static string Expired(string owner) => $"the lease of host '{owner}' expired while the run was taken";

    public static string NewLeaseId() => Guid.NewGuid().ToString("N");

    /// <summary>A lease taken or renewed at <paramref name="now"/> for <paramref name="duration"/> expires then (at the latest at the end of time).</summary>
    public static DateTimeOffset ExpiryOf(DateTimeOffset now, TimeSpan duration) =>
        now > DateTimeOffset.MaxValue - duration ? DateTimeOffset.MaxValue : now + duration;
}

/// <summary>How long a loop waits for a queued run's due time.</summary>
public static class RunDelays
{
    private static readonly TimeSpan Minimum = TimeSpan.FromMilliseconds(5), Maximum = TimeSpan.FromDays(1);

    /// <summary>
    /// The wait until <paramref name="due"/> on <paramref name="clock"/>: at least a few milliseconds (a due run another
    /// host is taking right now, skipped and locked, is no reason to spin), at most a day (a timer takes no more than
    /// about 49 days; the loop looks again).
    /// </summary>
    public static TimeSpan UntilDue(DateTimeOffset due, TimeProvider clock)
    {
        var wait = due - clock.GetUtcNow();
        return wait < Minimum ? Minimum : wait > Maximum ? Maximum : wait;
    }
}

/// <summary>Where mapped records go, and the records that did not map.</summary>
public interface IRecordSink
{
    Task WriteAsync(MappedRecord record, CancellationToken cancellationToken = default);

    Task WriteFailureAsync(MappingFailure failure, CancellationToken cancellationToken = default);
}

public sealed class InMemoryInstanceStore : IInstanceStore
{
    private readonly ConcurrentDictionary<string, IntegrationInstance> _instances = new(StringComparer.Ordinal);

    public Task<IntegrationInstance?> GetAsync(string instanceId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_instances.TryGetValue(instanceId, out var instance) ? instance with { Tokens = (System.Text.Json.Nodes.JsonObject)instance.Tokens.DeepClone() } : null);

    public Task<IReadOnlyList<IntegrationInstance>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<IntegrationInstance>>([.. _instances.Values.OrderBy(i => i.Id, StringComparer.Ordinal)]);

    public Task SaveAsync(IntegrationInstance instance, CancellationToken cancellationToken = default)
    {
        _instances[instance.Id] = instance with { Tokens = (System.Text.Json.Nodes.JsonObject)instance.Tokens.DeepClone() };
        return Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string instanceId, CancellationToken cancellationToken = default) => Task.FromResult(_instances.TryRemove(instanceId, out _));
}

public sealed class InMemoryRunQueue : IRunQueue, IRunQueueWakeup
{
    private readonly RunQueueSignal _signal = new();
    private readonly object _gate = new();

    /// <summary>Queued runs by when they are due, then in the order they were queued: the next one is the first (a sync queues thousands).</summary>
    private readonly SortedSet<Queued> _queued = new(QueuedOrder.Instance);
    private readonly Dictionary<string, (RunRequest Run, RunLease Lease)> _leased = new(StringComparer.Ordinal);
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private long _sequence;

    public Task<bool> EnqueueAsync(RunRequest run, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_keys.Add(run.IdempotencyKey))
            {
                return Task.FromResult(false);
            }
            Add(run);
        }
        _signal.Set();
        return Task.FromResult(true);
    }

    public Task NextWakeup() => _signal.NextWakeup();

    public Task<TakenRun?> TryTakeDueAsync(DateTimeOffset now, RunLeaseTerms terms, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            // FIFO among due runs: the earliest due first, then the order they were queued in.
            Queued? first = _queued.Count > 0 && _queued.Min.Run.NotBefore <= now ? _queued.Min : null;
            var next = first?.Run;
            foreach (var (run, lease) in _leased.Values)
            {
                if (lease.ExpiresAt <= now && lease.Owner != terms.Owner && (next is null || run.NotBefore < next.NotBefore))
                {
                    next = run;
                }
            }
            if (next is null)
            {
                return Task.FromResult<TakenRun?>(null);
            }
            if (first is { } queued && ReferenceEquals(next, queued.Run))
            {
                _queued.Remove(queued);
            }
            var taken = new RunLease(next.RunId, RunLeases.NewLeaseId(), terms.Owner, RunLeases.ExpiryOf(now, terms.Duration));
            _leased[next.RunId] = (next, taken);
            return Task.FromResult<TakenRun?>(new TakenRun(next, taken));
        }
    }

    public Task<bool> RenewAsync(RunLease lease, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!Holds(lease, out var run))
            {
                return Task.FromResult(false);
            }
            _leased[lease.RunId] = (run, lease with { ExpiresAt = expiresAt });
            return Task.FromResult(true);
        }
    }

    public Task<bool> CompleteAsync(RunLease lease, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(Holds(lease, out _) && _leased.Remove(lease.RunId));
        }
    }

    public Task<bool> DeferAsync(RunLease lease, DateTimeOffset notBefore, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!Holds(lease, out var run))
            {
                return Task.FromResult(false);
            }
            _leased.Remove(lease.RunId);
            Add(run with { NotBefore = notBefore });
            return Task.FromResult(true);
        }
    }

    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_queued.Count == 0 ? (DateTimeOffset?)null : _queued.Min.Run.NotBefore);
        }
    }

    private void Add(RunRequest run) => _queued.Add(new Queued(run, _sequence++));

    private readonly record struct Queued(RunRequest Run, long Sequence);

    private sealed class QueuedOrder : IComparer<Queued>
    {
        public static readonly QueuedOrder Instance = new();

        public int Compare(Queued x, Queued y)
        {
            var due = x.Run.NotBefore.CompareTo(y.Run.NotBefore);
            return due != 0 ? due : x.Sequence.CompareTo(y.Sequence);
        }
    }

    private bool Holds(RunLease lease, out RunRequest run)
    {
        if (_leased.TryGetValue(lease.RunId, out var held) && held.Lease.LeaseId == lease.LeaseId)
        {
            run = held.Run;
            return true;
        }
        run = null!;
        return false;
    }
}

/// <summary>Records in memory, like the durable stores written once per key (a run executed again writes nothing twice).</summary>
public sealed class InMemoryRecordSink : IRecordSink
{
    private readonly ConcurrentQueue<MappedRecord> _records = new();
    private readonly ConcurrentQueue<MappingFailure> _failures = new();
    private readonly ConcurrentDictionary<string, byte> _recordKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _failureKeys = new(StringComparer.Ordinal);

    public IReadOnlyList<MappedRecord> Records => [.. _records];

    public IReadOnlyList<MappingFailure> Failures => [.. _failures];

    public Task WriteAsync(MappedRecord record, CancellationToken cancellationToken = default)
    {
        if (_recordKeys.TryAdd(record.Key, 0))
        {
            _records.Enqueue(record);
        }
        return Task.CompletedTask;
    }

    public Task WriteFailureAsync(MappingFailure failure, CancellationToken cancellationToken = default)
    {
        if (_failureKeys.TryAdd(failure.Key, 0))
        {
            _failures.Enqueue(failure);
        }
        return Task.CompletedTask;
    }
}
