using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using ManifestCompiler.Sources;

namespace ManifestCompiler.Cli.Checking;

/// <summary>
/// Finds Python syntax errors with the real CPython: one short-lived <c>python3 -I -S</c> process runs
/// <c>ast.parse</c> over every file (read from stdin as JSON, never executed) and prints the errors as JSON.
/// The interpreter is <c>MC_PYTHON</c> when set, else <c>python3</c> on the PATH.
/// </summary>
internal sealed class Python3SyntaxChecker : IPythonSyntaxChecker
{
    private const string Script = """
        import ast, json, sys
        errors = []
        for item in json.load(sys.stdin):
            try:
                ast.parse(item["text"], filename=item["path"])
            except SyntaxError as e:
                errors.append({"path": item["path"], "line": e.lineno or 1, "column": e.offset or 1, "message": e.msg})
            except (ValueError, RecursionError, MemoryError) as e:
                errors.append({"path": item["path"], "line": 1, "column": 1, "message": str(e)})
        json.dump(errors, sys.stdout)
        """;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public PythonSyntaxReport Check(IReadOnlyList<SourceFile> files)
    {
        var interpreter = Environment.GetEnvironmentVariable("MC_PYTHON") is { Length: > 0 } configured ? configured : "python3";
        var start = new ProcessStartInfo(interpreter)
        {
            ArgumentList = { "-I", "-S", "-c", Script },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("the process did not start");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return PythonSyntaxReport.Unavailable($"'{interpreter}' could not be started ({e.Message})");
        }
        using (process)
        {
            var input = JsonSerializer.Serialize(files.Select(f => new { path = f.Path, text = f.Text }));
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            try
            {
                process.StandardInput.Write(input);
                process.StandardInput.Close();
            }
            catch (IOException e)
            {
                return PythonSyntaxReport.Unavailable($"'{interpreter}' stopped early ({e.Message})");
            }
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                return PythonSyntaxReport.Unavailable($"'{interpreter}' did not finish within {Timeout.TotalSeconds:0} s");
            }
            if (process.ExitCode != 0)
            {
                return PythonSyntaxReport.Unavailable($"'{interpreter}' exited with code {process.ExitCode}: {error.Result.Trim()}");
            }
            try
            {
                using var document = JsonDocument.Parse(output.Result);
                var errors = document.RootElement.EnumerateArray()
                    .Select(e => new PythonSyntaxError(e.GetProperty("path").GetString()!, e.GetProperty("line").GetInt32(), e.GetProperty("column").GetInt32(), e.GetProperty("message").GetString()!))
                    .ToImmutableArray();
                return new PythonSyntaxReport(null, errors);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
            {
                return PythonSyntaxReport.Unavailable($"'{interpreter}' gave unreadable output ({e.Message})");
            }
        }
    }
}
