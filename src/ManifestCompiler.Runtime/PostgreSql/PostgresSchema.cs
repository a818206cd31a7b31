using Npgsql;

namespace ManifestCompiler.Runtime.PostgreSql;

/// <summary>
/// The PostgreSQL database's schema as numbered migrations, recorded in <c>schema_migrations</c> like SQLite's
/// (docs/runtime.md, "Schema versions"). Every store that opens the database runs <see cref="MigrateAsync"/> first:
/// an older database is upgraded in one transaction, under an advisory lock so hosts starting together migrate once;
/// a newer one is refused naming both versions. Migrations are appended, never edited. Times are Unix milliseconds,
/// as in SQLite, so both stores compare them the same way.
/// </summary>
internal static class PostgresSchema
{
    private sealed record Migration(int Version, string Name, string Sql);

    /// <summary>The advisory lock key that serializes migrations ("mfcschem" as a number).</summary>
    private const long MigrationLock = 0x6d66_6373_6368_656d;

    private static readonly Migration[] Migrations =
    [
        // The versions follow SQLite's: 1 the runtime tables, 2 run leases, 3 deployed plan sources.
        new(1, "runtime tables, dead letters, OAuth states and API keys", """
            CREATE TABLE instances (
                id text PRIMARY KEY, integration text NOT NULL, idx integer NOT NULL, company_id text NOT NULL,
                tokens bytea NOT NULL, tokens_stored_at bigint NOT NULL, dialect text NOT NULL);
            CREATE TABLE runs (
                seq bigserial PRIMARY KEY, run_id text NOT NULL UNIQUE, idempotency_key text NOT NULL UNIQUE,
                correlation_id text NOT NULL, instance_id text NOT NULL, action text NOT NULL, payload text NOT NULL,
                not_before bigint NOT NULL, parent_run_id text, retries_left integer, caller text,
                state text NOT NULL CHECK (state IN ('queued', 'taken', 'done', 'dead')),
                crashes integer NOT NULL DEFAULT 0, last_error text);
            -- What a take looks at: queued runs by due time (partial, so done runs cost nothing).
            CREATE INDEX runs_queued_due ON runs (not_before, seq) WHERE state = 'queued';
            CREATE TABLE records (
                seq bigserial, key text PRIMARY KEY, instance_id text NOT NULL, action text NOT NULL, run_id text NOT NULL,
                record_type text NOT NULL, record text NOT NULL);
            CREATE TABLE mapping_failures (
                key text PRIMARY KEY, instance_id text NOT NULL, action text NOT NULL, run_id text NOT NULL,
                errors text NOT NULL, record text NOT NULL);
            CREATE TABLE cron_jobs (
                id text PRIMARY KEY, instance_id text NOT NULL, name text NOT NULL, action text NOT NULL, payload text NOT NULL,
                cron text NOT NULL, cursor bigint NOT NULL);
            CREATE TABLE oauth_states (
                nonce_hash text PRIMARY KEY, company_id text NOT NULL, integration text, instance_id text,
                redirect text NOT NULL, expires_at bigint NOT NULL);
            CREATE TABLE api_keys (
                id text PRIMARY KEY, secret_hash bytea NOT NULL, scope text NOT NULL, company_id text, user_id text, role text,
                created_at bigint NOT NULL, revoked_at bigint);
            """),
        new(2, "run leases", """
            ALTER TABLE runs ADD COLUMN lease_id text, ADD COLUMN lease_owner text, ADD COLUMN lease_expires_at bigint;
            -- Take-overs look at taken runs by lease expiry.
            CREATE INDEX runs_taken_expiry ON runs (lease_expires_at) WHERE state = 'taken';
            """),
        new(3, "deployed plan sources", """
            CREATE TABLE plan_sources (
                branch text NOT NULL, version integer NOT NULL, part integer NOT NULL, origin text NOT NULL,
                stored_at bigint NOT NULL, sources bytea NOT NULL, PRIMARY KEY (branch, version, part));
            """),
        // As SQLite's version 4: each cron job's next due time, indexed.
        new(4, "cron jobs' next due time", """
            ALTER TABLE cron_jobs ADD COLUMN next_due bigint;
            CREATE INDEX cron_jobs_next_due ON cron_jobs (next_due);
            """),
    ];

    /// <summary>The version this build writes.</summary>
    public static int Latest => Migrations[^1].Version;

    /// <summary>A data source for <paramref name="connectionString"/> whose database is migrated to this build's version.</summary>
    internal static async Task<NpgsqlDataSource> OpenMigratedAsync(string connectionString, CancellationToken cancellationToken)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            await MigrateAsync(dataSource, PostgresCommands.Describe(connectionString), cancellationToken).ConfigureAwait(false);
            return dataSource;
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Brings the database to <see cref="Latest"/> in one transaction, or throws <see cref="SchemaVersionException"/>
    /// when it is newer than this build. <paramref name="name"/> names the database in the error (never its password);
    /// <paramref name="upTo"/> stops at an earlier version (tests of upgrades).
    /// </summary>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, string name, CancellationToken cancellationToken = default, int? upTo = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await PostgresCommands.ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(@lock)", cancellationToken, ("lock", MigrationLock)).ConfigureAwait(false);
        await PostgresCommands.ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)", cancellationToken).ConfigureAwait(false);
        var current = (int)(await PostgresCommands.ScalarAsync(connection, transaction, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", cancellationToken).ConfigureAwait(false))!;
        if (current > Latest)
        {
            throw new SchemaVersionException(
                $"the database '{name}' has schema version {current}, newer than version {Latest} that this build of ManifestCompiler knows: open it with the build that wrote it or a newer one");
        }
        foreach (var migration in Migrations.Where(m => m.Version > current && m.Version <= (upTo ?? Latest)))
        {
            await PostgresCommands.ExecuteAsync(connection, transaction, migration.Sql, cancellationToken).ConfigureAwait(false);
            await PostgresCommands.ExecuteAsync(connection, transaction, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)", cancellationToken,
                ("version", migration.Version), ("name", migration.Name), ("at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Building and running the PostgreSQL stores' commands (one place for parameters and transactions).</summary>
internal static class PostgresCommands
{
    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        Bind(command.Parameters, parameters);
        return command;
    }

    /// <summary>One command of an <see cref="NpgsqlBatch"/> (a round trip for several statements).</summary>
    public static NpgsqlBatchCommand BatchCommand(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        Bind(command.Parameters, parameters);
        return command;
    }

    /// <summary>Adds <paramref name="parameters"/> (null as SQL NULL).</summary>
    private static void Bind(NpgsqlParameterCollection collection, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            collection.AddWithValue(name, value ?? DBNull.Value);
        }
    }

    public static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<object?> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull ? null : value;
    }

    /// <summary>The rows of a two-column query (text, integer) as a map, e.g. counts or latest versions per key.</summary>
    public static async Task<IReadOnlyDictionary<string, int>> ReadIntegersByKeyAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            map[reader.GetString(0)] = reader.GetInt32(1);
        }
        return map;
    }

    /// <summary>The database a connection string names, for messages: host, port and database, never the credentials.</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
    }
}
