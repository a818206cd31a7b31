using System.Text.Json;
using Json.Schema;

namespace ManifestCompiler.Cli.Tests;

/// <summary>
/// <c>mfc new</c>: every scaffold passes <c>mfc check</c> with 0 errors and 0 warnings, validates against the schemas its
/// files name in <c>$schema</c>, and its demo runs against its stand-in (real python3 workers, Kestrel on 127.0.0.1) and
/// succeeds; existing files are never overwritten and invalid names are refused.
/// </summary>
public sealed class NewCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-new-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static void AssertCheckedClean(MfcResult check, string summary)
    {
        Assert.True(check.ExitCode == 0, check.Output + check.Error);
        Assert.Contains(summary + ": 0 error(s), 0 warning(s), 0 info(s)", check.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("acme-crm", "oauth", true)]
    [InlineData("acme-crm", "api-key", true)]
    [InlineData("beta", "api-key", false)]
    [InlineData("beta2-shop", "oauth", false)]
    public void A_scaffolded_integration_checks_clean_and_its_demo_runs(string name, string auth, bool webhook)
    {
        string[] args = ["new", "integration", name, "--auth", auth, "-o", _directory];
        var created = MfcRunner.Run(null, webhook ? [.. args, "--webhook"] : args);
        Assert.True(created.ExitCode == 0, created.Output + created.Error);
        var folder = Path.Combine(_directory, name);
        Assert.Equal(webhook, File.Exists(Path.Combine(folder, "webhook.json")));
        Assert.True(File.Exists(Path.Combine(folder, "action", "fetch-record-v1", "code", "fetch-record-v1.py")));

        AssertCheckedClean(MfcRunner.Run(null, "check", folder), "Checked 1 integration folder(s) and 0 manifest(s)");
        // The output folder as a whole too: the demo inputs and schemas sit in a hidden folder the check skips.
        AssertCheckedClean(MfcRunner.Run(null, "check", _directory), "Checked 1 integration folder(s) and 0 manifest(s)");

        var demo = Path.Combine(_directory, ".mfc", "demo", name);
        var run = MfcRunner.Run(null, "run", folder, "--action", "fetch-record-v1", "--tokens", Path.Combine(demo, "tokens.json"), "--stand-in", Path.Combine(demo, "stand-in.json"));
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Contains("fetched record rec-1", run.Output, StringComparison.Ordinal);
        Assert.Contains("1 run(s): 1 succeeded, 0 failed; 1 record(s) mapped, 0 did not map", run.Output, StringComparison.Ordinal);
        AssertValidAgainstTheirSchemas(_directory);
    }

    [Theory]
    [InlineData("webhook")]
    [InlineData("sync-users")]
    public void A_scaffolded_manifest_checks_clean_and_its_demo_runs(string kind)
    {
        var created = MfcRunner.Run(null, "new", "manifest", "people-hr", "--kind", kind, "-o", _directory);
        Assert.True(created.ExitCode == 0, created.Output + created.Error);
        var manifest = Path.Combine(_directory, "people-hr.json");
        AssertCheckedClean(MfcRunner.Run(null, "check", manifest), "Checked 0 integration folder(s) and 1 manifest(s)");

        var demo = Path.Combine(_directory, ".mfc", "demo", "people-hr");
        var run = kind == "webhook"
            ? MfcRunner.Run(null, "run", manifest, "--user", Path.Combine(demo, "user.json"), "--initial-data", Path.Combine(demo, "initial-data.json"), "--stand-in", Path.Combine(demo, "stand-in.json"))
            : MfcRunner.Run(null, "run", manifest, "--sync", "--initial-data", Path.Combine(demo, "initial-data.json"), "--stand-in", Path.Combine(demo, "stand-in.json"));
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Contains(kind == "webhook" ? "stored on new-hire-1: {\"PEOPLE_HR_USER_ID\":\"user-42\"}" : "sync succeeded: 2 page(s), 2 record(s); 2 created", run.Output, StringComparison.Ordinal);
        AssertValidAgainstTheirSchemas(_directory);
    }

    [Fact]
    public void Existing_files_are_never_overwritten()
    {
        Assert.Equal(0, MfcRunner.Run(null, "new", "integration", "acme", "--auth", "oauth", "-o", _directory).ExitCode);
        var oauth = Path.Combine(_directory, "acme", "oauth.json");
        File.WriteAllText(oauth, "{\"name\": \"mine\"}");

        var again = MfcRunner.Run(null, "new", "integration", "acme", "--auth", "api-key", "-o", _directory);

        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"mfc new: {oauth} already exists; nothing was written", again.Error, StringComparison.Ordinal);
        Assert.Equal("{\"name\": \"mine\"}", File.ReadAllText(oauth));

        File.WriteAllText(Path.Combine(_directory, "hr.json"), "{}");
        var manifest = MfcRunner.Run(null, "new", "manifest", "hr", "--kind", "webhook", "-o", _directory);
        Assert.Equal(1, manifest.ExitCode);
        Assert.Equal("{}", File.ReadAllText(Path.Combine(_directory, "hr.json")));
        Assert.False(Directory.Exists(Path.Combine(_directory, ".mfc", "demo", "hr")));
    }

    [Theory]
    [InlineData("Acme")]
    [InlineData("acme_crm")]
    [InlineData("-acme")]
    [InlineData("acme--crm")]
    [InlineData("1acme")]
    [InlineData("../acme")]
    public void An_invalid_name_is_a_clear_error_and_writes_nothing(string name)
    {
        var result = MfcRunner.Run(null, "new", "integration", name, "--auth", "oauth", "-o", _directory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"mfc new: '{name}' is not a valid integration name", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    /// <summary>Every scaffolded JSON file with a <c>$schema</c> validates against the schema it names (written beside it by mfc new).</summary>
    private static void AssertValidAgainstTheirSchemas(string root)
    {
        var checkedFiles = 0;
        foreach (var file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories).Where(f => !f.Contains("/.mfc/", StringComparison.Ordinal)))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var reference = document.RootElement.GetProperty("$schema").GetString()!;
            var schemaPath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, reference));
            var schema = JsonSchema.FromText(File.ReadAllText(schemaPath), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
            var results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(results.IsValid, $"{file} against {reference}");
            checkedFiles++;
        }
        Assert.True(checkedFiles > 0);
    }
}
