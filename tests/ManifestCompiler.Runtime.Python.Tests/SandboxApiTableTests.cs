using System.Text;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Support.Sandbox;

namespace ManifestCompiler.Runtime.Python.Tests;

/// <summary>
/// The compiler checks steps against <see cref="StepSandboxApi"/>; a real worker must expose exactly those names: every
/// allowed builtin and preloaded global is there, every refused builtin refuses, no other Python builtin is there, and
/// each module stand-in has exactly the table's members.
/// </summary>
public sealed class SandboxApiTableTests(SharedPool shared) : IClassFixture<SharedPool>
{
    /// <summary>Every builtin name of the python3 the workers run (dir(builtins)), asked of that interpreter.</summary>
    private static IReadOnlyList<string> CPythonBuiltins()
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("python3")
        {
            ArgumentList = { "-I", "-S", "-c", "import builtins; print('\\n'.join(dir(builtins)))" },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var names = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        process.WaitForExit();
        Assert.Contains("zip", names);
        return names;
    }

    [Fact]
    public async Task The_worker_exposes_exactly_the_tables_names()
    {
        var probed = StepSandboxApi.AllowedBuiltins.Concat(StepSandboxApi.Globals.Select(g => g.Name))
            .Concat(StepSandboxApi.RefusedBuiltins).Concat(CPythonBuiltins())
            .Where(n => n is not ("True" or "False" or "None")) // keywords
            .Where(n => !n.StartsWith("__", StringComparison.Ordinal) || n == "__name__") // other dunders are refused before the step runs
            .Distinct(StringComparer.Ordinal).ToList();
        var source = new StringBuilder("def main(storage):\n    present = []\n    members = {}\n");
        foreach (var name in probed)
        {
            source.Append($"    try:\n        {name}\n        present.append('{name}')\n    except NameError:\n        pass\n");
        }
        foreach (var module in StepSandboxApi.Globals.Where(g => g.Kind == SandboxGlobalKind.Module))
        {
            source.Append($"    members['{module.Name}'] = [m for m in dir({module.Name}) if m != '__call__']\n");
        }
        source.Append("    return {'present': present, 'members': members}\n");

        var result = await shared.Pool.RunAsync(Pools.Step(source.ToString()), new RecordingHandler());

        Assert.True(result.Succeeded, result.Error?.ToString());
        var present = result.ReturnValue!["present"]!.AsArray().Select(n => (string)n!).ToHashSet(StringComparer.Ordinal);
        var expected = StepSandboxApi.AllowedBuiltins.Concat(StepSandboxApi.Globals.Select(g => g.Name)).Concat(StepSandboxApi.RefusedBuiltins)
            .Where(probed.Contains).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(expected.Order(StringComparer.Ordinal), present.Order(StringComparer.Ordinal));
        foreach (var module in StepSandboxApi.Globals.Where(g => g.Kind == SandboxGlobalKind.Module))
        {
            var members = result.ReturnValue!["members"]![module.Name]!.AsArray().Select(n => (string)n!).Order(StringComparer.Ordinal);
            Assert.Equal(module.Members.Select(m => m.Name).Order(StringComparer.Ordinal), members);
        }
    }

    [Theory]
    [InlineData("exec")]
    [InlineData("eval")]
    [InlineData("compile")]
    [InlineData("open")]
    [InlineData("input")]
    [InlineData("breakpoint")]
    [InlineData("vars")]
    [InlineData("locals")]
    [InlineData("memoryview")]
    [InlineData("help")]
    [InlineData("exit")]
    [InlineData("quit")]
    public async Task Each_refused_builtin_refuses(string name)
    {
        Assert.Contains(name, StepSandboxApi.RefusedBuiltins);
        var result = await shared.Pool.RunAsync(Pools.Step($"def main(storage):\n    {name}('x')\n    return {{}}\n"), new RecordingHandler());
        Assert.False(result.Succeeded);
        Assert.Equal(StepErrorKind.SandboxViolation, result.Error!.Kind);
        Assert.Contains(name, result.Error.Message, StringComparison.Ordinal);
    }
}
