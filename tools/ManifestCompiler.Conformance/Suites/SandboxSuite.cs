using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Python;

namespace ManifestCompiler.Conformance.Suites;

/// <summary>
/// Attack scripts against the Python step sandbox (sandbox/*.py, each a <c>main(storage)</c>), run in file-name
/// order on one real pool as one tenant, so state one script leaves is what the next would see. A case passes when
/// the attack is contained — no marker file on the host afterwards and no result with <c>"escaped": true</c> (a
/// sandbox or resource error is the expected outcome) — and an ordinary run on the same pool then succeeds.
/// </summary>
public sealed class SandboxSuite(string name, string relativeDirectory) : IConformanceSuite
{
    private const string OrdinaryStep = "def main(storage):\n    storage['n'] = payload['n'] + 1\n    return {'ok': True, 'n': storage['n']}\n";

    public string Name { get; } = name;

    /// <summary>Options the suite's pool uses: real bubblewrap isolation, short timeouts.</summary>
    public static PythonWorkerPoolOptions PoolOptions() => new()
    {
        MaxWorkers = 2,
        SpareWorkers = 1,
        RunTimeout = TimeSpan.FromSeconds(3),
    };

    public SuiteResult Run(string conformanceDirectory) =>
        Task.Run(() => RunAsync(Path.Combine(conformanceDirectory, relativeDirectory))).GetAwaiter().GetResult();

    private async Task<SuiteResult> RunAsync(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return new SuiteResult(Name, 0, 0, [], $"missing {directory}");
        }
        var scripts = Directory.GetFiles(directory, "*.py").OrderBy(p => Path.GetFileName(p), StringComparer.Ordinal).ToList();
        PythonWorkerPool pool;
        try
        {
            pool = await PythonWorkerPool.StartAsync(PoolOptions());
        }
        catch (Exception e) when (e is ManifestCompiler.Runtime.Python.Sandbox.PythonRuntimeUnavailableException)
        {
            return new SuiteResult(Name, 0, scripts.Count, [], e.Message);
        }
        var markers = Directory.CreateTempSubdirectory("mc-sandbox-");
        var failures = new List<ConformanceFailure>();
        var handler = new StepEffectHandler();
        try
        {
            await using (pool)
            {
                foreach (var (script, index) in scripts.Select((s, i) => (s, i)))
                {
                    var caseName = Path.GetFileNameWithoutExtension(script);
                    var marker = Path.Combine(markers.FullName, caseName + ".marker");
                    var source = (await File.ReadAllTextAsync(script)).Replace("__MARKER__", marker, StringComparison.Ordinal);
                    var attack = await pool.RunAsync(new PythonStepRequest { TenantId = "conformance", Source = source, FileName = Path.GetFileName(script) }, handler);
                    var ordinary = await pool.RunAsync(new PythonStepRequest
                    {
                        TenantId = "conformance",
                        Source = OrdinaryStep,
                        Payload = new JsonObject { ["n"] = index },
                    }, handler);
                    var problems = new List<string>();
                    if (File.Exists(marker))
                    {
                        problems.Add("the marker file exists on the host");
                    }
                    if (attack.ReturnValue is JsonObject value && value["escaped"] is JsonValue escaped && escaped.TryGetValue<bool>(out var yes) && yes)
                    {
                        problems.Add("the script returned escaped: true");
                    }
                    if (!ordinary.Succeeded || (int?)ordinary.ReturnValue?["n"] != index + 1)
                    {
                        problems.Add("the ordinary run afterwards failed: " + (ordinary.Error?.ToString() ?? ordinary.ReturnValue?.ToJsonString()));
                    }
                    if (problems.Count > 0)
                    {
                        failures.Add(new ConformanceFailure(caseName, Path.GetFileName(script), "contained, and the next run succeeds",
                            string.Join("; ", problems) + " (attack outcome: " + (attack.Error?.ToString() ?? attack.ReturnValue?.ToJsonString()) + ")"));
                    }
                }
            }
        }
        finally
        {
            markers.Delete(recursive: true);
        }
        return new SuiteResult(Name, scripts.Count - failures.Count, scripts.Count, failures);
    }
}
