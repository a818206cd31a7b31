using Npgsql;
using static ManifestCompiler.Runtime.PostgreSql.PostgresCommands;

namespace ManifestCompiler.Runtime.PostgreSql;

/// <summary>
/// Deployed plan sources in the PostgreSQL database, shared by every host (docs/runtime.md, "Plans across hosts").
/// A version is numbered under a per-branch advisory lock, so two hosts deploying to one branch at once get two
/// versions, in the order they stored them; storing it notifies every host (<c>pg_notify('mfc_plans', branch)</c>,
/// delivered at commit), and each host listens on a connection of its own. Each zip is sealed with the token key to
/// its branch, version and place (<see cref="PlanSources.AssociatedData"/>).
/// </summary>
public sealed class PostgresPlanSourceStore : IPlanSourceStore, IDisposable, IAsyncDisposable
{
    /// <summary>The channel hosts listen on for stored versions; the payload is the branch.</summary>
    internal const string Channel = "mfc_plans";

    /// <summary>The first key of the per-branch advisory lock ("mfcp" as a number); the second is the branch's hash.</summary>
    private const int VersionLock = 0x6d66_6370;

    private readonly NpgsqlDataSource _dataSource;
    private readonly TokenProtector _protector;
    private readonly PostgresListener _listener;
    private int _disposed;

    private PostgresPlanSourceStore(NpgsqlDataSource dataSource, TokenProtector protector)
    {
        _dataSource = dataSource;
        _protector = protector;
        _listener = new PostgresListener(dataSource, Channel);
    }

    public static async Task<PostgresPlanSourceStore> OpenAsync(string connectionString, TokenProtector protector, CancellationToken cancellationToken = default) =>
        new(await PostgresSchema.OpenMigratedAsync(connectionString, cancellationToken).ConfigureAwait(false), protector);

    /// <summary><see cref="OpenAsync"/> for callers that cannot await (a DI factory at start).</summary>
    public static PostgresPlanSourceStore Open(string connectionString, TokenProtector protector) => OpenAsync(connectionString, protector).GetAwaiter().GetResult();

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _listener.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    public async Task<int> AddVersionAsync(string branch, IReadOnlyList<byte[]> sources, string origin, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Held until commit: the next host storing a version of this branch reads the latest only after this one is in.
        await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(@lock, hashtext(@branch))", cancellationToken, ("lock", VersionLock), ("branch", branch)).ConfigureAwait(false);
        var version = (int)(await ScalarAsync(connection, transaction, "SELECT COALESCE(MAX(version), 0) + 1 FROM plan_sources WHERE branch = @branch", cancellationToken, ("branch", branch)).ConfigureAwait(false))!;
        for (var part = 0; part < sources.Count; part++)
        {
            await ExecuteAsync(connection, transaction,
                "INSERT INTO plan_sources (branch, version, part, origin, stored_at, sources) VALUES (@branch, @version, @part, @origin, @at, @sources)", cancellationToken,
                ("branch", branch), ("version", version), ("part", part), ("origin", origin), ("at", at.ToUnixTimeMilliseconds()),
                ("sources", _protector.Protect(sources[part], PlanSources.AssociatedData(branch, version, part)))).ConfigureAwait(false);
        }
        await ExecuteAsync(connection, transaction, $"SELECT pg_notify('{Channel}', @branch)", cancellationToken, ("branch", branch)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _listener.Set();
        return version;
    }

    public async Task<IReadOnlyList<PlanSourceVersion>> ListVersionsAsync(string branch, int after, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null,
            "SELECT version, part, origin, stored_at, sources FROM plan_sources WHERE branch = @branch AND version > @after ORDER BY version, part",
            ("branch", branch), ("after", after));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<(int, int, string, long, byte[])>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((reader.GetInt32(0), reader.GetInt32(1), reader.GetString(2), reader.GetInt64(3), reader.GetFieldValue<byte[]>(4)));
        }
        return PlanSources.Versions(branch, rows, _protector);
    }

    public Task<IReadOnlyDictionary<string, int>> LatestVersionsAsync(CancellationToken cancellationToken = default) =>
        PostgresCommands.ReadIntegersByKeyAsync(_dataSource, "SELECT branch, MAX(version) FROM plan_sources GROUP BY branch", cancellationToken);

    /// <summary>Completes at the next version any host stores (<c>LISTEN mfc_plans</c>, started at the first call).</summary>
    public Task NextChange() => _listener.NextWakeup();
}
