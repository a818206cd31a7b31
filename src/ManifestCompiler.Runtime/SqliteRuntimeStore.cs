using ManifestCompiler.Runtime.Support.Json;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace ManifestCompiler.Runtime;

/// <summary>
/// The embedded store (SQLite, no server): connected instances with their tokens encrypted, the durable run queue,
/// mapped records and mapping failures. A run taken but not completed when the host stopped is queued again when
/// the store opens; enqueueing and record writes are idempotent by key, so a run executed again writes nothing twice.
/// Durability (docs/runtime.md, "Durability of the SQLite store"): WAL with <c>synchronous = NORMAL</c>; a commit that
/// answers someone outside (a caller's or a schedule's run queued, tokens, cron jobs, OAuth states) syncs the log, and
/// so does the first commit after <see cref="SyncInterval"/>. A run's records are written with its completion, in one
/// transaction.
/// </summary>
public sealed class SqliteRuntimeStore : IInstanceStore, IRunQueue, IRunQueueWakeup, IRecordSink, ICronJobStore, IOAuthStateStore, IDeadLetterStore, IDisposable
{
    private readonly RunQueueSignal _signal = new();
    private readonly SqliteConnection _connection;
    private readonly TokenProtector _protector;
    private readonly SemaphoreSlim _gate = new(1, 1);
    // Under _gate: the runs this store handed out and has not seen completed or deferred, with the record writes each
    // has made so far (written with its completion), and the connection's synchronous setting and last log sync.
    private readonly Dictionary<string, List<PendingWrite>> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private bool _synchronousFull = true;
    private bool _unsynced;
    private long _lastSync = Stopwatch.GetTimestamp();

    /// <summary>The longest a commit that is not synced itself waits for a sync: what a power loss can cost at most (docs/runtime.md).</summary>
    public static readonly TimeSpan SyncInterval = TimeSpan.FromSeconds(1);

    /// <summary>A run's record writes are held until its completion; past this many they are written in a transaction of their own.</summary>
    private const int MaxPendingWrites = 512;

    /// <summary>A write held for its run's completion; <paramref name="QueuesRun"/>: it queues a child run (wakes idle loops once written).</summary>
    private sealed record PendingWrite(string Sql, (string Name, object? Value)[] Parameters, bool QueuesRun = false);

    private SqliteRuntimeStore(SqliteConnection connection, TokenProtector protector)
    {
        _connection = connection;
        _protector = protector;
    }

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/>, and requeues runs a stopped host had taken.</summary>
    public static SqliteRuntimeStore Open(string path, TokenProtector protector)
    {
        var store = new SqliteRuntimeStore(SqliteFiles.OpenMigrated(path), protector);
        // A run still taken is one whose host died while running it. After MaxCrashes of those it is a poison run:
        // it goes to the dead letters with its last error, and the rest of the queue keeps moving.
        store.Execute(
            """
            UPDATE runs SET crashes = crashes + 1, last_error = $error WHERE state = 'taken';
            UPDATE runs SET state = 'dead' WHERE state = 'taken' AND crashes >= $max;
            UPDATE runs SET state = 'queued', lease_id = NULL, lease_owner = NULL, lease_expires_at = NULL WHERE state = 'taken';
            """,
            ("$error", RunLeases.HostStopped), ("$max", MaxCrashes));
        return store;
    }

    /// <summary>How many times a host may die while running a run before it is dead-lettered.</summary>
    public const int MaxCrashes = RunLeases.MaxCrashes;

    /// <inheritdoc/>
    public Task<IReadOnlyList<(RunRequest Run, int Crashes, string? LastError)>> ListDeadRunsAsync(CancellationToken cancellationToken = default) =>
        Locked<IReadOnlyList<(RunRequest, int, string?)>>(() =>
        {
            var runs = ReadRuns("WHERE state = 'dead' ORDER BY seq", null, new List<string>());
            var command = Command("SELECT crashes, last_error FROM runs WHERE state = 'dead' ORDER BY seq");
            using var reader = command.ExecuteReader();
            var dead = new List<(RunRequest, int, string?)>();
            for (var i = 0; reader.Read() && i < runs.Count; i++)
            {
                dead.Add((runs[i], reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
            }
            return dead;
        });

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        _connection.Dispose();
        _gate.Dispose();
    }

    // --- instances ----------------------------------------------------------------------------------

    public Task<IntegrationInstance?> GetAsync(string instanceId, CancellationToken cancellationToken = default) =>
        Locked(() => ReadInstances("WHERE id = $id", ("$id", instanceId)).FirstOrDefault());

    public Task<IReadOnlyList<IntegrationInstance>> ListAsync(CancellationToken cancellationToken = default) =>
        Locked<IReadOnlyList<IntegrationInstance>>(() => ReadInstances("ORDER BY id"));

    public Task SaveAsync(IntegrationInstance instance, CancellationToken cancellationToken = default) => Locked(() => Synced(() =>
        Execute(
            "INSERT OR REPLACE INTO instances (id, integration, idx, company_id, tokens, tokens_stored_at, dialect) VALUES ($id, $integration, $idx, $company, $tokens, $at, $dialect)",
            ("$id", instance.Id), ("$integration", instance.Integration), ("$idx", instance.Index), ("$company", instance.CompanyId),
            ("$tokens", _protector.Protect(instance.Tokens.ToJsonString())), ("$at", instance.TokensStoredAt.ToUnixTimeMilliseconds()), ("$dialect", instance.Dialect.ToString()))));

    public Task<bool> DeleteAsync(string instanceId, CancellationToken cancellationToken = default) =>
        Locked(() => Synced(() => Execute("DELETE FROM instances WHERE id = $id", ("$id", instanceId)) > 0));

    private List<IntegrationInstance> ReadInstances(string where, params (string, object?)[] parameters)
    {
        var command = Command($"SELECT integration, idx, company_id, tokens, tokens_stored_at, dialect FROM instances {where}", parameters);
        using var reader = command.ExecuteReader();
        var instances = new List<IntegrationInstance>();
        while (reader.Read())
        {
            var tokens = DataJson.ParseNode(_protector.Unprotect((byte[])reader["tokens"])) as JsonObject ?? [];
            instances.Add(new IntegrationInstance(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), tokens, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), Enum.Parse<ManifestDialect>(reader.GetString(5))));
        }
        return instances;
    }

    // --- the run queue ------------------------------------------------------------------------------

    /// <summary>Wakes this process's idle loops when a run is queued (one host per SQLite file).</summary>
    public Task NextWakeup() => _signal.NextWakeup();

    /// <summary>
    /// Queues <paramref name="run"/>; a child of a run this store handed out is held for its parent's completion (see
    /// <see cref="EnqueueLockedAsync"/>) and answers true: the key is checked when it is written, where a duplicate is a no-op.
    /// </summary>
    public async Task<bool> EnqueueAsync(RunRequest run, CancellationToken cancellationToken = default)
    {
        var (queued, written) = await EnqueueLockedAsync(run).ConfigureAwait(false);
        if (written)
        {
            _signal.Set();
        }
        return queued;
    }

    // A run queued by a run (its parent) is that run's effect, written with the parent's completion in its transaction
    // (or with a batch of its held writes, see Write), like its records: if the host dies first, the parent executes again
    // and queues it under the same key; if a power loss takes the completion back, it takes the child back with it (the
    // log keeps a prefix). So a parent's children become due when it ends, and a fan-out of thousands costs one commit.
    // Any other run was promised to someone (a webhook's 202, an API caller, a schedule's cursor): synced before the answer.
    private Task<(bool Queued, bool Written)> EnqueueLockedAsync(RunRequest run) => Locked(() =>
    {
        var insert = new PendingWrite(
            """
            INSERT OR IGNORE INTO runs (run_id, idempotency_key, correlation_id, instance_id, action, payload, not_before, parent_run_id, retries_left, caller, state)
            VALUES ($run, $key, $correlation, $instance, $action, $payload, $due, $parent, $retries, $caller, 'queued')
            """,
            [("$run", run.RunId), ("$key", run.IdempotencyKey), ("$correlation", run.CorrelationId), ("$instance", run.InstanceId),
                ("$action", run.Action), ("$payload", Seal(run.PayloadJson)), ("$due", run.NotBefore.ToUnixTimeMilliseconds()),
                ("$parent", run.ParentRunId), ("$retries", run.RetriesLeft), ("$caller", CallerColumn(run.Caller))],
            QueuesRun: true);
        if (run.ParentRunId is not null && _pending.TryGetValue(run.ParentRunId, out var writes))
        {
            Hold(writes, insert);
            return (true, false); // nothing to wake before it is written
        }
        var written = Commit(run.ParentRunId is null, () => Execute(insert.Sql, insert.Parameters)) > 0;
        return (written, written);
    });

    // The platform's own caller is most runs' (children, webhooks, schedules): its column value is made once.
    private static readonly string SystemCallerColumn = JsonSerializer.Serialize(RunCaller.System);

    private static string? CallerColumn(RunCaller? caller) => caller switch
    {
        null => null,
        _ when caller == RunCaller.System => SystemCallerColumn,
        _ => JsonSerializer.Serialize(caller),
    };

    public Task<TakenRun?> TryTakeDueAsync(DateTimeOffset now, RunLeaseTerms terms, CancellationToken cancellationToken = default) => Locked(() =>
    {
        var taken = Commit(false, () =>
        {
            using var transaction = _connection.BeginTransaction();
            var run = Take(now, terms, transaction);
            transaction.Commit();
            return Taken(run);
        });
        if (taken is null)
        {
            SyncWhenIdle();
        }
        return taken;
    });

    /// <summary>The completion, what the run buffered and the next take in one transaction: one commit per run fewer.</summary>
    public Task<(bool Completed, TakenRun? Next)> CompleteAndTakeNextAsync(RunLease lease, DateTimeOffset now, RunLeaseTerms terms, CancellationToken cancellationToken = default) => Locked(() =>
    {
        var (completed, next) = Commit(false, () =>
        {
            using var transaction = _connection.BeginTransaction();
            var ended = End(lease, CompleteSql, transaction);
            var run = Take(now, terms, transaction);
            transaction.Commit();
            Ended(lease, ended);
            return (ended, Taken(run));
        });
        if (next is null)
        {
            SyncWhenIdle();
        }
        return (completed, next);
    });

    // The columns ReadRun reads, in its order.
    private const string RunColumns = "run_id, correlation_id, instance_id, action, payload, not_before, idempotency_key, parent_run_id, retries_left, caller";

    /// <summary>Leases the next due run inside <paramref name="transaction"/>; the caller commits, then calls <see cref="Taken"/>.</summary>
    private TakenRun? Take(DateTimeOffset now, RunLeaseTerms terms, SqliteTransaction transaction)
    {
        var at = now.ToUnixTimeMilliseconds();
        while (true)
        {
            var unreadable = new List<string>();
            RunRequest run;
            string? expiredOwner;
            // Each branch walks the runs_due index to its first row; one WHERE with OR would read every due run and sort them.
            var command = Command(
                $"""
                SELECT {RunColumns}, lease_owner FROM (
                    SELECT * FROM (SELECT {RunColumns}, lease_owner, seq FROM runs WHERE state = 'queued' AND not_before <= $now ORDER BY not_before, seq LIMIT 1)
                    UNION ALL
                    SELECT * FROM (SELECT {RunColumns}, lease_owner, seq FROM runs WHERE state = 'taken' AND lease_expires_at <= $now AND lease_owner <> $owner ORDER BY not_before, seq LIMIT 1))
                ORDER BY not_before, seq LIMIT 1
                """, transaction, ("$now", at), ("$owner", terms.Owner));
            using (var reader = command.ExecuteReader())
            {
                if (!reader.Read())
                {
                    return null;
                }
                run = ReadRun(reader, unreadable);
                expiredOwner = reader.IsDBNull(10) ? null : reader.GetString(10);
            }
            var runId = run.RunId;
            if (expiredOwner is not null)
            {
                // A take-over: the lease's host died or hung. Counted like a crash, so a run that kills every host
                // that takes it ends in the dead letters instead of going round the hosts for ever.
                Execute("UPDATE runs SET crashes = crashes + 1, last_error = $error WHERE run_id = $run", transaction, ("$run", runId), ("$error", RunLeases.Expired(expiredOwner)));
                if (Execute("UPDATE runs SET state = 'dead', lease_id = NULL, lease_owner = NULL, lease_expires_at = NULL WHERE run_id = $run AND crashes >= $max", transaction, ("$run", runId), ("$max", MaxCrashes)) > 0)
                {
                    continue;
                }
            }
            if (unreadable.Count > 0)
            {
                // Poison data never wedges the queue: a payload this key cannot open goes to the dead letters, visibly.
                Execute("UPDATE runs SET state = 'dead', last_error = $error, lease_id = NULL, lease_owner = NULL, lease_expires_at = NULL WHERE run_id = $run", transaction,
                    ("$run", runId), ("$error", "the run's payload cannot be decrypted with this store's token key"));
                continue;
            }
            var lease = new RunLease(runId, RunLeases.NewLeaseId(), terms.Owner, RunLeases.ExpiryOf(now, terms.Duration));
            Execute("UPDATE runs SET state = 'taken', lease_id = $lease, lease_owner = $owner, lease_expires_at = $expires WHERE run_id = $run", transaction,
                ("$run", runId), ("$lease", lease.LeaseId), ("$owner", lease.Owner), ("$expires", lease.ExpiresAt.ToUnixTimeMilliseconds()));
            return new TakenRun(run, lease);
        }
    }

    /// <summary>After the take's commit: a run taken over from another host (or a lease of this store's own earlier take) keeps what it buffered.</summary>
    private TakenRun? Taken(TakenRun? taken)
    {
        if (taken is not null && !_pending.ContainsKey(taken.Run.RunId))
        {
            _pending[taken.Run.RunId] = [];
        }
        return taken;
    }

    public Task<bool> RenewAsync(RunLease lease, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        Locked(() => Commit(false, () => Execute("UPDATE runs SET lease_expires_at = $expires WHERE run_id = $run AND state = 'taken' AND lease_id = $lease",
            ("$run", lease.RunId), ("$lease", lease.LeaseId), ("$expires", expiresAt.ToUnixTimeMilliseconds()))) > 0);

    private const string CompleteSql = "UPDATE runs SET state = 'done', lease_id = NULL, lease_owner = NULL, lease_expires_at = NULL WHERE run_id = $run AND state = 'taken' AND lease_id = $lease";

    /// <summary>Marks the run done in one transaction with the records it wrote (see <see cref="WriteAsync"/>).</summary>
    public Task<bool> CompleteAsync(RunLease lease, CancellationToken cancellationToken = default) => EndAsync(lease, CompleteSql);

    public Task<bool> DeferAsync(RunLease lease, DateTimeOffset notBefore, CancellationToken cancellationToken = default) =>
        EndAsync(lease, "UPDATE runs SET state = 'queued', not_before = $due, lease_id = NULL, lease_owner = NULL, lease_expires_at = NULL WHERE run_id = $run AND state = 'taken' AND lease_id = $lease",
            ("$due", notBefore.ToUnixTimeMilliseconds()));

    /// <summary>
    /// Writes what the run buffered and ends its lease (<paramref name="sql"/>) in one transaction. The records are
    /// written even when the lease turned out stale: they are the run's, keyed by it, and the host that took it over
    /// writes the same keys. Not synced itself (see <see cref="Commit{T}"/>): a power loss that takes the completion
    /// back takes back the records with it, and the run executes again.
    /// </summary>
    private Task<bool> EndAsync(RunLease lease, string sql, params (string Name, object? Value)[] parameters) => Locked(() => Commit(false, () =>
    {
        // A run that wrote nothing ends in one statement, which is its own transaction.
        using var transaction = _pending.TryGetValue(lease.RunId, out var writes) && writes.Count > 0 ? _connection.BeginTransaction() : null;
        var ended = End(lease, sql, transaction, parameters);
        transaction?.Commit();
        Ended(lease, ended);
        return ended;
    }));

    /// <summary>Writes what the run buffered and ends its lease with <paramref name="sql"/>; true unless the lease was stale.</summary>
    private bool End(RunLease lease, string sql, SqliteTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        if (transaction is not null && _pending.TryGetValue(lease.RunId, out var writes))
        {
            WritePending(writes, transaction);
        }
        return Execute(sql, transaction, [("$run", lease.RunId), ("$lease", lease.LeaseId), .. parameters]) > 0;
    }

    /// <summary>After the end's commit: what the run held is written, and a run that ended no longer holds writes.</summary>
    private void Ended(RunLease lease, bool ended)
    {
        if (ended)
        {
            _pending.Remove(lease.RunId);
        }
        else if (_pending.TryGetValue(lease.RunId, out var writes))
        {
            writes.Clear();
        }
    }

    private void WritePending(List<PendingWrite> writes, SqliteTransaction transaction)
    {
        // The held writes are dropped by the caller once the transaction committed (a failed commit keeps them for the
        // run's next ending); written twice, they are no-ops by key.
        var queuesRuns = false;
        foreach (var write in writes)
        {
            Execute(write.Sql, transaction, write.Parameters);
            queuesRuns |= write.QueuesRun;
        }
        if (queuesRuns)
        {
            // Woken loops take after this commit: they wait for the store's gate, which this write holds until then.
            _signal.Set();
        }
    }

    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default) => Locked(() =>
    {
        var command = Command("SELECT MIN(not_before) FROM runs WHERE state = 'queued'");
        return command.ExecuteScalar() is long due ? DateTimeOffset.FromUnixTimeMilliseconds(due) : (DateTimeOffset?)null;
    });

    /// <summary>How many runs are in each state (for hosts and tests).</summary>
    public Task<IReadOnlyDictionary<string, int>> CountRunsAsync() =>
        Locked(() => SqliteFiles.ReadIntegersByKey(_connection, "SELECT state, COUNT(*) FROM runs GROUP BY state"));

    private List<RunRequest> ReadRuns(string where, SqliteTransaction? transaction, params (string, object?)[] parameters) =>
        ReadRuns(where, transaction, null, parameters);

    /// <summary>The runs <paramref name="where"/> selects; a payload that cannot be opened reads as "" and its run id goes
    /// to <paramref name="unreadable"/> (or, without that list, the error is thrown).</summary>
    private List<RunRequest> ReadRuns(string where, SqliteTransaction? transaction, List<string>? unreadable, params (string, object?)[] parameters)
    {
        var command = Command($"SELECT {RunColumns} FROM runs {where}", transaction, parameters);
        using var reader = command.ExecuteReader();
        var runs = new List<RunRequest>();
        while (reader.Read())
        {
            runs.Add(ReadRun(reader, unreadable));
        }
        return runs;
    }

    /// <summary>The run at the reader's row (<see cref="RunColumns"/> first); see <see cref="ReadRuns(string, SqliteTransaction?, List{string}?, ValueTuple{string, object?}[])"/> for <paramref name="unreadable"/>.</summary>
    private RunRequest ReadRun(SqliteDataReader reader, List<string>? unreadable)
    {
        string payload;
        try
        {
            payload = Open(reader.GetString(4));
        }
        catch (Exception e) when (unreadable is not null && e is CryptographicException or FormatException)
        {
            unreadable.Add(reader.GetString(0));
            payload = "";
        }
        return new RunRequest(
            reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), payload,
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), reader.GetString(6),
            reader.IsDBNull(7) ? null : reader.GetString(7),
            reader.IsDBNull(8) ? null : reader.GetInt32(8),
            reader.IsDBNull(9) ? null : JsonSerializer.Deserialize<RunCaller>(reader.GetString(9)));
    }

    // --- cron jobs ------------------------------------------------------------------------------------

    public Task SaveJobAsync(CronJob job, CancellationToken cancellationToken = default) => Locked(() => Synced(() =>
        Execute(
            "INSERT OR REPLACE INTO cron_jobs (id, instance_id, name, action, payload, cron, cursor, next_due) VALUES ($id, $instance, $name, $action, $payload, $cron, $cursor, $next)",
            JobParameters(job))));

    public Task EnsureJobAsync(CronJob job, CancellationToken cancellationToken = default) => Locked(() =>
        Execute(
            """
            INSERT INTO cron_jobs (id, instance_id, name, action, payload, cron, cursor, next_due) VALUES ($id, $instance, $name, $action, $payload, $cron, $cursor, $next)
            ON CONFLICT (id) DO UPDATE SET action = excluded.action, payload = excluded.payload, cron = excluded.cron,
                next_due = CASE WHEN cron_jobs.cron = excluded.cron THEN cron_jobs.next_due END
            """,
            JobParameters(job)));

    private (string, object?)[] JobParameters(CronJob job) =>
    [
        ("$id", job.Id), ("$instance", job.InstanceId), ("$name", job.Name), ("$action", job.Action), ("$payload", Seal(job.PayloadJson)),
        ("$cron", job.Cron), ("$cursor", job.Cursor.ToUnixTimeMilliseconds()), ("$next", job.NextDue?.ToUnixTimeMilliseconds()),
    ];

    public Task<IReadOnlyList<CronJob>> ListJobsAsync(CancellationToken cancellationToken = default) => Locked(() => ReadJobs("ORDER BY id"));

    public Task<IReadOnlyList<CronJob>> ListDueJobsAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Locked(() => ReadJobs("WHERE next_due IS NULL OR next_due <= $now ORDER BY id", ("$now", now.ToUnixTimeMilliseconds())));

    private IReadOnlyList<CronJob> ReadJobs(string where, params (string, object?)[] parameters)
    {
        var command = Command($"SELECT instance_id, name, action, payload, cron, cursor, next_due FROM cron_jobs {where}", parameters);
        using var reader = command.ExecuteReader();
        var jobs = new List<CronJob>();
        while (reader.Read())
        {
            jobs.Add(new CronJob(reader.GetString(0), reader.GetString(1), reader.GetString(2), Open(reader.GetString(3)), reader.GetString(4), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
        }
        return jobs;
    }

    public Task<bool> AdvanceJobAsync(CronJob job, DateTimeOffset cursor, DateTimeOffset? nextDue, CancellationToken cancellationToken = default) => Locked(() =>
        Execute(
            "UPDATE cron_jobs SET cursor = $cursor, next_due = $next WHERE id = $id AND cursor = $read AND cron = $cron",
            ("$id", job.Id), ("$read", job.Cursor.ToUnixTimeMilliseconds()), ("$cron", job.Cron), ("$cursor", cursor.ToUnixTimeMilliseconds()), ("$next", nextDue?.ToUnixTimeMilliseconds())) > 0);

    public Task<DateTimeOffset?> NextJobDueAsync(CancellationToken cancellationToken = default) => Locked(() =>
    {
        var command = Command("SELECT MIN(next_due) FROM cron_jobs");
        return command.ExecuteScalar() is long due ? DateTimeOffset.FromUnixTimeMilliseconds(due) : (DateTimeOffset?)null;
    });

    public Task DeleteJobAsync(string instanceId, string name, CancellationToken cancellationToken = default) =>
        Locked(() => Synced(() => Execute("DELETE FROM cron_jobs WHERE id = $id", ("$id", $"{instanceId}:{name}"))));

    public Task DeleteJobsAsync(string instanceId, CancellationToken cancellationToken = default) =>
        Locked(() => Synced(() => Execute("DELETE FROM cron_jobs WHERE instance_id = $instance", ("$instance", instanceId))));

    // --- OAuth states -------------------------------------------------------------------------------

    public Task SaveAsync(string nonceHash, OAuthState state, DateTimeOffset now, CancellationToken cancellationToken = default) => Locked(() => Synced(() =>
    {
        Execute("DELETE FROM oauth_states WHERE expires_at <= $now", ("$now", now.ToUnixTimeMilliseconds()));
        return Execute(
            "INSERT INTO oauth_states (nonce_hash, company_id, integration, instance_id, redirect, expires_at) VALUES ($hash, $company, $integration, $instance, $redirect, $expires)",
            ("$hash", nonceHash), ("$company", state.CompanyId), ("$integration", state.Integration), ("$instance", state.InstanceId),
            ("$redirect", state.Redirect), ("$expires", state.ExpiresAt.ToUnixTimeMilliseconds()));
    }));

    public Task<OAuthState?> TakeAsync(string nonceHash, CancellationToken cancellationToken = default) => Locked(() => Synced(() =>
    {
        // DELETE … RETURNING: the read and the removal are one statement, so a nonce is redeemed at most once.
        var command = Command("DELETE FROM oauth_states WHERE nonce_hash = $hash RETURNING company_id, integration, instance_id, redirect, expires_at", ("$hash", nonceHash));
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new OAuthState(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)))
            : null;
    }));

    // --- records ------------------------------------------------------------------------------------

    /// <summary>
    /// A record of a run this store handed out is written with the run's completion (<see cref="CompleteAsync"/>), in
    /// the same transaction: if the host dies first, the run is queued again and writes it then, under the same key.
    /// Any other record (a run not taken from this queue, such as a removal's <c>deleteAction</c>) is written and synced at once.
    /// </summary>
    public Task WriteAsync(MappedRecord record, CancellationToken cancellationToken = default) => Write(record.RunId, new PendingWrite(
        "INSERT OR IGNORE INTO records (key, instance_id, action, run_id, record_type, record) VALUES ($key, $instance, $action, $run, $type, $record)",
        [("$key", record.Key), ("$instance", record.InstanceId), ("$action", record.Action), ("$run", record.RunId),
            ("$type", record.Record.GetType().FullName), ("$record", Seal(JsonSerializer.Serialize(record.Record, record.Record.GetType())))]));

    /// <summary>Like <see cref="WriteAsync"/>: with the run's completion.</summary>
    public Task WriteFailureAsync(MappingFailure failure, CancellationToken cancellationToken = default) => Write(failure.RunId, new PendingWrite(
        "INSERT OR IGNORE INTO mapping_failures (key, instance_id, action, run_id, errors, record) VALUES ($key, $instance, $action, $run, $errors, $record)",
        [("$key", failure.Key), ("$instance", failure.InstanceId), ("$action", failure.Action), ("$run", failure.RunId),
            ("$errors", Seal(JsonSerializer.Serialize(failure.Errors))), ("$record", Seal(failure.RecordJson))]));

    private Task Write(string runId, PendingWrite write) => Locked(() =>
    {
        if (!_pending.TryGetValue(runId, out var writes))
        {
            return Synced(() => Execute(write.Sql, write.Parameters));
        }
        Hold(writes, write);
        return 0;
    });

    /// <summary>Holds <paramref name="write"/> for its run's completion (under the gate).</summary>
    private void Hold(List<PendingWrite> writes, PendingWrite write)
    {
        writes.Add(write);
        if (writes.Count >= MaxPendingWrites)
        {
            // A run writing many records or children: in batches, so memory stays bounded; still the run's effects, re-made by a re-execution.
            Commit(false, () =>
            {
                using var transaction = _connection.BeginTransaction();
                WritePending(writes, transaction);
                transaction.Commit();
                writes.Clear();
                return 0;
            });
        }
    }

    /// <summary>The stored records of an action as JSON, in the order they were written.</summary>
    public Task<IReadOnlyList<string>> ReadRecordsAsync(string action) => Locked<IReadOnlyList<string>>(() =>
    {
        var command = Command("SELECT record FROM records WHERE action = $action ORDER BY rowid", ("$action", action));
        using var reader = command.ExecuteReader();
        var records = new List<string>();
        while (reader.Read())
        {
            records.Add(Open(reader.GetString(0)));
        }
        return records;
    });

    // --- plumbing -----------------------------------------------------------------------------------

    private string Seal(string plaintext) => _protector.Seal(plaintext);

    private string Open(string stored) => _protector.Open(stored);

    private Task<T> Locked<T>(Func<T> body) => SqliteFiles.Locked(_gate, body);

    private Task Locked(Func<int> body) => Locked<int>(body);

    /// <summary>A commit that answers someone outside this store: synced to disk before it returns.</summary>
    private T Synced<T>(Func<T> body) => Commit(true, body);

    /// <summary>
    /// Runs <paramref name="body"/> (one commit) with <c>synchronous = FULL</c> when <paramref name="synced"/> or when the
    /// log was last synced <see cref="SyncInterval"/> ago, else <c>NORMAL</c>. In WAL mode a synced commit makes every
    /// commit before it durable too, and after a power loss the log is read up to its first torn frame: what is lost is
    /// always the last commits, never one in the middle (https://www.sqlite.org/wal.html).
    /// </summary>
    private T Commit<T>(bool synced, Func<T> body)
    {
        synced |= Stopwatch.GetElapsedTime(_lastSync) >= SyncInterval;
        if (synced != _synchronousFull)
        {
            Execute(synced ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;");
            _synchronousFull = synced;
        }
        var changes = SQLitePCL.raw.sqlite3_total_changes(_connection.Handle);
        var result = body();
        if (synced)
        {
            _lastSync = Stopwatch.GetTimestamp();
            _unsynced = false;
        }
        else if (SQLitePCL.raw.sqlite3_total_changes(_connection.Handle) != changes)
        {
            _unsynced = true;
        }
        return result;
    }

    /// <summary>
    /// A host that finds nothing to take syncs what its runs committed since the last sync, so an idle host holds
    /// nothing a power loss could take. A checkpoint syncs the log before it copies it (https://www.sqlite.org/wal.html).
    /// </summary>
    private void SyncWhenIdle()
    {
        if (_unsynced)
        {
            var command = Command("PRAGMA wal_checkpoint(PASSIVE);");
            command.ExecuteNonQuery();
            _unsynced = false;
            _lastSync = Stopwatch.GetTimestamp();
        }
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters) => Command(sql, null, parameters);

    /// <summary>
    /// The store's command for <paramref name="sql"/>, prepared once and kept (statements are constants of this class, so
    /// the cache is bounded): preparing the queue's statements again on every run cost more than running them. Owned
    /// by the store, never disposed by its caller; used under <see cref="_gate"/>, one reader at a time.
    /// </summary>
    private SqliteCommand Command(string sql, SqliteTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }
        command.Transaction = transaction;
        command.Parameters.Clear();
        SqliteFiles.Bind(command, parameters);
        return command;
    }

    private int Execute(string sql, params (string Name, object? Value)[] parameters) => Execute(sql, null, parameters);

    private int Execute(string sql, SqliteTransaction? transaction, params (string Name, object? Value)[] parameters) =>
        Command(sql, transaction, parameters).ExecuteNonQuery();
}

/// <summary>
/// API keys in the runtime's database, on a connection of their own: every request looks its key up here (so a
/// revoked key fails at once, also for a running host), without waiting behind the run queue's connection.
/// <c>mfc keys</c> opens it beside a running <c>mfc serve</c>; it never touches the run queue.
/// </summary>
public sealed class SqliteApiKeyStore : IApiKeyStore, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private SqliteApiKeyStore(SqliteConnection connection) => _connection = connection;

    public static SqliteApiKeyStore Open(string path)
    {
        return new SqliteApiKeyStore(SqliteFiles.OpenMigrated(path));
    }

    public void Dispose()
    {
        _connection.Dispose();
        _gate.Dispose();
    }

    public Task AddAsync(ApiKey key, byte[] secretHash, CancellationToken cancellationToken = default) => Locked(() =>
        Execute(
            "INSERT INTO api_keys (id, secret_hash, scope, company_id, user_id, role, created_at, revoked_at) VALUES ($id, $hash, $scope, $company, $user, $role, $created, $revoked)",
            ("$id", key.Id), ("$hash", secretHash), ("$scope", key.Scope.ToString()), ("$company", key.CompanyId), ("$user", key.UserId), ("$role", key.Role),
            ("$created", key.CreatedAt.ToUnixTimeMilliseconds()), ("$revoked", key.RevokedAt?.ToUnixTimeMilliseconds())));

    public Task<(ApiKey Key, byte[] SecretHash)?> FindAsync(string id, CancellationToken cancellationToken = default) => Locked<(ApiKey, byte[])?>(() =>
    {
        using var command = SqliteFiles.Command(_connection, "SELECT id, scope, company_id, user_id, role, created_at, revoked_at, secret_hash FROM api_keys WHERE id = $id", ("$id", id));
        using var reader = command.ExecuteReader();
        return reader.Read() ? (Read(reader), (byte[])reader["secret_hash"]) : null;
    });

    public Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken = default) => Locked<IReadOnlyList<ApiKey>>(() =>
    {
        using var command = SqliteFiles.Command(_connection, "SELECT id, scope, company_id, user_id, role, created_at, revoked_at FROM api_keys ORDER BY created_at, id");
        using var reader = command.ExecuteReader();
        var keys = new List<ApiKey>();
        while (reader.Read())
        {
            keys.Add(Read(reader));
        }
        return keys;
    });

    public Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        Locked(() => Execute("UPDATE api_keys SET revoked_at = $at WHERE id = $id AND revoked_at IS NULL", ("$id", id), ("$at", at.ToUnixTimeMilliseconds())) > 0);

    private static ApiKey Read(SqliteDataReader reader) => new(
        reader.GetString(0), Enum.Parse<ApiKeyScope>(reader.GetString(1)),
        reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)));

    private Task<T> Locked<T>(Func<T> body) => SqliteFiles.Locked(_gate, body);

    private int Execute(string sql, params (string Name, object? Value)[] parameters) => SqliteFiles.Execute(_connection, null, sql, parameters);
}

/// <summary>Opening the runtime's SQLite database and building its commands (shared by its stores).</summary>
internal static class SqliteFiles
{
    /// <summary>Opens (creating with mode 0600 if needed, see <see cref="PrivateFiles"/>) the database in WAL mode; SQLite gives its -wal and -shm files the database file's mode.</summary>
    public static SqliteConnection Open(string path)
    {
        PrivateFiles.EnsureExists(path);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = Command(connection, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 10000;");
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// <see cref="Open"/>, with <c>synchronous = FULL</c> (a store that batches sets its commits' setting itself) and the
    /// schema migrated to this build's version (<see cref="SqliteSchema.Migrate"/>); the connection is closed if that fails.
    /// </summary>
    public static SqliteConnection OpenMigrated(string path)
    {
        var connection = Open(path);
        try
        {
            using (var command = Command(connection, "PRAGMA synchronous = FULL;"))
            {
                command.ExecuteNonQuery();
            }
            SqliteSchema.Migrate(connection, path);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The rows of a two-column query (text, integer) as a map, e.g. counts or latest versions per key.</summary>
    public static IReadOnlyDictionary<string, int> ReadIntegersByKey(SqliteConnection connection, string sql)
    {
        using var command = Command(connection, sql);
        using var reader = command.ExecuteReader();
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read())
        {
            map[reader.GetString(0)] = reader.GetInt32(1);
        }
        return map;
    }

    /// <summary>Runs <paramref name="body"/> alone on a store's connection (a connection serves one command at a time).</summary>
    public static async Task<T> Locked<T>(SemaphoreSlim gate, Func<T> body)
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return body();
        }
        finally
        {
            gate.Release();
        }
    }

    public static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        command.Transaction = transaction;
        return command.ExecuteNonQuery();
    }

    public static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        Bind(command, parameters);
        return command;
    }

    /// <summary>Adds <paramref name="parameters"/> to <paramref name="command"/> (null as SQL NULL).</summary>
    public static void Bind(SqliteCommand command, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
    }
}
