using System.Text.Json;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Runtime.Support.Python;
using ManifestCompiler.Runtime.Support.Templates;

namespace ManifestCompiler.Runtime.Support.Tests.Plans;

/// <summary>
/// What a host gets from <see cref="WebhookRouterPlan.Route"/>: the missing names that make it answer 400, each
/// step's dispatch and payload, each step's error. The router below is written as the generator writes one
/// (IntegrationPlanEmitter.EmitRouter): a condition, memory values bound with <c>scope.Set</c>, then the payload
/// rendered over <c>PayloadScope</c>; its payloads are JSON templates whose strings are each one placeholder.
/// </summary>
public sealed class WebhookRouterPlanTests
{
    private sealed record Step(
        string Action,
        Func<PyScope, bool>? Condition = null,
        (string Key, Func<PyScope, PyValue> Value)[]? Memory = null,
        string[]? Payload = null);

    private sealed class Router(Step[] steps, string[]? body = null, string[]? headers = null) : WebhookRouterPlan
    {
        public int StepsRun { get; private set; }

        /// <summary>How many placeholders the payload scope had reported missing when each render began.</summary>
        public List<int> MissingBeforeRender { get; } = [];

        /// <summary>The placeholders each render reported missing.</summary>
        public List<string[]> MissingAfterRender { get; } = [];

        public override WebhookSignaturePlan? Signature => null;

        public override IReadOnlyList<string> BodyRequired { get; } = body ?? [];

        public override IReadOnlyList<string> HeadersRequired { get; } = headers ?? [];

        public override IReadOnlyList<string> StepActions { get; } = steps.Select(s => s.Action).ToArray();

        protected override bool RunStep(int step, PyScope scope, Dictionary<string, PyValue> memory, out string payload)
        {
            StepsRun++;
            payload = "";
            var plan = steps[step];
            if (plan.Condition is { } condition && !condition(scope))
            {
                return false;
            }
            foreach (var (key, value) in plan.Memory ?? [])
            {
                scope.Set(key, value(scope));
            }
            var payloadScope = PayloadScope(scope, memory);
            MissingBeforeRender.Add(payloadScope.Missing.Count);
            payload = Payload(plan.Payload ?? []).Render(payloadScope);
            MissingAfterRender.Add(payloadScope.Missing.ToArray());
            return true;
        }
    }

    /// <summary>A payload <c>{"a.b": "{{a.b}}", ...}</c>: each placeholder's value, a missing one reported and rendered "" (PlanMembers.EmitPlaceholder).</summary>
    private static JsonTemplatePlan Payload(string[] placeholders) => new(
        "payload",
        (writer, scope) =>
        {
            writer.WriteStartObject();
            foreach (var placeholder in placeholders)
            {
                writer.WritePropertyName(placeholder);
                var value = scope.Lookup(placeholder.Split('.'));
                if (!value.IsFound)
                {
                    scope.ReportMissing(placeholder);
                }
                TemplateRuntime.WriteText(writer, value, scope.HtmlEscape);
            }
            writer.WriteEndObject();
        },
        placeholders.Select(p => p.Split('.')[0]).Distinct().ToArray());

    /// <summary>The payload with only the escapes JSON needs (the writer escapes <c>'</c> as <c>\u0027</c>; the value is the same).</summary>
    private static string Relaxed(string payload) =>
        JsonSerializer.Serialize(Json(payload), new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static readonly JsonElement Body = Json("""{"type":"invoice.paid","id":42,"customer":{"name":"Ada","tags":["a","b"]},"note":null}""");
    private static readonly JsonElement Headers = Json("""{"X-Event":"paid","Content-Type":"application/json"}""");

    [Fact]
    public void Missing_body_keys_and_headers_stop_the_request_before_any_step_runs()
    {
        var router = new Router([new Step("notify")], body: ["type", "amount", "customer", "currency"], headers: ["x-event", "X-Tenant", "content-type"]);
        var routing = router.Route(Body, Headers);
        Assert.Equal(["amount", "currency"], routing.MissingBodyKeys);
        Assert.Equal(["X-Tenant"], routing.MissingHeaders);
        Assert.Empty(routing.Dispatches);
        Assert.Empty(routing.Errors);
        Assert.False(routing.Accepted);
        Assert.Equal(0, router.StepsRun);
    }

    [Fact]
    public void Missing_headers_alone_or_body_keys_alone_refuse_the_request()
    {
        var headersOnly = new Router([new Step("notify")], body: ["type"], headers: ["X-Tenant"]).Route(Body, Headers);
        Assert.Empty(headersOnly.MissingBodyKeys);
        Assert.Equal(["X-Tenant"], headersOnly.MissingHeaders);
        Assert.False(headersOnly.Accepted);

        var bodyOnly = new Router([new Step("notify")], body: ["amount"], headers: ["X-EVENT"]).Route(Body, Headers);
        Assert.Equal(["amount"], bodyOnly.MissingBodyKeys);
        Assert.Empty(bodyOnly.MissingHeaders);
        Assert.False(bodyOnly.Accepted);
        Assert.Empty(bodyOnly.Dispatches);
    }

    [Fact]
    public void A_body_that_is_not_an_object_has_none_of_the_required_keys()
    {
        var router = new Router([new Step("notify")], body: ["type", "0"]);
        Assert.Equal(["type", "0"], router.Route(Json("""["type"]"""), Headers).MissingBodyKeys);
        Assert.Equal(["type", "0"], router.Route(Json("\"type\""), Headers).MissingBodyKeys);
        Assert.Equal(["X-Event"], new Router([], headers: ["X-Event"]).Route(Body, Json("""[["X-Event","paid"]]""")).MissingHeaders);
    }

    [Fact]
    public void Every_step_runs_in_order_and_a_false_condition_dispatches_nothing()
    {
        var router = new Router(
        [
            new Step("created", s => s.HoleTextIs("type", "{{type}}", "invoice.created"), Payload: ["id"]),
            new Step("paid", s => s.HoleTextIs("type", "{{type}}", "invoice.paid"), Payload: ["id", "customer.name"]),
            new Step("always", Payload: ["type"]),
        ], body: ["type"], headers: ["X-Event"]);
        var routing = router.Route(Body, Headers);
        Assert.True(routing.Accepted);
        Assert.Empty(routing.MissingBodyKeys);
        Assert.Empty(routing.MissingHeaders);
        Assert.Equal(
            [new WebhookDispatch(1, "paid", """{"id":"42","customer.name":"Ada"}"""), new WebhookDispatch(2, "always", """{"type":"invoice.paid"}""")],
            routing.Dispatches);
        Assert.Empty(routing.Errors);
        Assert.Equal(3, router.StepsRun);
    }

    [Fact]
    public void A_step_that_raises_is_that_steps_error_and_the_other_steps_still_run()
    {
        var routing = new Router(
        [
            new Step("first", s => s.Name("undefined") is PyNone),
            new Step("second", Payload: ["id"]),
            new Step("third", Memory: [("deep", _ => throw new InsufficientExecutionStackException())]),
            new Step("fourth", s => s.Hole("missing") is PyNone),
            new Step("fifth", Payload: ["type"]),
        ]).Route(Body, Headers);
        Assert.True(routing.Accepted);
        Assert.Equal([new WebhookDispatch(1, "second", """{"id":"42"}"""), new WebhookDispatch(4, "fifth", """{"type":"invoice.paid"}""")], routing.Dispatches);
        Assert.Equal(
        [
            new WebhookStepError(0, "first", "NameError", "name 'undefined' is not defined"),
            new WebhookStepError(2, "third", "RecursionError", "expression nested too deeply to evaluate"),
            new WebhookStepError(3, "fourth", "NameError", "name '{{missing}}' is not defined: no body key or header 'missing'"),
        ], routing.Errors);
    }

    [Fact]
    public void A_payload_renders_memory_values_as_str_and_walks_their_json_form()
    {
        var record = new PyDict();
        record.Set(PyStr.Of("k"), PyStr.Of("v"));
        record.Set(PyInt.Of(1), new PyTuple([PyInt.Of(7), PyBool.True]));
        var routing = new Router(
        [
            new Step("map",
                Memory:
                [
                    ("n", _ => PyInt.Of(5)),
                    ("f", _ => new PyFloat(0.1)),
                    ("s", _ => PyStr.Of("it's")),
                    ("none", _ => PyNone.Instance),
                    ("list", _ => new PyList([PyStr.Of("a"), PyInt.Of(1), PyNone.Instance])),
                    ("record", _ => record),
                    ("copy", s => s.Name("n")), // a memory value reads the ones bound before it
                ],
                Payload: ["n", "f", "s", "none", "list", "record", "copy", "list.0", "list.1", "list.2", "list.3", "list.x", "list.-1", "list.",
                          "record.k", "record.1", "record.1.0", "record.1.1", "record.k.0", "record.missing", "n.0"]),
        ]).Route(Body, Headers);
        Assert.Empty(routing.Errors);
        // str() of each memory value, CPython 3.11: str(0.1), str(None), str(['a', 1, None]), str({'k': 'v', 1: (7, True)}).
        Assert.Equal(
            string.Join(",",
                """{"n":"5","f":"0.1","s":"it's","none":"None","list":"['a', 1, None]","record":"{'k': 'v', 1: (7, True)}","copy":"5" """.TrimEnd(),
                """ "list.0":"a","list.1":"1","list.2":"None","list.3":"","list.x":"","list.-1":"","list.":"" """.Trim(),
                """ "record.k":"v","record.1":"[7, True]","record.1.0":"7","record.1.1":"True","record.k.0":"","record.missing":"","n.0":""} """.Trim()),
            Relaxed(Assert.Single(routing.Dispatches).Payload));
    }

    [Fact]
    public void A_payload_placeholder_names_a_memory_key_then_a_body_key_and_never_a_header()
    {
        var routing = new Router(
        [
            new Step("shadow", Memory: [("type", _ => PyStr.Of("from memory"))], Payload: ["type", "id", "customer.name", "customer.tags.1", "customer.tags.2", "customer.nope", "note", "X-Event", "x-event", "unknown"]),
            new Step("plain", Payload: ["type"]),
        ]).Route(Body, Headers);
        Assert.Equal(
            [
                new WebhookDispatch(0, "shadow", """{"type":"from memory","id":"42","customer.name":"Ada","customer.tags.1":"b","customer.tags.2":"","customer.nope":"","note":"None","X-Event":"","x-event":"","unknown":""}"""),
                // Each step starts with no memory: the next step's 'type' is the body's again.
                new WebhookDispatch(1, "plain", """{"type":"invoice.paid"}"""),
            ],
            routing.Dispatches);
    }

    [Fact]
    public void A_step_does_not_see_the_memory_of_the_step_before_it()
    {
        var seen = new List<bool>();
        new Router(
        [
            new Step("set", Memory: [("x", _ => PyInt.Of(1))]),
            new Step("read", s => { seen.Add(s.TryGetName("x", out _)); return true; }),
        ]).Route(Body, Headers);
        Assert.Equal([false], seen);
    }

    [Fact]
    public void Each_request_sees_only_its_own_body_headers_and_memory()
    {
        var router = new Router(
        [
            new Step("a", s => s.ResolveHole("x-event") is not null, Memory: [("m", s => s.Hole("id"))], Payload: ["m", "id", "type"]),
        ]);
        var first = router.Route(Body, Headers);
        var second = router.Route(Json("""{"id":"second"}"""), Json("""{"x-EVENT":"again"}"""));
        var third = router.Route(Json("""{"id":3}"""), Json("{}"));
        Assert.Equal([new WebhookDispatch(0, "a", """{"m":"42","id":"42","type":"invoice.paid"}""")], first.Dispatches);
        Assert.Equal([new WebhookDispatch(0, "a", """{"m":"second","id":"second","type":""}""")], second.Dispatches);
        Assert.Empty(third.Dispatches);
        Assert.Empty(third.Errors);
    }

    [Fact]
    public void A_route_inside_a_step_gets_its_own_scope()
    {
        var inner = new Router([new Step("inner", Payload: ["id"])]);
        WebhookRouting? nested = null;
        var outer = new Router(
        [
            new Step("outer", s => { nested = inner.Route(Json("""{"id":"inner"}"""), Json("{}")); return true; }, Payload: ["id"]),
        ]).Route(Body, Headers);
        Assert.Equal([new WebhookDispatch(0, "inner", """{"id":"inner"}""")], nested!.Dispatches);
        Assert.Equal([new WebhookDispatch(0, "outer", """{"id":"42"}""")], outer.Dispatches);
    }

    [Fact]
    public void Accepted_is_true_only_with_nothing_missing()
    {
        Assert.True(new WebhookRouting([], [], [], []).Accepted);
        Assert.False(new WebhookRouting(["a"], [], [], []).Accepted);
        Assert.False(new WebhookRouting([], ["a"], [], []).Accepted);
    }

    [Fact]
    public void Every_missing_header_is_named_in_the_order_required()
    {
        var routing = new Router([new Step("notify")], headers: ["X-Tenant", "X-Event", "X-Signature", "content-type", "X-Request-Id"]).Route(Body, Headers);
        Assert.Equal(["X-Tenant", "X-Signature", "X-Request-Id"], routing.MissingHeaders);
        Assert.Empty(routing.MissingBodyKeys);
    }

    [Fact]
    public void A_payload_writes_text_as_it_is_never_html_escaped()
    {
        var routing = new Router(
        [
            new Step("raw", Memory: [("m", _ => PyStr.Of("<b>Tom & \"Jerry's\"</b>"))], Payload: ["m", "markup"]),
        ]).Route(Json("""{"markup":"a < b && c > d"}"""), Headers);
        Assert.Equal("""{"m":"<b>Tom & \"Jerry's\"</b>","markup":"a < b && c > d"}""", Relaxed(Assert.Single(routing.Dispatches).Payload));
    }

    [Fact]
    public void A_payload_path_indexes_a_memory_list_by_its_digits()
    {
        var items = new PyList(Enumerable.Range(0, 11).Select(i => (PyValue)PyStr.Of("item" + i)).ToList());
        var routing = new Router(
        [
            new Step("index", Memory: [("list", _ => items)], Payload: ["list.9", "list.10", "list.11", "list.09", "list.+1", "list.\u0663", "list.1a", "list.1\0"]),
        ]).Route(Body, Headers);
        Assert.Equal(
            // Only ASCII digits index: not ARABIC-INDIC DIGIT THREE, nor a digit that int.TryParse would read past a trailing NUL.
            """{"list.9":"item9","list.10":"item10","list.11":"","list.09":"item9","list.+1":"","list.٣":"","list.1a":"","list.1\u0000":""}""",
            Relaxed(Assert.Single(routing.Dispatches).Payload));
    }

    [Fact]
    public void Each_render_reports_only_its_own_missing_placeholders()
    {
        var router = new Router(
        [
            new Step("first", Payload: ["id", "nope"]),
            new Step("second", Payload: ["type", "absent", "gone"]),
        ]);
        router.Route(Body, Headers);
        router.Route(Body, Headers);
        Assert.Equal([0, 0, 0, 0], router.MissingBeforeRender);
        Assert.Equal([["nope"], ["absent", "gone"], ["nope"], ["absent", "gone"]], router.MissingAfterRender);
    }
}
