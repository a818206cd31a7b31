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
