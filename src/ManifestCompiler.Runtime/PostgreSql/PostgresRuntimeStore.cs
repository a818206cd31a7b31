using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Support.Json;
using Npgsql;
using static ManifestCompiler.Runtime.PostgreSql.PostgresCommands;

namespace ManifestCompiler.Runtime.PostgreSql;

/// <summary>
/// The shared store of many hosts (PostgreSQL): the same tables and the same sealing as the SQLite store
/// (<see cref="TokenProtector"/>: tokens AES-256-GCM encrypted, payloads and records sealed), with the run queue taken
/// with <c>FOR UPDATE SKIP LOCKED</c> under leases, so hosts never take the same run and a dead host's runs are taken
/// over once its lease expires (docs/runtime.md, "Deployment"). Unlike SQLite it never requeues taken runs on open:
/// other hosts may be running them.
/// </summary>
public sealed class PostgresRuntimeStore : IInstanceStore, IRunQueue, IRunQueueWakeup, IRecordSink, ICronJobStore, IOAuthStateStore, IDeadLetterStore, IDisposable, IAsyncDisposable
{
    /// <summary>The channel every host listens on; a notification's payload is the queued run's due time (Unix ms).</summary>
    internal const string Channel = "mfc_runs";

    private readonly NpgsqlDataSource _dataSource;
    private readonly TokenProtector _protector;
    private readonly PostgresListener _listener;
    private int _disposed;

    private PostgresRuntimeStore(NpgsqlDataSource dataSource, TokenProtector protector)
    {
        _dataSource = dataSource;
        _protector = protector;
        _listener = new PostgresListener(dataSource, Channel);
    }

    /// <summary>Opens the database <paramref name="connectionString"/> names, migrating its schema first.</summary>
    public static async Task<PostgresRuntimeStore> OpenAsync(string connectionString, TokenProtector protector, CancellationToken cancellationToken = default)
    {
        return new PostgresRuntimeStore(await PostgresSchema.OpenMigratedAsync(connectionString, cancellationToken).ConfigureAwait(false), protector);
    }

    /// <summary><see cref="OpenAsync"/> for callers that cannot await (a DI factory at start).</summary>
    public static PostgresRuntimeStore Open(string connectionString, TokenProtector protector) =>
        OpenAsync(connectionString, protector).GetAwaiter().GetResult();

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return; // a container may dispose it both ways
        }
        await _listener.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    // --- wake-ups -----------------------------------------------------------------------------------

    /// <summary>
    /// Completes at the next run queued by any host (<c>LISTEN mfc_runs</c>, on a connection of its own started at the
    /// first call). A run queued for later wakes hosts when it is queued; they then wait for its due time (its payload).
    /// </summary>
    public Task NextWakeup() => _listener.NextWakeup();

    // --- instances ----------------------------------------------------------------------------------

    public async Task<IntegrationInstance?> GetAsync(string instanceId, CancellationToken cancellationToken = default) =>
        (await ReadInstancesAsync("WHERE id = @id", cancellationToken, ("id", instanceId)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<IReadOnlyList<IntegrationInstance>> ListAsync(CancellationToken cancellationToken = default) =>
        await ReadInstancesAsync("ORDER BY id", cancellationToken).ConfigureAwait(false);

    public Task SaveAsync(IntegrationInstance instance, CancellationToken cancellationToken = default) => ExecuteAsync(
        """
        INSERT INTO instances (id, integration, idx, company_id, tokens, tokens_stored_at, dialect) VALUES (@id, @integration, @idx, @company, @tokens, @at, @dialect)
        ON CONFLICT (id) DO UPDATE SET integration = EXCLUDED.integration, idx = EXCLUDED.idx, company_id = EXCLUDED.company_id,
            tokens = EXCLUDED.tokens, tokens_stored_at = EXCLUDED.tokens_stored_at, dialect = EXCLUDED.dialect
        """, cancellationToken,
        ("id", instance.Id), ("integration", instance.Integration), ("idx", instance.Index), ("company", instance.CompanyId),
        ("tokens", _protector.Protect(instance.Tokens.ToJsonString())), ("at", instance.TokensStoredAt.ToUnixTimeMilliseconds()), ("dialect", instance.Dialect.ToString()));

    public async Task<bool> DeleteAsync(string instanceId, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("DELETE FROM instances WHERE id = @id", cancellationToken, ("id", instanceId)).ConfigureAwait(false) > 0;

    private async Task<List<IntegrationInstance>> ReadInstancesAsync(string where, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, $"SELECT integration, idx, company_id, tokens, tokens_stored_at, dialect FROM instances {where}", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var instances = new List<IntegrationInstance>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var tokens = DataJson.ParseNode(_protector.Unprotect(reader.GetFieldValue<byte[]>(3))) as JsonObject ?? [];
            instances.Add(new IntegrationInstance(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), tokens, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), Enum.Parse<ManifestDialect>(reader.GetString(5))));
        }
        return instances;
    }

    // --- the run queue ------------------------------------------------------------------------------

    /// <summary>Queues the run and, in the same statement, notifies every listening host (delivered when it commits).</summary>
    public async Task<bool> EnqueueAsync(RunRequest run, CancellationToken cancellationToken = default) => (long)(await ScalarOfAsync(
        $"""
        WITH inserted AS (
            INSERT INTO runs (run_id, idempotency_key, correlation_id, instance_id, action, payload, not_before, parent_run_id, retries_left, caller, state)
            VALUES (@run, @key, @correlation, @instance, @action, @payload, @due, @parent, @retries, @caller, 'queued')
            ON CONFLICT DO NOTHING
            RETURNING not_before)
        SELECT COUNT(*) FROM (SELECT pg_notify('{Channel}', not_before::text) FROM inserted) AS notified
        """, cancellationToken,
        ("run", run.RunId), ("key", run.IdempotencyKey), ("correlation", run.CorrelationId), ("instance", run.InstanceId),
        ("action", run.Action), ("payload", _protector.Seal(run.PayloadJson)), ("due", run.NotBefore.ToUnixTimeMilliseconds()),
        ("parent", run.ParentRunId), ("retries", run.RetriesLeft), ("caller", run.Caller is null ? null : JsonSerializer.Serialize(run.Caller))).ConfigureAwait(false))! > 0;

    private const string RunColumns = "run_id, correlation_id, instance_id, action, payload, not_before, idempotency_key, parent_run_id, retries_left, caller";

    // A take is one statement, one round trip: the oldest due run, queued or with a lease expired on another host, is
    // locked (SKIP LOCKED: a row another host is taking right now is passed over, so concurrent takers never wait for
    // each other nor take the same run), leased in place and read back. A take-over counts as a crash (SET expressions
    // read the row as it was; as SQLite counts a restart), so a run that kills every host that takes it ends in the
    // dead letters instead of going round the hosts; it is then not handed out, and the next due run is looked for.
    private const string TakeSql =
        $"""
        UPDATE runs SET
            crashes = runs.crashes + CASE WHEN runs.state = 'taken' THEN 1 ELSE 0 END,
            last_error = CASE WHEN runs.state = 'taken' THEN replace(@expired, chr(1), runs.lease_owner) ELSE runs.last_error END,
            state = CASE WHEN runs.state = 'taken' AND runs.crashes + 1 >= @max THEN 'dead' ELSE 'taken' END,
            lease_id = CASE WHEN runs.state = 'taken' AND runs.crashes + 1 >= @max THEN NULL ELSE @lease END,
            lease_owner = CASE WHEN runs.state = 'taken' AND runs.crashes + 1 >= @max THEN NULL ELSE @owner END,
            lease_expires_at = CASE WHEN runs.state = 'taken' AND runs.crashes + 1 >= @max THEN NULL ELSE @expires END
        FROM (
            SELECT seq FROM runs
            WHERE (state = 'queued' AND not_before <= @now) OR (state = 'taken' AND lease_expires_at <= @now AND lease_owner <> @owner)
            ORDER BY not_before, seq LIMIT 1
            FOR UPDATE SKIP LOCKED) AS due
        WHERE runs.seq = due.seq
        RETURNING {RunColumns}, runs.state
        """;

    // RunLeases.Expired's text with chr(1) where the expired lease's owner goes, filled in by TakeSql.
    private static readonly string ExpiredLeaseError = RunLeases.Expired("\u0001");

    private const string CompleteSql = "UPDATE runs SET state = 'done', lease_expires_at = NULL WHERE run_id = @run AND state = 'taken' AND lease_id = @lease";

    private static (string, object?)[] TakeParameters(DateTimeOffset now, RunLease lease) =>
    [
        ("now", now.ToUnixTimeMilliseconds()), ("owner", lease.Owner), ("lease", lease.LeaseId), ("expires", lease.ExpiresAt.ToUnixTimeMilliseconds()),
        ("max", RunLeases.MaxCrashes), ("expired", ExpiredLeaseError),
    ];

    private static RunLease NewLease(DateTimeOffset now, RunLeaseTerms terms) => new("", RunLeases.NewLeaseId(), terms.Owner, RunLeases.ExpiryOf(now, terms.Duration));

    public async Task<TakenRun?> TryTakeDueAsync(DateTimeOffset now, RunLeaseTerms terms, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var lease = NewLease(now, terms);
            TakeRow? row;
            await using (var command = Command(connection, null, TakeSql, TakeParameters(now, lease)))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                row = await ReadTakeAsync(reader, cancellationToken).ConfigureAwait(false);
            }
            if (row is null)
            {
                return null;
            }
            if (await TakenAsync(connection, row, lease, cancellationToken).ConfigureAwait(false) is { } taken)
            {
                return taken;
            }
        }
    }

    /// <summary>The completion and the next take in one round trip (one implicit transaction).</summary>
    public async Task<(bool Completed, TakenRun? Next)> CompleteAndTakeNextAsync(RunLease lease, DateTimeOffset now, RunLeaseTerms terms, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var next = NewLease(now, terms);
        bool completed;
        TakeRow? row;
        await using (var batch = new NpgsqlBatch(connection))
        {
            batch.BatchCommands.Add(BatchCommand(CompleteSql + " RETURNING 1", ("run", lease.RunId), ("lease", lease.LeaseId)));
            batch.BatchCommands.Add(BatchCommand(TakeSql, TakeParameters(now, next)));
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            completed = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            row = await ReadTakeAsync(reader, cancellationToken).ConfigureAwait(false);
        }
        if (row is null)
        {
            return (completed, null);
        }
        return (completed, await TakenAsync(connection, row, next, cancellationToken).ConfigureAwait(false)
            ?? await TryTakeDueAsync(now, terms, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>A row <see cref="TakeSql"/> returned: the run (payload still sealed) and the state it was left in.</summary>
    private sealed record TakeRow(RunRequest Run, string SealedPayload, string State);

    private static async Task<TakeRow?> ReadTakeAsync(NpgsqlDataReader reader, CancellationToken cancellationToken) =>
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new TakeRow(ReadRun(reader, ""), reader.GetString(4), reader.GetString(10)) : null;

    /// <summary>
    /// The run a take leased, with its payload opened; null when it was not handed out: dead-lettered by the take (its
    /// crashes ran out) or here (poison data never wedges the queue: a payload this key cannot open goes to the dead
    /// letters, visibly). The caller then looks for the next due run.
    /// </summary>
    private async Task<TakenRun?> TakenAsync(NpgsqlConnection connection, TakeRow row, RunLease lease, CancellationToken cancellationToken)
    {
        if (row.State == "dead")
        {
            return null;
        }
        try
        {
            return new TakenRun(row.Run with { PayloadJson = _protector.Open(row.SealedPayload) }, lease with { RunId = row.Run.RunId });
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            // Under the take's lease, and not cancelled: the take is committed, so the run must not stay taken.
            await PostgresCommands.ExecuteAsync(connection, null, "UPDATE runs SET state = 'dead', last_error = @error, lease_id = NULL, lease_owner = NULL, lease_expires_at = NULL WHERE run_id = @run AND lease_id = @lease", CancellationToken.None,
                ("run", row.Run.RunId), ("lease", lease.LeaseId), ("error", "the run's payload cannot be decrypted with this store's token key")).ConfigureAwait(false);
            return null;
        }
    }

    public async Task<bool> RenewAsync(RunLease lease, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("UPDATE runs SET lease_expires_at = @expires WHERE run_id = @run AND state = 'taken' AND lease_id = @lease", cancellationToken,
            ("run", lease.RunId), ("lease", lease.LeaseId), ("expires", expiresAt.ToUnixTimeMilliseconds())).ConfigureAwait(false) > 0;

    /// <summary>Marks the run done under its lease; the host that completed it stays recorded (<c>lease_owner</c>) for operators.</summary>
    public async Task<bool> CompleteAsync(RunLease lease, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(CompleteSql, cancellationToken, ("run", lease.RunId), ("lease", lease.LeaseId)).ConfigureAwait(false) > 0;

    public async Task<bool> DeferAsync(RunLease lease, DateTimeOffset notBefore, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("UPDATE runs SET state = 'queued', not_before = @due, lease_id = NULL, lease_owner = NULL, lease_expires_at = NULL WHERE run_id = @run AND state = 'taken' AND lease_id = @lease", cancellationToken,
            ("run", lease.RunId), ("lease", lease.LeaseId), ("due", notBefore.ToUnixTimeMilliseconds())).ConfigureAwait(false) > 0;

    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default) =>
        await ScalarOfAsync("SELECT MIN(not_before) FROM runs WHERE state = 'queued'", cancellationToken).ConfigureAwait(false) is long due ? DateTimeOffset.FromUnixTimeMilliseconds(due) : null;

    /// <inheritdoc/>
    public async Task<IReadOnlyList<(RunRequest Run, int Crashes, string? LastError)>> ListDeadRunsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, $"SELECT {RunColumns}, crashes, last_error FROM runs WHERE state = 'dead' ORDER BY seq");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var dead = new List<(RunRequest, int, string?)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string payload;
            try
            {
                payload = _protector.Open(reader.GetString(4));
            }
            catch (Exception e) when (e is CryptographicException or FormatException)
            {
                payload = ""; // a payload this key cannot open (why it is dead): listed without it
            }
            dead.Add((ReadRun(reader, payload), reader.GetInt32(10), reader.IsDBNull(11) ? null : reader.GetString(11)));
        }
        return dead;
    }

    /// <summary>How many runs are in each state (for hosts and tests).</summary>
    public Task<IReadOnlyDictionary<string, int>> CountRunsAsync(CancellationToken cancellationToken = default) =>
        PostgresCommands.ReadIntegersByKeyAsync(_dataSource, "SELECT state, COUNT(*)::integer FROM runs GROUP BY state", cancellationToken);

    private static RunRequest ReadRun(NpgsqlDataReader reader, string payload) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), payload,
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), reader.GetString(6),
        reader.IsDBNull(7) ? null : reader.GetString(7),
        reader.IsDBNull(8) ? null : reader.GetInt32(8),
        reader.IsDBNull(9) ? null : JsonSerializer.Deserialize<RunCaller>(reader.GetString(9)));

    // --- cron jobs ------------------------------------------------------------------------------------

    public Task SaveJobAsync(CronJob job, CancellationToken cancellationToken = default) => ExecuteAsync(
        """
        INSERT INTO cron_jobs (id, instance_id, name, action, payload, cron, cursor, next_due) VALUES (@id, @instance, @name, @action, @payload, @cron, @cursor, @next)
        ON CONFLICT (id) DO UPDATE SET instance_id = EXCLUDED.instance_id, name = EXCLUDED.name, action = EXCLUDED.action,
            payload = EXCLUDED.payload, cron = EXCLUDED.cron, cursor = EXCLUDED.cursor, next_due = EXCLUDED.next_due
        """, cancellationToken, JobParameters(job));

    public Task EnsureJobAsync(CronJob job, CancellationToken cancellationToken = default) => ExecuteAsync(
        """
        INSERT INTO cron_jobs (id, instance_id, name, action, payload, cron, cursor, next_due) VALUES (@id, @instance, @name, @action, @payload, @cron, @cursor, @next)
        ON CONFLICT (id) DO UPDATE SET action = EXCLUDED.action, payload = EXCLUDED.payload, cron = EXCLUDED.cron,
            next_due = CASE WHEN cron_jobs.cron = EXCLUDED.cron THEN cron_jobs.next_due END
        """, cancellationToken, JobParameters(job));

    private (string, object?)[] JobParameters(CronJob job) =>
    [
        ("id", job.Id), ("instance", job.InstanceId), ("name", job.Name), ("action", job.Action), ("payload", _protector.Seal(job.PayloadJson)),
        ("cron", job.Cron), ("cursor", job.Cursor.ToUnixTimeMilliseconds()), ("next", job.NextDue?.ToUnixTimeMilliseconds()),
    ];

    public Task<IReadOnlyList<CronJob>> ListJobsAsync(CancellationToken cancellationToken = default) => ReadJobsAsync("ORDER BY id", cancellationToken);

    public Task<IReadOnlyList<CronJob>> ListDueJobsAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        ReadJobsAsync("WHERE next_due IS NULL OR next_due <= @now ORDER BY id", cancellationToken, ("now", now.ToUnixTimeMilliseconds()));

    private async Task<IReadOnlyList<CronJob>> ReadJobsAsync(string where, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, $"SELECT instance_id, name, action, payload, cron, cursor, next_due FROM cron_jobs {where}", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var jobs = new List<CronJob>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            jobs.Add(new CronJob(reader.GetString(0), reader.GetString(1), reader.GetString(2), _protector.Open(reader.GetString(3)), reader.GetString(4), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
        }
        return jobs;
    }

    /// <summary>The compare-and-set is one UPDATE: PostgreSQL re-checks its WHERE on the row a concurrent host just updated, so one of two hosts wins.</summary>
    public async Task<bool> AdvanceJobAsync(CronJob job, DateTimeOffset cursor, DateTimeOffset? nextDue, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("UPDATE cron_jobs SET cursor = @cursor, next_due = @next WHERE id = @id AND cursor = @read AND cron = @cron", cancellationToken,
            ("id", job.Id), ("read", job.Cursor.ToUnixTimeMilliseconds()), ("cron", job.Cron), ("cursor", cursor.ToUnixTimeMilliseconds()), ("next", nextDue?.ToUnixTimeMilliseconds())).ConfigureAwait(false) > 0;

    public async Task<DateTimeOffset?> NextJobDueAsync(CancellationToken cancellationToken = default) =>
        await ScalarOfAsync("SELECT MIN(next_due) FROM cron_jobs", cancellationToken).ConfigureAwait(false) is long due ? DateTimeOffset.FromUnixTimeMilliseconds(due) : null;

    public Task DeleteJobAsync(string instanceId, string name, CancellationToken cancellationToken = default) =>
        ExecuteAsync("DELETE FROM cron_jobs WHERE id = @id", cancellationToken, ("id", $"{instanceId}:{name}"));

    public Task DeleteJobsAsync(string instanceId, CancellationToken cancellationToken = default) =>
        ExecuteAsync("DELETE FROM cron_jobs WHERE instance_id = @instance", cancellationToken, ("instance", instanceId));

    // --- OAuth states -------------------------------------------------------------------------------

    public async Task SaveAsync(string nonceHash, OAuthState state, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await ExecuteAsync("DELETE FROM oauth_states WHERE expires_at <= @now", cancellationToken, ("now", now.ToUnixTimeMilliseconds())).ConfigureAwait(false);
        await ExecuteAsync(
            "INSERT INTO oauth_states (nonce_hash, company_id, integration, instance_id, redirect, expires_at) VALUES (@hash, @company, @integration, @instance, @redirect, @expires)", cancellationToken,
            ("hash", nonceHash), ("company", state.CompanyId), ("integration", state.Integration), ("instance", state.InstanceId),
            ("redirect", state.Redirect), ("expires", state.ExpiresAt.ToUnixTimeMilliseconds())).ConfigureAwait(false);
    }

    public async Task<OAuthState?> TakeAsync(string nonceHash, CancellationToken cancellationToken = default)
    {
        // DELETE … RETURNING: the read and the removal are one statement, so a nonce is redeemed at most once, across hosts too.
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "DELETE FROM oauth_states WHERE nonce_hash = @hash RETURNING company_id, integration, instance_id, redirect, expires_at", ("hash", nonceHash));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new OAuthState(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)))
            : null;
    }

    // --- records ------------------------------------------------------------------------------------

    public Task WriteAsync(MappedRecord record, CancellationToken cancellationToken = default) => ExecuteAsync(
        "INSERT INTO records (key, instance_id, action, run_id, record_type, record) VALUES (@key, @instance, @action, @run, @type, @record) ON CONFLICT (key) DO NOTHING", cancellationToken,
        ("key", record.Key), ("instance", record.InstanceId), ("action", record.Action), ("run", record.RunId),
        ("type", record.Record.GetType().FullName), ("record", _protector.Seal(JsonSerializer.Serialize(record.Record, record.Record.GetType()))));

    public Task WriteFailureAsync(MappingFailure failure, CancellationToken cancellationToken = default) => ExecuteAsync(
        "INSERT INTO mapping_failures (key, instance_id, action, run_id, errors, record) VALUES (@key, @instance, @action, @run, @errors, @record) ON CONFLICT (key) DO NOTHING", cancellationToken,
        ("key", failure.Key), ("instance", failure.InstanceId), ("action", failure.Action), ("run", failure.RunId),
        ("errors", _protector.Seal(JsonSerializer.Serialize(failure.Errors))), ("record", _protector.Seal(failure.RecordJson)));

    /// <summary>The stored records of an action as JSON, in the order they were written.</summary>
    public async Task<IReadOnlyList<string>> ReadRecordsAsync(string action)
    {
        await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT record FROM records WHERE action = @action ORDER BY seq", ("action", action));
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var records = new List<string>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            records.Add(_protector.Open(reader.GetString(0)));
        }
        return records;
    }

    // --- plumbing -----------------------------------------------------------------------------------

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await PostgresCommands.ExecuteAsync(connection, null, sql, cancellationToken, parameters).ConfigureAwait(false);
    }

    private async Task<object?> ScalarOfAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ScalarAsync(connection, null, sql, cancellationToken, parameters).ConfigureAwait(false);
    }
}

/// <summary>API keys in the PostgreSQL database, shared by every host: a key revoked on one host fails at once on all.</summary>
public sealed class PostgresApiKeyStore : IApiKeyStore, IDisposable, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    private PostgresApiKeyStore(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    public static async Task<PostgresApiKeyStore> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        return new PostgresApiKeyStore(await PostgresSchema.OpenMigratedAsync(connectionString, cancellationToken).ConfigureAwait(false));
    }

    /// <summary><see cref="OpenAsync"/> for callers that cannot await (a DI factory at start).</summary>
    public static PostgresApiKeyStore Open(string connectionString) => OpenAsync(connectionString).GetAwaiter().GetResult();

    public void Dispose() => _dataSource.Dispose();

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public async Task AddAsync(ApiKey key, byte[] secretHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, null,
            "INSERT INTO api_keys (id, secret_hash, scope, company_id, user_id, role, created_at, revoked_at) VALUES (@id, @hash, @scope, @company, @user, @role, @created, @revoked)", cancellationToken,
            ("id", key.Id), ("hash", secretHash), ("scope", key.Scope.ToString()), ("company", key.CompanyId), ("user", key.UserId), ("role", key.Role),
            ("created", key.CreatedAt.ToUnixTimeMilliseconds()), ("revoked", key.RevokedAt?.ToUnixTimeMilliseconds())).ConfigureAwait(false);
    }

    public async Task<(ApiKey Key, byte[] SecretHash)?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT id, scope, company_id, user_id, role, created_at, revoked_at, secret_hash FROM api_keys WHERE id = @id", ("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (Read(reader), reader.GetFieldValue<byte[]>(7)) : null;
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT id, scope, company_id, user_id, role, created_at, revoked_at FROM api_keys ORDER BY created_at, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<ApiKey>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(Read(reader));
        }
        return keys;
    }

    public async Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(connection, null, "UPDATE api_keys SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL", cancellationToken,
            ("id", id), ("at", at.ToUnixTimeMilliseconds())).ConfigureAwait(false) > 0;
    }

    private static ApiKey Read(NpgsqlDataReader reader) => new(
        reader.GetString(0), Enum.Parse<ApiKeyScope>(reader.GetString(1)),
        reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)));
}
