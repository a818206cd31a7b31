using ManifestCompiler.Workspace;
using System.CommandLine;
using ManifestCompiler.Manifests;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.DotPaths;
using ManifestCompiler.Syntax.JsonPath;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Syntax.Printing;
using ManifestCompiler.Syntax.Templates;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Cli.Commands;

/// <summary>
/// <c>mfc parse [paths...]</c>: finds every template, dot path, JSONPath and Python expression in the manifests under the paths,
/// prints each one's syntax tree with spans, then its diagnostics. Exit 1 when any error was found.
/// </summary>
internal static class ParseCommand
{
    public static Command Create(TextWriter output)
    {
        var pathsArgument = new Argument<string[]>("paths") { Description = "Manifest files or folders (searched for *.json).", Arity = ArgumentArity.OneOrMore };
        var quietOption = new Option<bool>("--quiet", "-q") { Description = "Print only diagnostics and the summary, not the trees." };
        var command = new Command("parse", "Parse the embedded languages of manifests and print their syntax trees with spans.")
        {
            pathsArgument,
            quietOption,
        };
        command.SetAction(parseResult => Execute(parseResult.GetValue(pathsArgument)!, parseResult.GetValue(quietOption), output));
        return command;
    }

    private static int Execute(string[] paths, bool quiet, TextWriter output)
    {
        var files = new List<string>();
        var errors = 0;
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(ManifestWorkspace.JsonFilesUnder(path));
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                output.WriteLine($"{path}: error: no such file or directory");
                errors++;
            }
        }

        var counts = new Dictionary<EmbeddedLanguage, int>();
        var warnings = 0;
        foreach (var file in files)
        {
            // Paths print as the user wrote them (a folder argument prefixes its files), whatever the working directory.
            var relative = file.Replace('\\', '/');
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                output.WriteLine($"{relative}: error: {e.Message}");
                errors++;
                continue;
            }
            var lines = new LineMap(text);
            var (fragments, fileDiagnostics) = EmbeddedLanguageScanner.Scan(text);
            foreach (var fragment in fragments)
            {
                counts[fragment.Language] = counts.GetValueOrDefault(fragment.Language) + 1;
                var position = lines.GetPosition(fragment.ValueStart);
                if (!quiet)
                {
                    output.WriteLine($"{relative}({position.Line},{position.Column}): {Describe(fragment.Language)} at {fragment.JsonPointer}");
                    var tree = Print(fragment.Tree);
                    foreach (var line in tree.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    {
                        output.WriteLine("    " + line);
                    }
                }
                foreach (var diagnostic in fragment.Diagnostics)
                {
                    var located = diagnostic with { Span = new SourceSpan(fragment.ToFileOffset(diagnostic.Span.Start), diagnostic.Span.Length) };
                    output.WriteLine(located.Format(relative, lines));
                    Count(diagnostic, ref errors, ref warnings);
                }
            }
            foreach (var diagnostic in fileDiagnostics)
            {
                output.WriteLine(diagnostic.Format(relative, lines));
                Count(diagnostic, ref errors, ref warnings);
            }
        }

        output.WriteLine(
            $"{files.Count} file(s): {counts.GetValueOrDefault(EmbeddedLanguage.Template)} template(s), " +
            $"{counts.GetValueOrDefault(EmbeddedLanguage.DotPath)} dot path(s), {counts.GetValueOrDefault(EmbeddedLanguage.JsonPath)} JSONPath quer(ies), " +
            $"{counts.GetValueOrDefault(EmbeddedLanguage.PythonExpression)} Python expression(s); " +
            $"{errors} error(s), {warnings} warning(s)");
        return errors > 0 ? 1 : 0;
    }

    private static void Count(Diagnostic diagnostic, ref int errors, ref int warnings)
    {
        if (diagnostic.IsError)
        {
            errors++;
        }
        else if (diagnostic.Severity == DiagnosticSeverity.Warning)
        {
            warnings++;
        }
    }

    private static string Describe(EmbeddedLanguage language) => language switch
    {
        EmbeddedLanguage.Template => "template",
        EmbeddedLanguage.DotPath => "dot path",
        EmbeddedLanguage.PythonExpression => "Python expression",
        _ => "JSONPath",
    };

    private static string Print(object? tree) => tree switch
    {
        TemplateSyntax template => SyntaxTreePrinter.Print(template),
        DotPathSyntax path => SyntaxTreePrinter.Print(path),
        JsonPathQuery query => SyntaxTreePrinter.Print(query),
        PythonExpression expression => SyntaxTreePrinter.Print(expression),
        _ => "(no tree: see the diagnostics)",
    };
}
