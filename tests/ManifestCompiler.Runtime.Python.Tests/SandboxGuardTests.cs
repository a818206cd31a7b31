using System.Text.Json.Nodes;

namespace ManifestCompiler.Runtime.Python.Tests;

/// <summary>The in-process layer: static rejection with line numbers, runtime guards, errors as results, and no
/// state surviving from one run to the next.</summary>
public sealed class SandboxGuardTests(SharedPool shared) : IClassFixture<SharedPool>
{
    private readonly PythonWorkerPool pool = shared.Pool;

    private async Task<PythonStepError> FailAsync(string source)
    {
        var result = await pool.RunAsync(Pools.Step(source), new RecordingHandler());
        Assert.False(result.Succeeded, "expected a failure, got " + result.ReturnValue?.ToJsonString());
        return result.Error!;
    }

    [Theory]
    [InlineData("def main(storage):\n    x = 1\n    import os\n    return {}\n", 3, "imports are blocked in the step sandbox ('import os')")]
    [InlineData("from os import path\ndef main(storage):\n    return {}\n", 1, "imports are blocked in the step sandbox ('from os import ...')")]
    [InlineData("def main(storage):\n    return {'c': ().__class__}\n", 2, "attribute '__class__' is not accessible")]
    [InlineData("def main(storage):\n    g = (x for x in [1])\n    return g.gi_frame\n", 3, "attribute 'gi_frame' is not accessible")]
    [InlineData("def main(storage):\n    return __builtins__\n", 2, "name '__builtins__' is not accessible")]
    public async Task Forbidden_code_is_rejected_before_running_with_its_line(string source, int line, string message)
    {
        var error = await FailAsync(source);
        Assert.Equal(StepErrorKind.SandboxViolation, error.Kind);
        Assert.Equal(line, error.Line);
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("def main(storage):\n    return exec('1')\n", "exec() is not available in the step sandbox")]
    [InlineData("def main(storage):\n    return eval('1')\n", "eval() is not available in the step sandbox")]
    [InlineData("def main(storage):\n    return open('/etc/passwd').read()\n", "open() is not available in the step sandbox")]
    [InlineData("def main(storage):\n    return getattr(main, '__globals__')\n", "attribute '__globals__' is not accessible")]
    [InlineData("def main(storage):\n    return http._mc_members\n", "attribute '_mc_members' is not accessible in the step sandbox (only on objects of the step's own classes)")]
    [InlineData("def main(storage):\n    return getattr(json, '_mc_members')\n", "attribute '_mc_members' is not accessible")]
    [InlineData("def main(storage):\n    class F(type(http)):\n        pass\n    return type(http)._mc_members\n", "attribute '_mc_members' is not accessible")]
    [InlineData("def main(storage):\n    return '{0.__class__}'.format(1)\n", "attribute '__class__' is not accessible")]
    [InlineData("def main(storage):\n    f = str.format\n    return f('{0.__class__}', 1)\n", "attribute '__class__' is not accessible")]
    [InlineData("def main(storage):\n    json.loads = None\n", "'json' is read-only in the step sandbox")]
    [InlineData("def main(storage):\n    uuid.UUID.leak = 1\n", "cannot set attributes on type objects")]
    [InlineData("def main(storage):\n    try:\n        exec('1')\n    except BaseException:\n        pass\n    return {}\n", "exec() is not available")]
    public async Task Runtime_guards_report_violations(string source, string message)
    {
        var error = await FailAsync(source);
        Assert.Equal(StepErrorKind.SandboxViolation, error.Kind);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task Safe_formatting_and_own_classes_still_work()
    {
        var source = """
            class Invoice:
                def __init__(self, number):
                    self.number = number
                    self._seen = True
                def label(self):
                    return "#{0.number}".format(self)

            def main(storage):
                inv = Invoice(7)
                inv.total = 12
                setattr(inv, "currency", "EUR")
                return {"label": inv.label(), "total": inv.total, "currency": getattr(inv, "currency"),
                        "named": "{name}-{0}".format(1, name="n"), "map": "{a}".format_map({"a": 3}),
                        "pow": 2 ** 10, "mod": pow(3, 4, 5)}
            """;
        var result = await pool.RunAsync(Pools.Step(source), new RecordingHandler());
        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal("{\"label\":\"#7\",\"total\":12,\"currency\":\"EUR\",\"named\":\"n-1\",\"map\":\"3\",\"pow\":1024,\"mod\":1}", result.ReturnValue!.ToJsonString());
    }

    [Fact]
    public async Task A_python_exception_comes_back_with_type_message_and_line_in_the_users_file()
    {
        var error = await FailAsync("def helper(d):\n    return d['missing']\n\ndef main(storage):\n    return helper({})\n");
        Assert.Equal(StepErrorKind.PythonException, error.Kind);
        Assert.Equal("KeyError", error.PythonType);
        Assert.Equal("'missing'", error.Message);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public async Task Syntax_errors_missing_main_and_non_json_results_are_their_own_kinds()
    {
        var syntax = await FailAsync("def main(storage)\n    return 1\n");
        Assert.Equal((StepErrorKind.SyntaxError, 1), (syntax.Kind, syntax.Line));
        var noMain = await FailAsync("def run(storage):\n    return 1\n");
        Assert.Equal(StepErrorKind.PythonException, noMain.Kind);
        Assert.Contains("main(storage)", noMain.Message);
        var notJson = await FailAsync("def main(storage):\n    return {'when': datetime.datetime.now()}\n");
        Assert.Equal(StepErrorKind.InvalidResult, notJson.Kind);
        Assert.Contains("not JSON-serializable", notJson.Message);
    }

    [Fact]
    public async Task Huge_integer_powers_fail_fast_as_a_resource_limit()
    {
        var error = await FailAsync("def main(storage):\n    return {'v': len(str(10 ** 10 ** 8))}\n");
        Assert.Equal(StepErrorKind.ResourceLimit, error.Kind);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public async Task No_state_survives_into_the_next_run_of_the_same_company()
    {
        var handler = new RecordingHandler();
        var first = await pool.RunAsync(Pools.Step("def main(storage):\n    global LEFTOVER\n    LEFTOVER = 1\n    return {'set': True}\n", tenant: "leak-check"), handler);
        Assert.True(first.Succeeded, first.Error?.ToString());
        var second = await pool.RunAsync(Pools.Step("def main(storage):\n    return {'leftover': 'LEFTOVER' in globals(), 'json_ok': json.loads('{}') == {}}\n", tenant: "leak-check"), handler);
        Assert.True(second.Succeeded, second.Error?.ToString());
        Assert.Equal(first.WorkerId, second.WorkerId); // same worker, still nothing left over
        Assert.Equal("{\"leftover\":false,\"json_ok\":true}", second.ReturnValue!.ToJsonString());
    }

    [Fact]
    public async Task Payload_values_arrive_as_python_values_and_return_as_json()
    {
        var ok = await pool.RunAsync(Pools.Step(
            "def main(storage):\n    p = payload\n    return {'kinds': [isinstance(p['b'], bool), isinstance(p['f'], float), isinstance(p['i'], int), isinstance(p['l'], list), p['n'] is None, isinstance(p['s'], str)], 'sum': p['i'] + p['f']}\n",
            payload: new JsonObject { ["b"] = true, ["f"] = 1.5, ["i"] = 2, ["l"] = new JsonArray(1), ["n"] = null, ["s"] = "x" }), new RecordingHandler());
        Assert.True(ok.Succeeded, ok.Error?.ToString());
        Assert.Equal("{\"kinds\":[true,true,true,true,true,true],\"sum\":3.5}", ok.ReturnValue!.ToJsonString());
    }
}
