using ManifestCompiler.IR;

namespace ManifestCompiler.Emit.Plans;

/// <summary>
/// A ChiefOnboarding manifest's plan class: the request sequence with compiled templates for url, body and headers,
/// <c>store_data</c> extractors, <c>continue_if</c>/<c>polling</c>, files; <c>exists</c>, <c>revoke</c>, OAuth, forms,
/// sync-users; and a typed record for the <c>initial_data_form</c> values. Registered with <c>[assembly: ManifestPlan]</c>.
/// </summary>
public static class ChiefOnboardingPlanEmitter
{
    public const string Namespace = "ManifestCompiler.Generated.ChiefOnboarding";
    private const string Plans = PlanMembers.PlansNamespace;
    private const string List = "global::System.Collections.Generic.IReadOnlyList";

    /// <summary>Class names for manifests in the order given (<c>asana-add-user</c> → <c>AsanaAddUserManifest</c>);
    /// manifests of one name in different folders get numeric suffixes.</summary>
    public static IReadOnlyList<string> ClassNames(IEnumerable<string> manifestNames) =>
        Naming.Distinct(manifestNames.Select(n => n + "-manifest"), []);

    /// <summary>The plan of an error-free manifest.</summary>
    public static string Emit(ChiefOnboardingManifestIR manifest, string className)
    {
        var members = new PlanMembers();
        var w = new SourceWriter();
        w.FileHeader();
        w.Line($"[assembly: {Plans}.ManifestPlan(typeof(global::{Namespace}.{className}))]");
        w.Line();
        w.Open($"namespace {Namespace}");
        w.Line($"/// <summary>The compiled ChiefOnboarding manifest <c>{IntegrationPlanEmitter.Xml(manifest.Name)}</c>.</summary>");
        w.Open($"public sealed class {className} : {Plans}.ChiefOnboardingPlan");
        w.Line($"public const string ManifestName = {CSharpLiterals.String(manifest.Name)};");
        w.Line();
        w.Line("public override string Name => ManifestName;");
        w.Line();
        w.Line($"public override {Plans}.ManifestKind Kind => {Plans}.ManifestKind.{manifest.Kind};");
        w.Line();
        w.Line($"public override {List}<{Plans}.FormItemPlan> Form {{ get; }} = {Array(Plans + ".FormItemPlan", manifest.Form.Select(f => FormItem(f, members)))};");
        w.Line();
        w.Line($"public override {Plans}.RequestPlan? Exists {{ get; }} = {(manifest.Exists is { } exists ? Request(exists, members) : "null")};");
        w.Line();
        w.Line($"public override {List}<{Plans}.RequestPlan> Revoke {{ get; }} = {Requests(manifest.Revoke, members)};");
        w.Line();
        w.Line($"public override {List}<{Plans}.RequestPlan> Execute {{ get; }} = {Requests(manifest.Execute, members)};");
        w.Line();
        w.Line($"public override {List}<{Plans}.HeaderPlan> Headers {{ get; }} = {Headers(manifest.Headers, members)};");
        w.Line();
        w.Line($"public override {Plans}.OAuthFlowPlan? OAuth {{ get; }} = {OAuth(manifest.OAuth, members)};");
        w.Line();
        w.Line($"public override {List}<{Plans}.InitialDataItemPlan> InitialDataForm {{ get; }} = " +
            Array(Plans + ".InitialDataItemPlan", manifest.InitialDataForm.Select(i => $"new {Plans}.InitialDataItemPlan({CSharpLiterals.String(i.Id)}, {CSharpLiterals.String(i.Name)}, {IntegrationPlanEmitter.NullableString(i.Description)}, {CSharpLiterals.Bool(i.Secret)}, {CSharpLiterals.Bool(i.Generate)})")) + ";");
        w.Line();
        w.Line($"public override {List}<{Plans}.UserInfoItemPlan> ExtraUserInfo {{ get; }} = " +
            Array(Plans + ".UserInfoItemPlan", manifest.ExtraUserInfo.Select(i => $"new {Plans}.UserInfoItemPlan({CSharpLiterals.String(i.Id)}, {CSharpLiterals.String(i.Name)}, {CSharpLiterals.String(i.Description)})")) + ";");
        w.Line();
        w.Line($"public override {List}<{Plans}.NotificationPlan> PostExecuteNotifications {{ get; }} = " +
            Array(Plans + ".NotificationPlan", manifest.PostExecuteNotifications.Select(n => $"new {Plans}.NotificationPlan({Plans}.NotificationType.{n.Type}, {members.Template(n.To)}, {members.Template(n.Subject)}, {members.Template(n.Message)})")) + ";");
        w.Line();
        w.Line($"public override {Plans}.SyncUsersPlan? Sync {{ get; }} = {Sync(manifest.Sync, members)};");
        w.Line();
        members.WriteTo(w);
        w.Close();
        if (manifest.InitialDataForm.Count > 0)
        {
            w.Line();
            EmitInitialData(w, className, manifest.InitialDataForm);
        }
        w.Close();
        return w.ToString();
    }

    /// <summary>
    /// <c>{Manifest}InitialData</c>: one string property per <c>initial_data_form</c> item, and <c>From</c>, which reads
    /// them from the stored values and names every item that has none (a <c>generate</c> item is filled by the host).
    /// </summary>
    private static void EmitInitialData(SourceWriter w, string className, EquatableArray<InitialDataItemIR> items)
    {
        var recordName = className + "InitialData";
        var properties = Naming.Distinct(items.Select(i => i.Id), ["EqualityContract", "From"]);
        w.Line($"/// <summary>The values of <see cref=\"{className}\"/>'s <c>initial_data_form</c>.</summary>");
        w.Line($"public sealed record {recordName}(");
        for (var i = 0; i < items.Count; i++)
        {
            w.Line($"    string {properties[i]}{(i + 1 < items.Count ? "," : ")")}");
        }
        w.Block();
        w.Line("/// <summary>The record, or null with <paramref name=\"missing\"/> naming the items without a value.</summary>");
        w.Open($"public static {recordName}? From(global::System.Collections.Generic.IReadOnlyDictionary<string, string> values, out global::System.Collections.Generic.List<string> missing)");
        w.Line("missing = new global::System.Collections.Generic.List<string>();");
        for (var i = 0; i < items.Count; i++)
        {
            w.Open($"if (!values.TryGetValue({CSharpLiterals.String(items[i].Id)}, out var v{i}))");
            w.Line($"missing.Add({CSharpLiterals.String(items[i].Id)});");
            w.Line($"v{i} = \"\";");
            w.Close();
        }
        w.Line($"return missing.Count > 0 ? null : new {recordName}({string.Join(", ", items.Select((_, i) => "v" + i))});");
        w.Close();
        w.Close();
    }

    private static string Requests(EquatableArray<RequestIR> requests, PlanMembers members) =>
        requests.Count == 0 ? $"global::System.Array.Empty<{Plans}.RequestPlan>()"
            : $"new {Plans}.RequestPlan[]\n        {{\n            {string.Join(",\n            ", requests.Select(r => Request(r, members)))}\n        }}";

    private static string Request(RequestIR request, PlanMembers members) =>
        $"new {Plans}.RequestPlan({members.Template(request.Url)}, {CSharpLiterals.String(request.Method)}, " +
        $"{(request.Data is { } data ? members.JsonTemplate(data) : "null")}, {CSharpLiterals.Bool(request.FormEncodeData)}, " +
        $"{(request.Headers is { } headers ? Headers(headers, members) : "null")}, " +
        $"{Array(Plans + ".StoreDataPlan", request.StoreData.Select(s => $"new {Plans}.StoreDataPlan({CSharpLiterals.String(s.Property)}, {Path(s.Path)})"))}, " +
        $"{(request.ContinueIf is { } c ? $"new {Plans}.ContinueIfPlan({Path(c.ResponseNotation)}, {members.Template(c.Value)})" : "null")}, " +
        $"{(request.Polling is { } p ? $"new {Plans}.PollingPlan({p.Interval}, {p.Amount})" : "null")}, " +
        $"{IntegrationPlanEmitter.NullableString(request.SaveAsFile)}, " +
        $"{Array(Plans + ".FileFieldPlan", request.Files.Select(f => $"new {Plans}.FileFieldPlan({CSharpLiterals.String(f.FieldName)}, {CSharpLiterals.String(f.FileName)})"))}, " +
        $"{Ints(request.StatusCodes)}, {members.OptionalTemplate(request.Expected) ?? "null"}, {IntegrationPlanEmitter.NullableString(request.ExtraHeaders)})";

    private static string Headers(EquatableArray<HeaderIR> headers, PlanMembers members) =>
        Array(Plans + ".HeaderPlan", headers.Select(h => $"new {Plans}.HeaderPlan({members.Template(h.Name)}, {members.Template(h.Value)})"));

    private static string FormItem(FormItemIR item, PlanMembers members) =>
        $"new {Plans}.FormItemPlan({CSharpLiterals.String(item.Id)}, {CSharpLiterals.String(item.Name)}, {Plans}.FormItemType.{item.Type}, " +
        $"{(item.Source is { } source ? Request(source, members) : "null")}, {(item.Items is { } items ? members.JsonTemplate(items) : "null")}, " +
        $"{Path(item.DataFrom)}, {Path(item.ChoiceValue)}, {Path(item.ChoiceName)})";

    private static string OAuth(OAuthFlowIR? oauth, PlanMembers members) => oauth is null ? "null" :
        $"new {Plans}.OAuthFlowPlan({members.Template(oauth.AuthenticateUrl)}, {Request(oauth.AccessToken, members)}, " +
        $"{(oauth.Refresh is { } refresh ? Request(refresh, members) : "null")}, {CSharpLiterals.Bool(oauth.WithoutCode)})";

    private static string Sync(SyncUsersIR? sync, PlanMembers members)
    {
        if (sync is null)
        {
            return "null";
        }
        var p = sync.Pagination;
        var pagination = $"new {Plans}.PaginationPlan({Plans}.PaginationMode.{p.Mode}, {OptionalPath(p.NextPageFrom)}, {OptionalPath(p.NextPageTokenFrom)}, " +
            $"{members.OptionalTemplate(p.NextPage) ?? "null"}, {p.AmountPagesToFetch})";
        var structure = Array(Plans + ".DataStructureEntryPlan", sync.DataStructure.Select(d => $"new {Plans}.DataStructureEntryPlan({CSharpLiterals.String(d.Property)}, {Path(d.Path)})"));
        var schedule = sync.Schedule is { } s
            ? $"new {Plans}.CronSchedulePlan({CSharpLiterals.String(s.Expression)}, {CSharpLiterals.Bool(s.HasSeconds)}, {Ints(s.Seconds)}, {Ints(s.Minutes)}, {Ints(s.Hours)}, " +
              $"{Ints(s.DaysOfMonth)}, {Ints(s.Months)}, {Ints(s.DaysOfWeek)}, {CSharpLiterals.Bool(s.DayOfMonthRestricted)}, {CSharpLiterals.Bool(s.DayOfWeekRestricted)})"
            : "null";
        return $"new {Plans}.SyncUsersPlan({Plans}.SyncAction.{sync.Action}, {Path(sync.DataFrom)}, {structure}, {schedule}, {pagination})";
    }

    private static string Path(DotPathIR path) => $"new {Plans}.DotPathPlan({CSharpLiterals.String(path.Source)}, {IntegrationPlanEmitter.Strings(path.Segments)})";

    private static string OptionalPath(DotPathIR? path) => path is null ? "null" : Path(path);

    private static string Ints(EquatableArray<int> values) => Array("int", values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static string Array(string type, IEnumerable<string> items) => IntegrationPlanEmitter.Array(type, items);
}
