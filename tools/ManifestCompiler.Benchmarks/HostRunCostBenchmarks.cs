using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ManifestCompiler.Runtime;
using ManifestCompiler.Runtime.Bossi;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Runtime.Support.Json;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Benchmarks;

/// <summary>
/// The host's own cost of one <c>invoices-post-v1</c> run of the QuickBooks sample (issue 17 item 2): the step runs
/// on <see cref="InvoiceStepStandIn"/>, which answers as the real step does (checked against the real sandboxed pool
/// in the setup), so what is timed is the queue (in memory), the payload and tokens, the variables, the step request,
/// the events and their masking, the mapper and the record sink. One operation is one run; each invocation runs
/// <see cref="Runs"/> runs, queued as the sync queues them (one full QuickBooks invoice per run, about 1.6 KB).
/// (a) is the whole run; (b) the same with events dropped; (c)–(i) time one phase each through the engine's own
/// methods, on the same invoices, so (a) minus their sum is the dispatch around them (the run loop, the lease
/// heartbeat, the run history, the activity, the outcome). (j) is the mapper inside (i); (f0) and (j0) are (f) and (j)
/// done as the runtime did them before issue 17 (every value copied into the request; the record through a string),
/// side by side with what it does now.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class HostRunCostBenchmarks
{
    /// <summary>
    /// One launch, 3 warm-up and 15 measured iterations; with <c>MC_BENCH_IN_PROCESS=1</c> in this process (no
    /// generated project to build, for a machine too busy to build one within BenchmarkDotNet's timeout).
    /// </summary>
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            var job = Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(15);
            AddJob(Environment.GetEnvironmentVariable("MC_BENCH_IN_PROCESS") == "1" ? job.WithToolchain(InProcessEmitToolchain.Instance) : job);
        }
    }

    public const int Runs = 1_000;
    private const string Action = "invoices-post-v1";
    /// <summary>Whether this process has checked the stand-in against the real step (once is enough: both are fixed).</summary>
    private static bool _standInChecked;
    private readonly InvoiceStepStandIn _standIn = new();
    private PlanCatalog _plans = null!;
    private InMemoryInstanceStore _instances = null!;
    private HttpClient _http = null!;
    private IntegrationInstance _instance = null!;
    private IntegrationPlan _plan = null!;
    private ActionPlan _action = null!;
    private string[] _payloads = [];
    private RunRequest[] _runs = [];
    private PythonStepRequest[] _requests = [];
    private JsonNode[] _results = [];
    private string[] _logLines = [];

    [GlobalSetup]
    public void Setup()
    {
        _plans = SyncSetup.QuickBooksPlans();
        _http = new EgressPolicy { AllowedNetworks = [IPNetwork.Parse("127.0.0.1/32")] }.CreateHttpClient();
        _instances = new InMemoryInstanceStore();
        _instance = NewRuntime(new DebugEventLog()).ConnectAsync("quickbooks", "bench", SyncSetup.Tokens(), runTriggerSteps: false).GetAwaiter().GetResult();
        var random = new Random(17);
        // The payload send_to_trigger queues for each invoice of the sync: {"body": {"Invoice": invoice}}.
        _payloads = [.. Enumerable.Range(0, Runs).Select(i => new JsonObject { ["body"] = new JsonObject { ["Invoice"] = JsonNode.Parse(MappingBenchmarks.Invoice(random, i)) } }.ToJsonString())];
        var phases = NewRuntime(new DebugEventLog());
        _plan = phases.FindPlan("quickbooks")!;
        _action = _plan.FindAction(Action)!;
        _runs = [.. _payloads.Select(NewRun)];
        _requests = [.. _runs.Select(run => Execution(phases, run).StepRequest(_action.Steps[0], DataJson.ParseNode(run.PayloadJson), [], [], []))];
        var answers = _requests.Select(r => _standIn.RunAsync(r, new StepEffectHandler(_http)).GetAwaiter().GetResult()).ToArray();
        _results = [.. answers.Select(a => a.ReturnValue!)];
        _logLines = [.. answers.Select(a => a.Logs.Single().Message)];
        if (!_standInChecked)
        {
            CheckStandInAgainstPool();
            _standInChecked = true;
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _http.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Runs, Description = "(a) whole run")]
    public Task<int> WholeRun() => RunAllAsync(new DebugEventLog());

    [Benchmark(OperationsPerInvoke = Runs, Description = "(b) whole run, events dropped")]
    public Task<int> WholeRunNoEvents() => RunAllAsync(new DroppedEvents());

    [Benchmark(OperationsPerInvoke = Runs, Description = "(c) queue: enqueue, take, complete")]
    public async Task<int> Queue()
    {
        var queue = new InMemoryRunQueue();
        foreach (var payload in _payloads)
        {
            await queue.EnqueueAsync(NewRun(payload));
        }
        var terms = new RunLeaseTerms("bench", TimeSpan.FromSeconds(30));
        var taken = 0;
        while (await queue.TryTakeDueAsync(DateTimeOffset.UtcNow, terms) is { } run)
        {
            taken += await queue.CompleteAsync(run.Lease) ? 1 : 0;
        }
        return Check(taken);
    }

    [Benchmark(OperationsPerInvoke = Runs, Description = "(d) instance and payload: look-up, tokens to the redactor, parse")]
    public async Task<int> InstanceAndPayload()
    {
        var redactor = new SecretRedactor();
        var nodes = 0;
        foreach (var run in _runs)
        {
            var instance = (await _instances.GetAsync(run.InstanceId))!;
            redactor.AddTokens(instance.Tokens);
            nodes += DataJson.ParseNode(run.PayloadJson) is JsonObject ? 1 : 0;
        }
        return Check(nodes);
    }

    [Benchmark(OperationsPerInvoke = Runs, Description = "(e) variables")]
    public int Variables()
    {
        var engine = NewRuntime(new DebugEventLog()).Bossi;
        var count = 0;
        for (var i = 0; i < Runs; i++)
        {
            count += engine.AllVariables(_plan, _instance, out _, out _).Count > 0 ? 1 : 0;
        }
        return Check(count);
    }

    [Benchmark(OperationsPerInvoke = Runs, Description = "(f) step request (payload parsed in (d))")]
    public int StepRequest()
    {
        var runtime = NewRuntime(new DebugEventLog());
        var all = runtime.Bossi.AllVariables(_plan, _instance, out var variables, out _);
        var count = 0;
        for (var i = 0; i < Runs; i++)
        {
            count += Execution(runtime, _runs[i]).StepRequest(_action.Steps[0], _requests[i].Payload, [], variables, all).Payload is not null ? 1 : 0;
        }
        return Check(count);
    }

    [Benchmark(OperationsPerInvoke = Runs, Description = "(g) the stand-in step itself")]
    public async Task<int> StandInStep()
    {
        var handler = new StepEffectHandler(_http);
        var count = 0;
        foreach (var request in _requests)
        {
            count += (await _standIn.RunAsync(request, handler)).Succeeded ? 1 : 0;
        }
        return Check(count);
    }

    [Benchmark(OperationsPerInvoke = Runs, Description = "(h) the run's five events, masked")]
    public int Events()
    {
        var events = new DebugEventLog();
        var runtime = NewRuntime(events);
        runtime.Redactor.AddTokens(_instance.Tokens);
        for (var i = 0; i < Runs; i++)
        {
            var execution = Execution(runtime, _runs[i]);
            execution.Event(DebugLevel.Debug, $"Starting execution of action: {_action.Name}", "lifecycle");
            execution.Event(DebugLevel.Debug, $"Starting step {1} of {_action.Steps.Count}", "lifecycle");
            execution.Event(DebugLevel.Debug, "Starting code execution step", "lifecycle");
            execution.Event(DebugLevel.Debug, _logLines[i], "log");
            execution.Event(DebugLevel.Debug, $"Finished execution of action: {_action.Name}", "lifecycle");
        }
        return Check(events.Events.Count / 5);
    }

    [Benchmark(OperationsPerInvoke = Runs, Description = "(i) map into the record sink")]
    public async Task<int> MapIntoSink()
    {
        var records = new InMemoryRecordSink();
        var runtime = NewRuntime(new DebugEventLog(), records);
        for (var i = 0; i < Runs; i++)
        {
            await Execution(runtime, _runs[i]).MapAsync(_action, _results[i], CancellationToken.None);
        }
        return Check(records.Records.Count);
    }

    [Benchmark(OperationsPerInvoke = Runs, Description = "(j) the mapper alone (serialize, parse, map)")]
    public int MapperAlone()
    {
        var mapper = _action.Mapper!;
        var mapped = 0;
        foreach (var result in _results)
        {
            using var document = DataJson.ParseDocument(JsonSerializer.SerializeToUtf8Bytes(result, DataJson.SerializerOptions));
            mapped += mapper.Map(document.RootElement).Record is not null ? 1 : 0;
        }
        return Check(mapped);
    }

    [Benchmark(OperationsPerInvoke = Runs, Description = "(j0) (j) as before issue 17: through a string")]
    public int MapperThroughString()
    {
        var mapper = _action.Mapper!;
        var mapped = 0;
        foreach (var result in _results)
        {
            using var document = DataJson.ParseDocument(result.ToJsonString());
            mapped += mapper.Map(document.RootElement).Record is not null ? 1 : 0;
        }
        return Check(mapped);
    }

    [Benchmark(OperationsPerInvoke = Runs, Description = "(f0) (f) as before issue 17: each value copied")]
    public int StepRequestCopied()
    {
        var runtime = NewRuntime(new DebugEventLog());
        var all = runtime.Bossi.AllVariables(_plan, _instance, out var variables, out _);
        var count = 0;
        for (var i = 0; i < Runs; i++)
        {
            var request = Execution(runtime, _runs[i]).StepRequest(_action.Steps[0], _requests[i].Payload?.DeepClone(), [], (JsonObject)variables.DeepClone(), (JsonObject)all.DeepClone());
            count += request.IntegrationVariables!.DeepClone() is not null ? 1 : 0;
        }
        return Check(count);
    }

    private async Task<int> RunAllAsync(IDebugEventSink events)
    {
        var queue = new InMemoryRunQueue();
        var records = new InMemoryRecordSink();
        var runtime = NewRuntime(events, records, queue);
        foreach (var payload in _payloads)
        {
            await queue.EnqueueAsync(NewRun(payload));
        }
        var outcomes = await runtime.RunUntilIdleAsync();
        if (outcomes.Count != Runs || outcomes.Any(o => !o.Succeeded))
        {
            throw new InvalidOperationException($"{outcomes.Count} runs, {outcomes.Count(o => !o.Succeeded)} failed");
        }
        return Check(records.Records.Count);
    }

    private ManifestRuntime NewRuntime(IDebugEventSink events, IRecordSink? records = null, IRunQueue? queue = null, IPythonStepRunner? steps = null)
    {
        var runtime = new ManifestRuntime(steps ?? _standIn, _instances, queue ?? new InMemoryRunQueue(), records ?? new InMemoryRecordSink(), events, new RuntimeOptions { HttpClient = _http, MaxConcurrentRuns = 1 });
        runtime.AddPlans(_plans);
        return runtime;
    }

    private RunRequest NewRun(string payload)
    {
        var id = Guid.NewGuid().ToString("N");
        return new RunRequest(id, "bench-correlation", _instance.Id, Action, payload, DateTimeOffset.UtcNow, "trigger:" + id, "bench-parent", Caller: RunCaller.System);
    }

    private ActionExecution Execution(ManifestRuntime runtime, RunRequest run) => new(runtime.Bossi, _plan, _action, _instance, run);

    private static int Check(int count) =>
        count == Runs ? count : throw new InvalidOperationException($"{count} of {Runs} runs came through");

    /// <summary>
    /// Runs the first invoice through the real sandboxed pool and through the stand-in, and refuses to measure unless
    /// both answer the same: return value, storage, log lines, no side effects; and the run's events are the same.
    /// </summary>
    private void CheckStandInAgainstPool()
    {
        var pool = PythonWorkerPool.StartAsync(new PythonWorkerPoolOptions { MaxWorkers = 1, SpareWorkers = 0, StartTimeout = TimeSpan.FromMinutes(1) }).GetAwaiter().GetResult();
        try
        {
            var (real, realEvents) = RunOnce(pool);
            var (standIn, standInEvents) = RunOnce(_standIn);
            var same = real.Error is null && standIn.Error is null
                && JsonNode.DeepEquals(real.ReturnValue, standIn.ReturnValue)
                && JsonNode.DeepEquals(real.Storage, standIn.Storage)
                && real.Logs.Select(l => (l.Level, l.Message)).SequenceEqual(standIn.Logs.Select(l => (l.Level, l.Message)))
                && real.LogsDropped == standIn.LogsDropped
                && real.SideEffects.Count == 0 && standIn.SideEffects.Count == 0
                && realEvents.SequenceEqual(standInEvents);
            if (!same)
            {
                throw new InvalidOperationException(
                    $"the stand-in does not answer as the real step does: real {Describe(real)} / [{string.Join(" | ", realEvents)}], stand-in {Describe(standIn)} / [{string.Join(" | ", standInEvents)}]");
            }
        }
        finally
        {
            pool.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private (PythonStepResult Result, IReadOnlyList<string> Events) RunOnce(IPythonStepRunner steps)
    {
        var recording = new RecordingStepRunner(steps);
        var events = new DebugEventLog();
        var queue = new InMemoryRunQueue();
        var records = new InMemoryRecordSink();
        var runtime = NewRuntime(events, records, queue, recording);
        queue.EnqueueAsync(NewRun(_payloads[0])).GetAwaiter().GetResult();
        var outcomes = runtime.RunUntilIdleAsync().GetAwaiter().GetResult();
        if (outcomes.Count != 1 || !outcomes[0].Succeeded || records.Records.Count != 1 || recording.Result is null)
        {
            throw new InvalidOperationException($"one run of {Action} did not map one record: {string.Join("; ", outcomes.Select(o => o.Error))}");
        }
        return (recording.Result, [.. events.Events.Select(e => $"{e.Level} {e.DebugType} {e.Code} {e.Message} {e.Data}")]);
    }

    private static string Describe(PythonStepResult result) =>
        $"error {result.Error}, value {result.ReturnValue?.ToJsonString()}, storage {result.Storage?.ToJsonString()}, logs [{string.Join(" | ", result.Logs.Select(l => $"{l.Level} {l.Message}"))}], {result.SideEffects.Count} side effects";

    /// <summary>Passes every step to another runner and keeps the last result.</summary>
    private sealed class RecordingStepRunner(IPythonStepRunner inner) : IPythonStepRunner
    {
        public PythonStepResult? Result { get; private set; }

        public async Task<PythonStepResult> RunAsync(PythonStepRequest request, IStepEffectHandler handler, CancellationToken cancellationToken = default) =>
            Result = await inner.RunAsync(request, handler, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An event sink that keeps nothing: what the events cost to build and mask, without keeping them.</summary>
    private sealed class DroppedEvents : IDebugEventSink
    {
        public void Publish(DebugEvent debugEvent)
        {
        }
    }
}

/// <summary>
/// The QuickBooks sample's <c>invoices-post-v1</c> step (<c>invoice = payload["body"]["Invoice"];
/// logging.debug(f"mapping invoice {invoice.get('Id')}"); return invoice</c>) answered without a worker: the invoice
/// back as fresh nodes parsed from its JSON (as the pool parses the worker's answer), storage unchanged, the one
/// debug line. <see cref="HostRunCostBenchmarks"/> checks it against the real step before measuring.
/// </summary>
public sealed class InvoiceStepStandIn : IPythonStepRunner
{
    public Task<PythonStepResult> RunAsync(PythonStepRequest request, IStepEffectHandler handler, CancellationToken cancellationToken = default)
    {
        var invoice = request.Payload?["body"]?["Invoice"] ?? throw new InvalidOperationException("the stand-in answers invoices-post-v1 only: no body.Invoice in the payload");
        var id = invoice["Id"] switch
        {
            null => "None",
            JsonValue value when value.TryGetValue<string>(out var text) => text,
            var other => other.ToJsonString(),
        };
        return Task.FromResult(new PythonStepResult
        {
            RunId = Guid.NewGuid().ToString("N"),
            WorkerId = "stand-in",
            ReturnValue = JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(invoice), null, DataJson.DocumentOptions),
            Storage = (JsonObject?)JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(request.Storage ?? []), null, DataJson.DocumentOptions),
            Logs = [new StepLogRecord(StepLogLevel.Debug, $"mapping invoice {id}", DateTimeOffset.UtcNow)],
        });
    }
}
