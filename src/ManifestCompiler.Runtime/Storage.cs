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
/// The run queue. A run is taken (leased) when due and completed when it ends; a run taken but never completed (the
/// host died) is due again after a restart. Enqueueing a run whose idempotency key was seen before does nothing,
/// so a run re-executed after a crash does not queue its children twice.
/// </summary>
public interface IRunQueue
{
    /// <summary>False when a run with the same idempotency key was queued before.</summary>
    Task<bool> EnqueueAsync(RunRequest run, CancellationToken cancellationToken = default);

    /// <summary>The earliest due run (<see cref="RunRequest.NotBefore"/> ≤ <paramref name="now"/>), now leased; null if none.</summary>
    Task<RunRequest?> TryTakeDueAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    Task CompleteAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Puts a taken run back, due at <paramref name="notBefore"/> (a rate limit made it wait).</summary>
    Task DeferAsync(RunRequest run, DateTimeOffset notBefore, CancellationToken cancellationToken = default);

    /// <summary>When the next queued run is due; null when nothing is queued (leased runs are not counted).</summary>
    Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default);
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

public sealed class InMemoryRunQueue : IRunQueue
{
    private readonly object _gate = new();
    private readonly List<RunRequest> _queued = [];
    private readonly Dictionary<string, RunRequest> _leased = new(StringComparer.Ordinal);
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);

    public Task<bool> EnqueueAsync(RunRequest run, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_keys.Add(run.IdempotencyKey))
            {
                return Task.FromResult(false);
            }
            _queued.Add(run);
            return Task.FromResult(true);
        }
    }

    public Task<RunRequest?> TryTakeDueAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            // FIFO among due runs: the earliest due first, then the order they were queued in.
            RunRequest? next = null;
            foreach (var run in _queued)
            {
                if (run.NotBefore <= now && (next is null || run.NotBefore < next.NotBefore))
                {
                    next = run;
                }
            }
            if (next is not null)
            {
                _queued.Remove(next);
                _leased[next.RunId] = next;
            }
            return Task.FromResult(next);
        }
    }

    public Task CompleteAsync(string runId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _leased.Remove(runId);
        }
        return Task.CompletedTask;
    }

    public Task DeferAsync(RunRequest run, DateTimeOffset notBefore, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _leased.Remove(run.RunId);
            _queued.Add(run with { NotBefore = notBefore });
        }
        return Task.CompletedTask;
    }

    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_queued.Count == 0 ? (DateTimeOffset?)null : _queued.Min(r => r.NotBefore));
        }
    }
}

public sealed class InMemoryRecordSink : IRecordSink
{
    private readonly ConcurrentQueue<MappedRecord> _records = new();
    private readonly ConcurrentQueue<MappingFailure> _failures = new();

    public IReadOnlyList<MappedRecord> Records => [.. _records];

    public IReadOnlyList<MappingFailure> Failures => [.. _failures];

    public Task WriteAsync(MappedRecord record, CancellationToken cancellationToken = default)
    {
        _records.Enqueue(record);
        return Task.CompletedTask;
    }

    public Task WriteFailureAsync(MappingFailure failure, CancellationToken cancellationToken = default)
    {
        _failures.Enqueue(failure);
        return Task.CompletedTask;
    }
}
