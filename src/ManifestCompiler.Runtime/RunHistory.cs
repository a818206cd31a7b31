using System.Collections.Concurrent;

namespace ManifestCompiler.Runtime;

/// <summary>One run as the host saw it: when it started and ended, how, and the company whose instance ran it.</summary>
public sealed record RunRecord(
    string RunId,
    string CorrelationId,
    string InstanceId,
    string? CompanyId,
    string Action,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string Status,
    string? Error)
{
    public TimeSpan? Duration => EndedAt - StartedAt;
}

/// <summary>
/// The last runs this host carried out, in memory (the Debug panel's runs table, <c>GET /runs</c>): what a person
/// debugging wants to see, not a ledger; the durable facts stay in the queue, the records and the event log.
/// </summary>
public sealed class RunHistory(int capacity = 1000)
{
    private readonly ConcurrentDictionary<string, RunRecord> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    internal void Started(RunRequest run, string? companyId, DateTimeOffset at)
    {
        // A run deferred by a rate limit starts again later under the same id: the first start stays.
        if (_runs.TryAdd(run.RunId, new RunRecord(run.RunId, run.CorrelationId, run.InstanceId, companyId, run.Action, at, null, "Running", null)))
        {
            _order.Enqueue(run.RunId);
            while (_order.Count > capacity && _order.TryDequeue(out var oldest))
            {
                _runs.TryRemove(oldest, out _);
            }
        }
    }

    internal void Deferred(RunRequest run) => Update(run.RunId, r => r with { Status = "Waiting" });

    internal void Ended(RunOutcome outcome, DateTimeOffset at) =>
        Update(outcome.Run.RunId, r => r with { EndedAt = at, Status = outcome.Status.ToString(), Error = outcome.Error });

    private void Update(string runId, Func<RunRecord, RunRecord> change)
    {
        while (_runs.TryGetValue(runId, out var current) && !_runs.TryUpdate(runId, change(current), current))
        {
        }
    }

    /// <summary>The runs still remembered, newest first.</summary>
    public IReadOnlyList<RunRecord> List() => [.. _runs.Values.OrderByDescending(r => r.StartedAt)];
}
