using System.Diagnostics;
using System.Text.Json.Nodes;

namespace ManifestCompiler.Runtime.Python.Tests;

/// <summary>A pool whose runs play an attacker past every in-process guard (PythonWorkerPoolOptions.GrantEscapeForTests).</summary>
public sealed class EscapedPool : IAsyncLifetime
{
    public PythonWorkerPool Pool { get; private set; } = null!;

    public async Task InitializeAsync() => Pool = await Pools.StartAsync(o => { o.MaxWorkers = 4; o.GrantEscapeForTests = true; });

    public async Task DisposeAsync() => await Pool.DisposeAsync();
}

/// <summary>
/// Nothing survives a run (docs/python-sandbox.md): each run has its own process, forked from a clean zygote, so a
/// run that holds the real builtins, <c>sys.modules</c>, <c>type</c> and <c>os</c> (ESCAPED) plants state that the
/// next run of the same company, on the same worker, must not find. Pairs: one run plants, the next reads.
/// </summary>
public sealed class RunIsolationTests(EscapedPool escaped) : IClassFixture<EscapedPool>
{
    private readonly PythonWorkerPool pool = escaped.Pool;

    private async Task<JsonNode> RunOkAsync(string source, string tenant, RecordingHandler? handler = null)
    {
        var result = await pool.RunAsync(Pools.Step(source, tenant), handler ?? new RecordingHandler());
        Assert.True(result.Succeeded, result.Error?.ToString());
        return result.ReturnValue!;
    }

    /// <summary>Plants with one run, reads with the next of the same tenant; both on the same worker.</summary>
    private async Task<JsonNode> PlantThenReadAsync(string plant, string read, string tenant, RecordingHandler? handler = null)
    {
        handler ??= new RecordingHandler();
        var planted = await pool.RunAsync(Pools.Step(plant, tenant), handler);
        Assert.True(planted.Succeeded, planted.Error?.ToString());
        var next = await pool.RunAsync(Pools.Step(read, tenant), handler);
        Assert.True(next.Succeeded, next.Error?.ToString());
        Assert.Equal(planted.WorkerId, next.WorkerId); // the same worker: only the run's process is new
        return next.ReturnValue!;
    }

    [Fact]
    public async Task Monkeypatched_real_builtins_are_gone_in_the_next_run()
    {
        var read = await PlantThenReadAsync(
            "def main(storage):\n    b, put = ESCAPED['builtins'], ESCAPED['setattr']\n    put(b, 'abs', lambda x: 42)\n    put(b, 'PLANTED', 'x')\n    put(b, 'sorted', lambda *a, **k: ['forged'])\n    return {'abs': b.abs(-1)}\n",
            "def main(storage):\n    return {'abs': abs(-1), 'planted': hasattr(ESCAPED['builtins'], 'PLANTED'), 'sorted': sorted([2, 1])}\n",
            "plant-builtins");
        Assert.Equal("{\"abs\":1,\"planted\":false,\"sorted\":[1,2]}", read.ToJsonString());
    }

    [Fact]
    public async Task A_module_attribute_replaced_in_sys_modules_is_gone_in_the_next_run()
    {
        var read = await PlantThenReadAsync(
            "def main(storage):\n    real = ESCAPED['sys'].modules['json'].loads\n    ESCAPED['setattr'](ESCAPED['sys'].modules['json'], 'loads', lambda t, *a, **k: {'forged': True} if t == '{}' else real(t, *a, **k))\n    ESCAPED['sys'].modules['evil'] = ESCAPED['sys']\n    return {'forged': json.loads('{}')}\n",
            "def main(storage):\n    return {'loads': json.loads('{\"a\": 1}'), 'evil': 'evil' in ESCAPED['sys'].modules}\n",
            "plant-module");
        Assert.Equal("{\"loads\":{\"a\":1},\"evil\":false}", read.ToJsonString());
    }

    [Fact]
    public async Task A_module_type_changed_with_the_real_setattr_is_restored_in_the_next_run()
    {
        var read = await PlantThenReadAsync(
            "def main(storage):\n    ESCAPED['setattr'](ESCAPED['sys'].modules['uuid'].UUID, 'hex', property(lambda self: 'tampered'))\n    ESCAPED['setattr'](ESCAPED['sys'].modules['urllib.parse'].ParseResult, 'planted', 1)\n    return {'hex': uuid.uuid4().hex}\n",
            "def main(storage):\n    return {'hex_len': len(uuid.uuid4().hex), 'planted': hasattr(urlparse('http://x'), 'planted')}\n",
            "plant-type");
        Assert.Equal("{\"hex_len\":32,\"planted\":false}", read.ToJsonString());
    }

    [Fact]
    public async Task Guards_switched_off_in_the_worker_module_are_back_in_the_next_run()
    {
        var handler = new RecordingHandler();
        var plant = await pool.RunAsync(Pools.Step(
            "def main(storage):\n    w = ESCAPED['worker']\n    ESCAPED['setattr'](w, '_forbidden_attribute', lambda name: False)\n    ESCAPED['setattr'](w, '_own_object', lambda obj: True)\n    return {'class': str(getattr(1, '__class__'))}\n", "plant-guards"), handler);
        Assert.True(plant.Succeeded, plant.Error?.ToString()); // the escaped run itself got past them
        var next = await pool.RunAsync(Pools.Step("def main(storage):\n    return {'class': str(getattr(1, '__class__'))}\n", "plant-guards"), handler);
        Assert.Equal(StepErrorKind.SandboxViolation, next.Error?.Kind);
        Assert.Contains("attribute '__class__' is not accessible", next.Error!.Message);
    }

    [Fact]
    public async Task A_pending_finalizer_and_an_atexit_hook_never_run_in_a_later_run()
    {
        var handler = new RecordingHandler();
        await PlantThenReadAsync(
            """
            def main(storage):
                E = ESCAPED
                E['gc'].disable()
                Bomb = E['type']('Bomb', (), {'__del__': lambda self: send_to_trigger('finalized', {})})
                bomb = Bomb()
                E['setattr'](bomb, 'me', bomb)  # a cycle: only the collector frees it, later
                E['import']('atexit').register(lambda: send_to_trigger('atexit', {}))
                return {}
            """,
            "def main(storage):\n    ESCAPED['gc'].collect()\n    return {}\n",
            "plant-finalizer", handler);
        Assert.Empty(handler.Triggers);
    }

    [Fact]
    public async Task An_open_descriptor_is_not_inherited_by_the_next_run()
    {
        var tenant = "plant-fd";
        var plant = await RunOkAsync(
            "def main(storage):\n    f = ESCAPED['open']('/proc/self/status')\n    ESCAPED['setattr'](ESCAPED['sys'].modules['json'], 'kept', f)\n    return {'fd': f.fileno()}\n", tenant);
        Assert.True((int?)plant["fd"] > 2);
        var read = await RunOkAsync(
            "def main(storage):\n    os = ESCAPED['os']\n    targets = []\n    for fd in os.listdir('/proc/self/fd'):\n        try:\n            targets.append(os.readlink('/proc/self/fd/' + fd))\n        except OSError:\n            pass\n    return {'targets': targets}\n", tenant);
        Assert.DoesNotContain(read["targets"]!.AsArray(), t => ((string?)t)!.Contains("status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_descriptor_the_host_inherited_without_close_on_exec_is_closed_before_any_run()
    {
        // As one inherited from the shell that started the host: open without close-on-exec, so every process the host
        // starts gets it, and bubblewrap passes it into the sandbox. The worker must close it before it runs anything.
        var ends = new int[2];
        Assert.Equal(0, Pipe(ends));
        const int Inherited = 251;
        Assert.Equal(Inherited, Dup2(ends[1], Inherited));
        try
        {
            await using var fresh = await Pools.StartAsync(o => { o.MaxWorkers = 1; o.GrantEscapeForTests = true; });
            var result = await fresh.RunAsync(Pools.Step(
                """
                def main(storage):
                    os = ESCAPED['os']
                    return {'fds': sorted(int(fd) for fd in os.listdir('/proc/self/fd'))}
                """, "inherited-fd"), new RecordingHandler());
            Assert.True(result.Succeeded, result.Error?.ToString());
            var open = result.ReturnValue!["fds"]!.AsArray().Select(fd => (int)fd!).ToList();
            Assert.Contains(2, open); // the listing works: stderr is there
            Assert.DoesNotContain(Inherited, open);
            Assert.DoesNotContain(ends[0], open);
            Assert.DoesNotContain(ends[1], open);
        }
        finally
        {
            Close(Inherited);
            Close(ends[0]);
            Close(ends[1]);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "pipe", SetLastError = true)]
    private static extern int Pipe(int[] fds);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static extern int Dup2(int oldFd, int newFd);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    [Fact]
    public async Task The_frames_of_a_run_are_not_in_the_memory_of_the_next_runs_process()
    {
        // The zygote relays each run's frames (logs, host calls with their headers, the result) and forks every later
        // run's process from its own memory: a freed copy of a frame must not be in it. The reading run counts the
        // planted text and a never-sent text of the same shape in every writable mapping of its process; its own
        // two needles count the same for both, so any difference is a remnant of the previous run.
        var read = await PlantThenReadAsync(
            """
            def main(storage):
                text = 'relay-marker-A' * 300
                print(text)
                return {'echo': text}
            """,
            """
            def main(storage):
                ctypes = ESCAPED['import']('ctypes')
                a = (('relay-marker-' + 'A') * 8).encode()
                b = (('relay-marker-' + 'B') * 8).encode()
                counts = [0, 0]
                with ESCAPED['open']('/proc/self/maps') as maps:
                    regions = [line.split() for line in maps]
                for region in regions:
                    if not region[1].startswith('rw') or (len(region) > 5 and region[5].startswith('[v')):
                        continue
                    start, end = (int(x, 16) for x in region[0].split('-'))
                    memory = ctypes.string_at(start, end - start)
                    counts[0] += memory.count(a)
                    counts[1] += memory.count(b)
                return {'planted': counts[0], 'never_sent': counts[1]}
            """,
            "plant-relay");
        Assert.True((int?)read["never_sent"] > 0, read.ToJsonString()); // the scan sees the reader's own needles
        Assert.Equal((int?)read["never_sent"], (int?)read["planted"]);
    }

    [Fact]
    public async Task No_file_directory_or_symlink_can_be_left_in_tmp_dev_shm_or_the_root()
    {
        var tenant = "plant-tmp";
        var plant = await RunOkAsync(
            """
            def main(storage):
                os = ESCAPED['os']
                errors = {}
                for what, act in [('mkdir /tmp', lambda: os.mkdir('/tmp/planted')),
                                  ('symlink /tmp', lambda: os.symlink('secret-data', '/tmp/link')),
                                  ('mkdir /dev/shm', lambda: os.mkdir('/dev/shm/planted')),
                                  ('mkdir /', lambda: os.mkdir('/planted')),
                                  ('create /tmp', lambda: ESCAPED['open']('/tmp/file', 'w'))]:
                    try:
                        act()
                        errors[what] = 0
                    except OSError as e:
                        errors[what] = e.errno
                return errors
            """, tenant);
        foreach (var (what, errno) in plant.AsObject())
        {
            Assert.True((int?)errno is 30 or 1, $"{what}: errno {errno}"); // EROFS, or EPERM from seccomp
        }
        var read = await RunOkAsync(
            "def main(storage):\n    os = ESCAPED['os']\n    return {'tmp': os.listdir('/tmp'), 'shm': os.listdir('/dev/shm'), 'root': 'planted' in os.listdir('/')}\n", tenant);
        Assert.Equal("{\"tmp\":[],\"shm\":[],\"root\":false}", read.ToJsonString());
    }

    [Fact]
    public async Task SysV_shared_memory_and_message_queues_cannot_be_created()
    {
        var read = await PlantThenReadAsync(
            """
            def main(storage):
                ctypes = ESCAPED['import']('ctypes')
                libc = ctypes.CDLL(None, use_errno=True)
                shm = libc.shmget(0x4D43, 4096, 0o1666)
                shm_errno = ctypes.get_errno()
                msg = libc.msgget(0x4D43, 0o1666)
                msg_errno = ctypes.get_errno()
                mq = libc.mq_open(b'/mc-planted', 0o100 | 0o2, 0o666, None)
                mq_errno = ctypes.get_errno()
                return {'shm': [shm, shm_errno], 'msg': [msg, msg_errno], 'mq': [mq, mq_errno]}
            """,
            "def main(storage):\n    ctypes = ESCAPED['import']('ctypes')\n    libc = ctypes.CDLL(None, use_errno=True)\n    return {'shm': libc.shmget(0x4D43, 4096, 0o666)}\n",
            "plant-ipc");
        Assert.Equal(-1, (int?)read["shm"]);
    }

    [Fact]
    public async Task A_run_cannot_fork_start_a_thread_or_exec()
    {
        var result = await RunOkAsync(
            """
            def main(storage):
                os = ESCAPED['os']
                out = {}
                def attempt(name, act):
                    try:
                        act()
                        out[name] = 'succeeded'
                    except BaseException as e:
                        out[name] = type(e).__name__
                attempt('fork', os.fork)
                attempt('thread', lambda: ESCAPED['import']('threading').Thread(target=lambda: None).start())
                attempt('exec', lambda: os.execv('/usr/bin/true', ['true']))
                attempt('spawn', lambda: os.posix_spawn('/usr/bin/true', ['true'], {}))
                return out
            """, "no-fork");
        Assert.All(result.AsObject(), p => Assert.NotEqual("succeeded", (string?)p.Value));
        Assert.Equal("PermissionError", (string?)result["fork"]);
    }

    [Fact]
    public async Task Every_rlimit_has_hard_equal_to_soft_and_none_can_be_raised()
    {
        var result = await RunOkAsync(
            """
            def main(storage):
                os, r = ESCAPED['os'], ESCAPED['resource']
                limits = ESCAPED['open']('/proc/self/limits').read()
                inf = r.RLIM_INFINITY
                out = {'limits': limits, 'cpu': list(r.getrlimit(r.RLIMIT_CPU)), 'raised': []}
                for name, value in [('RLIMIT_CPU', (inf, inf)), ('RLIMIT_AS', (inf, inf)), ('RLIMIT_NPROC', (10, 10)),
                                    ('RLIMIT_NOFILE', (1024, 1024)), ('RLIMIT_FSIZE', (inf, inf)), ('RLIMIT_CORE', (inf, inf))]:
                    which = getattr(r, name)
                    try:
                        r.setrlimit(which, value)
                        out['raised'].append(name)
                    except (ValueError, OSError):
                        pass
                    try:
                        r.prlimit(os.getppid(), which, value)  # the zygote's, which forks the next run
                        out['raised'].append('zygote ' + name)
                    except (ValueError, OSError):
                        pass
                try:
                    r.prlimit(os.getppid(), r.RLIMIT_NOFILE, (4, 4))  # lowering the zygote's would reach later runs
                    out['raised'].append('zygote lowered')
                except (ValueError, OSError):
                    pass
                out['cpu_after'] = list(r.getrlimit(r.RLIMIT_CPU))
                out['zygote_limits'] = ESCAPED['open']('/proc/%d/limits' % os.getppid()).read()
                return out
            """, "rlimits");
        Assert.Empty(result["raised"]!.AsArray());
        Assert.Equal("[20,20]", result["cpu"]!.ToJsonString()); // Pools: RunTimeout 20 s, the run's own CPU budget
        Assert.Equal("[20,20]", result["cpu_after"]!.ToJsonString());
        AssertHardEqualsSoft((string)result["limits"]!);
        AssertHardEqualsSoft((string)result["zygote_limits"]!);
        Assert.Matches(@"Max open files\s+16\s+16", (string)result["zygote_limits"]!);
    }

    [Fact]
    public async Task Each_run_has_its_own_process_forked_from_the_same_zygote()
    {
        const string source = "def main(storage):\n    os = ESCAPED['os']\n    return {'pid': os.getpid(), 'zygote': os.getppid()}\n";
        var first = await RunOkAsync(source, "pids");
        var second = await RunOkAsync(source, "pids");
        var third = await RunOkAsync(source, "pids");
        Assert.Equal(3, new[] { first, second, third }.Select(r => (int)r["pid"]!).Distinct().Count());
        Assert.Single(new[] { first, second, third }.Select(r => (int)r["zygote"]!).Distinct());
    }

    [Fact]
    public async Task A_run_cannot_reach_the_zygote_through_proc()
    {
        var result = await RunOkAsync(
            """
            def main(storage):
                os = ESCAPED['os']
                out = {}
                fds = os.listdir('/proc/%d/fd' % os.getppid())  # the numbers only
                for what, act in [('fd', lambda: [os.readlink('/proc/%d/fd/%s' % (os.getppid(), fd)) for fd in fds]),
                                  ('mem', lambda: ESCAPED['open']('/proc/%d/mem' % os.getppid(), 'rb').read(1)),
                                  ('environ', lambda: ESCAPED['open']('/proc/%d/environ' % os.getppid(), 'rb').read())]:
                    try:
                        act()
                        out[what] = 'read'
                    except OSError as e:
                        out[what] = type(e).__name__
                return out
            """, "zygote-proc");
        Assert.Equal("{\"fd\":\"PermissionError\",\"mem\":\"PermissionError\",\"environ\":\"PermissionError\"}", result.ToJsonString());
    }

    [Fact]
    public async Task A_forged_zygote_frame_is_a_violation_and_the_next_run_is_genuine()
    {
        var handler = new RecordingHandler();
        var forged = await pool.RunAsync(Pools.Step(
            """
            def main(storage):
                w, get = ESCAPED['worker'], ESCAPED['getattr']
                data = b'{"t":"exited","pid":1,"code":0,"cpu_seconds":0,"maxrss_kb":0,"problem":null}'
                get(w, '_write_all')(get(w, '_OUT'), (len(data) | 0x80000000).to_bytes(4, 'big') + data)
                return {'forged': True}
            """, "forge"), handler);
        Assert.Equal(StepErrorKind.SandboxViolation, forged.Error?.Kind);
        Assert.Contains("control bit", forged.Error!.Message);
        var next = await RunOkAsync("def main(storage):\n    return {'genuine': True}\n", "forge", handler);
        Assert.Equal(true, (bool?)next["genuine"]);
    }

    [Fact]
    public async Task A_run_process_that_outlives_its_answer_never_sees_the_next_run()
    {
        // The escaped run makes its own exit a no-op and goes on serving: it would read the next run's frame
        // and answer it with a forged result. The host sends the next run only once the zygote reports the
        // previous process gone, so the worker is replaced instead.
        var handler = new RecordingHandler();
        var plant = await pool.RunAsync(Pools.Step(
            """
            def main(storage):
                w, get = ESCAPED['worker'], ESCAPED['getattr']
                def serve_forever(code):
                    while True:
                        message = get(w, '_receive')()
                        if message.get('t') == 'run':
                            get(w, '_send')({'t': 'result', 'id': message['id'], 'ok': True, 'value': {'forged': True}, 'storage': {}, 'maxrss_kb': 0, 'logs_dropped': 0})
                ESCAPED['setattr'](ESCAPED['os'], '_exit', serve_forever)
                return {'planted': True}
            """, "outlive"), handler);
        Assert.True(plant.Succeeded, plant.Error?.ToString());
        var watch = Stopwatch.StartNew();
        var next = await pool.RunAsync(Pools.Step("def main(storage):\n    return {'genuine': True}\n", "outlive"), handler);
        Assert.True(next.Succeeded, next.Error?.ToString());
        Assert.Equal("{\"genuine\":true}", next.ReturnValue!.ToJsonString());
        Assert.NotEqual(plant.WorkerId, next.WorkerId);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15));
    }

    internal static void AssertHardEqualsSoft(string limits)
    {
        var rows = limits.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.True(rows.Count >= 16, limits);
        foreach (var row in rows)
        {
            // "Max cpu time              20                   20                   seconds"
            var name = row[..26].Trim();
            var soft = row[26..47].Trim();
            var hard = row[47..68].Trim();
            Assert.True(soft == hard, $"{name}: soft {soft}, hard {hard}");
        }
    }
}

/// <summary>The CPU budget of a run's process (RLIMIT_CPU, hard = soft) ends a busy loop even when the wall clock
/// would allow more, and the pool recovers.</summary>
public sealed class CpuLimitTests
{
    [Fact]
    public async Task A_busy_loop_past_its_cpu_budget_is_a_timeout_and_the_pool_recovers()
    {
        await using var pool = await Pools.StartAsync(o => { o.RunTimeout = TimeSpan.FromSeconds(1); o.MaxWorkers = 1; });
        var step = Pools.Step("def main(storage):\n    while True:\n        pass\n");
        var watch = Stopwatch.StartNew();
        var result = await pool.RunAsync(new PythonStepRequest { TenantId = step.TenantId, Source = step.Source, Timeout = TimeSpan.FromSeconds(30) }, new RecordingHandler());
        Assert.True(result.Error?.Kind == StepErrorKind.Timeout, result.Error?.ToString());
        Assert.Contains("used up its CPU time limit (1 s)", result.Error!.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15));
        var next = await pool.RunAsync(Pools.Step("def main(storage):\n    return {'ok': True}\n"), new RecordingHandler());
        Assert.True(next.Succeeded, next.Error?.ToString());
    }
}
