using ManifestCompiler.IR;
using ManifestCompiler.Syntax.Python;

namespace ManifestCompiler.Emit.Plans;

/// <summary>
/// A BOSSi integration's plan class: typed members for every action (flags, rate limit, steps with their Python
/// source, the compiled mapper), the OAuth configuration, schema variables and security as compiled templates,
/// usertypes, the delete action, and a compiled webhook router. Registered with <c>[assembly: ManifestPlan]</c>.
/// </summary>
public static class IntegrationPlanEmitter
{
    private const string Plans = PlanMembers.PlansNamespace;
    private const string List = "global::System.Collections.Generic.IReadOnlyList";
    private const string PyValue = PythonEmitter.Value;
    private const string PyScope = PythonEmitter.Scope;

    public static string Namespace(IntegrationIR integration) => "ManifestCompiler.Generated." + Naming.Pascal(integration.Name);

    public static string ClassName(IntegrationIR integration) => Naming.Pascal(integration.Name) + "Plan";

    /// <summary>The plan of an error-free integration.</summary>
    public static string Emit(IntegrationIR integration)
    {
        var ns = Namespace(integration);
        var className = ClassName(integration);
        var members = new PlanMembers();
        var actionProperties = Naming.Distinct(integration.Actions.Select(a => a.Name),
            ["Name", "OAuth", "Schema", "Actions", "UserTypes", "Webhook", "Assets", "IntegrationName", "FindAction", className]);

        var w = new SourceWriter();
        w.FileHeader();
        w.Line($"[assembly: {Plans}.ManifestPlan(typeof(global::{ns}.{className}))]");
        w.Line();
        w.Open($"namespace {ns}");
        w.Line($"/// <summary>The compiled integration folder <c>{Xml(integration.Name)}</c>.</summary>");
        w.Open($"public sealed class {className} : {Plans}.IntegrationPlan");
        w.Line($"public const string IntegrationName = {CSharpLiterals.String(integration.Name)};");
        w.Line();
        w.Open($"public {className}()");
        w.Line($"Actions = new {Plans}.ActionPlan[] {{ {string.Join(", ", actionProperties)} }};");
        w.Close();
        w.Line();
        w.Line("public override string Name => IntegrationName;");
        w.Line();
        w.Value($"public override {Plans}.OAuthPlan OAuth {{ get; }} = ", OAuth(integration.OAuth, members), ";");
        w.Line();
        w.Value($"public override {Plans}.SchemaPlan Schema {{ get; }} = ", Schema(integration.Schema, members), ";");
        w.Line();
        w.Line($"public override {List}<{Plans}.ActionPlan> Actions {{ get; }}");
        for (var i = 0; i < integration.Actions.Count; i++)
        {
            var action = integration.Actions[i];
            w.Line();
            w.Line($"/// <summary>The action <c>{Xml(action.Name)}</c>.</summary>");
            w.Value($"public {Plans}.ActionPlan {actionProperties[i]} {{ get; }} = ", Action(action), ";");
        }
        w.Line();
        w.Value($"public override {Plans}.UserTypesPlan? UserTypes {{ get; }} = ", UserTypes(integration.UserTypes), ";");
        w.Line();
        w.Line($"public override {Plans}.WebhookRouterPlan? Webhook {{ get; }} = {(integration.Webhook is null ? "null" : "new WebhookRouter()")};");
        w.Line();
        w.Value($"public override {List}<string> Assets {{ get; }} = ", Strings(integration.Assets), ";");
        if (integration.Webhook is { } webhook)
        {
            w.Line();
            EmitRouter(w, webhook, members);
        }
        w.Line();
        members.WriteTo(w);
        w.Close();
        w.Close();
        return w.ToString();
    }

    private static CSharpValue OAuth(OAuthIR oauth, PlanMembers members) => CSharpValue.New(Plans + ".OAuthPlan",
        ("Name", CSharpLiterals.String(oauth.Name)),
        ("Services", Strings(oauth.Services)),
        ("IsNonOauth", CSharpLiterals.Bool(oauth.IsNonOauth)),
        ("GenerateWebhook", CSharpLiterals.Bool(oauth.GenerateWebhook)),
        ("Url", Optional(oauth.Url, members)),
        ("ClientId", NullableString(oauth.ClientId)),
        ("ClientSecret", NullableString(oauth.ClientSecret)),
        ("TokenUrl", Optional(oauth.TokenUrl, members)),
        ("Parameters", NamedTemplates(oauth.Parameters, members)),
        ("Tokens", NamedTemplates(oauth.Tokens, members)),
        ("RequiredQueryParams", Strings(oauth.RequiredQueryParams)),
        ("TriggerSteps", CSharpValue.Array(Plans + ".TriggerStepPlan", oauth.TriggerSteps.Select(s => TriggerStep(s, members)))));

    private static CSharpValue Schema(SchemaIR schema, PlanMembers members) => CSharpValue.New(Plans + ".SchemaPlan",
        ("Name", CSharpLiterals.String(schema.Name)),
        ("Version", NullableString(schema.Version)),
        ("Description", NullableString(schema.Description)),
        ("Variables", NamedTemplates(schema.Variables, members)),
        ("Security", Security(schema.Security, members)),
        ("DeleteAction", CSharpValue.OrNull(schema.DeleteAction is { } delete ? TriggerStep(delete, members) : null)));

    private static CSharpValue Security(SecurityIR? security, PlanMembers members) => security is null ? "null" : CSharpValue.New(Plans + ".SecurityPlan",
        ("Type", CSharpLiterals.String(security.Type)),
        ("Token", Optional(security.Token, members)),
        ("AccessTokenVariable", NullableString(security.AccessTokenVariable)),
        ("ExpiryInVariable", NullableString(security.ExpiryInVariable)),
        ("RefreshTokenUrl", Optional(security.RefreshTokenUrl, members)));

    private static CSharpValue TriggerStep(TriggerStepIR step, PlanMembers members) => CSharpValue.New(Plans + ".TriggerStepPlan",
        ("Action", CSharpLiterals.String(step.Action)),
        ("Payload", members.JsonTemplate(step.Payload)));

    private static CSharpValue Action(ActionIR action) => CSharpValue.New(Plans + ".ActionPlan",
        ("Name", CSharpLiterals.String(action.Name)),
        ("SkipParser", CSharpLiterals.Bool(action.SkipParser)),
        ("ReturnsData", CSharpLiterals.Bool(action.ReturnsData)),
        ("RateLimit", action.RateLimit is { } limit
            ? CSharpValue.New(Plans + ".RateLimitPlan", ("Limit", Int(limit.Limit)), ("PeriodSeconds", Int(limit.Period)))
            : "null"),
        ("Steps", CSharpValue.Array(Plans + ".StepPlan", action.Steps.Select(s => CSharpValue.New(Plans + ".StepPlan",
            ("CodeRef", CSharpLiterals.String(s.CodeRef)),
            ("CodePath", CSharpLiterals.String(s.CodePath)),
            ("Source", CSharpLiterals.String(s.Source)),
            ("ContinueOnFailure", CSharpLiterals.Bool(s.ContinueOnFailure)),
            ("Calls", CSharpValue.Array(Plans + ".ActionCallPlan", s.Calls.Select(c => CSharpValue.New(Plans + ".ActionCallPlan",
                ("Kind", $"{Plans}.ActionCallKind.{c.Kind}"),
                ("Action", CSharpLiterals.String(c.Action)))))))))),
        ("Mapper", action.Mapping is null ? "null" : FieldMappingEmitter.TypeNames(action.Name).Mapper + ".Instance"));

    private static CSharpValue UserTypes(UserTypesIR? userTypes) => userTypes is null ? "null" : CSharpValue.New(Plans + ".UserTypesPlan",
        ("Roles", $"new global::System.Collections.Generic.Dictionary<string, {List}<string>>(global::System.StringComparer.Ordinal) {{ " +
            string.Join(", ", userTypes.Roles.Select(r => $"[{CSharpLiterals.String(r.Role)}] = {Text(Strings(r.Actions))}")) + " }"));

    /// <summary>
    /// The router's generated step runner: the condition (false ends the step), each memory value in order (bound in
    /// the scope for the ones after it), then the payload rendered over memory and body.
    /// </summary>
    private static void EmitRouter(SourceWriter w, WebhookIR webhook, PlanMembers members)
    {
        var steps = webhook.TriggerSteps.ToArray();
        var methods = new SourceWriter();
        var payloads = new List<string>();
        w.Open($"private sealed class WebhookRouter : {Plans}.WebhookRouterPlan");
        w.Value($"public override {Plans}.WebhookSignaturePlan? Signature {{ get; }} = ", Signature(webhook.Signature, members), ";");
        w.Line();
        w.Value($"public override {List}<string> BodyRequired {{ get; }} = ", Strings(webhook.BodyRequired), ";");
        w.Line();
        w.Value($"public override {List}<string> HeadersRequired {{ get; }} = ", Strings(webhook.HeadersRequired), ";");
        w.Line();
        w.Value($"public override {List}<string> StepActions {{ get; }} = ", Strings(steps.Select(s => s.Action)), ";");
        w.Line();
        w.Open($"protected override bool RunStep(int step, {PyScope} scope, global::System.Collections.Generic.Dictionary<string, {PyValue}> memory, out string payload)");
        w.Line("payload = \"\";");
        w.Open("switch (step)");
        for (var i = 0; i < steps.Length; i++)
        {
            var step = steps[i];
            w.Line($"case {i}:");
            w.Block();
            if (step.Condition is { } condition)
            {
                var name = $"Step{i}Condition";
                EmitExpression(methods, name, condition);
                w.Open($"if (!{PythonEmitter.Ops}.IsTruthy({name}(scope)))");
                w.Line("return false;");
                w.Close();
            }
            for (var m = 0; m < step.Memory.Count; m++)
            {
                var entry = step.Memory[m];
                var name = $"Step{i}Memory{m}";
                EmitExpression(methods, name, entry.Expression);
                // The scope's names are the memory (WebhookRouterPlan.Route): one store binds it for both.
                w.Line($"scope.Set({CSharpLiterals.String(entry.Key)}, {name}(scope));");
            }
            var payloadField = $"Step{i}Payload";
            payloads.Add($"private static readonly {Plans}.JsonTemplatePlan {payloadField} = {members.JsonTemplate(step.Payload)};");
            w.Line($"payload = {payloadField}.Render(PayloadScope(scope, memory));");
            w.Line("return true;");
            w.Close();
        }
        w.Line("default:");
        w.Line("    return false;");
        w.Close();
        w.Close();
        foreach (var payload in payloads)
        {
            w.Line();
            w.Line(payload);
        }
        w.Line();
        w.Append(methods);
        w.Close();
    }

    private static CSharpValue Signature(WebhookSignatureIR? signature, PlanMembers members) => signature is null ? "null" : CSharpValue.New(Plans + ".WebhookSignaturePlan",
        ("Header", CSharpLiterals.String(signature.Header)),
        ("Scheme", $"{Plans}.WebhookSignatureScheme.{signature.Scheme}"),
        ("Secret", members.Template(signature.Secret)),
        ("ToleranceSeconds", Int(signature.ToleranceSeconds)));

    private static void EmitExpression(SourceWriter methods, string name, PythonExpression expression)
    {
        if (methods.ToString().Length > 0)
        {
            methods.Line();
        }
        PythonEmitter.EmitMethod(methods, "private static", name, expression.Syntax, Xml(CSharpLiterals.String(expression.Source)));
    }

    private static CSharpValue Optional(TemplateIR? template, PlanMembers members) => members.OptionalTemplate(template) ?? "null";

    private static CSharpValue NamedTemplates(EquatableArray<NamedTemplateIR> templates, PlanMembers members) =>
        CSharpValue.Array(Plans + ".NamedTemplatePlan", templates.Select(t => CSharpValue.New(Plans + ".NamedTemplatePlan",
            ("Name", CSharpLiterals.String(t.Name)),
            ("Value", members.Template(t.Value)))));

    /// <summary>An array of string literals (written on one line).</summary>
    internal static CSharpArray Strings(IEnumerable<string> values) => CSharpValue.Array("string", values.Select(v => (CSharpValue)CSharpLiterals.String(v)));

    /// <summary>An array of int literals (written on one line).</summary>
    internal static CSharpArray Ints(IEnumerable<int> values) => CSharpValue.Array("int", values.Select(v => (CSharpValue)Int(v)));

    internal static string Int(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A one-line value as text (arrays of literals inside a dictionary initializer).</summary>
    private static string Text(CSharpValue value)
    {
        var writer = new SourceWriter();
        writer.Value("", value);
        return writer.ToString().TrimEnd('\n');
    }

    internal static CSharpValue NullableString(string? value) => value is null ? "null" : CSharpLiterals.String(value);

    internal static string Xml(string text) => System.Security.SecurityElement.Escape(text) ?? "";
}
