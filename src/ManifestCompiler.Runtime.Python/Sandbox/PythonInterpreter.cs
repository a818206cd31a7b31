using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace ManifestCompiler.Runtime.Python.Sandbox;

/// <summary>The pool cannot run steps on this machine: no usable interpreter, or the sandbox cannot start.</summary>
public sealed class PythonRuntimeUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The interpreter the workers run: the real executable behind whatever <c>python3</c> is (pyenv shims
/// are scripts) and its installation prefix, which the sandbox mounts read-only.</summary>
internal sealed record PythonInterpreter(string Executable, string Prefix, Version Version)
{
    public static readonly Version Minimum = new(3, 9);

    public static async Task<PythonInterpreter> ProbeAsync(string? configuredPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var command = configuredPath ?? FindOnPath("python3")
            ?? throw new PythonRuntimeUnavailableException(
                "python3 was not found on PATH. Python steps need CPython " + Minimum + " or newer; install it or set PythonWorkerPoolOptions.PythonPath.");
        var start = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList = { "-I", "-S", "-c", "import json, sys; print(json.dumps({'executable': sys.executable, 'prefix': sys.base_prefix, 'version': list(sys.version_info[:3])}))" },
        };
        string output;
        string error;
        try
        {
            using var process = Process.Start(start) ?? throw new PythonRuntimeUnavailableException($"{command} could not be started.");
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(timeout);
            var stdout = process.StandardOutput.ReadToEndAsync(timer.Token);
            var stderr = process.StandardError.ReadToEndAsync(timer.Token);
            try
            {
                await process.WaitForExitAsync(timer.Token).ConfigureAwait(false);
                output = await stdout.ConfigureAwait(false);
                error = await stderr.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new PythonRuntimeUnavailableException($"{command} did not answer within {timeout.TotalSeconds:0} s.");
            }
            if (process.ExitCode != 0)
            {
                throw new PythonRuntimeUnavailableException($"{command} failed (exit code {process.ExitCode}): {error.Trim()}");
            }
        }
        catch (Win32Exception e)
        {
            throw new PythonRuntimeUnavailableException($"{command} could not be started: {e.Message}. Python steps need CPython {Minimum} or newer.", e);
        }
        try
        {
            using var json = JsonDocument.Parse(output);
            var root = json.RootElement;
            var parts = root.GetProperty("version").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            var version = new Version(parts[0], parts[1], parts[2]);
            if (version < Minimum)
            {
                throw new PythonRuntimeUnavailableException($"{command} is Python {version}; Python steps need CPython {Minimum} or newer.");
            }
            return new PythonInterpreter(
                root.GetProperty("executable").GetString() ?? command,
                root.GetProperty("prefix").GetString() ?? "/usr",
                version);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            throw new PythonRuntimeUnavailableException($"{command} did not behave like CPython (its answer was '{Truncate(output)}').", e);
        }
    }

    internal static string? FindOnPath(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static string Truncate(string text) => text.Length > 200 ? text[..200] + "..." : text.Trim();
}
