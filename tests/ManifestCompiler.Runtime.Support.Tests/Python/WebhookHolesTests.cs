using System.Text.Json;
using ManifestCompiler.Runtime.Support.Python;

namespace ManifestCompiler.Runtime.Support.Tests.Python;

/// <summary>
/// The one rule for a webhook <c>{{hole}}</c> (docs/runtime.md, "Webhook placeholders"): a memory key, then the body's
/// top-level key, then a header without regard to case, each position looking only where it may.
/// </summary>
public sealed class WebhookHolesTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static readonly PyScope Scope = new(Json("""{"type":"paid","Amount":5,"x-event":"from body"}"""), Json("""{"X-Event":"from header","Type":"header type"}"""));

    private static readonly Dictionary<string, PyValue> Memory = new(StringComparer.Ordinal) { ["type"] = PyStr.Of("from memory"), ["total"] = PyInt.Of(7) };

    private static string? Resolve(string name, WebhookHoleSources sources, IReadOnlyDictionary<string, PyValue>? memory = null) =>
        !WebhookHoles.TryResolve(name, sources, memory, Scope, out var memoryValue, out var json)
            ? null
            : memoryValue is not null ? "memory " + PyFormat.Repr(memoryValue) : "json " + json.GetRawText();

    [Fact]
    public void A_payload_looks_at_memory_then_the_body_and_never_at_headers()
    {
        Assert.Equal("memory 'from memory'", Resolve("type", WebhookHoleSources.Payload, Memory));
        Assert.Equal("memory 7", Resolve("total", WebhookHoleSources.Payload, Memory));
        Assert.Equal("json 5", Resolve("Amount", WebhookHoleSources.Payload, Memory));
        Assert.Equal("json \"paid\"", Resolve("type", WebhookHoleSources.Payload));
        Assert.Null(Resolve("X-Event", WebhookHoleSources.Payload, Memory));
        Assert.Null(Resolve("amount", WebhookHoleSources.Payload, Memory)); // body keys match exactly
    }

    [Fact]
    public void An_expression_looks_at_the_body_then_headers_and_never_at_memory()
    {
        Assert.Equal("json \"paid\"", Resolve("type", WebhookHoleSources.Expression, Memory));
        Assert.Null(Resolve("total", WebhookHoleSources.Expression, Memory));
        Assert.Equal("json \"from body\"", Resolve("x-event", WebhookHoleSources.Expression));
        Assert.Equal("json \"from header\"", Resolve("X-EVENT", WebhookHoleSources.Expression));
        Assert.Equal("json \"header type\"", Resolve("TYPE", WebhookHoleSources.Expression));
        Assert.Null(Resolve("missing", WebhookHoleSources.Expression));
    }

    [Fact]
    public void Each_source_alone_looks_only_there()
    {
        Assert.Equal("memory 'from memory'", Resolve("type", WebhookHoleSources.Memory, Memory));
        Assert.Null(Resolve("Amount", WebhookHoleSources.Memory, Memory));
        Assert.Null(Resolve("type", WebhookHoleSources.Memory));
        Assert.Equal("json \"paid\"", Resolve("type", WebhookHoleSources.Body, Memory));
        Assert.Null(Resolve("X-Event", WebhookHoleSources.Body));
        Assert.Equal("json \"from header\"", Resolve("x-Event", WebhookHoleSources.Headers, Memory));
        Assert.Null(Resolve("Amount", WebhookHoleSources.Headers));
    }

    [Fact]
    public void A_body_that_is_not_an_object_leaves_the_headers()
    {
        var scope = new PyScope(Json("""["type"]"""), Json("""{"type":"header"}"""));
        Assert.True(WebhookHoles.TryResolve("type", WebhookHoleSources.Expression, null, scope, out var memoryValue, out var json));
        Assert.Null(memoryValue);
        Assert.Equal("header", json.GetString());
        Assert.False(WebhookHoles.TryResolve("type", WebhookHoleSources.Payload, null, scope, out memoryValue, out json));
        Assert.Null(memoryValue);
        Assert.Equal(JsonValueKind.Undefined, json.ValueKind);
    }

    [Fact]
    public void An_expression_hole_is_its_value_or_a_name_error()
    {
        Assert.Equal("'paid'", PyFormat.Repr(Scope.Hole("type")));
        Assert.Equal("'from header'", PyFormat.Repr(Scope.Hole("x-EVENT")));
        var error = Assert.Throws<PyException>(() => Scope.Hole("nope"));
        Assert.Equal("NameError", error.ExceptionClass);
        Assert.Equal("name '{{nope}}' is not defined: no body key or header 'nope'", error.Message);
        Assert.Equal("5", Scope.HoleText("Amount", "{{Amount}}"));
        Assert.Equal("{{nope}}", Scope.HoleText("nope", "{{nope}}"));
    }
}
