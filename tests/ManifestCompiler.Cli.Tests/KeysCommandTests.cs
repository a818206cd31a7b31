using System.Text.Json.Nodes;
using ManifestCompiler.Runtime;

namespace ManifestCompiler.Cli.Tests;

/// <summary><c>mfc keys create|list|revoke</c> on a real SQLite database.</summary>
public sealed class KeysCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-keys-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private string Database => Path.Combine(_directory, "host.db");

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Keys_are_printed_once_listed_without_secrets_and_revoked()
    {
        var admin = MfcRunner.Run(null, "keys", "create", "--db", Database, "--admin");
        Assert.Equal(0, admin.ExitCode);
        var company = MfcRunner.Run(null, "keys", "create", "--db", Database, "--company", "acme", "--user", "u-17", "--role", "companyAdmin");
        Assert.Equal(0, company.ExitCode);
        Assert.StartsWith("mfck_", admin.Output, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Database));

        var list = MfcRunner.Run(null, "keys", "list", "--db", Database);
        Assert.Equal(0, list.ExitCode);
        var keys = list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(["admin", "company"], keys.Select(k => k["scope"]!.GetValue<string>()));
        Assert.Equal("acme u-17 companyAdmin", $"{keys[1]["company"]} {keys[1]["user"]} {keys[1]["role"]}");
        Assert.DoesNotContain(admin.Output.Trim().Split('_', 3)[2], list.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(company.Output.Trim().Split('_', 3)[2], list.Output, StringComparison.Ordinal);

        using (var store = SqliteApiKeyStore.Open(Database))
        {
            Assert.NotNull(await ApiKeys.AuthenticateAsync(store, company.Output.Trim()));
            var id = keys[1]["id"]!.GetValue<string>();
            Assert.Equal(0, MfcRunner.Run(null, "keys", "revoke", id, "--db", Database).ExitCode);
            Assert.Null(await ApiKeys.AuthenticateAsync(store, company.Output.Trim()));
            Assert.Equal(1, MfcRunner.Run(null, "keys", "revoke", id, "--db", Database).ExitCode);
            Assert.NotNull(await ApiKeys.AuthenticateAsync(store, admin.Output.Trim()));
        }
    }

    [Theory]
    [InlineData("--admin", "--company", "acme")]
    [InlineData("--company", "acme", "--user", "u-1")]
    [InlineData("--company", "acme", "--user", "u-1", "--role", " ")]
    [InlineData]
    public void A_key_is_either_an_admin_key_or_a_complete_company_key(params string[] args)
    {
        var result = MfcRunner.Run(null, ["keys", "create", "--db", Database, .. args]);
        Assert.Equal(Mfc.UsageExitCode, result.ExitCode);
        Assert.Contains("give either --admin, or --company, --user and --role", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Output);
    }
}
