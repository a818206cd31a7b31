using System.CommandLine;
using ManifestCompiler.Cli.Serving;
using ManifestCompiler.Runtime;
using ManifestCompiler.Runtime.Hosting.Api;

namespace ManifestCompiler.Cli.Commands;

/// <summary>
/// <c>mfc keys create|list|revoke --db &lt;file&gt;</c>: the API keys of <c>mfc serve</c>'s database (docs/runtime.md,
/// "API keys"). A new key is printed once and stored only as its hash; a revoked key fails at once, also in a server
/// that is running on the same database.
/// </summary>
internal static class KeysCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var databaseOption = new Option<string>("--db") { Description = "The database of mfc serve: a SQLite file, or a PostgreSQL connection string (Host=…;Database=…).", Required = true };

        var adminOption = new Option<bool>("--admin") { Description = "A key that may do everything: deploy, merge, manage keys, see every company." };
        var companyOption = new Option<string?>("--company") { Description = "The company a company key is bound to." };
        var userOption = new Option<string?>("--user") { Description = "The user a company key's runs are queued as." };
        var roleOption = new Option<string?>("--role") { Description = "The role (usertypes.json) a company key's runs are checked against; only owner bypasses it." };
        var create = new Command("create", "Create a key and print it (once).") { databaseOption, adminOption, companyOption, userOption, roleOption };
        create.SetAction(async (parseResult, cancellationToken) =>
        {
            var admin = parseResult.GetValue(adminOption);
            var (company, user, role) = (parseResult.GetValue(companyOption), parseResult.GetValue(userOption), parseResult.GetValue(roleOption));
            if (admin == (company is not null || user is not null || role is not null) || (!admin && (string.IsNullOrWhiteSpace(company) || string.IsNullOrWhiteSpace(user) || string.IsNullOrWhiteSpace(role))))
            {
                error.WriteLine("mfc keys create: give either --admin, or --company, --user and --role");
                return Mfc.UsageExitCode;
            }
            var store = RuntimeDatabase.OpenApiKeys(parseResult.GetValue(databaseOption)!);
            using var owner = (IDisposable)store;
            var issued = await ApiKeys.IssueAsync(store, admin ? ApiKeyScope.Admin : ApiKeyScope.Company, company, user, role, DateTimeOffset.UtcNow, cancellationToken);
            output.WriteLine(issued.BearerText);
            error.WriteLine($"mfc keys: created key {issued.Key.Id}; it is shown only this once");
            return 0;
        });

        var list = new Command("list", "List the keys (never the keys themselves).") { databaseOption };
        list.SetAction(async (parseResult, cancellationToken) =>
        {
            var store = RuntimeDatabase.OpenApiKeys(parseResult.GetValue(databaseOption)!);
            using var owner = (IDisposable)store;
            foreach (var key in await store.ListAsync(cancellationToken))
            {
                output.WriteLine(KeyEndpoints.DescribeKey(key).ToJsonString());
            }
            return 0;
        });

        var idArgument = new Argument<string>("id") { Description = "The key's id (mfc keys list)." };
        var revoke = new Command("revoke", "Revoke a key: it fails at once.") { idArgument, databaseOption };
        revoke.SetAction(async (parseResult, cancellationToken) =>
        {
            var store = RuntimeDatabase.OpenApiKeys(parseResult.GetValue(databaseOption)!);
            using var owner = (IDisposable)store;
            var id = parseResult.GetValue(idArgument)!;
            if (!await store.RevokeAsync(id, DateTimeOffset.UtcNow, cancellationToken))
            {
                error.WriteLine($"mfc keys revoke: no live key '{id}'");
                return 1;
            }
            output.WriteLine($"revoked {id}");
            return 0;
        });

        return new Command("keys", "Manage the API keys of mfc serve's database.") { create, list, revoke };
    }
}
