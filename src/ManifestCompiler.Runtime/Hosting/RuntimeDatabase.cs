namespace ManifestCompiler.Runtime;

/// <summary>
/// The one database option of a host (<c>mfc serve --db</c>, <see cref="ManifestRuntimeHostOptions.Database"/>), read
/// by its form: a PostgreSQL connection string (<c>Host=…;Database=…</c>: <c>key=value</c> pairs separated by
/// <c>;</c>, one of them <c>Host</c> or <c>Server</c>) for the shared store of many hosts, anything else a SQLite file
/// (docs/runtime.md, "Deployment").
/// </summary>
public static class RuntimeDatabase
{
    public static bool IsPostgres(string database)
    {
        var pairs = database.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return pairs.Length > 0
            && pairs.All(p => p.IndexOf('=') > 0)
            && pairs.Any(p => p[..p.IndexOf('=')].Trim() is var key && (key.Equals("Host", StringComparison.OrdinalIgnoreCase) || key.Equals("Server", StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>The API keys of the database (<c>mfc keys</c>); dispose it when done.</summary>
    public static IApiKeyStore OpenApiKeys(string database) =>
        IsPostgres(database) ? PostgreSql.PostgresApiKeyStore.Open(database) : SqliteApiKeyStore.Open(database);

    /// <summary>The database for messages and logs: a SQLite path as it is, a PostgreSQL one as host, port and database, never its password.</summary>
    public static string Describe(string database) => IsPostgres(database) ? PostgreSql.PostgresCommands.Describe(database) : database;
}
