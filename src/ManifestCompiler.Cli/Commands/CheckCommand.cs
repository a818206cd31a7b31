using System.CommandLine;
using ManifestCompiler.Cli.Checking;
using ManifestCompiler.Workspace;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.IR;
using ManifestKind = ManifestCompiler.Runtime.Support.Plans.ManifestKind;

namespace ManifestCompiler.Cli.Commands;

/// <summary>
/// <c>mfc check &lt;path&gt;...</c>: compiles integration folders and manifests through the front end and reports every
/// diagnostic. Exit 0 without errors, 1 with errors (usage problems exit 2, see <see cref="Mfc"/>).
/// </summary>
internal static class CheckCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var pathsArgument = new Argument<string[]>("paths") { Description = "Integration folders, manifest files, or folders holding them.", Arity = ArgumentArity.OneOrMore };
        var formatOption = new Option<string>("--format", "-f") { Description = "Output format: text (MSBuild canonical lines), json or sarif (SARIF 2.1.0).", DefaultValueFactory = _ => "text" };
        formatOption.AcceptOnlyFromAmong("text", "json", "sarif");
        var kindOption = new Option<string>("--kind") { Description = "Kind of ChiefOnboarding manifests: auto (inferred from their keys), webhook or sync-users.", DefaultValueFactory = _ => "auto" };
        kindOption.AcceptOnlyFromAmong("auto", "webhook", "sync-users");
        var outputOption = new Option<FileInfo?>("--output", "-o") { Description = "Write the report to this file instead of standard output." };
        var noPythonOption = new Option<bool>("--no-python") { Description = "Do not run python3 to find syntax errors in Python steps." };
        var command = new Command("check", "Check integration folders and manifests: every diagnostic with its file, line and column.")
        {
            pathsArgument,
            formatOption,
            kindOption,
            outputOption,
            noPythonOption,
        };
        command.SetAction(parseResult =>
        {
            var kind = parseResult.GetValue(kindOption) switch
            {
                "webhook" => ManifestKind.Webhook,
                "sync-users" => ManifestKind.SyncUsers,
                _ => (ManifestKind?)null,
            };
            return Execute(
                parseResult.GetValue(pathsArgument)!,
                parseResult.GetValue(formatOption)!,
                kind,
                parseResult.GetValue(outputOption),
                parseResult.GetValue(noPythonOption),
                output,
                error);
        });
        return command;
    }

    private static int Execute(string[] paths, string format, ManifestKind? kind, FileInfo? outputFile, bool noPython, TextWriter output, TextWriter error)
    {
        var workspace = ManifestWorkspace.Load(paths);
        foreach (var problem in workspace.Problems)
        {
            error.WriteLine("mfc check: " + problem);
        }
        if (workspace.Problems.Length > 0)
        {
            return Mfc.UsageExitCode;
        }
        using var python = noPython ? null : new CPythonStepChecker();
        var diagnostics = Check(workspace, kind, python);
        var summary = CheckSummary.Of(workspace.Integrations.Length, workspace.Manifests.Length, diagnostics);
        try
        {
            if (format == "text")
            {
                if (outputFile is null)
                {
                    DiagnosticWriters.WriteText(output, diagnostics, summary);
                }
                else
                {
                    using var writer = new StreamWriter(outputFile.FullName);
                    DiagnosticWriters.WriteText(writer, diagnostics, summary);
                }
            }
            else
            {
                using var buffer = new MemoryStream();
                if (format == "json")
                {
                    DiagnosticWriters.WriteJson(buffer, diagnostics, summary);
                }
                else
                {
                    DiagnosticWriters.WriteSarif(buffer, diagnostics);
                }
                if (outputFile is null)
                {
                    output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
                }
                else
                {
                    File.WriteAllBytes(outputFile.FullName, buffer.ToArray());
                }
            }
            if (outputFile is not null || format != "text")
            {
                error.WriteLine(summary.ToString());
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"mfc check: cannot write {outputFile?.FullName ?? "the report"}: {e.Message}");
            return Mfc.UsageExitCode;
        }
        return summary.Errors > 0 ? 1 : 0;
    }

    /// <summary>Compiles everything in the workspace; diagnostics sorted by file, then position.</summary>
    public static List<ManifestDiagnostic> Check(ManifestWorkspace workspace, ManifestKind? kind, IPythonSyntaxChecker? python) =>
        [.. WorkspaceCompilation.Compile(workspace, new CompilerOptions(python), kind).Diagnostics];
}
