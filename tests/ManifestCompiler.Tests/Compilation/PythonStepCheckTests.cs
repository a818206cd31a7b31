using System.Text.RegularExpressions;
using CsCheck;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.Runtime.Support.Sandbox;
using ManifestCompiler.Sources;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Testing;
using ManifestCompiler.Workspace;
using Xunit.Abstractions;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>
/// The checks of Python steps (MC71xx) against the sample steps: renaming the names a step defines, consistently,
/// finds nothing (no false positive), and misspelling one read of a builtin or preloaded global finds exactly that read.
/// Both run CPython's scoping through <see cref="CPythonStepChecker"/>, as mfc check does.
/// </summary>
public class PythonStepCheckTests(ITestOutputHelper output)
{
    private static readonly HashSet<string> PythonKeywords =
    [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
        "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
        "pass", "raise", "return", "try", "while", "with", "yield", "match", "case", "_",
    ];

    private static readonly HashSet<string> SandboxNames =
        [.. StepSandboxApi.AvailableNames, .. StepSandboxApi.RefusedBuiltins];

    private sealed record Step(IntegrationFolder Folder, int FileIndex, string Text);

    private static List<Step> SampleSteps()
    {
        var steps = new List<Step>();
        foreach (var folder in Directory.EnumerateDirectories(Path.Combine(RepositoryPaths.Root, "samples", "bossi")).Order(StringComparer.Ordinal))
        {
            var integration = ManifestWorkspace.ReadIntegration(folder, Path.GetFileName(folder));
            for (var i = 0; i < integration.Files.Length; i++)
            {
                if (integration.Files[i].RelativePath.EndsWith(".py", StringComparison.Ordinal) && integration.Files[i].Text is { } text)
                {
                    steps.Add(new Step(integration, i, text));
                }
            }
        }
        return steps;
    }

    private static List<ManifestDiagnostic> Compile(Step step, string text, CPythonStepChecker python)
    {
        var files = step.Folder.Files.SetItem(step.FileIndex, step.Folder.Files[step.FileIndex] with { Text = text });
        return [.. ManifestCompilation.CompileIntegration(step.Folder with { Files = files }, new CompilerOptions(python)).Diagnostics];
    }

    /// <summary>Names the module defines (so renaming them everywhere keeps it valid): not keywords, not sandbox names,
    /// never an attribute or a keyword argument, never inside an f-string (whose fields are not tokens here), not main.</summary>
    private static List<string> RenameableNames(IReadOnlyList<PyToken> tokens)
    {
        var fStrings = string.Join("\n", tokens.Where(t => t.Kind == PyTokenKind.String && t.Value is null).Select(t => t.Text));
        var excluded = new HashSet<string>(StringComparer.Ordinal) { "main" };
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t.Kind == PyTokenKind.Name && ((i > 0 && tokens[i - 1].Text == ".") || (i + 1 < tokens.Count && tokens[i + 1].Text == "=" && Depth(tokens, i) > 0)))
            {
                excluded.Add(t.Text);
            }
        }
        return [.. tokens.Where(t => t.Kind == PyTokenKind.Name).Select(t => t.Text).Distinct(StringComparer.Ordinal)
            .Where(n => !PythonKeywords.Contains(n) && !SandboxNames.Contains(n) && !StepSandboxApi.IsGuardName(n) && !excluded.Contains(n) && !Regex.IsMatch(fStrings, $@"\b{Regex.Escape(n)}\b"))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>The names the sample steps bind in the forms they use (parameters, assignments, loop and 'as' targets):
    /// a sandbox name among them is the step's own (main's storage), so misspelling one read of it is no error.</summary>
    private static HashSet<string> BoundBySample(IReadOnlyList<PyToken> tokens)
    {
        var bound = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Text == "def")
            {
                for (var j = i + 1; j < tokens.Count && tokens[j].Text != ":"; j++)
                {
                    bound.Add(tokens[j].Text);
                }
            }
            else if (tokens[i].Text is "for" or "as" && i + 1 < tokens.Count)
            {
                bound.Add(tokens[i + 1].Text);
            }
            else if (tokens[i].Kind == PyTokenKind.Name && i + 1 < tokens.Count && tokens[i + 1].Text == "=" && Depth(tokens, i) == 0)
            {
                bound.Add(tokens[i].Text);
            }
        }
        return bound;
    }

    private static int Depth(IReadOnlyList<PyToken> tokens, int index)
    {
        var depth = 0;
        for (var i = 0; i < index; i++)
        {
            if (tokens[i].Kind == PyTokenKind.NewLine)
            {
                depth = 0;
            }
            else if (tokens[i].Text is "(" or "[" or "{")
            {
                depth++;
            }
            else if (tokens[i].Text is ")" or "]" or "}")
            {
                depth--;
            }
        }
        return depth;
    }

    private static string Replace(string text, IEnumerable<(int Start, int Length, string With)> edits)
    {
        foreach (var (start, length, with) in edits.OrderByDescending(e => e.Start))
        {
            text = text[..start] + with + text[(start + length)..];
        }
        return text;
    }

    private static readonly Gen<string> Identifier =
        Gen.Select(Gen.Char["abcdefghijklmnopqrstuvwxyzABCXYZ"], Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789_"], 2, 10], (first, rest) => "r" + first + rest);

    [Fact]
    [Trait("Category", "Slow")] // 300 random renamings checked by CPython; mutation runs leave it out (docs/mutation-testing.md)
    public void Renaming_defined_names_consistently_finds_nothing()
    {
        var steps = SampleSteps();
        Assert.True(steps.Count >= 10);
        using var python = new CPythonStepChecker();
        foreach (var step in steps)
        {
            Assert.Empty(Compile(step, step.Text, python).Where(d => d.Severity >= Syntax.Diagnostics.DiagnosticSeverity.Warning).Select(d => d.ToString()));
        }
        var renamedNames = 0;
        Gen.Int[0, steps.Count - 1].SelectMany(i => Identifier.Array[1, 30].Select(names => (Step: steps[i], Names: names)))
            .Sample(input =>
            {
                var tokens = PythonModuleScanner.Tokenize(input.Step.Text);
                var names = RenameableNames(tokens);
                var taken = new HashSet<string>(tokens.Where(t => t.Kind == PyTokenKind.Name).Select(t => t.Text), StringComparer.Ordinal);
                var map = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (name, fresh) in names.Zip(input.Names))
                {
                    if (!taken.Contains(fresh) && !SandboxNames.Contains(fresh) && map.Values.All(v => v != fresh))
                    {
                        map[name] = fresh;
                    }
                }
                renamedNames += map.Count;
                var text = Replace(input.Step.Text, tokens.Where(t => t.Kind == PyTokenKind.Name && map.ContainsKey(t.Text)).Select(t => (t.Span.Start, t.Span.Length, map[t.Text])));
                var found = Compile(input.Step, text, python);
                if (found.Count > 0)
                {
                    throw new Exception($"renaming {string.Join(", ", map.Select(p => p.Key + "->" + p.Value))} in {input.Step.Folder.Files[input.Step.FileIndex].RelativePath} gave: {string.Join("; ", found)}");
                }
            }, iter: 300, threads: 1);
        output.WriteLine($"300 renamings, {renamedNames} names renamed in all");
        Assert.True(renamedNames > 100, $"only {renamedNames} names renamed");
    }

    [Fact]
    [Trait("Category", "Slow")] // 300 random misspellings checked by CPython; mutation runs leave it out (docs/mutation-testing.md)
    public void Misspelling_one_read_of_a_sandbox_name_finds_exactly_that_read()
    {
        var steps = SampleSteps();
        using var python = new CPythonStepChecker();
        var checkedReads = 0;
        Gen.Int[0, steps.Count - 1].SelectMany(i => Gen.Int[0, 10_000].Select(Gen.Char["qxz"], (pick, letter) => (Step: steps[i], Pick: pick, Letter: letter)))
            .Sample(input =>
            {
                var tokens = PythonModuleScanner.Tokenize(input.Step.Text);
                var bound = BoundBySample(tokens);
                var reads = Enumerable.Range(0, tokens.Length)
                    .Where(i => tokens[i].Kind == PyTokenKind.Name && StepSandboxApi.AvailableNames.Contains(tokens[i].Text) && tokens[i].Text != "__name__" && !bound.Contains(tokens[i].Text)
                        && (i == 0 || tokens[i - 1].Text != ".") && !(i + 1 < tokens.Length && tokens[i + 1].Text == "="))
                    .ToList();
                if (reads.Count == 0)
                {
                    return;
                }
                var token = tokens[reads[input.Pick % reads.Count]];
                var misspelt = token.Text + input.Letter;
                var text = Replace(input.Step.Text, [(token.Span.Start, token.Span.Length, misspelt)]);
                var found = Compile(input.Step, text, python);
                if (found.Count != 1)
                {
                    throw new Exception($"'{token.Text}' -> '{misspelt}' at {token.Span} in {input.Step.Folder.Files[input.Step.FileIndex].RelativePath} gave: [{string.Join("; ", found)}]");
                }
                var one = found[0];
                Assert.Equal("MC7106", one.Id);
                Assert.Equal(token.Span.Start, one.Span.Start);
                Assert.Contains($"'{misspelt}'", one.Message, StringComparison.Ordinal);
                Assert.Contains($"did you mean '{token.Text}'", one.Message, StringComparison.Ordinal);
                checkedReads++;
            }, iter: 300, threads: 1);
        output.WriteLine($"{checkedReads} misspelt reads, each found alone at its position");
        Assert.True(checkedReads > 250);
    }

    [Fact]
    public void One_python3_process_checks_every_step_of_the_samples()
    {
        var workspace = ManifestWorkspace.Load([Path.Combine(RepositoryPaths.Root, "samples")]);
        using var python = new CPythonStepChecker();

        var diagnostics = WorkspaceCompilation.Compile(workspace, new CompilerOptions(python)).Diagnostics;

        Assert.Equal(3, workspace.Integrations.Length);
        Assert.Empty(diagnostics.Where(d => d.Severity >= Syntax.Diagnostics.DiagnosticSeverity.Warning || d.Id == "MC7105").Select(d => d.ToString()));
        Assert.Equal(1, python.ProcessesStarted);
    }

    [Fact]
    public void A_missing_interpreter_is_reported_once_and_the_token_checks_still_run()
    {
        var folder = Path.Combine(RepositoryPaths.Root, "tests/ManifestCompiler.Tests/Baselines/bossi-python-steps/input");
        // The interpreter is named here, not through MC_PYTHON: the environment is the process's, and other test classes
        // start checkers at the same time.
        using var python = new CPythonStepChecker("/nonexistent/python3");
        List<ManifestDiagnostic> diagnostics = [.. CompilationInputs.CompileFolder(folder, "input", python)];

        var notChecked = Assert.Single(diagnostics, d => d.Id == "MC7105");
        // Reported once for the integration, at the start of its first step file, with the reason the interpreter gave.
        Assert.StartsWith("input/action/api-v1/code/api.py(1,1): info MC7105: Python syntax was not checked: '/nonexistent/python3' could not be started (", notChecked.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, notChecked.Span.Length);
        Assert.DoesNotContain(diagnostics, d => d.Id is "MC7106" or "MC7107"); // these need CPython
        Assert.Contains(diagnostics, d => d.Id == "MC7111"); // http.get: decided from the tokens
        Assert.Contains(diagnostics, d => d.Id == "MC7112");
    }

    private static readonly string[] Fragments =
    [
        "def ", "main", "(", ")", "[", "]", "{", "}", ":", ",", "=", "==", ":=", "*", "**", ".", "\n", "\n    ", ";", "'", "\"",
        "f\"", "f'{", "{x}", "!r", "{{", "}}", "\"\"\"", "return ", "lambda ", "for ", " in ", "as ", "global ", "case ",
        "variables", "integration_variables", "http", "request", "get", "send_to_parser", "modify_tokens", "getattr",
        "__class__", "_mc_attr", "json", "dumps", "indent", "'k'", "\"k\"", "1", "True", "x", "#", "\\", "\ud800", "é",
    ];

    [Fact]
    [Trait("Category", "Slow")] // 20,000 random step texts; mutation runs leave it out (docs/mutation-testing.md)
    public void Random_step_text_never_throws_and_every_diagnostic_lies_in_the_file()
    {
        var step = SampleSteps()[0];
        var path = step.Folder.FilePath(step.Folder.Files[step.FileIndex].RelativePath);
        var checkedTexts = 0;
        Gen.Int[0, Fragments.Length - 1].Array[0, 60].Select(Gen.Int[0, 1], (picks, keep) => (keep == 1 ? step.Text : "") + string.Concat(picks.Select(p => Fragments[p])))
            .Sample(text =>
            {
                var files = step.Folder.Files.SetItem(step.FileIndex, step.Folder.Files[step.FileIndex] with { Text = text });
                foreach (var d in ManifestCompilation.CompileIntegration(step.Folder with { Files = files }).Diagnostics)
                {
                    if (d.FilePath == path && (d.Span.Start < 0 || d.Span.End > text.Length))
                    {
                        throw new Exception($"{d} lies outside the {text.Length} characters of the step");
                    }
                }
                Interlocked.Increment(ref checkedTexts);
            }, iter: 20_000);
        output.WriteLine($"{checkedTexts} random step texts checked");
    }
}
