using Microsoft.Data.Sqlite;

namespace ManifestCompiler.Runtime;

/// <summary>
/// Deployed plan sources in the runtime's SQLite database (<c>plan_sources</c>), on a connection of their own. Each
/// zip is sealed with the token key to its branch, version and place (<see cref="PlanSources.AssociatedData"/>).
/// A version is numbered inside a write transaction, so versions of a branch never repeat.
/// </summary>
public sealed class SqlitePlanSourceStore : IPlanSourceStore, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly TokenProtector _protector;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly RunQueueSignal _signal = new();

    private SqlitePlanSourceStore(SqliteConnection connection, TokenProtector protector)
    {
        _connection = connection;
        _protector = protector;
    }

    public static SqlitePlanSourceStore Open(string path, TokenProtector protector)
    {
        return new SqlitePlanSourceStore(SqliteFiles.OpenMigrated(path), protector);
    }

    public void Dispose()
    {
        _connection.Dispose();
        _gate.Dispose();
    }

    public async Task<int> AddVersionAsync(string branch, IReadOnlyList<byte[]> sources, string origin, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var version = await SqliteFiles.Locked(_gate, () =>
        {
            // BEGIN IMMEDIATE: the write lock is taken before the latest version is read, so another process storing a
            // version of the same branch waits and numbers its own after this one.
            using var transaction = _connection.BeginTransaction(deferred: false);
            using var latest = SqliteFiles.Command(_connection, "SELECT COALESCE(MAX(version), 0) FROM plan_sources WHERE branch = $branch", ("$branch", branch));
            latest.Transaction = transaction;
            var next = (int)(long)latest.ExecuteScalar()! + 1;
            for (var part = 0; part < sources.Count; part++)
            {
                SqliteFiles.Execute(_connection, transaction,
                    "INSERT INTO plan_sources (branch, version, part, origin, stored_at, sources) VALUES ($branch, $version, $part, $origin, $at, $sources)",
                    ("$branch", branch), ("$version", next), ("$part", part), ("$origin", origin), ("$at", at.ToUnixTimeMilliseconds()),
                    ("$sources", _protector.Protect(sources[part], PlanSources.AssociatedData(branch, next, part))));
            }
            transaction.Commit();
            return next;
        }).ConfigureAwait(false);
        _signal.Set();
        return version;
    }

    public Task<IReadOnlyList<PlanSourceVersion>> ListVersionsAsync(string branch, int after, CancellationToken cancellationToken = default) =>
        SqliteFiles.Locked<IReadOnlyList<PlanSourceVersion>>(_gate, () =>
        {
            using var command = SqliteFiles.Command(_connection,
                "SELECT version, part, origin, stored_at, sources FROM plan_sources WHERE branch = $branch AND version > $after ORDER BY version, part",
                ("$branch", branch), ("$after", after));
            using var reader = command.ExecuteReader();
            var rows = new List<(int Version, int Part, string Origin, long At, byte[] Sealed)>();
            while (reader.Read())
            {
                rows.Add((reader.GetInt32(0), reader.GetInt32(1), reader.GetString(2), reader.GetInt64(3), (byte[])reader["sources"]));
            }
            return PlanSources.Versions(branch, rows, _protector);
        });

    public Task<IReadOnlyDictionary<string, int>> LatestVersionsAsync(CancellationToken cancellationToken = default) =>
        SqliteFiles.Locked(_gate, () => SqliteFiles.ReadIntegersByKey(_connection, "SELECT branch, MAX(version) FROM plan_sources GROUP BY branch"));

    public Task NextChange() => _signal.NextWakeup();
}
