using System.Text.Json.Nodes;

namespace ManifestCompiler.Runtime.Python.Tests;

/// <summary>Real pools for tests: python3 from PATH under bubblewrap, as in production.</summary>
internal static class Pools
{
    public static Task<PythonWorkerPool> StartAsync(Action<PythonWorkerPoolOptions>? configure = null)
    {
        var options = new PythonWorkerPoolOptions { MaxWorkers = 2, SpareWorkers = 1, RunTimeout = TimeSpan.FromSeconds(20) };
        configure?.Invoke(options);
        return PythonWorkerPool.StartAsync(options);
    }

    public static PythonStepRequest Step(string source, string tenant = "acme", JsonNode? payload = null) => new()
    {
        TenantId = tenant,
        Source = source,
        FileName = "action/test-v1/code/action.py",
        Payload = payload,
    };

    /// <summary>The interpreter process inside a worker's sandbox: the deepest descendant of its launcher.</summary>
    public static int PythonProcessOf(int launcherPid)
    {
        var current = launcherPid;
        while (true)
        {
            var children = File.Exists($"/proc/{current}/task/{current}/children")
                ? File.ReadAllText($"/proc/{current}/task/{current}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList()
                : [];
            if (children.Count == 0)
            {
                return current;
            }
            current = children[0];
        }
    }
}

/// <summary>One pool shared by the tests of a class that do not break workers.</summary>
public sealed class SharedPool : IAsyncLifetime
{
    public PythonWorkerPool Pool { get; private set; } = null!;

    public async Task InitializeAsync() => Pool = await Pools.StartAsync(o => o.MaxWorkers = 4);

    public async Task DisposeAsync() => await Pool.DisposeAsync();
}
