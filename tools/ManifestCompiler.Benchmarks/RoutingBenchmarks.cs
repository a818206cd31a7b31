using System.Buffers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ManifestCompiler.IR;
using ManifestCompiler.Runtime.Support.Json;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Runtime.Support.Python;
using ManifestCompiler.Runtime.Support.Templates;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Syntax.Templates;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Benchmarks;

/// <summary>
/// Webhook routing throughput: 1,000 Stripe-shaped requests (payment succeeded, customer updated, anything else)
/// through the Stripe sample's webhook.json, (a) by the compiled router of the generated plan and (b, baseline) by
/// the interpreters the compiler checks with (the Python evaluator and the template renderer, expressions and
/// templates parsed once). Both produce the same dispatches and payloads (checked in the setup). (c) is the floor:
/// the same routing written by hand over the document (string tests on the UTF-8, the payload written straight into
/// one reused buffer), allocating only what the result holds. (a1)–(a3) are (a) on one kind of request each (333 or
/// 334 of the 1,000), to show where the time and bytes go.
/// </summary>
[MemoryDiagnoser]
public class RoutingBenchmarks
{
    private const int RequestCount = 1_000;
    private readonly List<(JsonDocument Body, JsonDocument Headers)> _requests = [];
    private readonly (JsonDocument Body, JsonDocument Headers)[][] _byKind = new (JsonDocument, JsonDocument)[3][];
    private WebhookRouterPlan _compiled = null!;
    private InterpretedRouter _interpreted = null!;

    [GlobalSetup]
    public void Setup()
    {
        var folder = Path.Combine(Documents.RepositoryRoot, "samples", "bossi", "stripe");
        var built = PlanAssemblyBuilder.Build(ManifestWorkspace.Load([folder]), "RoutingBenchmark");
        _compiled = PlanCatalog.Load(Assembly.Load(built.Image ?? throw new InvalidOperationException("the Stripe sample must build"))).Integrations.Single().Webhook!;
        _interpreted = new InterpretedRouter(ManifestCompilation.CompileIntegration(ManifestWorkspace.ReadIntegration(folder)).Value!.Webhook!);

        var headers = """{"Stripe-Signature": "t=1,v1=abc", "content-type": "application/json"}""";
        for (var i = 0; i < RequestCount; i++)
        {
            var body = (i % 3) switch
            {
                0 => "{\"type\": \"payment_intent.succeeded\", \"data\": {\"object\": {\"id\": \"pi_" + i + "\", \"amount\": " + (1000 + i) + ", \"currency\": \"eur\"}}}",
                1 => "{\"type\": \"customer.updated\", \"data\": {\"object\": {\"id\": \"cus_" + i + "\", \"email\": \"c" + i + "@example.com\"}}}",
                _ => "{\"type\": \"charge.refunded\", \"data\": {\"object\": {\"id\": \"ch_" + i + "\"}}}",
            };
            _requests.Add((JsonDocument.Parse(body), JsonDocument.Parse(headers)));
        }
        foreach (var (body, head) in _requests)
        {
            var byHand = HandWritten(body.RootElement).Dispatches;
            var compiled = _compiled.Route(body.RootElement, head.RootElement).Dispatches;
            if (!byHand.SequenceEqual(compiled))
            {
                throw new InvalidOperationException($"the hand-written floor disagrees on {body.RootElement.GetRawText()}: [{string.Join(", ", byHand)}] vs [{string.Join(", ", compiled)}]");
            }
        }
        for (var kind = 0; kind < 3; kind++)
        {
            _byKind[kind] = _requests.Where((_, i) => i % 3 == kind).ToArray();
        }
        foreach (var (body, head) in _requests.Take(30))
        {
            var compiled = _compiled.Route(body.RootElement, head.RootElement).Dispatches.Select(d => (d.Action, d.Payload));
            var interpreted = _interpreted.Route(body.RootElement, head.RootElement);
            if (!compiled.SequenceEqual(interpreted))
            {
                throw new InvalidOperationException($"the routers disagree on {body.RootElement.GetRawText()}: [{string.Join(", ", compiled)}] vs [{string.Join(", ", interpreted)}]");
            }
        }
    }

    [Benchmark(Description = "(a) compiled router")]
    public int Compiled()
    {
        var dispatched = 0;
        foreach (var (body, headers) in _requests)
        {
            dispatched += _compiled.Route(body.RootElement, headers.RootElement).Dispatches.Count;
        }
        return dispatched;
    }

    [Benchmark(Description = "(a1) compiled, 'payment_intent.succeeded' only (333)")]
    public int CompiledPaymentSucceeded() => RouteCompiled(_byKind[0]);

    [Benchmark(Description = "(a2) compiled, 'customer.updated' only (333)")]
    public int CompiledCustomerUpdated() => RouteCompiled(_byKind[1]);

    [Benchmark(Description = "(a3) compiled, 'charge.refunded' only (334)")]
    public int CompiledOther() => RouteCompiled(_byKind[2]);

    private int RouteCompiled((JsonDocument Body, JsonDocument Headers)[] requests)
    {
        var dispatched = 0;
        foreach (var (body, headers) in requests)
        {
            dispatched += _compiled.Route(body.RootElement, headers.RootElement).Dispatches.Count;
        }
        return dispatched;
    }

    [Benchmark(Description = "(c) floor: hand-written over the document")]
    public int Floor()
    {
        var dispatched = 0;
        foreach (var (body, _) in _requests)
        {
            dispatched += HandWritten(body.RootElement).Dispatches.Count;
        }
        return dispatched;
    }

    private static readonly string[] StepActions = ["payment-succeeded-v1", "customers-post-v1", "sync-payments-v1"];

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// The Stripe sample's webhook.json by hand, for these requests: what any router must do (test the type on the
    /// UTF-8, read three members, divide, format two floats, upper-case the currency, write the payloads) and what the
    /// result must hold (the routing, its list, a dispatch and a payload string per matching step). Not general:
    /// round(x, 2) of a value with two decimals is that value, as the setup's comparison with (a) checks.
    /// </summary>
    private static WebhookRouting HandWritten(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("type", out var type) || !body.TryGetProperty("data", out var data))
        {
            throw new InvalidOperationException("the benchmark's requests all have 'type' and 'data'");
        }
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        var dispatches = new List<WebhookDispatch>(StepActions.Length);
        if (type.ValueEquals("payment_intent.succeeded"u8))
        {
            var payment = data.GetProperty("object");
            var id = RawString(payment.GetProperty("id"));
            var amount = payment.GetProperty("amount").GetInt64() / 100.0;
            Span<char> amountText = stackalloc char[PyFormat.MaxFloatReprLength];
            amountText = amountText[..PyFormat.FormatFloatRepr(amount, amountText)];
            Span<char> currency = stackalloc char[16];
            currency = currency[..Encoding.UTF8.GetChars(RawString(payment.GetProperty("currency")), currency)];
            Span<char> label = stackalloc char[128];
            var length = Encoding.UTF8.GetChars(id, label);
            ": ".CopyTo(label[length..]);
            length += 2;
            amountText.CopyTo(label[length..]);
            length += amountText.Length;
            label[length++] = ' ';
            length += currency.ToUpperInvariant(label[length..]);
            Begin(buffer, writer);
            writer.WriteStartObject();
            writer.WritePropertyName("payment_intent"u8);
            writer.WriteStringValue(id);
            writer.WritePropertyName("amount"u8);
            writer.WriteStringValue(amountText);
            writer.WritePropertyName("label"u8);
            writer.WriteStringValue(label[..length]);
            writer.WritePropertyName("event"u8);
            writer.WriteStringValue(RawString(type));
            writer.WriteEndObject();
            dispatches.Add(new WebhookDispatch(0, StepActions[0], End(buffer, writer)));
        }
        if (type.ValueEquals("customer.created"u8) || type.ValueEquals("customer.updated"u8))
        {
            Begin(buffer, writer);
            writer.WriteStartObject();
            writer.WritePropertyName("body"u8);
            writer.WriteStartObject();
            writer.WritePropertyName("customer_id"u8);
            writer.WriteStringValue(RawString(data.GetProperty("object").GetProperty("id")));
            writer.WriteEndObject();
            writer.WriteEndObject();
            dispatches.Add(new WebhookDispatch(1, StepActions[1], End(buffer, writer)));
        }
        Begin(buffer, writer);
        writer.WriteStartObject();
        writer.WritePropertyName("resource"u8);
        writer.WriteStringValue("customers"u8);
        writer.WritePropertyName("reason"u8);
        writer.WriteStringValue(RawString(type));
        writer.WriteEndObject();
        dispatches.Add(new WebhookDispatch(2, StepActions[2], End(buffer, writer)));
        return new WebhookRouting([], [], dispatches, []);
    }

    /// <summary>A string element's unescaped UTF-8 (these requests have no escapes).</summary>
    private static ReadOnlySpan<byte> RawString(JsonElement element) =>
        JsonStrings.TryGetUnescapedUtf8(element, out var utf8) ? utf8 : throw new InvalidOperationException("an escaped string");

    private static void Begin(ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer)
    {
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
    }

    private static string End(ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer)
    {
        writer.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Benchmark(Baseline = true, Description = "(b) interpreters")]
    public int Interpreted()
    {
        var dispatched = 0;
        foreach (var (body, headers) in _requests)
        {
            dispatched += _interpreted.Route(body.RootElement, headers.RootElement).Count;
        }
        return dispatched;
    }

    /// <summary>The webhook semantics over the IR with the interpreters (validations are cheap and left out of both sides' difference).</summary>
    private sealed class InterpretedRouter
    {
        private readonly List<(PythonExpression? Condition, List<(string Key, PythonExpression Value)> Memory, string Action, JsonValueIR Payload, Dictionary<string, TemplateSyntax> Templates)> _steps = [];

        public InterpretedRouter(WebhookIR webhook)
        {
            foreach (var step in webhook.TriggerSteps)
            {
                var memory = step.Memory.Select(entry => (entry.Key, entry.Expression)).ToList();
                var templates = new Dictionary<string, TemplateSyntax>(StringComparer.Ordinal);
                Collect(step.Payload, templates);
                _steps.Add((step.Condition, memory, step.Action, step.Payload, templates));
            }
        }

        private static void Collect(JsonValueIR value, Dictionary<string, TemplateSyntax> templates)
        {
            switch (value)
            {
                case JsonObjectIR obj:
                    foreach (var property in obj.Properties)
                    {
                        Collect(property.Value, templates);
                    }
                    break;
                case JsonArrayIR array:
                    foreach (var item in array.Items)
                    {
                        Collect(item, templates);
                    }
                    break;
                case JsonStringIR text:
                    templates[text.Value.Source] = TemplateParser.Parse(text.Value.Source).Value!;
                    break;
            }
        }

        public List<(string Action, string Payload)> Route(JsonElement body, JsonElement headers)
        {
            var dispatches = new List<(string, string)>();
            foreach (var (condition, memoryEntries, action, payload, templates) in _steps)
            {
                var names = new Dictionary<string, PyValue>(StringComparer.Ordinal);
                if (condition is not null && !condition.Evaluate(body, headers, names).IsTruthy)
                {
                    continue;
                }
                var failed = false;
                foreach (var (key, expression) in memoryEntries)
                {
                    var result = expression.Evaluate(body, headers, names);
                    if (!result.Success)
                    {
                        failed = true;
                        break;
                    }
                    names[key] = result.Value!;
                }
                if (failed)
                {
                    continue;
                }
                // Memory values render as their str(); other names read the body's top-level keys.
                var memoryText = names.ToDictionary(n => n.Key, n => JsonSerializer.SerializeToElement(PyFormat.Str(n.Value)), StringComparer.Ordinal);
                TemplateVariableResolver resolver = (string name, out JsonElement value) =>
                    memoryText.TryGetValue(name, out value) || (body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out value));
                var buffer = new ArrayBufferWriter<byte>();
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    Write(writer, payload, templates, resolver);
                }
                dispatches.Add((action, Encoding.UTF8.GetString(buffer.WrittenSpan)));
            }
            return dispatches;
        }

        private static void Write(Utf8JsonWriter writer, JsonValueIR value, Dictionary<string, TemplateSyntax> templates, TemplateVariableResolver resolver)
        {
            switch (value)
            {
                case JsonObjectIR obj:
                    writer.WriteStartObject();
                    foreach (var property in obj.Properties)
                    {
                        writer.WritePropertyName(property.Name);
                        Write(writer, property.Value, templates, resolver);
                    }
                    writer.WriteEndObject();
                    break;
                case JsonArrayIR array:
                    writer.WriteStartArray();
                    foreach (var item in array.Items)
                    {
                        Write(writer, item, templates, resolver);
                    }
                    writer.WriteEndArray();
                    break;
                case JsonStringIR text:
                    writer.WriteStringValue(TemplateRenderer.Render(templates[text.Value.Source], resolver).Text);
                    break;
                case JsonNumberIR number:
                    writer.WriteRawValue(number.Text);
                    break;
                case JsonBooleanIR boolean:
                    writer.WriteBooleanValue(boolean.Value);
                    break;
                default:
                    writer.WriteNullValue();
                    break;
            }
        }
    }
}
