using ManifestCompiler.Sources;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>The IR is what the incremental generator caches on: equal inputs give equal IR, an edit changes it.</summary>
public class IrEqualityTests
{
    private static string Sample(string relative) => Path.Combine(RepositoryPaths.Root, "samples", relative);

    [Fact]
    public void Compiling_the_same_integration_twice_gives_equal_IR_even_from_another_folder_path()
    {
        var first = ManifestCompilation.CompileIntegration(CompilationInputs.ReadIntegration(Sample("bossi/stripe"), "a/stripe")).Value;
        var second = ManifestCompilation.CompileIntegration(CompilationInputs.ReadIntegration(Sample("bossi/stripe"), "b/stripe")).Value;

        Assert.NotNull(first);
        Assert.Equal(first, second);
        Assert.Equal(first!.GetHashCode(), second!.GetHashCode());
        Assert.Equal(5, first.Actions.Count);
        Assert.Contains(first.Actions, a => a.Name == "sync-payments-v1" && a.Steps[0].Calls.Count == 2);
    }

    [Fact]
    public void An_edit_to_one_file_changes_the_IR_and_whitespace_does_not()
    {
        var folder = CompilationInputs.ReadIntegration(Sample("bossi/northwind-crm"), "northwind-crm");
        var original = ManifestCompilation.CompileIntegration(folder).Value;
        FolderFile Edit(string text) => folder["schema.json"]! with { Text = text };
        var schema = folder["schema.json"]!.Text!;
        var reformatted = folder with { Files = [.. folder.Files.Select(f => f.RelativePath == "schema.json" ? Edit("\n\n" + schema.Replace("\n", "\n  ", StringComparison.Ordinal)) : f)] };
        var edited = folder with { Files = [.. folder.Files.Select(f => f.RelativePath == "schema.json" ? Edit(schema.Replace("\"limit\": 500", "\"limit\": 400", StringComparison.Ordinal)) : f)] };

        Assert.Equal(original, ManifestCompilation.CompileIntegration(reformatted).Value);
        Assert.NotEqual(original, ManifestCompilation.CompileIntegration(edited).Value);
    }

    [Fact]
    public void ChiefOnboarding_IR_is_equal_across_compilations()
    {
        var text = File.ReadAllText(Sample("chiefonboarding/pandadoc-polling.json"));
        var first = ManifestCompilation.CompileChiefOnboarding(new SourceFile("x/pandadoc-polling.json", text)).Value;
        var second = ManifestCompilation.CompileChiefOnboarding(new SourceFile("y/pandadoc-polling.json", text)).Value;

        Assert.NotNull(first);
        Assert.Equal(first, second);
        Assert.Equal(4, first!.Execute.Count);
        Assert.Equal(new IR.PollingIR(5, 60), first.Execute[1].Polling);
        Assert.Equal("contract.pdf", first.Execute[3].Files[0].FileName);
    }
}
