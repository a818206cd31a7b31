using ManifestCompiler.Sources;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>
/// How mfc check's CPython pass over an integration's Python files reaches the user (BossiBinder.CheckPythonSyntax):
/// every .py file under action/, step or not, each error at CPython's line and column; files elsewhere are not
/// checked; when python3 cannot run, one MC7105 at the first file says so.
/// </summary>
public class BossiPythonSyntaxTests
{
    private static IntegrationFolder Folder(params FolderFile[] extra) => new("crm", "crm",
    [
        new FolderFile("oauth.json", """{ "name": "Crm", "isNonOauth": true }"""),
        new FolderFile("schema.json", """{ "name": "Crm", "actions": { "sync-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }] } } }"""),
        new FolderFile("action/sync-v1/code/sync.py", "def main(storage):\n    return {}\n"),
        .. extra,
    ]);

    private static string[] Check(IntegrationFolder folder, string? interpreter = null)
    {
        using var python = new CPythonStepChecker(interpreter ?? Environment.GetEnvironmentVariable("MC_PYTHON") ?? "python3");
        return [.. ManifestCompilation.CompileIntegration(folder, new CompilerOptions(python)).Diagnostics
            .OrderBy(d => d.FilePath, StringComparer.Ordinal).ThenBy(d => d.Span.Start).Select(d => d.ToString())];
    }

    [Fact]
    public void Each_python_file_under_action_is_checked_and_its_errors_are_placed_at_cpythons_line_and_column()
    {
        var diagnostics = Check(Folder(
            new FolderFile("action/sync-v1/code/helpers/b.py", "def main(storage):\n    if True:"),
            new FolderFile("action/sync-v1/code/c.py", "def main(storage):\r\n    return undefined_name\r\n"),
            new FolderFile("action/sync-v1/code/d.py", "x = 1\n\n\ny = (\n"),
            new FolderFile("action/sync-v1/notes.txt", "def ("),
            new FolderFile("tools/x.py", "def (")));

        Assert.Equal(
            ["crm/action/sync-v1/code/c.py(2,12): error MC7106: Name 'undefined_name' is not defined: it is no builtin the sandbox allows, no preloaded global and no name the step defines",
             "crm/action/sync-v1/code/d.py(4,5): error MC7104: Python syntax error: '(' was never closed",
             "crm/action/sync-v1/code/helpers/b.py(2,13): error MC7104: Python syntax error: expected an indented block after 'if' statement on line 2"],
            diagnostics);
    }

    [Fact]
    public void Without_python3_the_first_file_says_the_syntax_was_not_checked()
    {
        var diagnostics = Check(Folder(new FolderFile("action/sync-v1/code/b.py", "def main(storage):\n    return {}\n")), "/nonexistent/python3");

        var info = Assert.Single(diagnostics);
        Assert.StartsWith("crm/action/sync-v1/code/b.py(1,1): info MC7105: Python syntax was not checked: '/nonexistent/python3' could not be started (", info, StringComparison.Ordinal);

        // No Python file under action/: nothing to check, nothing to say.
        var noSteps = new IntegrationFolder("crm", "crm",
        [
            new FolderFile("oauth.json", """{ "name": "Crm", "isNonOauth": true }"""),
            new FolderFile("schema.json", """{ "name": "Crm", "actions": {} }"""),
            new FolderFile("tools/x.py", "x = 1\n"),
        ]);
        Assert.Empty(Check(noSteps, "/nonexistent/python3"));
    }
}
