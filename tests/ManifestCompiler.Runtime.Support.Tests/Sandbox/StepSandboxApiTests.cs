using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Runtime.Support.Sandbox;

namespace ManifestCompiler.Runtime.Support.Tests.Sandbox;

/// <summary>
/// The sandbox's table of names as a host and the compiler's step checks read it (docs/python-sandbox.md, "The names
/// a step sees"): which worker requests are host calls, the signatures messages print, which names and attributes a
/// step may use.
/// </summary>
public sealed class StepSandboxApiTests
{
    [Theory]
    [InlineData("http", SandboxHostCall.Http)]
    [InlineData("get_token", SandboxHostCall.GetToken)]
    [InlineData("schedule_task", SandboxHostCall.ScheduleTask)]
    [InlineData("send_to_trigger", SandboxHostCall.SendToTrigger)]
    [InlineData("send_to_parser", SandboxHostCall.SendToParser)]
    [InlineData("modify_tokens", SandboxHostCall.ModifyTokens)]
    [InlineData("create_cron_job", SandboxHostCall.CreateCronJob)]
    [InlineData("dispatch_command", SandboxHostCall.DispatchCommand)]
    public void A_worker_call_frame_names_its_host_call_by_the_global(string operation, SandboxHostCall call) =>
        Assert.Equal(call, StepSandboxApi.HostCall(operation));

    [Theory]
    [InlineData("payload")]
    [InlineData("json")]
    [InlineData("b64")]
    [InlineData("urlparse")]
    [InlineData("len")]
    [InlineData("HTTP")]
    [InlineData("Send_to_trigger")]
    [InlineData("")]
    public void Any_other_operation_is_no_host_call(string operation) => Assert.Null(StepSandboxApi.HostCall(operation));

    [Fact]
    public void The_globals_that_name_an_action_are_the_three_action_calls()
    {
        Assert.Equal(
            [("send_to_trigger", ActionCallKind.SendToTrigger), ("send_to_parser", ActionCallKind.SendToParser), ("dispatch_command", ActionCallKind.DispatchCommand)],
            StepSandboxApi.Globals.Where(g => g.ActionCall is not null).Select(g => (g.Name, g.ActionCall!.Value)));
    }

    [Fact]
    public void The_preloaded_modules_are_listed_in_the_guides_order() =>
        Assert.Equal(["http", "json", "logging", "datetime", "uuid", "urlparse", "b64"], StepSandboxApi.PreloadedModules.ToArray());

    [Theory]
    [InlineData("send_to_trigger", "(action, payload=...)")]
    [InlineData("send_to_parser", "(action, data)")]
    [InlineData("dispatch_command", "(action, payload=..., passthrough=...)")]
    [InlineData("create_cron_job", "(action, cron, payload=..., name=...)")]
    [InlineData("schedule_task", "(seconds, retries=...)")]
    [InlineData("get_token", "()")]
    [InlineData("b64", "(value)")]
    [InlineData("urlparse", "(urlstring, scheme=..., allow_fragments=...)")]
    public void A_functions_signature_is_described_as_python_writes_it(string name, string signature) =>
        Assert.Equal(signature, StepSandboxApi.Global(name)!.Signature!.Describe());

    [Theory]
    [InlineData("http", "request", "(method, url, fields=..., headers=..., body=..., json=..., timeout=..., **kwargs)")]
    [InlineData("json", "loads", "(s, *, cls=..., object_hook=..., parse_float=..., parse_int=..., parse_constant=..., object_pairs_hook=...)")]
    [InlineData("json", "dumps", "(obj, *, skipkeys=..., ensure_ascii=..., check_circular=..., allow_nan=..., cls=..., indent=..., separators=..., default=..., sort_keys=...)")]
    [InlineData("logging", "info", "(msg, *args, **kwargs)")]
    [InlineData("logging", "exception", "(msg, *args, **kwargs)")]
    [InlineData("logging", "log", "(level, msg, *args)")]
    public void A_module_members_signature_is_described_as_python_writes_it(string module, string member, string signature) =>
        Assert.Equal(signature, StepSandboxApi.Global(module)!.Member(member)!.Signature!.Describe());

    [Fact]
    public void Signatures_describe_keyword_only_parameters_after_a_star_and_open_keywords_as_kwargs()
    {
        Assert.Equal("(a, b=..., *, c=..., **kwargs)", SandboxSignature.Of(1, "a", "b").WithKeywords(SandboxKeywords.Open, "c").Describe());
        Assert.Equal("(a, *args, c=...)", SandboxSignature.Of(1, "a").WithVarArgs().WithKeywords(SandboxKeywords.Closed, "c").Describe());
        Assert.Equal("(a=..., **kwargs)", SandboxSignature.Of(0, "a").WithKeywords(SandboxKeywords.Ignored).Describe());
        Assert.Equal("(*args)", SandboxSignature.Of(0).WithVarArgs().Describe());
    }

    [Fact]
    public void A_module_stand_in_has_only_its_listed_members()
    {
        var http = StepSandboxApi.Global("http")!;
        Assert.Equal(SandboxGlobalKind.Module, http.Kind);
        Assert.Equal("request", http.Member("request")!.Name);
        Assert.Null(http.Member("HTTPError")!.Signature);
        Assert.Null(http.Member("get"));
        Assert.Null(http.Member("Request"));
        Assert.Equal("quote_plus", StepSandboxApi.Global("urlparse")!.Member("quote_plus")!.Name);
        Assert.Null(StepSandboxApi.Global("urlparse")!.Member("urlopen"));
        Assert.Null(StepSandboxApi.Global("payload")!.Member("x"));
    }

    [Fact]
    public void Globals_are_found_by_their_exact_name_with_their_kind()
    {
        Assert.Equal(SandboxGlobalKind.Value, StepSandboxApi.Global("payload")!.Kind);
        Assert.Equal(SandboxGlobalKind.Function, StepSandboxApi.Global("send_to_trigger")!.Kind);
        Assert.Equal(SandboxGlobalKind.Module, StepSandboxApi.Global("urlparse")!.Kind);
        Assert.Null(StepSandboxApi.Global("Payload"));
        Assert.Null(StepSandboxApi.Global("len"));
        Assert.Null(StepSandboxApi.Global("requests"));
    }

    [Fact]
    public void The_allowed_builtins_are_the_plain_then_the_guarded_and_none_is_refused()
    {
        // Each name was checked against CPython 3.11's builtins module (hasattr(builtins, name)), except the
        // worker's own SandboxViolation and ResourceLimitExceeded.
        Assert.Equal([.. StepSandboxApi.PlainBuiltins, .. StepSandboxApi.GuardedBuiltins], StepSandboxApi.AllowedBuiltins.ToArray());
        Assert.Empty(StepSandboxApi.AllowedBuiltins.Intersect(StepSandboxApi.RefusedBuiltins));
        Assert.Contains("len", StepSandboxApi.PlainBuiltins);
        Assert.Contains("print", StepSandboxApi.GuardedBuiltins);
        Assert.Contains("getattr", StepSandboxApi.GuardedBuiltins);
        Assert.DoesNotContain("getattr", StepSandboxApi.PlainBuiltins);
        foreach (var refused in new[] { "exec", "eval", "compile", "open", "__import__", "vars", "locals" })
        {
            Assert.Contains(refused, StepSandboxApi.RefusedBuiltins);
        }
    }

    [Fact]
    public void A_step_can_read_the_allowed_builtins_and_the_preloaded_globals_and_nothing_refused()
    {
        var names = StepSandboxApi.AvailableNames.ToList();
        Assert.Equal(StepSandboxApi.AllowedBuiltins.Length + StepSandboxApi.Globals.Length, names.Count);
        foreach (var name in new[] { "len", "print", "SandboxViolation", "payload", "webhook_url", "http", "b64", "dispatch_command" })
        {
            Assert.Contains(name, names);
        }
        foreach (var name in new[] { "exec", "open", "__import__", "requests", "os" })
        {
            Assert.DoesNotContain(name, names);
        }
    }

    [Theory]
    [InlineData("__class__", true)]
    [InlineData("__globals__", true)]
    [InlineData("__", true)]
    [InlineData("__name__", false)]
    [InlineData("__init__", false)]
    [InlineData("f_globals", true)]
    [InlineData("gi_frame", true)]
    [InlineData("tb_next", true)]
    [InlineData("_private", false)]
    [InlineData("name", false)]
    [InlineData("F_globals", false)]
    [InlineData("x__class__", false)]
    public void Dunders_other_than_the_allowed_few_and_frame_attributes_are_forbidden(string attribute, bool forbidden) =>
        Assert.Equal(forbidden, StepSandboxApi.IsForbiddenAttribute(attribute));

    [Theory]
    [InlineData("_mc_attr", true)]
    [InlineData("_mc_", true)]
    [InlineData("_MC_attr", false)]
    [InlineData("mc_attr", false)]
    [InlineData("x_mc_attr", false)]
    [InlineData("_mc", false)]
    public void Names_with_the_guard_prefix_are_the_workers(string name, bool guard) =>
        Assert.Equal(guard, StepSandboxApi.IsGuardName(name));
}
