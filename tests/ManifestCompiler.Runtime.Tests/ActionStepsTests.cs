using System.Reflection;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Testing;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>An action of several real sandboxed steps: what each step sees of the run's values and of the steps before it.</summary>
public sealed class ActionStepsTests(PoolFixture fixture) : IClassFixture<PoolFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("mc-steps-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Every_step_gets_the_run_payload_and_tokens_and_the_storage_the_steps_before_it_left()
    {
        var folder = Path.Combine(_work, "steps");
        TestFolders.Write(folder, "oauth.json", """
            { "name": "Steps", "services": ["steps"], "isNonOauth": true, "tokens": { "apiKey": "{{apiKey}}" },
              "url": "{{self_url}}", "parameters": { "self_url": "{{generic_callback}}" }, "requiredQueryParams": ["apiKey"], "triggerSteps": [] }
            """);
        TestFolders.Write(folder, "schema.json", """
            { "name": "Steps", "version": "1.0.0", "variables": { "region": "eu-{{apiKey}}" },
              "actions": {
                "chain-v1": { "skipParser": true, "returnsData": true, "steps": [{ "codeRef": "first" }, { "codeRef": "second" }, { "codeRef": "third" }] }
              } }
            """);
        TestFolders.Write(folder, "action/chain-v1/code/first.py", """
            def main(storage):
                storage["kept"] = 1
                return {"a": 1, "nested": {"b": [2, 3]}}
            """);
        TestFolders.Write(folder, "action/chain-v1/code/second.py", """
            def main(storage):
                return {"a": storage["a"] + 1, "seen": [storage["kept"], storage["nested"]["b"][1], payload["x"], integration_variables["apiKey"], variables["region"]]}
            """);
        TestFolders.Write(folder, "action/chain-v1/code/third.py", """
            def main(storage):
                return {"a": storage["a"], "seen": storage["seen"], "x": payload["x"]}
            """);
        var built = PlanAssemblyBuilder.Build(ManifestWorkspace.Load([folder]), "StepsPlans");
        Assert.True(built.Succeeded, string.Join("\n", built.Diagnostics.Select(d => d.ToString()).Concat(built.CompilerErrors)));
        var runtime = new ManifestRuntime(fixture.Pool, new InMemoryInstanceStore(), new InMemoryRunQueue(), new InMemoryRecordSink(), new DebugEventLog());
        runtime.AddPlans(PlanCatalog.Load(Assembly.Load(built.Image!)));
        var instance = await runtime.ConnectAsync("steps", "company-1", new JsonObject { ["apiKey"] = "key-123456" });

        await runtime.EnqueueAsync(instance.Id, "chain-v1", new JsonObject { ["x"] = "from the caller" }, RunCaller.System);
        var ran = await runtime.RunUntilIdleAsync();

        var result = Assert.Single(ran);
        Assert.True(result.Succeeded, result.Error);
        // The second step saw what the first stored and returned; the third what the second returned (merged over the first's).
        Assert.Equal("""{"a":2,"seen":[1,3,"from the caller","key-123456","eu-key-123456"],"x":"from the caller"}""", result.Result!.ToJsonString());
    }

    /// <summary>
    /// deleteAction's payload is checked against the instance's scope with schema.json's variables (BossiBinder's
    /// InstanceScope), so it renders over the same scope: a schema variable there is its value, not empty. oauth.json's
    /// trigger steps are checked without them and render the tokens and the platform's names.
    /// </summary>
    [Fact]
    public async Task The_delete_payload_renders_the_schema_variables_it_was_checked_against()
    {
        var folder = Path.Combine(_work, "lifecycle");
        TestFolders.Write(folder, "oauth.json", """
            { "name": "Lifecycle", "services": ["steps"], "isNonOauth": true, "tokens": { "apiKey": "{{apiKey}}" },
              "url": "{{self_url}}", "parameters": { "self_url": "{{generic_callback}}" }, "requiredQueryParams": ["apiKey"],
              "triggerSteps": [{ "action": "echo-v1", "payload": { "key": "{{apiKey}}", "company": "{{company_id}}" } }] }
            """);
        TestFolders.Write(folder, "schema.json", """
            { "name": "Lifecycle", "version": "1.0.0", "variables": { "hookBase": "https://hooks.example/{{apiKey}}" },
              "actions": { "echo-v1": { "skipParser": true, "returnsData": true, "steps": [{ "codeRef": "echo" }] } },
              "deleteAction": { "action": "echo-v1", "payload": { "hook": "{{hookBase}}/hooks/delete" } } }
            """);
        TestFolders.Write(folder, "action/echo-v1/code/echo.py", """
            def main(storage):
                return {"payload": payload}
            """);
        var built = PlanAssemblyBuilder.Build(ManifestWorkspace.Load([folder]), "LifecyclePlans");
        Assert.True(built.Succeeded, string.Join("\n", built.Diagnostics.Select(d => d.ToString()).Concat(built.CompilerErrors)));
        var runtime = new ManifestRuntime(fixture.Pool, new InMemoryInstanceStore(), new InMemoryRunQueue(), new InMemoryRecordSink(), new DebugEventLog());
        runtime.AddPlans(PlanCatalog.Load(Assembly.Load(built.Image!)));

        var instance = await runtime.ConnectAsync("lifecycle", "company-1", new JsonObject { ["apiKey"] = "key-123456" });
        var triggered = Assert.Single(await runtime.RunUntilIdleAsync());
        Assert.True(triggered.Succeeded, triggered.Error);
        Assert.Equal("""{"payload":{"key":"key-123456","company":"company-1"}}""", triggered.Result!.ToJsonString());

        var removed = await runtime.RemoveAsync(instance.Id);
        Assert.True(removed!.Succeeded, removed.Error);
        Assert.Equal("""{"payload":{"hook":"https://hooks.example/key-123456/hooks/delete"}}""", removed.Result!.ToJsonString());
    }
}
