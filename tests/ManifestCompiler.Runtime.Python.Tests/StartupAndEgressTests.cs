using System.Net;
using System.Text.Json.Nodes;
using ManifestCompiler.Conformance;
using ManifestCompiler.Conformance.Suites;
using ManifestCompiler.Runtime.Python.Sandbox;
using Microsoft.Extensions.Logging;

namespace ManifestCompiler.Runtime.Python.Tests;

public sealed class StartupTests
{
    [Fact]
    public async Task A_missing_python3_is_a_clear_startup_error()
    {
        var e = await Assert.ThrowsAsync<PythonRuntimeUnavailableException>(() =>
            PythonWorkerPool.StartAsync(new PythonWorkerPoolOptions { PythonPath = "/nonexistent/python3" }));
        Assert.Contains("/nonexistent/python3 could not be started", e.Message);
        Assert.Contains("CPython 3.9 or newer", e.Message);
    }

    [Fact]
    public async Task A_too_old_python3_is_a_clear_startup_error()
    {
        var fake = await FakeExecutableAsync("python3", "echo '{\"executable\": \"/usr/bin/python3.6\", \"prefix\": \"/usr\", \"version\": [3, 6, 9]}'\n");
        var e = await Assert.ThrowsAsync<PythonRuntimeUnavailableException>(() =>
            PythonWorkerPool.StartAsync(new PythonWorkerPoolOptions { PythonPath = fake }));
        Assert.Equal($"{fake} is Python 3.6.9; Python steps need CPython 3.9 or newer.", e.Message);
    }

    [Fact]
    public async Task Without_bubblewrap_the_pool_refuses_to_start()
    {
        var e = await Assert.ThrowsAsync<PythonRuntimeUnavailableException>(() =>
            PythonWorkerPool.StartAsync(new PythonWorkerPoolOptions { BubblewrapPath = "/nonexistent/bwrap" }));
        Assert.Contains("bubblewrap at /nonexistent/bwrap could not be started", e.Message);
        Assert.Contains("will not run without isolation", e.Message);
    }

    [Fact]
    public async Task When_the_sandbox_cannot_start_the_pool_fails_closed()
    {
        // A "bubblewrap" that cannot set anything up: exits at once, like bwrap on a kernel without user namespaces.
        var fake = await FakeExecutableAsync("bwrap", "if [ \"$1\" = --version ]; then echo 'bubblewrap 0.8.0'; exit 0; fi\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n");
        var e = await Assert.ThrowsAsync<PythonRuntimeUnavailableException>(() =>
            PythonWorkerPool.StartAsync(new PythonWorkerPoolOptions { BubblewrapPath = fake }));
        Assert.Contains("The Python step sandbox could not start", e.Message);
        Assert.Contains("steps will not run", e.Message);
        Assert.Contains("No permissions to create new namespace", e.Message);
    }

    [Fact]
    public async Task The_development_mode_without_isolation_is_logged_loudly()
    {
        var logger = new ListLogger();
        await using var pool = await PythonWorkerPool.StartAsync(new PythonWorkerPoolOptions { Sandbox = SandboxMode.UnsandboxedDevelopment, MaxWorkers = 1 }, logger);
        Assert.False(pool.Sandbox.Namespaces);
        Assert.Contains(logger.Records, r => r.Level == LogLevel.Warning && r.Message.Contains("PYTHON STEPS RUN WITHOUT PROCESS ISOLATION", StringComparison.Ordinal));
        Assert.Contains(logger.Records, r => r.Level == LogLevel.Information && r.Message.Contains("process isolation: no process isolation (development mode)", StringComparison.Ordinal));
        var result = await pool.RunAsync(Pools.Step("import os\ndef main(storage):\n    return {}\n"), new RecordingHandler());
        Assert.Equal(StepErrorKind.SandboxViolation, result.Error?.Kind); // the in-process guards still apply
    }

    [Fact]
    public async Task The_startup_report_names_the_active_layers()
    {
        var logger = new ListLogger();
        await using var pool = await PythonWorkerPool.StartAsync(new PythonWorkerPoolOptions { MaxWorkers = 1 }, logger);
        var report = Assert.Single(logger.Records, r => r.Level == LogLevel.Information).Message;
        Assert.Contains("process isolation: bubblewrap", report);
        Assert.Contains("seccomp filter: active", report);
        Assert.Contains("resource limits: address space 1024 MB, 16 open files, no new processes", report);
    }

    [Fact]
    public async Task A_worker_that_breaks_the_protocol_is_a_violation_not_an_exception()
    {
        // A stand-in interpreter whose "worker" answers a run with a log frame of the wrong shape, as a
        // compromised worker might.
        var python = await PythonInterpreter.ProbeAsync(null, TimeSpan.FromSeconds(15), CancellationToken.None);
        var evil = await FakeExecutableAsync("evil_worker.py", "");
        await File.WriteAllTextAsync(evil, """
            import os, json
            def read(n):
                data = b''
                while len(data) < n:
                    chunk = os.read(0, n - len(data))
                    if not chunk:
                        raise SystemExit(0)
                    data += chunk
                return data
            def receive():
                return read(int.from_bytes(read(4), 'big'))
            def send(message):
                data = json.dumps(message).encode()
                os.write(1, len(data).to_bytes(4, 'big') + data)
            receive(); receive()
            send({'t': 'ready', 'python': '3.11.0', 'rlimits': [], 'seccomp': False, 'seccomp_error': 'stand-in'})
            while True:
                receive()
                send({'t': 'log', 'level': 'INFO', 'message': ['not', 'a', 'string']})
            """);
        var interpreter = await FakeExecutableAsync("python3",
            $"case \"$*\" in *base_prefix*) echo '{{\"executable\": \"'\"$0\"'\", \"prefix\": \"/usr\", \"version\": [3, 11, 0]}}' ;; *) exec {python.Executable} {evil} ;; esac\n");
        await using var pool = await PythonWorkerPool.StartAsync(new PythonWorkerPoolOptions { PythonPath = interpreter, Sandbox = SandboxMode.UnsandboxedDevelopment, MaxWorkers = 1 });
        var result = await pool.RunAsync(Pools.Step("def main(storage):\n    return {}\n"), new RecordingHandler());
        Assert.Equal(StepErrorKind.SandboxViolation, result.Error?.Kind);
        Assert.Equal("protocol violation: the worker sent [\"not\",\"a\",\"string\"] where a string belongs", result.Error!.Message);
        Assert.DoesNotContain(pool.Workers, w => w.Id == result.WorkerId);
    }

    /// <summary>A shell script standing in for a program, in a fresh temporary folder.</summary>
    private static async Task<string> FakeExecutableAsync(string name, string script)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("mc-fake-").FullName, name);
        await File.WriteAllTextAsync(path, "#!/bin/sh\n" + script);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        return path;
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Records { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Records)
            {
                Records.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}

/// <summary>The default egress policy, on real connections: refused before any byte is sent.</summary>
public sealed class EgressTests(SharedPool shared, StandInServer server) : IClassFixture<SharedPool>, IClassFixture<StandInServer>
{
    private const string Fetch = """
        def main(storage):
            try:
                r = http.request("GET", payload["url"])
                return {"status": r.status}
            except http.HTTPError as e:
                return {"refused": str(e)}
        """;

    private async Task<JsonNode> FetchAsync(string url, StepEffectHandler handler)
    {
        var result = await shared.Pool.RunAsync(Pools.Step(Fetch, payload: new JsonObject { ["url"] = url }), handler);
        Assert.True(result.Succeeded, result.Error?.ToString());
        return result.ReturnValue!;
    }

    [Fact]
    public async Task The_default_policy_refuses_loopback_by_address_and_by_name()
    {
        var byAddress = await FetchAsync(server.BaseUrl + "/contacts", new StepEffectHandler());
        Assert.StartsWith("egress refused for 127.0.0.1: 127.0.0.1 is a loopback or private address", (string?)byAddress["refused"]);
        var byName = await FetchAsync(server.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/contacts", new StepEffectHandler());
        Assert.StartsWith("egress refused for localhost:", (string?)byName["refused"]);
    }

    [Fact]
    public async Task Metadata_addresses_are_refused_even_when_private_networks_are_allowed()
    {
        using var client = new EgressPolicy { AllowPrivateNetworks = true, AllowedNetworks = [IPNetwork.Parse("169.254.0.0/16")] }.CreateHttpClient();
        var direct = await FetchAsync("http://169.254.169.254/latest/meta-data/", new StepEffectHandler(client));
        Assert.Equal("egress refused for 169.254.169.254: 169.254.169.254 is a link-local, metadata or non-routable address", (string?)direct["refused"]);
    }

    [Fact]
    public async Task Redirects_are_checked_like_the_first_request()
    {
        var toMetadata = await FetchAsync(server.BaseUrl + "/redirect-metadata", new RecordingHandler());
        Assert.Equal("egress refused for 169.254.169.254: 169.254.169.254 is a link-local, metadata or non-routable address", (string?)toMetadata["refused"]);
        var local = await FetchAsync(server.BaseUrl + "/redirect-local", new RecordingHandler());
        Assert.Equal(200, (int?)local["status"]);
    }

    [Theory]
    [InlineData("169.254.169.254", false, "link-local")]
    [InlineData("::ffff:169.254.169.254", false, "link-local")]
    [InlineData("fd00:ec2::254", false, "link-local")]
    [InlineData("100.100.100.200", false, "link-local")]
    [InlineData("0.0.0.0", false, "link-local")]
    [InlineData("127.0.0.1", false, "private")]
    [InlineData("10.1.2.3", false, "private")]
    [InlineData("172.20.0.1", false, "private")]
    [InlineData("192.168.1.1", false, "private")]
    [InlineData("::1", false, "private")]
    [InlineData("fd12::1", false, "private")]
    [InlineData("10.1.2.3", true, null)]
    [InlineData("169.254.169.254", true, "link-local")]
    [InlineData("93.184.216.34", false, null)]
    [InlineData("2606:2800:220:1::1", false, null)]
    public void Policy_decisions(string address, bool allowPrivate, string? refusal)
    {
        var policy = new EgressPolicy { AllowPrivateNetworks = allowPrivate };
        var reason = policy.Refusal(IPAddress.Parse(address));
        if (refusal is null)
        {
            Assert.Null(reason);
        }
        else
        {
            Assert.Contains(refusal, reason);
        }
    }
}

/// <summary>The sandbox conformance suite, run by the same code as the conformance runner.</summary>
public sealed class SandboxConformanceTests
{
    [Fact]
    public void Every_attack_is_contained_and_the_pool_stays_healthy()
    {
        var result = ConformanceRunner.Run("sandbox", ConformanceRunner.ResolveDirectory());
        Console.WriteLine(result.Summary);
        Assert.True(result.Succeeded, result.Summary + "\n" + string.Join("\n", result.Failures.Select(f => $"{f.Case}: {f.Actual}")));
        Assert.Equal(15, result.Total);
    }

    [Fact]
    public void The_suite_counts_an_escape_as_a_failure()
    {
        // Negative control: a script that claims to have escaped, and one that leaves the marker via the host.
        var directory = Directory.CreateTempSubdirectory("mc-sandbox-control-");
        File.WriteAllText(Path.Combine(directory.FullName, "claims_escape.py"), "def main(storage):\n    return {'escaped': True}\n");
        File.WriteAllText(Path.Combine(directory.FullName, "contained.py"), "def main(storage):\n    import os\n");
        var result = new SandboxSuite("control", ".").Run(directory.FullName);
        Assert.Equal((1, 2), (result.Passed, result.Total));
        Assert.Equal("claims_escape", Assert.Single(result.Failures).Case);
        Assert.Contains("the script returned escaped: true", result.Failures[0].Actual);
    }
}
