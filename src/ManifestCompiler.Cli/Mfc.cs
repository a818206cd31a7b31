using System.CommandLine;
using ManifestCompiler.Cli.Commands;

namespace ManifestCompiler.Cli;

/// <summary>The <c>mfc</c> command line; tests run it in-process with their own writers.</summary>
public static class Mfc
{
    /// <summary>The exit code for usage problems (unknown options, missing arguments, paths that do not exist).</summary>
    public const int UsageExitCode = 2;

    public static int Run(string[] args, TextWriter output, TextWriter error, TextReader? input = null)
    {
        var root = new RootCommand("ManifestCompiler: compiles BOSSi integration folders and ChiefOnboarding manifests.")
        {
            ParseCommand.Create(output),
            CheckCommand.Create(output, error),
            BuildCommand.Create(output, error),
            RunCommand.Create(output, error),
            ServeCommand.Create(output, error),
            KeysCommand.Create(output, error),
            QueryCommand.Create(output, error, input ?? Console.In),
            EvalCommand.Create(output, error),
            SchemaCommand.Create(output, error),
            NewCommand.Create(output, error),
        };
        var parsed = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        if (parsed.Errors.Count > 0)
        {
            // System.CommandLine prints the errors and help; the exit code says "usage", distinct from "found errors".
            parsed.Invoke(configuration);
            return UsageExitCode;
        }
        return parsed.Invoke(configuration);
    }
}
