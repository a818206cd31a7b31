using System.Text.Json;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Cli.Tests;

/// <summary>
/// One test sets MC_PYTHON, which is the process's, so the class runs alone: xunit runs a collection that disables
/// parallelization after every other test.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public class CheckCommandTests
{
    [Fact]
    public void Samples_check_with_zero_diagnostics()
    {
        var result = MfcRunner.Run(null, "check", Path.Combine(RepositoryPaths.Root, "samples"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Checked 3 integration folder(s) and 5 manifest(s): 0 error(s), 0 warning(s), 0 info(s)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsigned_webhook_is_a_warning_and_a_bad_signature_block_an_error()
    {
        using var folder = new TempFolder();
        var sample = Path.Combine(RepositoryPaths.Root, "samples", "bossi", "northwind-crm");
        foreach (var file in Directory.EnumerateFiles(sample, "*", SearchOption.AllDirectories))
        {
            folder.Write(Path.Combine("northwind", Path.GetRelativePath(sample, file)), File.ReadAllText(file));
        }
        var webhook = folder.Write("northwind/webhook.json", """
            {
              "validations": { "body_required": ["event_type"] },
              "triggerSteps": [{ "condition": null, "action": "sync-contacts-v1", "payload": {} }]
            }
            """);

        var unsigned = MfcRunner.Run(null, "check", folder.Path + "/northwind");
        Assert.Equal(0, unsigned.ExitCode);
        Assert.Contains($"{webhook}(2,3): warning MC7013: webhook.json has no validations.signature: anyone who knows an instance's webhook URL can trigger its actions", unsigned.Output, StringComparison.Ordinal);

        folder.Write("northwind/webhook.json", """
            {
              "validations": { "signature": { "header": "X-Signature", "scheme": "hmac-md5", "secret": "{{webhookSecret}}" } },
              "triggerSteps": []
            }
            """);
        var unknown = MfcRunner.Run(null, "check", folder.Path + "/northwind");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains($"{webhook}(2,70): error MC7014: 'hmac-md5' is not a signature scheme; known: hmac-sha256-hex, hmac-sha256-base64, hmac-sha1-hex, stripe", unknown.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_print_in_the_canonical_format_and_exit_1()
    {
        using var folder = new TempFolder();
        var manifest = folder.Write("m.json", "{\n  \"execute\": [{ \"url\": \"https://x/{{ responses.0.id }}\" }]\n}");

        var result = MfcRunner.Run(null, "check", manifest);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{manifest}(2,38): error MC8001: 'responses.0' is not an earlier request: no request has run before this one", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{manifest}(2,15): error MC6002: Missing required key 'method' in an execute request", result.Output, StringComparison.Ordinal);
        Assert.Contains("2 error(s)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Usage_problems_exit_2()
    {
        Assert.Equal(2, MfcRunner.Run(null, "check", Path.Combine(Path.GetTempPath(), "no-such-manifest-mfc.json")).ExitCode);
        Assert.Equal(2, MfcRunner.Run(null, "check", "--format", "xml", "x.json").ExitCode);
        Assert.Equal(2, MfcRunner.Run(null, "check").ExitCode);
    }

    [Fact]
    public void Json_format_gives_positions_json_paths_and_a_summary()
    {
        using var folder = new TempFolder();
        var manifest = folder.Write("m.json", "{ \"execute\": [{ \"url\": \"https://x\", \"method\": \"get\" }] }");

        var result = MfcRunner.Run(null, "check", "--format", "json", manifest);

        Assert.Equal(1, result.ExitCode);
        using var document = JsonDocument.Parse(result.Output);
        var diagnostic = Assert.Single(document.RootElement.GetProperty("diagnostics").EnumerateArray());
        Assert.Equal("MC6006", diagnostic.GetProperty("id").GetString());
        Assert.Equal("$['execute'][0]['method']", diagnostic.GetProperty("jsonPath").GetString());
        Assert.Equal(1, diagnostic.GetProperty("line").GetInt32());
        Assert.Equal(47, diagnostic.GetProperty("column").GetInt32());
        Assert.Equal(1, document.RootElement.GetProperty("summary").GetProperty("errors").GetInt32());
    }

    [Fact]
    public void Sarif_format_is_sarif_2_1_0_with_rules_and_regions()
    {
        using var folder = new TempFolder();
        var manifest = folder.Write("m.json", "{ \"execute\": [], \"extra\": 1 }");
        var sarifPath = Path.Combine(folder.Path, "out.sarif");

        var result = MfcRunner.Run(null, "check", "--format", "sarif", "-o", sarifPath, manifest);

        Assert.Equal(1, result.ExitCode);
        using var document = JsonDocument.Parse(File.ReadAllText(sarifPath));
        Assert.Equal("2.1.0", document.RootElement.GetProperty("version").GetString());
        var run = document.RootElement.GetProperty("runs")[0];
        var rule = Assert.Single(run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray());
        Assert.Equal("MC6003", rule.GetProperty("id").GetString());
        var sarifResult = Assert.Single(run.GetProperty("results").EnumerateArray());
        Assert.Equal("error", sarifResult.GetProperty("level").GetString());
        var region = sarifResult.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("region");
        Assert.Equal(1, region.GetProperty("startLine").GetInt32());
        Assert.Equal(18, region.GetProperty("startColumn").GetInt32());
        Assert.Equal("$['extra']", sarifResult.GetProperty("locations")[0].GetProperty("logicalLocations")[0].GetProperty("fullyQualifiedName").GetString());
    }

    [Fact]
    public void Python_syntax_errors_come_from_python3_at_the_file_position()
    {
        using var folder = new TempFolder();
        folder.Write("oauth.json", "{ \"name\": \"P\", \"isNonOauth\": true }");
        folder.Write("schema.json", "{ \"name\": \"P\", \"actions\": { \"a-v1\": { \"skipParser\": true, \"steps\": [{ \"codeRef\": \"a\" }] } } }");
        var code = folder.Write("action/a-v1/code/a.py", "def main(storage):\n    return {'a': (1,}\n");

        var result = MfcRunner.Run(null, "check", folder.Path);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"a\.py\(2,\d+\): error MC7104: Python syntax error: ", result.Output);
        Assert.DoesNotContain("MC7105", result.Output, StringComparison.Ordinal);
        Assert.Contains(code, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_python3_the_check_says_it_skipped_python_syntax()
    {
        using var folder = new TempFolder();
        folder.Write("oauth.json", "{ \"name\": \"P\", \"isNonOauth\": true }");
        folder.Write("schema.json", "{ \"name\": \"P\", \"actions\": { \"a-v1\": { \"skipParser\": true, \"steps\": [{ \"codeRef\": \"a\" }] } } }");
        folder.Write("action/a-v1/code/a.py", "def main(storage):\n    return {'a': (1,}\n");
        var previous = Environment.GetEnvironmentVariable("MC_PYTHON");
        try
        {
            Environment.SetEnvironmentVariable("MC_PYTHON", "/nonexistent/python3");
            var result = MfcRunner.Run(null, "check", folder.Path);

            Assert.Equal(0, result.ExitCode);
            Assert.Contains("info MC7105: Python syntax was not checked: '/nonexistent/python3' could not be started", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("MC_PYTHON", previous);
        }
    }

    private sealed class TempFolder : IDisposable
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("mfc-check-");

        public string Path => _directory.FullName.Replace('\\', '/');

        public string Write(string relative, string text)
        {
            var path = System.IO.Path.Combine(_directory.FullName, relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
            return path.Replace('\\', '/');
        }

        public void Dispose() => _directory.Delete(recursive: true);
    }
}

/// <summary>Test classes that change the process's environment, run when no other test runs.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "process environment";
}
