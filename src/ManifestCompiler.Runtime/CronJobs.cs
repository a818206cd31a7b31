namespace ManifestCompiler.Runtime;

/// <summary>
/// A recurring run: the action and payload queued at each occurrence of the cron expression (UTC). Made by
/// <c>create_cron_job</c>, or by a sync-users manifest's <c>schedule</c> (<see cref="ScheduleName"/>).
/// <see cref="Cursor"/> is the last time the job was looked at; the next occurrence after it is due next.
/// <see cref="NextDue"/> is that occurrence as last computed (null: not computed yet, looked at on the next turn), so
/// hosts query only the jobs that are due. A job's id is its instance and name, so creating it again replaces it.
/// </summary>
public sealed record CronJob(string InstanceId, string Name, string Action, string PayloadJson, string Cron, DateTimeOffset Cursor, DateTimeOffset? NextDue = null)
{
    /// <summary>The name of the job a sync-users manifest's <c>schedule</c> keeps for each of its instances.</summary>
    public const string ScheduleName = "schedule";

    /// <summary>The next due time of a schedule that never fires again (such as <c>0 0 30 2 *</c>), so it is not looked at every turn.</summary>
    public static readonly DateTimeOffset Never = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    public string Id => $"{InstanceId}:{Name}";
}

/// <summary>
/// Recurring jobs, durable in the SQLite and PostgreSQL stores (a restarted host keeps its schedules and their
/// cursors), shared by every host of a database. Cursors move only by compare-and-set
/// (<see cref="AdvanceJobAsync"/>), so hosts looking at the same job at once never move a cursor past an occurrence
/// none of them queued (docs/runtime.md, "Schedules across hosts").
/// </summary>
public interface ICronJobStore
{
    /// <summary>Inserts or replaces the job, cursor included (<c>create_cron_job</c> again starts the job afresh).</summary>
    Task SaveJobAsync(CronJob job, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts the job if its id is new; an existing job keeps its cursor and takes the job's action, payload and cron
    /// (its next due time is computed again when the cron changed). A sync-users schedule is kept this way, so a host
    /// starting or a plan deployed never moves a cursor back or forth.
    /// </summary>
    Task EnsureJobAsync(CronJob job, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<CronJob>> ListJobsAsync(CancellationToken cancellationToken = default);

    /// <summary>The jobs whose next due time is at or before <paramref name="now"/>, or not computed yet (by the next-due index).</summary>
    Task<IReadOnlyList<CronJob>> ListDueJobsAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Compare-and-set: moves <paramref name="job"/>'s cursor to <paramref name="cursor"/> and records
    /// <paramref name="nextDue"/>, only if the stored job still has the cursor and cron it was read with. False (nothing
    /// changes) when another host moved it first, or it was replaced or deleted.
    /// </summary>
    Task<bool> AdvanceJobAsync(CronJob job, DateTimeOffset cursor, DateTimeOffset? nextDue, CancellationToken cancellationToken = default);

    /// <summary>The earliest next due time of any job (null: none computed).</summary>
    Task<DateTimeOffset?> NextJobDueAsync(CancellationToken cancellationToken = default);

    Task DeleteJobAsync(string instanceId, string name, CancellationToken cancellationToken = default);

    Task DeleteJobsAsync(string instanceId, CancellationToken cancellationToken = default);
}

public sealed class InMemoryCronJobStore : ICronJobStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, CronJob> _jobs = new(StringComparer.Ordinal);

    public Task SaveJobAsync(CronJob job, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _jobs[job.Id] = job;
        }
        return Task.CompletedTask;
    }

    public Task EnsureJobAsync(CronJob job, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _jobs[job.Id] = _jobs.TryGetValue(job.Id, out var stored)
                ? stored with { Action = job.Action, PayloadJson = job.PayloadJson, Cron = job.Cron, NextDue = stored.Cron == job.Cron ? stored.NextDue : null }
                : job;
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CronJob>> ListJobsAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CronJob>>([.. _jobs.Values.OrderBy(j => j.Id, StringComparer.Ordinal)]);
        }
    }

    public Task<IReadOnlyList<CronJob>> ListDueJobsAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CronJob>>([.. _jobs.Values.Where(j => j.NextDue is null || j.NextDue <= now).OrderBy(j => j.Id, StringComparer.Ordinal)]);
        }
    }

    public Task<bool> AdvanceJobAsync(CronJob job, DateTimeOffset cursor, DateTimeOffset? nextDue, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_jobs.TryGetValue(job.Id, out var stored) || stored.Cursor != job.Cursor || stored.Cron != job.Cron)
            {
                return Task.FromResult(false);
            }
            _jobs[job.Id] = stored with { Cursor = cursor, NextDue = nextDue };
            return Task.FromResult(true);
        }
    }

    public Task<DateTimeOffset?> NextJobDueAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_jobs.Values.Min(j => j.NextDue));
        }
    }

    public Task DeleteJobAsync(string instanceId, string name, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _jobs.Remove($"{instanceId}:{name}");
        }
        return Task.CompletedTask;
    }

    public Task DeleteJobsAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            foreach (var id in _jobs.Values.Where(j => j.InstanceId == instanceId).Select(j => j.Id).ToList())
            {
                _jobs.Remove(id);
            }
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// Queues the occurrences of every due <see cref="CronJob"/>, whichever engine made it (docs/runtime.md, "Schedules
/// across hosts"). Per job: the occurrence is queued first (its idempotency key is the occurrence, so queueing it again
/// is a no-op), then the cursor is moved by compare-and-set. A host that dies between the two leaves the cursor where it
/// was, and the next look (any host's) queues the same key again, which does nothing; a host that loses the
/// compare-and-set looks at the job again on its next turn. So each occurrence is queued once, by one host or several.
/// </summary>
internal static class CronJobScheduler
{
    /// <summary>Queues what came due by <paramref name="now"/>; returns the earliest next due time of any job.</summary>
    public static async Task<DateTimeOffset?> QueueDueAsync(RuntimeServices services, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var job in await services.CronJobs.ListDueJobsAsync(now, cancellationToken).ConfigureAwait(false))
        {
            if (Support.Cron.CronScheduleParser.Parse(job.Cron, out _) is not { } schedule)
            {
                continue; // validated when created; a job is never stored with a bad expression
            }
            var (due, upcoming) = schedule.DueBetween(job.Cursor, now);
            if (due is { } occurrence)
            {
                await services.QueueOccurrenceAsync(job.Id, job.InstanceId, job.Action, job.PayloadJson, occurrence, cancellationToken).ConfigureAwait(false);
                await services.CronJobs.AdvanceJobAsync(job, now, upcoming ?? CronJob.Never, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Not due (its next due time was not computed yet): record it, keeping the cursor.
                await services.CronJobs.AdvanceJobAsync(job, job.Cursor, upcoming ?? CronJob.Never, cancellationToken).ConfigureAwait(false);
            }
        }
        return await services.CronJobs.NextJobDueAsync(cancellationToken).ConfigureAwait(false) is { } next && next < CronJob.Never ? next : null;
    }
}
