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
        w.Line($"public override {Plans}.OAuthPlan OAuth {{ get; }} = {OAuth(integration.OAuth, members)};");
        w.Line();
        w.Line($"public override {Plans}.SchemaPlan Schema {{ get; }} = {Schema(integration.Schema, members)};");
        w.Line();
        w.Line($"public override {List}<{Plans}.ActionPlan> Actions {{ get; }}");
        for (var i = 0; i < integration.Actions.Count; i++)
        {
            var action = integration.Actions[i];
            w.Line();
            w.Line($"/// <summary>The action <c>{Xml(action.Name)}</c>.</summary>");
            w.Line($"public {Plans}.ActionPlan {actionProperties[i]} {{ get; }} = {Action(action)};");
        }
        w.Line();
        w.Line($"public override {Plans}.UserTypesPlan? UserTypes {{ get; }} = {UserTypes(integration.UserTypes)};");
        w.Line();
        w.Line($"public override {Plans}.WebhookRouterPlan? Webhook {{ get; }} = {(integration.Webhook is null ? "null" : "new WebhookRouter()")};");
        w.Line();
        w.Line($"public override {List}<string> Assets {{ get; }} = {Strings(integration.Assets)};");
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

    private static string OAuth(OAuthIR oauth, PlanMembers members) =>
        $"new {Plans}.OAuthPlan({CSharpLiterals.String(oauth.Name)}, {Strings(oauth.Services)}, {CSharpLiterals.Bool(oauth.IsNonOauth)}, " +
        $"{CSharpLiterals.Bool(oauth.GenerateWebhook)}, {Optional(oauth.Url, members)}, {NullableString(oauth.ClientId)}, {NullableString(oauth.ClientSecret)}, " +
        $"{Optional(oauth.TokenUrl, members)}, {NamedTemplates(oauth.Parameters, members)}, {NamedTemplates(oauth.Tokens, members)}, " +
        $"{Strings(oauth.RequiredQueryParams)}, {Array(Plans + ".TriggerStepPlan", oauth.TriggerSteps.Select(s => TriggerStep(s, members)))})";

    private static string Schema(SchemaIR schema, PlanMembers members) =>
        $"new {Plans}.SchemaPlan({CSharpLiterals.String(schema.Name)}, {NullableString(schema.Version)}, {NullableString(schema.Description)}, " +
        $"{NamedTemplates(schema.Variables, members)}, {Security(schema.Security, members)}, " +
        $"{(schema.DeleteAction is { } delete ? TriggerStep(delete, members) : "null")})";

    private static string Security(SecurityIR? security, PlanMembers members) => security is null ? "null" :
        $"new {Plans}.SecurityPlan({CSharpLiterals.String(security.Type)}, {Optional(security.Token, members)}, " +
        $"{NullableString(security.AccessTokenVariable)}, {NullableString(security.ExpiryInVariable)}, {Optional(security.RefreshTokenUrl, members)})";

    private static string TriggerStep(TriggerStepIR step, PlanMembers members) =>
        $"new {Plans}.TriggerStepPlan({CSharpLiterals.String(step.Action)}, {members.JsonTemplate(step.Payload)})";

    private static string Action(ActionIR action)
    {
        var rateLimit = action.RateLimit is { } limit ? $"new {Plans}.RateLimitPlan({limit.Limit}, {limit.Period})" : "null";
        var steps = action.Steps.Select(s =>
            $"new {Plans}.StepPlan({CSharpLiterals.String(s.CodeRef)}, {CSharpLiterals.String(s.CodePath)}, {CSharpLiterals.String(s.Source)}, {CSharpLiterals.Bool(s.ContinueOnFailure)}, " +
            $"{Array(Plans + ".ActionCallPlan", s.Calls.Select(c => $"new {Plans}.ActionCallPlan({Plans}.ActionCallKind.{c.Kind}, {CSharpLiterals.String(c.Action)})"))})");
        var mapper = action.Mapping is null ? "null" : FieldMappingEmitter.TypeNames(action.Name).Mapper + ".Instance";
        return $"new {Plans}.ActionPlan({CSharpLiterals.String(action.Name)}, {CSharpLiterals.Bool(action.SkipParser)}, {CSharpLiterals.Bool(action.ReturnsData)}, {rateLimit}, " +
            $"new {Plans}.StepPlan[]\n        {{\n            {string.Join(",\n            ", steps)}\n        }}, {mapper})";
    }

    private static string UserTypes(UserTypesIR? userTypes) => userTypes is null ? "null" :
        $"new {Plans}.UserTypesPlan(new global::System.Collections.Generic.Dictionary<string, {List}<string>>(global::System.StringComparer.Ordinal) {{ " +
        string.Join(", ", userTypes.Roles.Select(r => $"[{CSharpLiterals.String(r.Role)}] = {Strings(r.Actions)}")) + " })";

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
        w.Line($"public override {Plans}.WebhookSignaturePlan? Signature {{ get; }} = {Signature(webhook.Signature, members)};");
        w.Line();
        w.Line($"public override {List}<string> BodyRequired {{ get; }} = {Strings(webhook.BodyRequired)};");
        w.Line();
        w.Line($"public override {List}<string> HeadersRequired {{ get; }} = {Strings(webhook.HeadersRequired)};");
        w.Line();
        w.Line($"public override {List}<string> StepActions {{ get; }} = {Strings(steps.Select(s => s.Action))};");
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
                w.Line($"var m{m} = {name}(scope);");
                w.Line($"memory[{CSharpLiterals.String(entry.Key)}] = m{m};");
                w.Line($"scope.Set({CSharpLiterals.String(entry.Key)}, m{m});");
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

    private static string Signature(WebhookSignatureIR? signature, PlanMembers members) => signature is null ? "null" :
        $"new {Plans}.WebhookSignaturePlan({CSharpLiterals.String(signature.Header)}, {Plans}.WebhookSignatureScheme.{signature.Scheme}, " +
        $"{members.Template(signature.Secret)}, {signature.ToleranceSeconds})";

    private static void EmitExpression(SourceWriter methods, string name, PythonExpression expression)
    {
        if (methods.ToString().Length > 0)
        {
            methods.Line();
        }
        methods.Line($"/// <summary>{Xml(CSharpLiterals.String(expression.Source))}</summary>");
        PythonEmitter.EmitMethod(methods, "private static", name, expression.Syntax);
    }

    private static string Optional(TemplateIR? template, PlanMembers members) => members.OptionalTemplate(template) ?? "null";

    private static string NamedTemplates(EquatableArray<NamedTemplateIR> templates, PlanMembers members) =>
        Array(Plans + ".NamedTemplatePlan", templates.Select(t => $"new {Plans}.NamedTemplatePlan({CSharpLiterals.String(t.Name)}, {members.Template(t.Value)})"));

    internal static string Strings(IEnumerable<string> values) => Array("string", values.Select(CSharpLiterals.String));

    /// <summary>An array expression; an empty one is <c>Array.Empty&lt;T&gt;()</c>.</summary>
    internal static string Array(string type, IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count == 0 ? $"global::System.Array.Empty<{type}>()" : $"new {type}[] {{ {string.Join(", ", list)} }}";
    }

    internal static string NullableString(string? value) => value is null ? "null" : CSharpLiterals.String(value);

    internal static string Xml(string text) => System.Security.SecurityElement.Escape(text) ?? "";
}
