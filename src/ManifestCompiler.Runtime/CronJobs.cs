using System.Collections.Concurrent;

namespace ManifestCompiler.Runtime;

/// <summary>
/// A recurring run made by <c>create_cron_job</c>: the action and payload queued at each occurrence of the cron
/// expression (UTC). <see cref="Cursor"/> is the last time the job was looked at; the next occurrence after it is
/// due next. A job's id is its instance and name, so creating it again replaces it.
/// </summary>
public sealed record CronJob(string InstanceId, string Name, string Action, string PayloadJson, string Cron, DateTimeOffset Cursor)
{
    public string Id => $"{InstanceId}:{Name}";
}

/// <summary>Recurring jobs (durable in the SQLite store, so a restarted host keeps its schedules).</summary>
public interface ICronJobStore
{
    Task SaveJobAsync(CronJob job, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<CronJob>> ListJobsAsync(CancellationToken cancellationToken = default);

    Task DeleteJobsAsync(string instanceId, CancellationToken cancellationToken = default);
}

public sealed class InMemoryCronJobStore : ICronJobStore
{
    private readonly ConcurrentDictionary<string, CronJob> _jobs = new(StringComparer.Ordinal);

    public Task SaveJobAsync(CronJob job, CancellationToken cancellationToken = default)
    {
        _jobs[job.Id] = job;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CronJob>> ListJobsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<CronJob>>([.. _jobs.Values.OrderBy(j => j.Id, StringComparer.Ordinal)]);

    public Task DeleteJobsAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        foreach (var job in _jobs.Values.Where(j => j.InstanceId == instanceId).ToList())
        {
            _jobs.TryRemove(job.Id, out _);
        }
        return Task.CompletedTask;
    }
}
