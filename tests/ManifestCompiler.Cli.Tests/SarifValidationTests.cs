using System.Diagnostics;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Cli.Tests;

/// <summary>
/// <c>mfc check --format sarif</c> passes the official SARIF validator (<c>@microsoft/sarif-multitool</c> 5.7.0, pinned in
/// tools/sarif-validator and installed from npm on first use) with no error and no warning, for files named by paths
/// relative to the current folder and by absolute paths.
/// </summary>
public sealed class SarifValidationTests
{
    private static readonly string Validator = Path.Combine(RepositoryPaths.Root, "tools", "sarif-validator");
    private static readonly SemaphoreSlim InstallOnce = new(1, 1);

    private static (int ExitCode, string Output) Run(string file, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        return (process.ExitCode, output.Result + error.Result);
    }

    private static async Task<string> ValidatorAsync()
    {
        var tool = Path.Combine(Validator, "node_modules", ".bin", "sarif-multitool");
        await InstallOnce.WaitAsync();
        try
        {
            if (!File.Exists(tool))
            {
                var (code, output) = Run("npm", Validator, "ci", "--no-audit", "--no-fund");
                Assert.True(code == 0, "npm ci in tools/sarif-validator failed:\n" + output);
            }
        }
        finally
        {
            InstallOnce.Release();
        }
        return tool;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sarif_output_passes_the_official_validator(bool absolutePaths)
    {
        var validator = await ValidatorAsync();
        var cases = new[] { "bossi-python-steps", "bossi-broken-references", "chiefonboarding-webhook-errors" }
            .Select(c => $"tests/ManifestCompiler.Tests/Baselines/{c}/input")
            .Select(p => absolutePaths ? Path.Combine(RepositoryPaths.Root, p) : p)
            .ToArray();
        var sarif = Path.Combine(Path.GetTempPath(), $"mfc-{Guid.NewGuid():N}.sarif");
        try
        {
            var (checkCode, checkOutput) = Run("dotnet", RepositoryPaths.Root, [Path.Combine(AppContext.BaseDirectory, "mfc.dll"), "check", "--format", "sarif", "-o", sarif, .. cases]);
            Assert.True(checkCode == 1, checkOutput); // the cases have errors
            var text = File.ReadAllText(sarif);
            Assert.Contains(absolutePaths ? "\"uri\": \"file:///" : "\"uriBaseId\": \"%SRCROOT%\"", text, StringComparison.Ordinal);

            var (code, output) = Run(validator, RepositoryPaths.Root, "validate", sarif);

            Assert.True(code == 0, output);
            Assert.DoesNotContain(": error SARIF", output, StringComparison.Ordinal);
            Assert.DoesNotContain(": warning SARIF", output, StringComparison.Ordinal);
            Assert.Contains("1 files scanned", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(sarif);
        }
    }
}
