using Microsoft.Data.Sqlite;

namespace ManifestCompiler.Runtime;

/// <summary>
/// The SQLite database's schema as numbered migrations, recorded in <c>schema_migrations</c> (docs/runtime.md,
/// "Schema versions"). Every store that opens the file runs <see cref="Migrate"/> first: an older database is
/// upgraded in one transaction, a newer one is refused naming both versions, so a host never writes to a schema it
/// does not know. Migrations are appended, never edited.
/// </summary>
internal static class SqliteSchema
{
    private sealed record Migration(int Version, string Name, Action<SqliteConnection, SqliteTransaction> Apply);

    private static readonly Migration[] Migrations =
    [
        // Version 1 is the schema as it stood before versions were recorded: databases of that time are adopted
        // as they are (every statement is idempotent), and one from before dead letters gets its runs rebuilt.
        new(1, "runtime tables, dead letters, OAuth states and API keys", (connection, transaction) =>
        {
            SqliteFiles.Execute(connection, transaction, """
                CREATE TABLE IF NOT EXISTS instances (
                    id TEXT PRIMARY KEY, integration TEXT NOT NULL, idx INTEGER NOT NULL, company_id TEXT NOT NULL,
                    tokens BLOB NOT NULL, tokens_stored_at INTEGER NOT NULL, dialect TEXT NOT NULL DEFAULT 'Bossi');
                CREATE TABLE IF NOT EXISTS runs (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, idempotency_key TEXT NOT NULL UNIQUE,
                    correlation_id TEXT NOT NULL, instance_id TEXT NOT NULL, action TEXT NOT NULL, payload TEXT NOT NULL,
                    not_before INTEGER NOT NULL, parent_run_id TEXT, retries_left INTEGER, caller TEXT,
                    state TEXT NOT NULL CHECK (state IN ('queued', 'taken', 'done', 'dead')),
                    crashes INTEGER NOT NULL DEFAULT 0, last_error TEXT);
                CREATE TABLE IF NOT EXISTS records (
                    key TEXT PRIMARY KEY, instance_id TEXT NOT NULL, action TEXT NOT NULL, run_id TEXT NOT NULL,
                    record_type TEXT NOT NULL, record TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS mapping_failures (
                    key TEXT PRIMARY KEY, instance_id TEXT NOT NULL, action TEXT NOT NULL, run_id TEXT NOT NULL,
                    errors TEXT NOT NULL, record TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS cron_jobs (
                    id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, name TEXT NOT NULL, action TEXT NOT NULL, payload TEXT NOT NULL,
                    cron TEXT NOT NULL, cursor INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS oauth_states (
                    nonce_hash TEXT PRIMARY KEY, company_id TEXT NOT NULL, integration TEXT, instance_id TEXT,
                    redirect TEXT NOT NULL, expires_at INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS api_keys (
                    id TEXT PRIMARY KEY, secret_hash BLOB NOT NULL, scope TEXT NOT NULL, company_id TEXT, user_id TEXT, role TEXT,
                    created_at INTEGER NOT NULL, revoked_at INTEGER);
                """);
            using (var command = SqliteFiles.Command(connection, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'runs'"))
            {
                command.Transaction = transaction;
                if (command.ExecuteScalar() is string sql && !sql.Contains("'dead'", StringComparison.Ordinal))
                {
                    SqliteFiles.Execute(connection, transaction, """
                        DROP INDEX IF EXISTS runs_due;
                        ALTER TABLE runs RENAME TO runs_before_dead_letters;
                        CREATE TABLE runs (
                            seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, idempotency_key TEXT NOT NULL UNIQUE,
                            correlation_id TEXT NOT NULL, instance_id TEXT NOT NULL, action TEXT NOT NULL, payload TEXT NOT NULL,
                            not_before INTEGER NOT NULL, parent_run_id TEXT, retries_left INTEGER, caller TEXT,
                            state TEXT NOT NULL CHECK (state IN ('queued', 'taken', 'done', 'dead')),
                            crashes INTEGER NOT NULL DEFAULT 0, last_error TEXT);
                        INSERT INTO runs (seq, run_id, idempotency_key, correlation_id, instance_id, action, payload, not_before, parent_run_id, retries_left, caller, state)
                            SELECT seq, run_id, idempotency_key, correlation_id, instance_id, action, payload, not_before, parent_run_id, retries_left, caller, state FROM runs_before_dead_letters;
                        DROP TABLE runs_before_dead_letters;
                        """);
                }
            }
            SqliteFiles.Execute(connection, transaction, "CREATE INDEX IF NOT EXISTS runs_due ON runs (state, not_before, seq);");
        }),
        // Leases (docs/runtime.md, "Leases"): which take holds a taken run, by which host, until when.
        new(2, "run leases", (connection, transaction) => SqliteFiles.Execute(connection, transaction, """
            ALTER TABLE runs ADD COLUMN lease_id TEXT;
            ALTER TABLE runs ADD COLUMN lease_owner TEXT;
            ALTER TABLE runs ADD COLUMN lease_expires_at INTEGER;
            """)),
        // Deployed plan sources (docs/runtime.md, "Plans across hosts"): each version's zips, sealed with the token key.
        new(3, "deployed plan sources", (connection, transaction) => SqliteFiles.Execute(connection, transaction, """
            CREATE TABLE plan_sources (
                branch TEXT NOT NULL, version INTEGER NOT NULL, part INTEGER NOT NULL, origin TEXT NOT NULL,
                stored_at INTEGER NOT NULL, sources BLOB NOT NULL, PRIMARY KEY (branch, version, part));
            """)),
        // Schedules across hosts (docs/runtime.md, "Schedules across hosts"): each job's next due time, indexed, so a
        // host looks only at the jobs that are due. Null until a host computes it.
        new(4, "cron jobs' next due time", (connection, transaction) => SqliteFiles.Execute(connection, transaction, """
            ALTER TABLE cron_jobs ADD COLUMN next_due INTEGER;
            CREATE INDEX cron_jobs_next_due ON cron_jobs (next_due);
            """)),
        // Runs are never deleted, so a plain INTEGER PRIMARY KEY numbers them in order as AUTOINCREMENT did, without
        // writing sqlite_sequence on every enqueue (one page of the log less per queued run; docs/runtime.md,
        // "Durability of the SQLite store"). The table is rebuilt with its rows and seq values.
        new(5, "runs numbered without AUTOINCREMENT", (connection, transaction) => SqliteFiles.Execute(connection, transaction, """
            CREATE TABLE runs_numbered (
                seq INTEGER PRIMARY KEY, run_id TEXT NOT NULL UNIQUE, idempotency_key TEXT NOT NULL UNIQUE,
                correlation_id TEXT NOT NULL, instance_id TEXT NOT NULL, action TEXT NOT NULL, payload TEXT NOT NULL,
                not_before INTEGER NOT NULL, parent_run_id TEXT, retries_left INTEGER, caller TEXT,
                state TEXT NOT NULL CHECK (state IN ('queued', 'taken', 'done', 'dead')),
                crashes INTEGER NOT NULL DEFAULT 0, last_error TEXT, lease_id TEXT, lease_owner TEXT, lease_expires_at INTEGER);
            INSERT INTO runs_numbered (seq, run_id, idempotency_key, correlation_id, instance_id, action, payload, not_before, parent_run_id,
                    retries_left, caller, state, crashes, last_error, lease_id, lease_owner, lease_expires_at)
                SELECT seq, run_id, idempotency_key, correlation_id, instance_id, action, payload, not_before, parent_run_id,
                    retries_left, caller, state, crashes, last_error, lease_id, lease_owner, lease_expires_at FROM runs;
            DROP TABLE runs;
            ALTER TABLE runs_numbered RENAME TO runs;
            CREATE INDEX runs_due ON runs (state, not_before, seq);
            """)),
    ];

    /// <summary>The version this build writes.</summary>
    public static int Latest => Migrations[^1].Version;

    /// <summary>
    /// Brings the database to <see cref="Latest"/> in one write transaction (another process opening the same file
    /// waits for it), or throws <see cref="SchemaVersionException"/> when the file is newer than this build.
    /// </summary>
    public static void Migrate(SqliteConnection connection, string path)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        SqliteFiles.Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);");
        long current;
        using (var command = SqliteFiles.Command(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))
        {
            command.Transaction = transaction;
            current = (long)command.ExecuteScalar()!;
        }
        if (current > Latest)
        {
            throw new SchemaVersionException(
                $"the database '{path}' has schema version {current}, newer than version {Latest} that this build of ManifestCompiler knows: open it with the build that wrote it or a newer one");
        }
        foreach (var migration in Migrations.Where(m => m.Version > current))
        {
            migration.Apply(connection, transaction);
            SqliteFiles.Execute(connection, transaction, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($version, $name, $at)",
                ("$version", migration.Version), ("$name", migration.Name), ("$at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        }
        transaction.Commit();
    }
}

/// <summary>A database whose schema is newer than this build: refused, never written to.</summary>
public sealed class SchemaVersionException(string message) : Exception(message);
