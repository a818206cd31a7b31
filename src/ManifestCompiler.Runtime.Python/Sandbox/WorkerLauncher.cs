using System.Diagnostics;

namespace ManifestCompiler.Runtime.Python.Sandbox;

/// <summary>
/// How a worker process is started: the interpreter with <c>-I -S -B</c> and a tiny loader that reads the worker
/// (embedded in this assembly) as the first frame on stdin, so nothing is written to disk. Under bubblewrap the
/// process gets its own user, pid, network, ipc, uts and cgroup namespaces, sees only read-only system directories,
/// the interpreter's prefix and an empty, read-only <c>/tmp</c> (nothing in the sandbox is writable), runs with a
/// cleared environment and no capabilities, and dies with the host.
/// </summary>
internal sealed class WorkerLauncher
{
    internal const string Loader =
        "import os\n" +
        "def r(n):\n" +
        " b=b''\n" +
        " while len(b)<n:\n" +
        "  c=os.read(0,n-len(b))\n" +
        "  if not c: raise SystemExit(3)\n" +
        "  b+=c\n" +
        " return b\n" +
        "exec(compile(r(int.from_bytes(r(4),'big')).decode('utf-8'),'<mc-worker>','exec'))\n";

    private readonly string fileName;
    private readonly IReadOnlyList<string> arguments;
    private readonly string workingDirectory;

    private WorkerLauncher(string fileName, IReadOnlyList<string> arguments, string workingDirectory, string description, string? bubblewrapVersion)
    {
        this.fileName = fileName;
        this.arguments = arguments;
        this.workingDirectory = workingDirectory;
        Description = description;
        BubblewrapVersion = bubblewrapVersion;
    }

    public string Description { get; }

    public string? BubblewrapVersion { get; }

    public bool Isolated => BubblewrapVersion is not null;

    public static WorkerLauncher Unsandboxed(PythonInterpreter python) => new(
        python.Executable, ["-I", "-S", "-B", "-c", Loader], Path.GetTempPath(), "no process isolation (development mode)", null);

    public static async Task<WorkerLauncher> BubblewrapAsync(string? configuredPath, PythonInterpreter python, CancellationToken cancellationToken)
    {
        var bwrap = configuredPath ?? PythonInterpreter.FindOnPath("bwrap")
            ?? throw new PythonRuntimeUnavailableException(
                "bubblewrap (bwrap) was not found, so Python steps cannot be isolated and will not run. Install the 'bubblewrap' package, " +
                "or, for development only, set PythonWorkerPoolOptions.Sandbox = SandboxMode.UnsandboxedDevelopment.");
        var version = await VersionAsync(bwrap, cancellationToken).ConfigureAwait(false);
        var args = new List<string>
        {
            "--unshare-all", "--die-with-parent", "--new-session", "--clearenv", "--cap-drop", "ALL", "--hostname", "sandbox",
            "--ro-bind", "/usr", "/usr",
        };
        foreach (var top in new[] { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" })
        {
            var info = new DirectoryInfo(top);
            if (info.LinkTarget is { } target)
            {
                args.AddRange(["--symlink", target, top]);
            }
            else if (info.Exists)
            {
                args.AddRange(["--ro-bind", top, top]);
            }
        }
        args.AddRange(["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]);
        foreach (var path in new[] { python.Prefix, Path.GetDirectoryName(python.Executable)! }.Distinct())
        {
            if (!IsUnder(path, "/usr"))
            {
                args.AddRange(["--ro-bind", path, path]);
            }
        }
        // Nothing is writable: seccomp refuses opening files for writing, but mkdir, symlink and rename would still
        // leave names (and symlink targets are data) on the sandbox's tmpfs mounts for the next run to read.
        args.AddRange(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--remount-ro", "/tmp", "--remount-ro", "/dev", "--remount-ro", "/",
            "--chdir", "/tmp", "--", python.Executable, "-I", "-S", "-B", "-c", Loader]);
        return new WorkerLauncher(bwrap, args, "/", $"bubblewrap {version} (user, pid, network, ipc, uts and cgroup namespaces; read-only /usr and {python.Prefix}; read-only root, /dev and empty /tmp; cleared environment; no capabilities)", version);
    }

    public Process Start()
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Nothing of the host's environment (credentials, connection strings) reaches the worker.
        start.Environment.Clear();
        return ProcessSpawner.Start(start);
    }

    private static bool IsUnder(string path, string root) =>
        path == root || path.StartsWith(root + "/", StringComparison.Ordinal);

    private static async Task<string> VersionAsync(string bwrap, CancellationToken cancellationToken)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(bwrap, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })
                ?? throw new PythonRuntimeUnavailableException($"{bwrap} could not be started.");
            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return output.Trim().Replace("bubblewrap ", "", StringComparison.Ordinal);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new PythonRuntimeUnavailableException($"bubblewrap at {bwrap} could not be started: {e.Message}. Python steps will not run without isolation.", e);
        }
    }
}
