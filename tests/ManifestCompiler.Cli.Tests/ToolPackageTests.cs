using System.Diagnostics;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Cli.Tests;

/// <summary>
/// <c>mfc</c> as a user installs it: packed as a dotnet tool into a local feed, installed with <c>dotnet tool install
/// --tool-path</c> in a folder outside this repository, then <c>mfc new</c>, <c>mfc check</c> and <c>mfc run</c> on the
/// scaffold from there (as the generator's PackageTests does for the generator package).
/// </summary>
public sealed class ToolPackageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-tool-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public void The_packed_tool_installs_and_scaffolds_checks_and_runs_an_integration()
    {
        Assert.False(_directory.StartsWith(RepositoryPaths.Root, StringComparison.Ordinal));
        var feed = Path.Combine(_directory, "feed");
        // A version of its own, so no package cache holds an older build under the same number.
        var version = "0.0.0-test" + DateTime.UtcNow.Ticks;
        // The test run has built the CLI already (in this configuration); packing must not build it again.
        Run("dotnet", RepositoryPaths.Root, ["pack", "src/ManifestCompiler.Cli", "--no-build", "-c", Configuration, "-o", feed, $"-p:PackageVersion={version}"]);
        var tools = Path.Combine(_directory, "tools");
        Run("dotnet", _directory, ["tool", "install", "ManifestCompiler.Cli", "--version", version, "--tool-path", tools, "--add-source", feed]);
        var mfc = Path.Combine(tools, "mfc");
        Assert.True(File.Exists(mfc), "dotnet tool install put no mfc in " + tools);

        var work = Directory.CreateDirectory(Path.Combine(_directory, "work")).FullName;
        var created = Run(mfc, work, ["new", "integration", "acme-crm", "--auth", "api-key", "--webhook"]);
        Assert.Contains("created " + Path.Combine(work, "acme-crm", "oauth.json"), created, StringComparison.Ordinal);

        var check = Run(mfc, work, ["check", "acme-crm"]);
        Assert.Contains("Checked 1 integration folder(s) and 0 manifest(s): 0 error(s), 0 warning(s), 0 info(s)", check, StringComparison.Ordinal);

        var run = Run(mfc, work, ["run", "acme-crm", "--action", "fetch-record-v1", "--tokens", ".mfc/demo/acme-crm/tokens.json", "--stand-in", ".mfc/demo/acme-crm/stand-in.json"]);
        Assert.Contains("1 run(s): 1 succeeded, 0 failed; 1 record(s) mapped, 0 did not map", run, StringComparison.Ordinal);

        var schema = Run(mfc, work, ["schema", "webhook"]);
        Assert.Contains("\"$id\": \"https://manifestcompiler.local/schemas/bossi-webhook.schema.json\"", schema, StringComparison.Ordinal);
    }

    private static string Run(string program, string directory, string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // Build servers would outlive the test and keep the temporary folder's files open.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd() + error.Result;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} failed ({process.ExitCode}):\n{output}");
        return output;
    }
}
