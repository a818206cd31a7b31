using System.CommandLine;
using ManifestCompiler.Cli.Commands;

namespace ManifestCompiler.Cli;

/// <summary>The <c>mfc</c> command line; tests run it in-process with their own writers.</summary>
public static class Mfc
{
    public static int Run(string[] args, TextWriter output, TextWriter error, TextReader? input = null)
    {
        var root = new RootCommand("ManifestCompiler: compiles BOSSi integration folders and ChiefOnboarding manifests.")
        {
            ParseCommand.Create(output),
            QueryCommand.Create(output, error, input ?? Console.In),
            EvalCommand.Create(output, error),
        };
        return root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
