using ManifestCompiler.Testing;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>
/// Broken inputs with their expected diagnostics beside them: tests/ManifestCompiler.Tests/Baselines/&lt;case&gt;/input holds
/// an integration folder or manifests, expected.txt the diagnostics in check's text format.
/// Python steps are checked as mfc check checks them, with CPython (syntax and names). MC_UPDATE_BASELINES=1 rewrites
/// expected.txt. One python3 serves the whole class, as one serves all of mfc check (each mutant of a mutation run
/// runs these cases again: docs/mutation-testing.md).
/// </summary>
public sealed class BaselineTests(BaselineTests.SharedPython shared) : IClassFixture<BaselineTests.SharedPython>
{
    /// <summary>The class's one checker; xunit runs a class's cases one at a time, as the checker requires.</summary>
    public sealed class SharedPython : IDisposable
    {
        public CPythonStepChecker Python { get; } = new();

        public void Dispose() => Python.Dispose();
    }

    private const string BaselineRoot = "tests/ManifestCompiler.Tests/Baselines";

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var folder in Directory.EnumerateDirectories(Path.Combine(RepositoryPaths.Root, BaselineRoot)).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(folder));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnostics_match_the_baseline(string name)
    {
        var input = Path.Combine(RepositoryPaths.Root, BaselineRoot, name, "input");
        var diagnostics = CompilationInputs.CompileFolder(input, "input", shared.Python)
            .OrderBy(d => d.FilePath, StringComparer.Ordinal).ThenBy(d => d.Span.Start).ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(diagnostics);
        Assert.All(diagnostics, d => Assert.True(File.Exists(Path.Combine(input, "..", d.FilePath)) || d.Span.Length == 0, $"{d} names a file that is not there"));
        RepositoryPaths.AssertMatchesBaseline($"{BaselineRoot}/{name}/expected.txt", string.Join("\n", diagnostics) + "\n");
    }

    [Fact]
    public void Samples_check_with_zero_errors_and_zero_warnings()
    {
        var samples = Path.Combine(RepositoryPaths.Root, "samples");
        var folders = Directory.EnumerateDirectories(Path.Combine(samples, "bossi")).ToList();
        var diagnostics = folders.SelectMany(f => CompilationInputs.CompileFolder(f, Path.GetRelativePath(samples, f), shared.Python))
            .Concat(CompilationInputs.CompileFolder(Path.Combine(samples, "chiefonboarding"), "chiefonboarding"))
            .ToList();

        Assert.Equal(3, folders.Count);
        Assert.DoesNotContain(diagnostics, d => d.Id == "MC7105"); // python3 checked the steps
        Assert.Empty(diagnostics.Where(d => d.Severity >= Syntax.Diagnostics.DiagnosticSeverity.Warning).Select(d => d.ToString()));
    }
}
