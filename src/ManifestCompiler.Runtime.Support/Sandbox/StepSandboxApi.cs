using System.Collections.Immutable;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime.Support.Sandbox;

/// <summary>A request a step makes to the host (a worker's <c>call</c> frame names it by its global's name).</summary>
public enum SandboxHostCall
{
    Http,
    GetToken,
    ScheduleTask,
    SendToTrigger,
    SendToParser,
    ModifyTokens,
    CreateCronJob,
    DispatchCommand,
}

/// <summary>What a preloaded global of the step sandbox is.</summary>
public enum SandboxGlobalKind
{
    /// <summary>A value of the run (<c>payload</c>, <c>variables</c>, <c>company_id</c>, ...).</summary>
    Value,
    /// <summary>A function (<c>send_to_parser</c>, <c>get_token</c>, ...).</summary>
    Function,
    /// <summary>A read-only stand-in for a module (<c>http</c>, <c>json</c>, ...): only its listed members exist.</summary>
    Module,
}

/// <summary>What a call does with keywords its signature does not name.</summary>
public enum SandboxKeywords
{
    /// <summary>Refused: the call raises TypeError.</summary>
    Closed,
    /// <summary>Accepted and dropped: the call does not see them.</summary>
    Ignored,
    /// <summary>Passed on to code that decides (no check).</summary>
    Open,
}

/// <summary>
/// A callable's parameters as the worker defines them: <see cref="Parameters"/> positional-or-keyword, the first
/// <see cref="Required"/> of them without a default, then keyword-only ones.
/// </summary>
public sealed record SandboxSignature(ImmutableArray<string> Parameters, int Required, ImmutableArray<string> KeywordOnly, bool VarArgs, SandboxKeywords Keywords)
{
    public static SandboxSignature Of(int required, params string[] parameters) => new([.. parameters], required, [], false, SandboxKeywords.Closed);

    public SandboxSignature WithVarArgs() => this with { VarArgs = true };

    public SandboxSignature WithKeywords(SandboxKeywords keywords, params string[] keywordOnly) => this with { Keywords = keywords, KeywordOnly = [.. keywordOnly] };

    /// <summary>The signature as Python would write it, for messages: <c>(action, payload=None)</c>.</summary>
    public string Describe()
    {
        var parts = Parameters.Select((p, i) => i < Required ? p : p + "=...").ToList();
        if (VarArgs)
        {
            parts.Add("*args");
        }
        else if (KeywordOnly.Length > 0)
        {
            parts.Add("*");
        }
        parts.AddRange(KeywordOnly.Select(k => k + "=..."));
        if (Keywords != SandboxKeywords.Closed)
        {
            parts.Add("**kwargs");
        }
        return "(" + string.Join(", ", parts) + ")";
    }
}

/// <summary>A member of a module stand-in; <see cref="Signature"/> is null where calls are not checked (classes, constants).</summary>
public sealed record SandboxMember(string Name, SandboxSignature? Signature = null);

/// <summary>
/// A preloaded global of the step sandbox. <see cref="HostCall"/>: the request to the host it makes (a worker's
/// <c>call</c> frame names it by <see cref="Name"/>); <see cref="ActionCall"/>: its first argument names an action,
/// which the compiler checks; <see cref="StandsInForImport"/>: a step uses it instead of an import (MC7103 lists these).
/// </summary>
public sealed record SandboxGlobal(string Name, SandboxGlobalKind Kind, SandboxSignature? Signature, ImmutableArray<SandboxMember> Members)
{
    public SandboxHostCall? HostCall { get; init; }

    public ActionCallKind? ActionCall { get; init; }

    public bool StandsInForImport { get; init; }

    public SandboxMember? Member(string name)
    {
        foreach (var member in Members)
        {
            if (member.Name == name)
            {
                return member;
            }
        }
        return null;
    }
}

/// <summary>
/// The one table of names a BOSSi Python step sees (docs/python-sandbox.md, "The names a step sees"): the
/// builtins the sandbox allows and refuses, and the preloaded globals with their signatures and members. The
/// compiler's step checks read it; the host sends it to each worker at start (the <c>init</c> frame's <c>api</c>),
/// which takes its plain and refused builtins from it, refuses a run whose preloaded globals differ from it and a
/// host call it does not name; the host reads a worker's requests by it (<see cref="SandboxHostCall"/>).
/// </summary>
public static class StepSandboxApi
{
    /// <summary>CPython builtins a step gets as they are.</summary>
    public static readonly ImmutableArray<string> PlainBuiltins =
    [
        "abs", "all", "any", "ascii", "bin", "bool", "bytearray", "bytes", "callable", "chr", "complex", "dict",
        "divmod", "enumerate", "filter", "float", "format", "frozenset", "hash", "hex", "id", "int", "isinstance",
        "issubclass", "iter", "len", "list", "map", "max", "min", "next", "object", "oct", "ord", "range", "repr",
        "reversed", "round", "set", "slice", "sorted", "str", "sum", "tuple", "zip", "property", "staticmethod",
        "classmethod", "super", "dir", "NotImplemented", "Ellipsis",
        "BaseException", "Exception", "ArithmeticError", "AssertionError", "AttributeError", "IndexError",
        "KeyError", "LookupError", "MemoryError", "NameError", "NotImplementedError", "OSError", "OverflowError",
        "RecursionError", "RuntimeError", "StopIteration", "TypeError", "UnicodeDecodeError", "UnicodeEncodeError",
        "UnicodeError", "ValueError", "ZeroDivisionError", "TimeoutError", "ConnectionError", "KeyboardInterrupt",
    ];

    /// <summary>Builtins the worker defines itself: guarded versions (getattr, type, print, globals, ...) and its own exceptions.</summary>
    public static readonly ImmutableArray<string> GuardedBuiltins =
    [
        "getattr", "hasattr", "setattr", "delattr", "pow", "type", "print", "globals",
        "SandboxViolation", "ResourceLimitExceeded", "__name__",
    ];

    /// <summary>Python builtins a step may use: <see cref="PlainBuiltins"/> and <see cref="GuardedBuiltins"/>.</summary>
    public static readonly ImmutableArray<string> AllowedBuiltins = [.. PlainBuiltins, .. GuardedBuiltins];

    /// <summary>Builtins the sandbox replaces with a refusal: calling one fails the run with a sandbox violation.</summary>
    public static readonly ImmutableArray<string> RefusedBuiltins =
        ["exec", "eval", "compile", "open", "input", "breakpoint", "vars", "locals", "memoryview", "help", "exit", "quit", "__import__"];

    /// <summary>Dunder names and attributes ordinary code uses and the sandbox allows; every other dunder is refused.</summary>
    public static readonly ImmutableArray<string> AllowedDunders = ["__name__", "__init__"];

    /// <summary>Attributes that lead from ordinary objects to frames, code or globals; never accessible.</summary>
    public static readonly ImmutableArray<string> FrameAttributes =
    [
        "gi_frame", "gi_code", "gi_yieldfrom", "gi_running", "cr_frame", "cr_code", "cr_await", "cr_origin",
        "ag_frame", "ag_code", "ag_await", "f_back", "f_builtins", "f_globals", "f_locals", "f_code", "f_trace",
        "tb_frame", "tb_next", "tb_lasti", "tb_lineno", "func_globals", "func_code", "im_func", "im_self",
    ];

    /// <summary>The prefix the worker reserves for the guards its rewrite of a step calls (<c>_mc_attr</c>, <c>_mc_pow</c>,
    /// ...): a step may neither read nor bind such a name.</summary>
    public const string GuardPrefix = "_mc_";

    public static bool IsGuardName(string name) => name.StartsWith(GuardPrefix, StringComparison.Ordinal);

    private static readonly SandboxSignature LogCall = SandboxSignature.Of(1, "msg").WithVarArgs().WithKeywords(SandboxKeywords.Ignored);

    public static readonly ImmutableArray<SandboxGlobal> Globals =
    [
        Value("payload"), Value("storage"), Value("variables"), Value("integration_variables"), Value("all_variables"),
        Value("action"), Value("entity_id"), Value("company_id"), Value("person_id"), Value("integration"), Value("webhook_url"),
        Module("http",
            new SandboxMember("request", SandboxSignature.Of(2, "method", "url", "fields", "headers", "body", "json", "timeout").WithKeywords(SandboxKeywords.Ignored)),
            new SandboxMember("HTTPError"), new SandboxMember("HTTPResponse")) with { HostCall = SandboxHostCall.Http },
        Module("json",
            new SandboxMember("loads", SandboxSignature.Of(1, "s").WithKeywords(SandboxKeywords.Closed, "cls", "object_hook", "parse_float", "parse_int", "parse_constant", "object_pairs_hook")),
            new SandboxMember("dumps", SandboxSignature.Of(1, "obj").WithKeywords(SandboxKeywords.Closed, "skipkeys", "ensure_ascii", "check_circular", "allow_nan", "cls", "indent", "separators", "default", "sort_keys")),
            new SandboxMember("JSONDecodeError")),
        Module("logging",
            new SandboxMember("debug", LogCall), new SandboxMember("info", LogCall), new SandboxMember("warning", LogCall),
            new SandboxMember("error", LogCall), new SandboxMember("critical", LogCall), new SandboxMember("warn", LogCall),
            new SandboxMember("exception", LogCall), new SandboxMember("fatal", LogCall),
            new SandboxMember("log", SandboxSignature.Of(2, "level", "msg").WithVarArgs()),
            new SandboxMember("DEBUG"), new SandboxMember("INFO"), new SandboxMember("WARNING"), new SandboxMember("ERROR"), new SandboxMember("CRITICAL")),
        Module("datetime", new SandboxMember("datetime"), new SandboxMember("date"), new SandboxMember("time"), new SandboxMember("timedelta"), new SandboxMember("timezone")),
        Module("uuid", new SandboxMember("uuid4"), new SandboxMember("uuid5"), new SandboxMember("uuid3"), new SandboxMember("UUID"), new SandboxMember("NAMESPACE_DNS"), new SandboxMember("NAMESPACE_URL")),
        new SandboxGlobal("urlparse", SandboxGlobalKind.Module, SandboxSignature.Of(1, "urlstring", "scheme", "allow_fragments"),
        [
            .. new[] { "urlparse", "urlunparse", "urlsplit", "urlunsplit", "urljoin", "urlencode", "quote", "quote_plus", "unquote", "unquote_plus", "parse_qs", "parse_qsl", "urldefrag" }
                .Select(n => new SandboxMember(n)),
        ]) { StandsInForImport = true },
        Function("b64", SandboxSignature.Of(1, "value")) with { StandsInForImport = true },
        Function("get_token", SandboxSignature.Of(0)) with { HostCall = SandboxHostCall.GetToken },
        Function("schedule_task", SandboxSignature.Of(1, "seconds", "retries")) with { HostCall = SandboxHostCall.ScheduleTask },
        Function("send_to_trigger", SandboxSignature.Of(1, "action", "payload")) with { HostCall = SandboxHostCall.SendToTrigger, ActionCall = ActionCallKind.SendToTrigger },
        Function("send_to_parser", SandboxSignature.Of(2, "action", "data")) with { HostCall = SandboxHostCall.SendToParser, ActionCall = ActionCallKind.SendToParser },
        Function("modify_tokens", SandboxSignature.Of(1, "tokens")) with { HostCall = SandboxHostCall.ModifyTokens },
        Function("create_cron_job", SandboxSignature.Of(2, "action", "cron", "payload", "name")) with { HostCall = SandboxHostCall.CreateCronJob },
        Function("dispatch_command", SandboxSignature.Of(1, "action", "payload", "passthrough")) with { HostCall = SandboxHostCall.DispatchCommand, ActionCall = ActionCallKind.DispatchCommand },
    ];

    private static readonly ImmutableDictionary<string, SandboxGlobal> ByName = Globals.ToImmutableDictionary(g => g.Name, StringComparer.Ordinal);

    /// <summary>The modules and helpers a step uses instead of imports, in the guide's order (for messages).</summary>
    public static readonly ImmutableArray<string> PreloadedModules = [.. Globals.Where(g => g.StandsInForImport).Select(g => g.Name)];

    /// <summary>The global a worker's <c>call</c> frame names, when it makes a host call.</summary>
    public static SandboxHostCall? HostCall(string operation) => Global(operation)?.HostCall;

    public static SandboxGlobal? Global(string name) => ByName.TryGetValue(name, out var global) ? global : null;

    /// <summary>Every name a step can read without defining it: allowed builtins and preloaded globals.</summary>
    public static IEnumerable<string> AvailableNames => AllowedBuiltins.Concat(Globals.Select(g => g.Name));

    /// <summary>True for an attribute no step may name (a dunder other than the allowed few, or a frame attribute).</summary>
    public static bool IsForbiddenAttribute(string name) =>
        (name.StartsWith("__", StringComparison.Ordinal) && !AllowedDunders.Contains(name)) || FrameAttributes.Contains(name);

    private static SandboxGlobal Value(string name) => new(name, SandboxGlobalKind.Value, null, []);

    private static SandboxGlobal Function(string name, SandboxSignature signature) => new(name, SandboxGlobalKind.Function, signature, []);

    private static SandboxGlobal Module(string name, params SandboxMember[] members) => new(name, SandboxGlobalKind.Module, null, [.. members]) { StandsInForImport = true };
}
