namespace ManifestCompiler.Cli.Tests;

internal sealed record MfcResult(int ExitCode, string Output, string Error);

/// <summary>Runs <c>mfc</c> in-process with captured output, as a user would from the shell.</summary>
internal static class MfcRunner
{
    public static MfcResult Run(string? standardInput, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = Mfc.Run(args, output, error, new StringReader(standardInput ?? string.Empty));
        return new MfcResult(exitCode, output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal), error.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}

/// <summary>Runs the built <c>mfc</c> as its own process (<c>dotnet mfc.dll …</c>), as a user's shell would.</summary>
internal static class MfcProcess
{
    public static async Task<MfcResult> RunAsync(string workingDirectory, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mfc.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = System.Diagnostics.Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return new MfcResult(process.ExitCode, (await output).Replace("\r\n", "\n", StringComparison.Ordinal), (await error).Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
