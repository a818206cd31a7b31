using System.Diagnostics;
using System.Text;
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

    [Fact]
    public void Every_builtin_the_table_names_is_one_of_cpythons_except_the_workers_own()
    {
        // MC_PYTHON, as the compiler's step checks use it (tools/mutation/run sets it), else python3 on the PATH; without
        // -S, so the builtins site adds (exit, quit, help) are there to be refused.
        var python = Environment.GetEnvironmentVariable("MC_PYTHON") is { Length: > 0 } configured ? configured : "python3";
        var start = new ProcessStartInfo(python, ["-I", "-c", "import builtins, json, sys; print(json.dumps([n for n in sys.stdin.read().split('\\n') if not hasattr(builtins, n)]))"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        process.StandardInput.Write(string.Join("\n", StepSandboxApi.PlainBuiltins.Concat(StepSandboxApi.GuardedBuiltins).Concat(StepSandboxApi.RefusedBuiltins)));
        process.StandardInput.Close();
        var missing = System.Text.Json.JsonSerializer.Deserialize<string[]>(process.StandardOutput.ReadToEnd());
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "python3 failed: " + stderr);
        Assert.Equal(["SandboxViolation", "ResourceLimitExceeded"], missing ?? ["no JSON list"]);
    }

    [Fact]
    public void The_preloaded_globals_are_exactly_these_names_and_kinds()
    {
        Assert.Equal(
        [
            "payload: Value", "storage: Value", "variables: Value", "integration_variables: Value", "all_variables: Value", "action: Value",
            "entity_id: Value", "company_id: Value", "person_id: Value", "integration: Value", "webhook_url: Value",
            "http: Module", "json: Module", "logging: Module", "datetime: Module", "uuid: Module", "urlparse: Module",
            "b64: Function", "get_token: Function", "schedule_task: Function", "send_to_trigger: Function", "send_to_parser: Function",
            "modify_tokens: Function", "create_cron_job: Function", "dispatch_command: Function",
        ],
        StepSandboxApi.Globals.Select(g => $"{g.Name}: {g.Kind}"));
    }

    [Fact]
    public void The_module_stand_ins_have_exactly_these_members()
    {
        Assert.Equal(
        [
            "http: request HTTPError HTTPResponse",
            "json: loads dumps JSONDecodeError",
            "logging: debug info warning error critical warn exception fatal log DEBUG INFO WARNING ERROR CRITICAL",
            "datetime: datetime date time timedelta timezone",
            "uuid: uuid4 uuid5 uuid3 UUID NAMESPACE_DNS NAMESPACE_URL",
            "urlparse: urlparse urlunparse urlsplit urlunsplit urljoin urlencode quote quote_plus unquote unquote_plus parse_qs parse_qsl urldefrag",
        ],
        StepSandboxApi.Globals.Where(g => g.Kind == SandboxGlobalKind.Module).Select(g => g.Name + ": " + string.Join(" ", g.Members.Select(m => m.Name))));
    }

    [Theory]
    [InlineData("gi_frame")]
    [InlineData("gi_code")]
    [InlineData("gi_yieldfrom")]
    [InlineData("gi_running")]
    [InlineData("cr_frame")]
    [InlineData("cr_code")]
    [InlineData("cr_await")]
    [InlineData("cr_origin")]
    [InlineData("ag_frame")]
    [InlineData("ag_code")]
    [InlineData("ag_await")]
    [InlineData("f_back")]
    [InlineData("f_builtins")]
    [InlineData("f_globals")]
    [InlineData("f_locals")]
    [InlineData("f_code")]
    [InlineData("f_trace")]
    [InlineData("tb_frame")]
    [InlineData("tb_next")]
    [InlineData("tb_lasti")]
    [InlineData("tb_lineno")]
    [InlineData("func_globals")]
    [InlineData("func_code")]
    [InlineData("im_func")]
    [InlineData("im_self")]
    public void Attributes_that_lead_to_frames_code_or_globals_are_never_accessible(string attribute) =>
        Assert.True(StepSandboxApi.IsForbiddenAttribute(attribute));
}
