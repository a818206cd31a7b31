using System.Text;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime.Support.Tests.Plans;

/// <summary>What a host gets from compiled templates: rendered text and JSON, and the placeholders the scope could not resolve.</summary>
public sealed class TemplatePlanTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void A_scope_over_an_object_finds_its_keys_and_paths()
    {
        var scope = TemplateScope.FromObject(Json("""{"user":{"name":"Ada","roles":["admin","dev"]},"n":2}"""));
        Assert.Equal("Ada", scope.Lookup(["user", "name"]).ToText());
        Assert.Equal("dev", scope.Lookup(["user", "roles", "1"]).ToText());
        Assert.Equal("2", scope.Lookup(["n"]).ToText());
        Assert.False(scope.Lookup(["user", "email"]).IsFound);
        Assert.False(scope.Lookup(["missing"]).IsFound);
        Assert.False(scope.HtmlEscape);
        Assert.True(TemplateScope.FromObject(Json("{}"), htmlEscape: true).HtmlEscape);
        // A context that is not an object has no variables.
        Assert.False(TemplateScope.FromObject(Json("""["user"]""")).Lookup(["user"]).IsFound);
    }

    [Fact]
    public void A_scope_lists_the_missing_placeholders_in_the_order_reported()
    {
        var scope = TemplateScope.FromObject(Json("{}"));
        Assert.Empty(scope.Missing);
        scope.ReportMissing("user.email");
        scope.ReportMissing("token");
        scope.ReportMissing("user.email");
        Assert.Equal(["user.email", "token", "user.email"], scope.Missing);
    }

    private sealed class NoVariables() : TemplateScope(htmlEscape: true);

    [Fact]
    public void A_derived_scope_that_does_not_look_up_finds_nothing()
    {
        var scope = new NoVariables();
        Assert.False(scope.Lookup(["anything"]).IsFound);
        Assert.True(scope.HtmlEscape);
        Assert.Empty(scope.Missing);
    }

    [Fact]
    public void A_constant_template_renders_its_text_and_reads_no_variable()
    {
        var plan = TemplatePlan.Constant("https://slack.com/api");
        Assert.Equal("https://slack.com/api", plan.Render(TemplateScope.FromObject(Json("{}"))));
        Assert.Equal("https://slack.com/api", plan.Source);
        Assert.Equal("https://slack.com/api", plan.ToString());
        Assert.Empty(plan.Variables);
        Assert.True(plan.IsConstant);
    }

    [Fact]
    public void A_template_with_variables_renders_from_the_scope()
    {
        var plan = new TemplatePlan("Hi {{name}}", scope => "Hi " + scope.Lookup(["name"]).ToText(), ["name"]);
        Assert.Equal("Hi Ada", plan.Render(TemplateScope.FromObject(Json("""{"name":"Ada"}"""))));
        Assert.Equal(["name"], plan.Variables);
        Assert.False(plan.IsConstant);
        Assert.Equal("Hi {{name}}", plan.ToString());
    }

    /// <summary><c>{"to": "{{email}}", "items": [1, "{{n}}"]}</c>, written as the generator writes a JSON template.</summary>
    private static readonly JsonTemplatePlan Body = new(
        """{"to":"{{email}}","items":[1,"{{n}}"]}""",
        (writer, scope) =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("to");
            writer.WriteStringValue(scope.Lookup(["email"]).ToText());
            writer.WritePropertyName("items");
            writer.WriteStartArray();
            writer.WriteNumberValue(1);
            writer.WriteStringValue(scope.Lookup(["n"]).ToText());
            writer.WriteEndArray();
            writer.WriteEndObject();
        },
        ["email", "n"]);

    [Fact]
    public void A_json_template_renders_as_text_utf8_and_a_document_alike()
    {
        var scope = TemplateScope.FromObject(Json("""{"email":"ada@example.com","n":"é"}"""));
        const string expected = """{"to":"ada@example.com","items":[1,"\u00E9"]}""";
        Assert.Equal(expected, Body.Render(scope));
        Assert.Equal(expected, Encoding.UTF8.GetString(Body.RenderUtf8(scope)));
        using var document = Body.RenderDocument(scope);
        Assert.Equal("é", document.RootElement.GetProperty("items")[1].GetString());
        Assert.Equal("""{"to":"{{email}}","items":[1,"{{n}}"]}""", Body.Source);
        Assert.Equal(Body.Source, Body.ToString());
        Assert.Equal(["email", "n"], Body.Variables);
    }

    [Fact]
    public void Consecutive_renders_on_one_thread_each_give_only_their_own_value()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal($$"""{"to":"user{{i}}","items":[1,"{{i}}"]}""", Body.Render(TemplateScope.FromObject(Json($$"""{"email":"user{{i}}","n":"{{i}}"}"""))));
        }
    }

    [Fact]
    public void A_render_inside_a_render_does_not_disturb_the_outer_one()
    {
        var outer = new JsonTemplatePlan(
            "outer",
            (writer, scope) =>
            {
                writer.WriteStartObject();
                writer.WritePropertyName("before");
                writer.WriteStringValue("x");
                writer.WritePropertyName("inner");
                writer.WriteStringValue(Body.Render(scope));
                writer.WriteEndObject();
            },
            []);
        var scope = TemplateScope.FromObject(Json("""{"email":"a@b","n":"2"}"""));
        Assert.Equal("""{"before":"x","inner":"{\u0022to\u0022:\u0022a@b\u0022,\u0022items\u0022:[1,\u00222\u0022]}"}""", outer.Render(scope));
        // The thread's writer is usable again afterwards.
        Assert.Equal("""{"to":"a@b","items":[1,"2"]}""", Body.Render(scope));
    }

    [Fact]
    public void A_render_after_a_large_one_is_whole()
    {
        var large = new string('a', 100_000);
        var scope = TemplateScope.FromObject(Json($$"""{"email":"{{large}}","n":"1"}"""));
        Assert.Equal($$"""{"to":"{{large}}","items":[1,"1"]}""", Body.Render(scope));
        Assert.Equal("""{"to":"b","items":[1,"2"]}""", Body.Render(TemplateScope.FromObject(Json("""{"email":"b","n":"2"}"""))));
    }

    [Fact]
    public void A_render_that_throws_leaves_the_thread_able_to_render()
    {
        var failing = new JsonTemplatePlan("failing", (writer, _) =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("half");
            throw new InvalidOperationException("render failed");
        }, []);
        var scope = TemplateScope.FromObject(Json("""{"email":"a@b","n":"2"}"""));
        Assert.Equal("render failed", Assert.Throws<InvalidOperationException>(() => failing.Render(scope)).Message);
        Assert.Equal("""{"to":"a@b","items":[1,"2"]}""", Body.Render(scope));
    }

    private static readonly JsonTemplatePlan Fixed = new("fixed", static (writer, _) =>
    {
        writer.WriteStartObject();
        writer.WriteString("event", "invoice.paid");
        writer.WriteEndObject();
    }, []);

    private static readonly JsonTemplatePlan Large = new("large", static (writer, _) => writer.WriteStringValue(new string('a', 100_000)), []);

    /// <summary>What a render allocates on this thread, and its text.</summary>
    private static (long Bytes, string Text) Allocated(JsonTemplatePlan plan, TemplateScope scope)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var text = plan.Render(scope);
        return (GC.GetAllocatedBytesForCurrentThread() - before, text);
    }

    /// <summary>
    /// Issue 17: a webhook dispatch allocates only its payload. A render on a thread that rendered before reuses the
    /// thread's buffer and writer, so it allocates exactly the string it returns; after a payload larger than 64 KiB
    /// the thread lets that buffer go, and the next render takes a new one (then reuses it again).
    /// </summary>
    [Fact]
    public void A_render_allocates_only_its_text_and_a_large_one_does_not_keep_its_buffer()
    {
        var scope = TemplateScope.FromObject(Json("{}"));
        Fixed.Render(scope); // JIT, and the thread's buffer and writer
        var utf8 = Encoding.UTF8.GetBytes("""{"event":"invoice.paid"}""");
        Encoding.UTF8.GetString(utf8);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var text = Encoding.UTF8.GetString(utf8);
        var stringBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("""{"event":"invoice.paid"}""", text);

        Assert.Equal((stringBytes, """{"event":"invoice.paid"}"""), Allocated(Fixed, scope));
        Assert.Equal((stringBytes, """{"event":"invoice.paid"}"""), Allocated(Fixed, scope));

        Assert.Equal(100_002, Large.Render(scope).Length);
        var afterLarge = Allocated(Fixed, scope);
        Assert.True(afterLarge.Bytes > stringBytes, $"the render after a large one allocated {afterLarge.Bytes} bytes, its string {stringBytes}");
        Assert.Equal((stringBytes, """{"event":"invoice.paid"}"""), Allocated(Fixed, scope));
    }
}
