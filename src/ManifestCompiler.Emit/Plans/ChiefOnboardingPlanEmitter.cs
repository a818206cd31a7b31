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
        w.Value($"public override {List}<{Plans}.FormItemPlan> Form {{ get; }} = ", CSharpValue.Array(Plans + ".FormItemPlan", manifest.Form.Select(f => FormItem(f, members))), ";");
        w.Line();
        w.Value($"public override {Plans}.RequestPlan? Exists {{ get; }} = ", manifest.Exists is { } exists ? Request(exists, members) : "null", ";");
        w.Line();
        w.Value($"public override {List}<{Plans}.RequestPlan> Revoke {{ get; }} = ", Requests(manifest.Revoke, members), ";");
        w.Line();
        w.Value($"public override {List}<{Plans}.RequestPlan> Execute {{ get; }} = ", Requests(manifest.Execute, members), ";");
        w.Line();
        w.Value($"public override {List}<{Plans}.HeaderPlan> Headers {{ get; }} = ", Headers(manifest.Headers, members), ";");
        w.Line();
        w.Value($"public override {Plans}.OAuthFlowPlan? OAuth {{ get; }} = ", OAuth(manifest.OAuth, members), ";");
        w.Line();
        w.Value($"public override {List}<{Plans}.InitialDataItemPlan> InitialDataForm {{ get; }} = ", CSharpValue.Array(Plans + ".InitialDataItemPlan", manifest.InitialDataForm.Select(i => CSharpValue.New(Plans + ".InitialDataItemPlan",
            ("Id", CSharpLiterals.String(i.Id)),
            ("Name", CSharpLiterals.String(i.Name)),
            ("Description", IntegrationPlanEmitter.NullableString(i.Description)),
            ("Secret", CSharpLiterals.Bool(i.Secret)),
            ("Generate", CSharpLiterals.Bool(i.Generate))))), ";");
        w.Line();
        w.Value($"public override {List}<{Plans}.UserInfoItemPlan> ExtraUserInfo {{ get; }} = ", CSharpValue.Array(Plans + ".UserInfoItemPlan", manifest.ExtraUserInfo.Select(i => CSharpValue.New(Plans + ".UserInfoItemPlan",
            ("Id", CSharpLiterals.String(i.Id)),
            ("Name", CSharpLiterals.String(i.Name)),
            ("Description", CSharpLiterals.String(i.Description))))), ";");
        w.Line();
        w.Value($"public override {List}<{Plans}.NotificationPlan> PostExecuteNotifications {{ get; }} = ", CSharpValue.Array(Plans + ".NotificationPlan", manifest.PostExecuteNotifications.Select(n => CSharpValue.New(Plans + ".NotificationPlan",
            ("Type", $"{Plans}.NotificationType.{n.Type}"),
            ("To", members.Template(n.To)),
            ("Subject", members.Template(n.Subject)),
            ("Message", members.Template(n.Message))))), ";");
        w.Line();
        w.Value($"public override {Plans}.SyncUsersPlan? Sync {{ get; }} = ", Sync(manifest.Sync, members), ";");
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

    private static CSharpValue Requests(EquatableArray<RequestIR> requests, PlanMembers members) =>
        CSharpValue.Array(Plans + ".RequestPlan", requests.Select(r => Request(r, members)));

    private static CSharpValue Request(RequestIR request, PlanMembers members) => CSharpValue.New(Plans + ".RequestPlan",
        ("Url", members.Template(request.Url)),
        ("Method", CSharpLiterals.String(request.Method)),
        ("Data", request.Data is { } data ? members.JsonTemplate(data) : "null"),
        ("FormEncodeData", CSharpLiterals.Bool(request.FormEncodeData)),
        ("Headers", request.Headers is { } headers ? Headers(headers, members) : "null"),
        ("StoreData", CSharpValue.Array(Plans + ".StoreDataPlan", request.StoreData.Select(s => CSharpValue.New(Plans + ".StoreDataPlan",
            ("Property", CSharpLiterals.String(s.Property)),
            ("Path", Path(s.Path)))))),
        ("ContinueIf", request.ContinueIf is { } c
            ? CSharpValue.New(Plans + ".ContinueIfPlan", ("ResponseNotation", Path(c.ResponseNotation)), ("Value", members.Template(c.Value)))
            : "null"),
        ("Polling", request.Polling is { } p
            ? CSharpValue.New(Plans + ".PollingPlan", ("IntervalSeconds", IntegrationPlanEmitter.Int(p.Interval)), ("Amount", IntegrationPlanEmitter.Int(p.Amount)))
            : "null"),
        ("SaveAsFile", IntegrationPlanEmitter.NullableString(request.SaveAsFile)),
        ("Files", CSharpValue.Array(Plans + ".FileFieldPlan", request.Files.Select(f => CSharpValue.New(Plans + ".FileFieldPlan",
            ("FieldName", CSharpLiterals.String(f.FieldName)),
            ("FileName", CSharpLiterals.String(f.FileName)))))),
        ("StatusCodes", IntegrationPlanEmitter.Ints(request.StatusCodes)),
        ("Expected", members.OptionalTemplate(request.Expected) ?? "null"),
        ("ExtraHeaders", IntegrationPlanEmitter.NullableString(request.ExtraHeaders)));

    private static CSharpValue Headers(EquatableArray<HeaderIR> headers, PlanMembers members) =>
        CSharpValue.Array(Plans + ".HeaderPlan", headers.Select(h => CSharpValue.New(Plans + ".HeaderPlan",
            ("Name", members.Template(h.Name)),
            ("Value", members.Template(h.Value)))));

    private static CSharpValue FormItem(FormItemIR item, PlanMembers members) => CSharpValue.New(Plans + ".FormItemPlan",
        ("Id", CSharpLiterals.String(item.Id)),
        ("Name", CSharpLiterals.String(item.Name)),
        ("Type", $"{Plans}.FormItemType.{item.Type}"),
        ("Source", item.Source is { } source ? Request(source, members) : "null"),
        ("Items", item.Items is { } items ? members.JsonTemplate(items) : "null"),
        ("DataFrom", Path(item.DataFrom)),
        ("ChoiceValue", Path(item.ChoiceValue)),
        ("ChoiceName", Path(item.ChoiceName)));

    private static CSharpValue OAuth(OAuthFlowIR? oauth, PlanMembers members) => oauth is null ? "null" : CSharpValue.New(Plans + ".OAuthFlowPlan",
        ("AuthenticateUrl", members.Template(oauth.AuthenticateUrl)),
        ("AccessToken", Request(oauth.AccessToken, members)),
        ("Refresh", oauth.Refresh is { } refresh ? Request(refresh, members) : "null"),
        ("WithoutCode", CSharpLiterals.Bool(oauth.WithoutCode)));

    private static CSharpValue Sync(SyncUsersIR? sync, PlanMembers members)
    {
        if (sync is null)
        {
            return "null";
        }
        var p = sync.Pagination;
        return CSharpValue.New(Plans + ".SyncUsersPlan",
            ("Action", $"{Plans}.SyncAction.{sync.Action}"),
            ("DataFrom", Path(sync.DataFrom)),
            ("DataStructure", CSharpValue.Array(Plans + ".DataStructureEntryPlan", sync.DataStructure.Select(d => CSharpValue.New(Plans + ".DataStructureEntryPlan",
                ("Property", CSharpLiterals.String(d.Property)),
                ("Path", Path(d.Path)))))),
            ("Schedule", sync.Schedule is { } s ? Schedule(s) : "null"),
            ("Pagination", CSharpValue.New(Plans + ".PaginationPlan",
                ("Mode", $"{Plans}.PaginationMode.{p.Mode}"),
                ("NextPageFrom", OptionalPath(p.NextPageFrom)),
                ("NextPageTokenFrom", OptionalPath(p.NextPageTokenFrom)),
                ("NextPage", members.OptionalTemplate(p.NextPage) ?? "null"),
                ("AmountPagesToFetch", IntegrationPlanEmitter.Int(p.AmountPagesToFetch)))));
    }

    /// <summary>The parser's schedule as it is: the expanded fields, not the expression to parse again at start-up.</summary>
    private static CSharpValue Schedule(Runtime.Support.Plans.CronSchedulePlan s) => CSharpValue.New(Plans + ".CronSchedulePlan",
        ("Expression", CSharpLiterals.String(s.Expression)),
        ("HasSeconds", CSharpLiterals.Bool(s.HasSeconds)),
        ("Seconds", IntegrationPlanEmitter.Ints(s.Seconds)),
        ("Minutes", IntegrationPlanEmitter.Ints(s.Minutes)),
        ("Hours", IntegrationPlanEmitter.Ints(s.Hours)),
        ("DaysOfMonth", IntegrationPlanEmitter.Ints(s.DaysOfMonth)),
        ("Months", IntegrationPlanEmitter.Ints(s.Months)),
        ("DaysOfWeek", IntegrationPlanEmitter.Ints(s.DaysOfWeek)),
        ("DayOfMonthRestricted", CSharpLiterals.Bool(s.DayOfMonthRestricted)),
        ("DayOfWeekRestricted", CSharpLiterals.Bool(s.DayOfWeekRestricted)));

    private static CSharpValue Path(DotPathIR path) => CSharpValue.New(Plans + ".DotPathPlan",
        ("Source", CSharpLiterals.String(path.Source)),
        ("Segments", IntegrationPlanEmitter.Strings(path.Segments)));

    private static CSharpValue OptionalPath(DotPathIR? path) => path is null ? "null" : Path(path);
}
