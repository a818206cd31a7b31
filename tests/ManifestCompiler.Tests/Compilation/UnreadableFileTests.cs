using ManifestCompiler.Sources;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>
/// A file the caller could not read (permissions, I/O: the CLI's workspace catches those and passes the reason on) is
/// one MC6010 naming the file and the reason, and nothing is bound from it.
/// </summary>
public class UnreadableFileTests
{
    [Fact]
    public void An_unreadable_manifest_is_one_diagnostic_with_the_reason()
    {
        var result = ManifestCompilation.CompileChiefOnboarding(new SourceFile("hr/sync.json", "", "Permission denied"));

        Assert.Null(result.Value);
        Assert.Equal(["hr/sync.json(1,1): error MC6010: Cannot read 'hr/sync.json': Permission denied"], result.Diagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void Unreadable_files_of_a_folder_are_reported_with_their_reasons()
    {
        var folder = new IntegrationFolder("crm", "crm",
        [
            new FolderFile("oauth.json", """{ "name": "Crm", "isNonOauth": true, "tokens": {}, "requiredQueryParams": [] }"""),
            new FolderFile("schema.json", """{ "name": "Crm", "version": "1.0.0", "actions": { "sync-v1": { "skipParser": true, "steps": [{ "codeRef": "sync" }] } } }"""),
            new FolderFile("action/sync-v1/code/sync.py", null, "Input/output error"),
            new FolderFile("usertypes.json", null),
        ]);

        var diagnostics = ManifestCompilation.CompileIntegration(folder).Diagnostics.Select(d => d.ToString()).ToList();

        Assert.Equal(
            ["crm/action/sync-v1/code/sync.py(1,1): error MC6010: Cannot read 'action/sync-v1/code/sync.py': Input/output error",
             "crm/usertypes.json(1,1): error MC6010: Cannot read 'usertypes.json': not read"],
            diagnostics.Where(d => d.Contains("MC6010", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }
}
