using System.Collections.Concurrent;
using System.Net;
using ManifestCompiler.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ManifestCompiler.Cli.Tests;

/// <summary>
/// <c>mfc run &lt;manifest.json&gt;</c> as a process: every sample manifest with its demo inputs against the demo stand-ins
/// (Kestrel on 127.0.0.1), and bad inputs refused before a single request reaches a counting Kestrel server.
/// </summary>
public sealed class ChiefOnboardingRunTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-co-run-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Sample(string name) => Path.Combine(RepositoryPaths.Root, "samples", "chiefonboarding", name);

    private static string Demo(string name) => Path.Combine(RepositoryPaths.Root, "demo", "chiefonboarding", name);

    private Task<MfcResult> Mfc(params string[] args) => MfcProcess.RunAsync(_directory, ["run", .. args]);

    private static void AssertSucceeded(MfcResult result) => Assert.True(result.ExitCode == 0, result.Output + result.Error);

    [Fact]
    public async Task Execute_runs_every_request_stores_data_and_prints_the_notification_and_stored_values()
    {
        var result = await Mfc(Sample("asana-add-user.json"), "--user", Demo("new-hire.json"), "--initial-data", Demo("asana-add-user.initial-data.json"),
            "--form", Demo("asana-add-user.form.json"), "--stand-in", Demo("asana-add-user.stand-in.json"));

        AssertSucceeded(result);
        var lines = result.Output.Split('\n');
        Assert.Contains("DEBUG: Starting execution of asana-add-user for new-hire-1", lines);
        Assert.Contains("DEBUG: POST https://app.asana.com/api/1.0/teams/1300/addUser: 200", lines);
        Assert.Contains("DEBUG: GET https://app.asana.com/api/1.0/users/1201/status: 200", lines);
        Assert.Contains("execute succeeded", lines);
        Assert.Contains("email to charles@example.com: Asana account for Ada Lovelace: Team: 1300", lines);
        Assert.Contains("stored on new-hire-1: {\"ASANA_USER_GID\":\"1201\"}", lines);
        Assert.DoesNotContain("local-asana-token-for-the-stand-in", result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exists_and_revoke_are_the_alternatives_to_execute()
    {
        string[] common = [Sample("asana-add-user.json"), "--user", Demo("new-hire.json"), "--initial-data", Demo("asana-add-user.initial-data.json"), "--stand-in", Demo("asana-add-user.stand-in.json")];

        var exists = await Mfc([.. common, "--exists"]);
        AssertSucceeded(exists);
        Assert.Contains("DEBUG: GET https://app.asana.com/api/1.0/users/ada@example.com: 200", exists.Output, StringComparison.Ordinal);
        Assert.Contains("exists: true", exists.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("addUser", exists.Output, StringComparison.Ordinal);

        var revoke = await Mfc([.. common, "--revoke"]);
        AssertSucceeded(revoke);
        Assert.Contains("/removeUser: 200", revoke.Output, StringComparison.Ordinal);
        Assert.Contains("revoke succeeded", revoke.Output, StringComparison.Ordinal);

        var both = await Mfc([.. common, "--revoke", "--exists"]);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--exists, --revoke and --sync are alternatives", both.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Polling_files_and_a_non_json_download_run_against_the_stand_in()
    {
        var result = await Mfc(Sample("pandadoc-polling.json"), "--user", Demo("new-hire.json"), "--initial-data", Demo("pandadoc-polling.initial-data.json"),
            "--form", Demo("pandadoc-polling.form.json"), "--stand-in", Demo("pandadoc-polling.stand-in.json"));

        AssertSucceeded(result);
        Assert.Contains("DEBUG: POST https://upload.example-hr.com/api/employees/ada@example.com/documents: 201", result.Output, StringComparison.Ordinal);
        Assert.Contains("stored on new-hire-1: {\"PANDADOC_DOCUMENT_ID\":\"doc-1\"}", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sync_follows_next_page_links_and_prints_the_users_it_created()
    {
        var result = await Mfc(Sample("bamboohr-import.json"), "--sync", "--user", Demo("existing-users.json"), "--initial-data", Demo("bamboohr.initial-data.json"), "--stand-in", Demo("bamboohr-import.stand-in.json"));

        AssertSucceeded(result);
        Assert.Contains("?page=2: 200", result.Output, StringComparison.Ordinal);
        Assert.Contains("DEBUG: Page 3 has no users: the sync stops there", result.Output, StringComparison.Ordinal);
        Assert.Contains("sync succeeded: 2 page(s), 3 record(s); 1 created, 0 updated, 0 skipped", result.Output, StringComparison.Ordinal);
        Assert.Contains("created: grace@example.com (Grace Hopper)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sync_with_page_tokens_and_a_stored_oauth_token_creates_every_page_s_users()
    {
        var result = await Mfc(Sample("google-paginated-import.json"), "--sync", "--initial-data", Demo("google-paginated-import.initial-data.json"), "--stand-in", Demo("google-paginated-import.stand-in.json"));

        AssertSucceeded(result);
        Assert.Contains("pageToken=page-2: 200", result.Output, StringComparison.Ordinal);
        Assert.Contains("created: edsger@example.com (Edsger Dijkstra)", result.Output, StringComparison.Ordinal);
        Assert.Contains("created: barbara@example.com (Barbara Liskov)", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("local-google-access-token-for-the-stand-in", result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_update_sync_prints_the_values_it_stored_on_existing_users()
    {
        var result = await Mfc(Sample("bamboohr-sync-update.json"), "--sync", "--user", Demo("existing-users.json"), "--initial-data", Demo("bamboohr.initial-data.json"), "--stand-in", Demo("bamboohr-sync-update.stand-in.json"));

        AssertSucceeded(result);
        Assert.Contains("sync succeeded: 1 page(s), 3 record(s); 0 created, 2 updated, 0 skipped", result.Output, StringComparison.Ordinal);
        Assert.Contains("updated: user-1 (ada@example.com) {\"bamboohr_id\":\"10\",\"bamboohr_department\":\"Engineering\"}", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_inputs_are_clear_errors_and_no_request_is_sent()
    {
        var requests = new ConcurrentQueue<string>();
        await using var server = await CountingServer.StartAsync(requests);
        var user = Path.Combine(_directory, "user.json");
        File.WriteAllText(user, """{"email": "ada@example.com", "first_name": "Ada"}""");
        var initialData = Path.Combine(_directory, "initial.json");
        File.WriteAllText(initialData, """{"API_KEY": "k", "HR_TOKEN": "t", "TOKEN": "typo"}""");
        string[] route = ["--route", "*=" + server.BaseUrl];

        var missing = await Mfc([Sample("pandadoc-polling.json"), "--user", user, "--initial-data", initialData, .. route]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains($"mfc run: {initialData}: unknown initial-data key 'TOKEN' (initial_data_form asks for API_KEY, HR_TOKEN)", missing.Error, StringComparison.Ordinal);
        Assert.Contains($"mfc run: {user}: the new hire lacks last_name (read by execute)", missing.Error, StringComparison.Ordinal);
        Assert.Contains($"mfc run: {user}: the new hire lacks start (read by execute)", missing.Error, StringComparison.Ordinal);
        Assert.Contains("mfc run: nothing was sent", missing.Error, StringComparison.Ordinal);

        var noUser = await Mfc([Sample("asana-add-user.json"), "--initial-data", Demo("asana-add-user.initial-data.json"), .. route]);
        Assert.Equal(2, noUser.ExitCode);
        Assert.Contains("give --user <user.json>", noUser.Error, StringComparison.Ordinal);

        var notSync = await Mfc([Sample("bamboohr-import.json"), "--initial-data", Demo("bamboohr.initial-data.json"), .. route]);
        Assert.Equal(2, notSync.ExitCode);
        Assert.Contains("bamboohr-import is a sync-users manifest: run it with --sync", notSync.Error, StringComparison.Ordinal);

        var missingInitial = await Mfc([Sample("bamboohr-import.json"), "--sync", .. route]);
        Assert.Equal(2, missingInitial.ExitCode);
        Assert.Contains("missing initial-data value 'KEY' (The BambooHR api key)", missingInitial.Error, StringComparison.Ordinal);

        Assert.Empty(requests);

        // The same server proves the route works: a valid run reaches it (and fails on its 404, exit 1).
        var reached = await Mfc([Sample("bamboohr-import.json"), "--sync", "--initial-data", Demo("bamboohr.initial-data.json"), .. route]);
        Assert.Equal(1, reached.ExitCode);
        Assert.Contains("sync failed", reached.Output, StringComparison.Ordinal);
        Assert.Single(requests);
    }

    /// <summary>A Kestrel server on 127.0.0.1 that answers 404 to everything and records each request.</summary>
    private sealed class CountingServer(WebApplication app, string baseUrl) : IAsyncDisposable
    {
        public string BaseUrl => baseUrl;

        public static async Task<CountingServer> StartAsync(ConcurrentQueue<string> requests)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            app.Run(context =>
            {
                requests.Enqueue(context.Request.Method + " " + context.Request.Path);
                context.Response.StatusCode = 404;
                return Task.CompletedTask;
            });
            await app.StartAsync();
            return new CountingServer(app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        }

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }
}
