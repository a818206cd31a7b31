using System.CommandLine;
using ManifestCompiler.Cli.Checking;
using ManifestCompiler.Emit;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Cli.Commands;

/// <summary>
/// <c>mfc build &lt;path&gt;... -o &lt;dir&gt;</c>: compiles integration folders and manifests into one plan assembly
/// (Roslyn in-process, deterministic), with the same diagnostics as <c>check</c>. With errors it exits 1 and writes
/// no assembly. The runtime-support library the plans reference is copied beside it, so a host can load the
/// directory as it is.
/// </summary>
internal static class BuildCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var pathsArgument = new Argument<string[]>("paths") { Description = "Integration folders, manifest files, or folders holding them.", Arity = ArgumentArity.OneOrMore };
        var outputOption = new Option<DirectoryInfo>("--output", "-o") { Description = "The directory to write the plan assembly to.", Required = true };
        var nameOption = new Option<string?>("--name") { Description = "The assembly name (default: <Folder>.Plans for one input, ManifestCompiler.Plans for several)." };
        var noPythonOption = new Option<bool>("--no-python") { Description = "Do not run python3 to find syntax errors in Python steps." };
        var command = new Command("build", "Compile integration folders and manifests into one plan assembly.")
        {
            pathsArgument,
            outputOption,
            nameOption,
            noPythonOption,
        };
        command.SetAction(parseResult => Execute(
            parseResult.GetValue(pathsArgument)!,
            parseResult.GetValue(outputOption)!,
            parseResult.GetValue(nameOption),
            parseResult.GetValue(noPythonOption),
            output,
            error));
        return command;
    }

    private static int Execute(string[] paths, DirectoryInfo outputDirectory, string? name, bool noPython, TextWriter output, TextWriter error)
    {
        var workspace = ManifestWorkspace.Load(paths);
        foreach (var problem in workspace.Problems)
        {
            error.WriteLine("mfc build: " + problem);
        }
        if (workspace.Problems.Length > 0)
        {
            return Mfc.UsageExitCode;
        }
        if (workspace.Count == 0)
        {
            error.WriteLine("mfc build: no integration folder or manifest found in " + string.Join(", ", paths));
            return Mfc.UsageExitCode;
        }
        name ??= paths.Length == 1 ? Naming.Pascal(Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(Path.GetFullPath(paths[0])))) + ".Plans" : "ManifestCompiler.Plans";

        using var python = noPython ? null : new CPythonStepChecker();
        var result = PlanAssemblyBuilder.Build(workspace, name, new CompilerOptions(python));
        var summary = CheckSummary.Of(workspace.Integrations.Length, workspace.Manifests.Length, result.Diagnostics.ToList());
        foreach (var diagnostic in result.Diagnostics)
        {
            output.WriteLine(diagnostic.ToString());
        }
        if (result.Image is null)
        {
            foreach (var problem in result.CompilerErrors)
            {
                // Generated code that does not compile is the toolchain's bug, not the user's: say so plainly.
                error.WriteLine("mfc build: internal error in generated code: " + problem);
            }
            error.WriteLine($"mfc build: {summary}; no assembly written.");
            return 1;
        }

        try
        {
            outputDirectory.Create();
            var target = Path.Combine(outputDirectory.FullName, name + ".dll");
            File.WriteAllBytes(target, result.Image);
            var support = typeof(Runtime.Support.Plans.IntegrationPlan).Assembly.Location;
            var pidgin = typeof(Pidgin.Parser).Assembly.Location;
            foreach (var dependency in new[] { support, pidgin })
            {
                File.Copy(dependency, Path.Combine(outputDirectory.FullName, Path.GetFileName(dependency)), overwrite: true);
            }
            output.WriteLine($"Built {target}: {result.Integrations} integration plan(s), {result.Manifests} manifest plan(s), {result.Sources.Count} generated file(s); {summary.Warnings} warning(s).");
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"mfc build: cannot write to {outputDirectory.FullName}: {e.Message}");
            return Mfc.UsageExitCode;
        }
    }
}
