using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace ManifestCompiler.Testing;

/// <summary>
/// A real PostgreSQL for the tests: the server named by <c>MC_TEST_POSTGRES</c> (a connection string whose user may
/// create databases; <c>.ci/run</c> sets it), or else a throwaway cluster this fixture starts from the binaries
/// <c>pg_config --bindir</c> names (Debian's package: not on PATH), on 127.0.0.1 at a free port, in a folder under /tmp,
/// stopped and removed at the end. Neither available is a failure with the reason, never a skip.
/// Each test class gets a database of its own (<see cref="CreateDatabaseAsync"/>).
/// This file has no test framework in it, so tools/ManifestCompiler.Benchmarks links it too; the xunit fixture is
/// <c>PostgresCluster.Xunit.cs</c>.
/// </summary>
public sealed partial class PostgresCluster
{
    public const string EnvironmentVariable = "MC_TEST_POSTGRES";

    private string? _folder;
    private string? _binaries;

    /// <summary>The connection string of the server's administrative database.</summary>
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given)
        {
            ConnectionString = given;
            return;
        }
        _binaries = Run("pg_config", ["--bindir"], throwOnFailure: false)?.Trim();
        if (string.IsNullOrEmpty(_binaries) || !File.Exists(Path.Combine(_binaries, "initdb")))
        {
            throw new InvalidOperationException(
                $"the PostgreSQL tests need a real PostgreSQL 15: set {EnvironmentVariable} to a connection string (a user that may create databases), " +
                "or install the server so that `pg_config --bindir` names the folder of initdb and pg_ctl (Debian: postgresql-15)" +
                (Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ? "; in CI .ci/run starts one and sets " + EnvironmentVariable : ""));
        }
        _folder = Path.Combine("/tmp", "mfc-pg-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException($"a throwaway cluster is started on Linux only: set {EnvironmentVariable}");
        }
        // Mode 0700 from the start: the folder holds the password file and the server's socket.
        Directory.CreateDirectory(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await File.WriteAllTextAsync(Path.Combine(_folder, "pw"), password + "\n");
        var port = FreePort();
        // initdb and the server refuse to run as root: as root they run as the postgres user, who must own the folder.
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", ["-R", "postgres", _folder]);
        }
        AsServer(asRoot, "initdb", ["-D", Path.Combine(_folder, "data"), "-A", "scram-sha-256", "--pwfile=" + Path.Combine(_folder, "pw"), "-U", "mc", "--no-sync", "-E", "UTF8"]);
        AsServer(asRoot, "pg_ctl", ["-D", Path.Combine(_folder, "data"), "-l", Path.Combine(_folder, "log"), "-o", $"-c listen_addresses=127.0.0.1 -p {port} -k {_folder} -c fsync=off", "-w", "start"]);
        ConnectionString = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "mc", Password = password, Database = "postgres" }.ToString();
    }

    public Task DisposeAsync()
    {
        if (_folder is not null)
        {
            NpgsqlConnection.ClearAllPools();
            try
            {
                AsServer(Environment.UserName == "root", "pg_ctl", ["-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop"]);
            }
            finally
            {
                Directory.Delete(_folder, recursive: true);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>A new empty database on the server; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "mc_test_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ToString();
    }

    /// <summary>Drops a database <see cref="CreateDatabaseAsync"/> made, closing what is still connected to it.</summary>
    public async Task DropDatabaseAsync(string connectionString)
    {
        NpgsqlConnection.ClearAllPools();
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private void AsServer(bool asRoot, string tool, string[] arguments) =>
        _ = asRoot ? Run("runuser", ["-u", "postgres", "--", Path.Combine(_binaries!, tool), .. arguments]) : Run(Path.Combine(_binaries!, tool), arguments);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? Run(string file, string[] arguments, bool throwOnFailure = true)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception) when (!throwOnFailure)
        {
            return null; // not installed
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                return throwOnFailure ? throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {error}") : null;
            }
            return output.Result;
        }
    }
}
