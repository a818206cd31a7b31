using System.Reflection;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Testing;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Runtime.Tests;

/// <summary><c>create_cron_job</c> and <c>dispatch_command</c> from real sandboxed steps.</summary>
public sealed class CronAndDispatchTests(PoolFixture fixture) : IClassFixture<PoolFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("mc-cron-").FullName;
    private readonly InMemoryInstanceStore _instances = new();
    private readonly InMemoryRunQueue _queue = new();
    private readonly InMemoryCronJobStore _jobs = new();
    private readonly DebugEventLog _events = new();
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 10, 30, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_work, recursive: true);

    /// <summary>An integration whose steps schedule a job, tick, and dispatch to another integration; plus the Stripe sample.</summary>
    private ManifestRuntime Runtime()
    {
        var folder = Path.Combine(_work, "scheduler");
        TestFolders.Write(folder, "oauth.json", """
            { "name": "Scheduler", "services": ["jobs"], "isNonOauth": true, "tokens": { "apiKey": "{{apiKey}}" },
              "url": "{{self_url}}", "parameters": { "self_url": "{{generic_callback}}" }, "requiredQueryParams": ["apiKey"], "triggerSteps": [] }
            """);
        TestFolders.Write(folder, "schema.json", """
            { "name": "Scheduler", "version": "1.0.0", "variables": {},
              "actions": {
                "schedule-v1": { "skipParser": true, "returnsData": false, "steps": [{ "codeRef": "schedule" }] },
                "bad-schedule-v1": { "skipParser": true, "returnsData": false, "steps": [{ "codeRef": "bad" }] },
                "tick-v1": { "skipParser": true, "returnsData": true, "steps": [{ "codeRef": "tick" }] },
                "dispatch-v1": { "skipParser": true, "returnsData": true, "steps": [{ "codeRef": "dispatch" }] }
              } }
            """);
        TestFolders.Write(folder, "action/schedule-v1/code/schedule.py", """
            def main(storage):
                create_cron_job("tick-v1", "*/5 * * * *", {"n": 1})
                create_cron_job(action="tick-v1", cron="*/5 * * * *", payload={"n": 2})
                return {"ok": True}
            """);
        TestFolders.Write(folder, "action/bad-schedule-v1/code/bad.py", """
            def main(storage):
                create_cron_job("tick-v1", "61 * * * *")
                return {"ok": True}
            """);
        TestFolders.Write(folder, "action/tick-v1/code/tick.py", """
            def main(storage):
                return {"n": payload["n"]}
            """);
        TestFolders.Write(folder, "action/dispatch-v1/code/dispatch.py", """
            def main(storage):
                answer = dispatch_command("post-products-v1", {"name": "Hustle Plan"}, {"order": 7})
                return {"dispatched": answer}
            """);
        var workspace = ManifestWorkspace.Load([folder, Path.Combine(RepositoryPaths.Root, "samples", "bossi", "stripe")]);
        var built = PlanAssemblyBuilder.Build(workspace, "CronPlans");
        Assert.True(built.Succeeded, string.Join("\n", built.Diagnostics.Select(d => d.ToString()).Concat(built.CompilerErrors)));
        var runtime = new ManifestRuntime(fixture.Pool, _instances, _queue, new InMemoryRecordSink(), _events, new RuntimeOptions { TimeProvider = _time, CronJobs = _jobs });
        runtime.AddPlans(PlanCatalog.Load(Assembly.Load(built.Image!)));
        return runtime;
    }

    [Fact]
    public async Task A_cron_job_queues_its_action_at_every_occurrence_once()
    {
        var runtime = Runtime();
        var instance = await runtime.ConnectAsync("scheduler", "company-1", new JsonObject { ["apiKey"] = "key-123456" });
        await runtime.EnqueueAsync(instance.Id, "schedule-v1", null, RunCaller.System);
        var created = Assert.Single(await runtime.RunUntilIdleAsync());
        Assert.True(created.Succeeded, created.Error);

        // Created twice under the same name (the action): one job, the second payload.
        var job = Assert.Single(await _jobs.ListJobsAsync());
        Assert.Equal(("tick-v1", "*/5 * * * *", """{"n":2}"""), (job.Action, job.Cron, job.PayloadJson));

        Assert.Empty(await runtime.RunOneAsync()); // 10:30 is the creation time; 10:35 is next
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 10, 35, 0, TimeSpan.Zero), await runtime.EnqueueDueSchedulesAsync());
        _time.Advance(TimeSpan.FromMinutes(5));
        var tick = Assert.Single(await runtime.RunOneAsync());
        Assert.Equal("tick-v1", tick.Run.Action);
        Assert.Equal(2, tick.Result!["n"]!.GetValue<int>());
        Assert.Empty(await runtime.RunOneAsync()); // the same occurrence is not queued twice
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(await runtime.RunOneAsync());

        // Removing the instance removes its jobs.
        await runtime.RemoveAsync(instance.Id);
        Assert.Empty(await _jobs.ListJobsAsync());
    }

    [Fact]
    public async Task A_bad_cron_expression_fails_the_step_with_a_clear_error()
    {
        var runtime = Runtime();
        var instance = await runtime.ConnectAsync("scheduler", "company-1", new JsonObject { ["apiKey"] = "key-123456" });
        await runtime.EnqueueAsync(instance.Id, "bad-schedule-v1", null, RunCaller.System);

        var outcome = Assert.Single(await runtime.RunUntilIdleAsync());

        Assert.Equal(RunStatus.Failed, outcome.Status);
        Assert.Contains("'61 * * * *' is not a cron expression (ValueOutOfRange at column 1)", outcome.Error, StringComparison.Ordinal);
        Assert.Empty(await _jobs.ListJobsAsync());
    }

    [Fact]
    public async Task Dispatch_command_queues_the_action_of_the_companys_other_integration_in_the_same_correlation()
    {
        var runtime = Runtime();
        var scheduler = await runtime.ConnectAsync("scheduler", "company-1", new JsonObject { ["apiKey"] = "key-123456" });
        var stripe = await runtime.ConnectAsync("stripe", "company-1", new JsonObject { ["apiKey"] = "sk_test_dispatch_0000", ["webhookSecret"] = "whsec_dispatch_0000" }, runTriggerSteps: false);
        await runtime.ConnectAsync("stripe", "company-2", new JsonObject { ["apiKey"] = "sk_test_other_company", ["webhookSecret"] = "whsec_other_company" }, runTriggerSteps: false);
        var first = await runtime.EnqueueAsync(scheduler.Id, "dispatch-v1", null, RunCaller.System);

        var outcome = Assert.Single(await runtime.RunOneAsync());

        Assert.True(outcome.Succeeded, outcome.Error);
        var answer = outcome.Result!["dispatched"]!;
        Assert.Equal(stripe.Id, answer["integration"]!.GetValue<string>());
        Assert.Equal(7, answer["passthrough"]!["order"]!.GetValue<int>());
        var child = (await _queue.TryTakeDueAsync(_time.GetUtcNow(), TestLeases.Host))?.Run;
        Assert.NotNull(child);
        Assert.Equal((stripe.Id, "post-products-v1", """{"name":"Hustle Plan"}""", first.CorrelationId, first.RunId, answer["run_id"]!.GetValue<string>()),
            (child.InstanceId, child.Action, child.PayloadJson, child.CorrelationId, child.ParentRunId, child.RunId));
    }
}
