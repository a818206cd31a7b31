using System.Text.Json;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Cli.Tests;

/// <summary><c>mfc run</c> with real python3 workers and a real local stand-in API.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-run-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Sample(params string[] parts) => Path.Combine([RepositoryPaths.Root, "samples", .. parts]);

    private static string Demo(params string[] parts) => Path.Combine([RepositoryPaths.Root, "demo", .. parts]);

    private static readonly string[] QuickBooks =
    [
        "run", Sample("bossi", "quickbooks"), "--action", "quickbooks-sync-v1",
        "--tokens", Demo("quickbooks", "tokens.json"), "--stand-in", Demo("quickbooks", "stand-in.json"),
    ];

    [Fact]
    public void Runs_the_QuickBooks_sync_against_the_stand_in_and_follows_its_child_runs()
    {
        var result = MfcRunner.Run(null, QuickBooks);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        var lines = result.Output.Split('\n');
        Assert.Equal("DEBUG: Starting execution of action: quickbooks-sync-v1", lines[0]);
        Assert.Contains("INFO: [QB] Sending Invoice → 130", lines);
        Assert.Equal(2, lines.Count(l => l == "DEBUG: Starting execution of action: invoices-post-v1"));
        Assert.Contains("3 run(s): 3 succeeded, 0 failed; 2 record(s) mapped, 0 did not map", lines);
        Assert.DoesNotContain("local-access-token-for-the-stand-in", result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void No_follow_runs_only_the_action_and_verbose_prints_json_events()
    {
        var result = MfcRunner.Run(null, [.. QuickBooks, "--no-follow", "--verbose"]);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        var events = result.Output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(events, e => Assert.Equal("quickbooks-sync-v1", e.GetProperty("Action").GetString()));
        Assert.Contains(events, e => e.GetProperty("DebugType").GetString() == "trigger" && e.GetProperty("Data").GetString()!.Contains("\"Id\":\"131\"", StringComparison.Ordinal));
        Assert.All(events, e => Assert.Equal("tech.boss.quickbooks[0]", e.GetProperty("IntegrationId").GetString()));
        Assert.Contains("1 run(s): 1 succeeded, 0 failed", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Records_go_to_a_json_lines_file_with_their_action_and_run_and_failures_with_their_errors()
    {
        var standIn = Path.Combine(_directory, "invoices.json");
        File.WriteAllText(standIn, """
            {"responses": [{"host": "quickbooks.api.intuit.com", "path": "/v3/company/*/query", "status": 200, "body": {"QueryResponse": {"Invoice": [
              {"Id": "130", "TxnDate": "2024-11-14", "TotalAmt": 362.07, "CustomerRef": {"value": "24", "name": "Sonnenschein"}},
              {"Id": "131", "TxnDate": "2024-11-15", "TotalAmt": "eighty", "CustomerRef": {"value": "25"}}
            ]}}}]}
            """);
        var recordsFile = Path.Combine(_directory, "records.jsonl");

        var result = MfcRunner.Run(null, "run", Sample("bossi", "quickbooks"), "--action", "quickbooks-sync-v1", "--tokens", Demo("quickbooks", "tokens.json"), "--stand-in", standIn, "--records", recordsFile);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("3 run(s): 3 succeeded, 0 failed; 1 record(s) mapped, 1 did not map", result.Output, StringComparison.Ordinal);
        Assert.Contains("records: " + recordsFile, result.Output, StringComparison.Ordinal);
        var lines = File.ReadAllLines(recordsFile).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        var mapped = Assert.Single(lines, l => l.TryGetProperty("record", out _));
        Assert.Equal("invoices-post-v1", mapped.GetProperty("action").GetString());
        Assert.False(string.IsNullOrEmpty(mapped.GetProperty("run").GetString()));
        Assert.Equal("130", mapped.GetProperty("record").GetProperty("IntegrationInvoiceId").GetString());
        Assert.Equal(362.07, mapped.GetProperty("record").GetProperty("TotalAmount").GetDouble());
        var failed = Assert.Single(lines, l => l.TryGetProperty("errors", out _));
        Assert.Equal("invoices-post-v1", failed.GetProperty("action").GetString());
        var error = Assert.Single(failed.GetProperty("errors").EnumerateArray());
        Assert.Equal("totalAmount", error.GetProperty("field").GetString());
        Assert.Equal("$.TotalAmt", error.GetProperty("path").GetString());
        Assert.Equal("131", failed.GetProperty("input").GetProperty("Id").GetString());
        Assert.NotEqual(mapped.GetProperty("run").GetString(), failed.GetProperty("run").GetString()); // one run per invoice
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(recordsFile));
        }
    }

    [Fact]
    public async Task On_a_terminal_the_summary_is_followed_by_a_table_of_records_per_action()
    {
        // util-linux script(1) gives mfc a real pseudo-terminal, as a person's shell would.
        static string Quote(string arg) => "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        var command = string.Join(' ', new[] { "dotnet", Path.Combine(AppContext.BaseDirectory, "mfc.dll") }.Concat(QuickBooks).Select(Quote));
        var start = new System.Diagnostics.ProcessStartInfo("script") { ArgumentList = { "-q", "-e", "-c", command, "/dev/null" }, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        using var process = System.Diagnostics.Process.Start(start)!;
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(0, process.ExitCode);
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var summary = lines.FindIndex(l => l.Contains("3 run(s): 3 succeeded, 0 failed; 2 record(s) mapped", StringComparison.Ordinal));
        Assert.True(summary >= 0, output);
        Assert.Contains(lines.Skip(summary), l => l.Contains("action", StringComparison.Ordinal) && l.Contains("mapped", StringComparison.Ordinal) && l.Contains("failed", StringComparison.Ordinal));
        Assert.Contains(lines.Skip(summary), l => System.Text.RegularExpressions.Regex.IsMatch(l, @"invoices-post-v1\s*\S\s+2\s+\S\s+0\s"));
    }

    [Fact]
    public void A_failing_action_exits_1_with_the_error_event()
    {
        var standIn = Path.Combine(_directory, "down.json");
        File.WriteAllText(standIn, """{"responses": [{"host": "quickbooks.api.intuit.com", "path": "/v3/company/*/query", "status": 503}]}""");
        var result = MfcRunner.Run(null, "run", Sample("bossi", "quickbooks"), "--action", "quickbooks-sync-v1", "--tokens", Demo("quickbooks", "tokens.json"), "--stand-in", standIn);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ERROR: Step 1 of 1 (quickbooks-sync-v1) failed: returned error: QuickBooks answered 503", result.Output, StringComparison.Ordinal);
        Assert.Contains("1 run(s): 0 succeeded, 1 failed", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_actions_and_bad_routes_are_reported()
    {
        var unknown = MfcRunner.Run(null, "run", Sample("bossi", "quickbooks"), "--action", "no-such-action");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("mfc run: tech.boss.quickbooks has no action 'no-such-action'", unknown.Error, StringComparison.Ordinal);

        var route = MfcRunner.Run(null, "run", Sample("bossi", "quickbooks"), "--action", "quickbooks-sync-v1", "--route", "nonsense");
        Assert.Equal(2, route.ExitCode);
        Assert.Contains("'nonsense' is not <host-glob>=<http(s) base URL>", route.Error, StringComparison.Ordinal);
    }
}
