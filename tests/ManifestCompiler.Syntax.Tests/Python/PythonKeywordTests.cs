using System.Diagnostics;
using System.Text;
using ManifestCompiler.Syntax.Python;

namespace ManifestCompiler.Syntax.Tests.Python;

/// <summary>
/// Python's keywords, as the python3 that runs the steps lists them (<c>keyword.kwlist</c>, <c>keyword.softkwlist</c>):
/// a keyword is never read as a name, neither in a webhook expression nor by the step checks (which skip keywords
/// when they collect the names a module reads or binds); a soft keyword (<c>match</c>, <c>case</c>, <c>_</c>) is an
/// ordinary name, as in CPython.
/// </summary>
public class PythonKeywordTests
{
    private static readonly Lazy<(string[] Hard, string[] Soft)> CPythonKeywords = new(() =>
    {
        // MC_PYTHON, as the compiler's step checks use it (tools/mutation/run sets it), else python3 on the PATH.
        var python = Environment.GetEnvironmentVariable("MC_PYTHON") is { Length: > 0 } configured ? configured : "python3";
        var start = new ProcessStartInfo(python, ["-I", "-S", "-c", "import keyword; print(' '.join(keyword.kwlist)); print(' '.join(keyword.softkwlist))"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var lines = process.StandardOutput.ReadToEnd().Split('\n');
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "python3 failed: " + stderr);
        return (lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries), lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    });

    [Fact]
    public void Every_cpython_keyword_is_a_keyword_and_never_a_name()
    {
        var (hard, _) = CPythonKeywords.Value;

        Assert.Contains("nonlocal", hard);
        Assert.All(hard, keyword =>
        {
            Assert.True(PythonModuleScanner.IsKeyword(keyword), $"'{keyword}' is a keyword");
            Assert.IsNotType<PyName>(PythonExpression.ParseSyntaxOnly(keyword));
        });
    }

    [Fact]
    public void Soft_keywords_and_near_keywords_are_names()
    {
        var (hard, soft) = CPythonKeywords.Value;
        string[] near = ["print", "exec", "self", "true", "none", "If", "classes", "_if", "import_", "matches"];

        Assert.Contains("match", soft);
        Assert.All(soft.Concat(near), name =>
        {
            Assert.DoesNotContain(name, hard);
            Assert.False(PythonModuleScanner.IsKeyword(name), $"'{name}' is a name");
            var parsed = Assert.IsType<PyName>(PythonExpression.ParseSyntaxOnly(name));
            Assert.Equal(name, parsed.Name);
        });
    }
}
