using System.Collections.Concurrent;
using System.Diagnostics;

namespace ManifestCompiler.Runtime.Python.Sandbox;

/// <summary>
/// Starts worker processes from one thread that lives as long as the host process. bubblewrap's
/// <c>--die-with-parent</c> arms PR_SET_PDEATHSIG, which the kernel fires when the <em>thread</em> that forked bwrap
/// exits, not the process. Started from thread-pool threads, workers were SIGKILLed at random whenever the pool
/// retired a thread (exit code 137 during start-up in 2 of 6 runs of the runtime tests; a test reproduces it). From
/// this thread they die exactly when the host does.
/// </summary>
internal static class ProcessSpawner
{
    private static readonly BlockingCollection<(ProcessStartInfo Start, TaskCompletionSource<Process> Started)> Requests = [];

    static ProcessSpawner()
    {
        var thread = new Thread(Serve) { IsBackground = true, Name = "ManifestCompiler python worker spawner" };
        thread.Start();
    }

    public static Process Start(ProcessStartInfo start)
    {
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Requests.Add((start, started));
        return started.Task.GetAwaiter().GetResult();
    }

    private static void Serve()
    {
        foreach (var (start, started) in Requests.GetConsumingEnumerable())
        {
            try
            {
                started.SetResult(Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} could not be started."));
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        }
    }
}
