using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using ManifestCompiler.Testing;
using Xunit.Abstractions;

namespace ManifestCompiler.Cli.Tests;

/// <summary>
/// The JSON Schemas under schemas/ (checked with JsonSchema.Net 8): every sample file and every manifest ChiefOnboarding
/// accepts validates, the rejected conformance manifests fail, the binders' keys and closed value lists are exactly
/// the schemas', the binders accept a top-level <c>$schema</c>, and <c>mfc schema</c> prints the shipped files.
/// </summary>
public sealed class JsonSchemaTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-schema-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string SchemaFile(string name) => Path.Combine(RepositoryPaths.Root, "schemas", name + ".schema.json");

    private static JsonSchema Load(string name) =>
        JsonSchema.FromText(File.ReadAllText(SchemaFile(name)), new BuildOptions { SchemaRegistry = new SchemaRegistry() });

    private static EvaluationResults Evaluate(string schema, string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(file));
        return Load(schema).Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    private static string Errors(EvaluationResults results) =>
        string.Join("; ", (results.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} {e.Key}: {e.Value}")));

    /// <summary>The schema a ChiefOnboarding manifest is checked with: sync-users when it has a sync-only key, as the binder decides.</summary>
    private static string ChiefOnboardingSchema(JsonObject manifest) =>
        new[] { "action", "data_structure", "data_from", "next_page_token_from", "next_page", "next_page_from", "schedule", "amount_pages_to_fetch" }.Count(k => manifest.ContainsKey(k))
        > new[] { "form", "exists", "revoke", "post_execute_notification", "extra_user_info" }.Count(k => manifest.ContainsKey(k))
            ? "chiefonboarding-sync-users" : "chiefonboarding-webhook";

    public static TheoryData<string, string> SampleFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var folder in Directory.GetDirectories(Path.Combine(RepositoryPaths.Root, "samples", "bossi")))
        {
            foreach (var (file, schema) in new[] { ("oauth.json", "bossi-oauth"), ("schema.json", "bossi-schema"), ("usertypes.json", "bossi-usertypes"), ("webhook.json", "bossi-webhook") })
            {
                if (File.Exists(Path.Combine(folder, file)))
                {
                    data.Add(schema, Path.GetRelativePath(RepositoryPaths.Root, Path.Combine(folder, file)));
                }
            }
            foreach (var mapping in Directory.GetFiles(Path.Combine(folder, "action"), "schema.json", SearchOption.AllDirectories))
            {
                data.Add("bossi-action-schema", Path.GetRelativePath(RepositoryPaths.Root, mapping));
            }
        }
        foreach (var manifest in Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "samples", "chiefonboarding"), "*.json"))
        {
            data.Add(ChiefOnboardingSchema((JsonObject)JsonNode.Parse(File.ReadAllText(manifest))!), Path.GetRelativePath(RepositoryPaths.Root, manifest));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void Every_sample_file_validates(string schema, string file)
    {
        var results = Evaluate(schema, Path.Combine(RepositoryPaths.Root, file));
        Assert.True(results.IsValid, $"{file} against {schema}: {Errors(results)}");
    }

    private static IEnumerable<(string File, string Kind, bool? Valid)> Conformance()
    {
        var expectations = JsonNode.Parse(File.ReadAllText(Path.Combine(ConformanceDirectory, "manifests", "chiefonboarding", "expectations.json")))!.AsObject();
        foreach (var (file, expectation) in expectations)
        {
            yield return (Path.Combine(ConformanceDirectory, "manifests", "chiefonboarding", file), (string)expectation!["kind"]!, (bool?)expectation["chiefonboarding_valid"]);
        }
    }

    /// <summary>The shared conformance data beside the repository (README: "Set up and run"), or MC_CONFORMANCE_DIR.</summary>
    private static string ConformanceDirectory =>
        Environment.GetEnvironmentVariable("MC_CONFORMANCE_DIR") is { Length: > 0 } dir ? dir : Path.GetFullPath(Path.Combine(RepositoryPaths.Root, "..", "shared", "conformance"));

    private static string SchemaForKind(string kind) => kind == "sync_users" ? "chiefonboarding-sync-users" : "chiefonboarding-webhook";

    [Fact]
    public void Every_manifest_ChiefOnboarding_accepts_validates_and_every_one_it_rejects_fails()
    {
        var accepted = Conformance().Where(c => c.Valid == true).ToList();
        var rejected = Conformance().Where(c => c.Valid == false).ToList();
        foreach (var (file, kind, _) in accepted)
        {
            var results = Evaluate(SchemaForKind(kind), file);
            Assert.True(results.IsValid, $"{Path.GetFileName(file)} ({kind}): {Errors(results)}");
        }
        var passedWrongly = rejected.Where(c => Evaluate(SchemaForKind(c.Kind), c.File).IsValid).Select(c => Path.GetFileName(c.File)).ToList();
        log.WriteLine($"accepted: {accepted.Count} validate; rejected: {rejected.Count - passedWrongly.Count} of {rejected.Count} fail validation");
        Assert.True(accepted.Count >= 24, "the conformance data holds 24 accepted manifests");
        Assert.True(rejected.Count >= 47, "the conformance data holds 47 rejected manifests");
        Assert.Empty(passedWrongly);
    }

    // ---- the binders and the schemas cannot drift ----

    private static readonly Assembly Compiler = typeof(ManifestCompiler.ManifestCompilation).Assembly;

    /// <summary>A binder's private key list, read by name: a renamed list fails here rather than going unchecked.</summary>
    private static string[] BinderList(string binder, string field)
    {
        var value = Compiler.GetType("ManifestCompiler.Binding." + binder, throwOnError: true)!
            .GetField(field, BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
            ?? throw new InvalidOperationException($"{binder}.{field} is not there any more: point this test at the binder's list");
        return value switch
        {
            IDictionary dictionary => [.. dictionary.Keys.Cast<string>()],
            IEnumerable<string> list => [.. list],
            _ => throw new InvalidOperationException($"{binder}.{field} is not a list of keys"),
        };
    }

    /// <summary>The keys the request shape <paramref name="shape"/> knows, read from the binder's table of request shapes.</summary>
    private static string[] RequestKeys(string shape)
    {
        var table = Compiler.GetType("ManifestCompiler.Binding.ChiefOnboarding.ChiefOnboardingRequestShape", throwOnError: true)!;
        var value = table.GetField(shape, BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
            ?? throw new InvalidOperationException($"no request shape {shape}: point this test at the binder's table");
        return [.. (IEnumerable<string>)table.GetProperty("Keys")!.GetValue(value)!];
    }

    private static JsonObject Node(string schema, string pointer)
    {
        JsonNode node = JsonNode.Parse(File.ReadAllText(SchemaFile(schema)))!;
        foreach (var part in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node[part] ?? throw new InvalidOperationException($"{schema}: no {pointer}");
        }
        return node.AsObject();
    }

    private static string[] Properties(string schema, string pointer) =>
        [.. Node(schema, pointer)["properties"]!.AsObject().Select(p => p.Key).Where(k => k != "$schema")];

    private static string[] EnumOf(string schema, string pointer) => [.. Node(schema, pointer)["enum"]!.AsArray().Select(v => (string)v!)];

    public static TheoryData<string, string, string, string> KeyLists() => new()
    {
        { "BossiBinder", "OAuthKeys", "bossi-oauth", "" },
        { "BossiBinder", "TriggerStepKeys", "bossi-oauth", "$defs/triggerStep" },
        { "BossiBinder", "SchemaKeys", "bossi-schema", "" },
        { "BossiBinder", "SecurityKeys", "bossi-schema", "properties/security" },
        { "BossiBinder", "ActionKeys", "bossi-schema", "$defs/action" },
        { "BossiBinder", "StepKeys", "bossi-schema", "$defs/action/properties/steps/items" },
        { "BossiBinder", "MappingKeys", "bossi-action-schema", "" },
        { "BossiBinder", "FieldKeys", "bossi-action-schema", "properties/data/additionalProperties" },
        { "BossiBinder", "WebhookKeys", "bossi-webhook", "" },
        { "BossiBinder", "ValidationKeys", "bossi-webhook", "properties/validations" },
        { "BossiBinder", "SignatureKeys", "bossi-webhook", "properties/validations/properties/signature" },
        { "BossiBinder", "WebhookStepKeys", "bossi-webhook", "properties/triggerSteps/items" },
        { "BossiBinder", "MemoryKeys", "bossi-webhook", "properties/triggerSteps/items/properties/memory/items" },
        { "ChiefOnboarding.ChiefOnboardingBinder", "WebhookRootKeys", "chiefonboarding-webhook", "" },
        { "ChiefOnboarding.ChiefOnboardingBinder", "SyncRootKeys", "chiefonboarding-sync-users", "" },
        { "ChiefOnboarding.ChiefOnboardingBinder", "InitialDataKeys", "chiefonboarding-webhook", "$defs/initialDataItem" },
        { "ChiefOnboarding.ChiefOnboardingBinder", "InitialDataKeys", "chiefonboarding-sync-users", "$defs/initialDataItem" },
        { "ChiefOnboarding.ChiefOnboardingBinder", "UserInfoKeys", "chiefonboarding-webhook", "properties/extra_user_info/items" },
        { "ChiefOnboarding.ChiefOnboardingBinder", "NotificationKeys", "chiefonboarding-webhook", "properties/post_execute_notification/items" },
        { "ChiefOnboarding.ChiefOnboardingBinder", "OAuthKeys", "chiefonboarding-webhook", "$defs/oauth" },
        { "ChiefOnboarding.ChiefOnboardingBinder", "OAuthKeys", "chiefonboarding-sync-users", "$defs/oauth" },
        { "ChiefOnboarding.ChiefOnboardingBinder", "FormKeys", "chiefonboarding-webhook", "properties/form/items" },
    };

    [Theory]
    [MemberData(nameof(KeyLists))]
    public void The_binder_and_the_schema_know_the_same_keys(string binder, string field, string schema, string pointer) =>
        Assert.Equal(BinderList(binder, field).Order(StringComparer.Ordinal), Properties(schema, pointer).Order(StringComparer.Ordinal));

    [Fact]
    public void Requests_closed_value_lists_and_the_schemas_agree()
    {
        Assert.Equal(RequestKeys("Execute").Order(), Properties("chiefonboarding-webhook", "$defs/executeItem").Order());
        Assert.Equal(RequestKeys("Execute").Order(), Properties("chiefonboarding-sync-users", "$defs/executeItem").Order());
        Assert.Equal(RequestKeys("Exists").Order(), Properties("chiefonboarding-webhook", "$defs/existsItem").Order());
        Assert.Equal(RequestKeys("Revoke").Order(), Properties("chiefonboarding-webhook", "$defs/revokeItem").Order());
        Assert.Equal(BinderList("ChiefOnboarding.ChiefOnboardingRequestShape", "Methods"), EnumOf("chiefonboarding-webhook", "$defs/executeItem/properties/method"));
        Assert.Equal(BinderList("ChiefOnboarding.ChiefOnboardingRequestShape", "ExistsMethods"), EnumOf("chiefonboarding-webhook", "$defs/existsItem/properties/method"));
        Assert.Equal(BinderList("BossiBinder", "FieldTypes").Order(), EnumOf("bossi-action-schema", "properties/data/additionalProperties/properties/dataType").Order());
        Assert.Equal(BinderList("BossiBinder", "KnownServices"), EnumOf("bossi-oauth", "properties/services/items"));
        Assert.Equal(ManifestCompiler.Runtime.Support.Plans.WebhookSignaturePlan.SchemeNames.Select(s => s.Key), EnumOf("bossi-webhook", "properties/validations/properties/signature/properties/scheme"));
    }

    [Fact]
    public void Every_schema_is_2020_12_with_an_id_and_a_description()
    {
        foreach (var (_, file, _) in Commands.SchemaCommand.Kinds)
        {
            var schema = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "schemas", file)))!;
            Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string?)schema["$schema"]);
            Assert.EndsWith("/" + file, (string?)schema["$id"], StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty((string?)schema["description"]));
        }
        Assert.Equal(Commands.SchemaCommand.Kinds.Count, Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "schemas"), "*.schema.json").Length);
    }

    // ---- $schema in the files, and mfc schema ----

    [Fact]
    public void The_binders_accept_a_top_level_schema_key_in_every_file_kind()
    {
        var folder = Path.Combine(_directory, "quickbooks");
        var source = Path.Combine(RepositoryPaths.Root, "samples", "bossi", "quickbooks");
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(folder, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var text = File.ReadAllText(file);
            if (file.EndsWith(".json", StringComparison.Ordinal))
            {
                var node = JsonNode.Parse(text)!.AsObject();
                var withSchema = new JsonObject { ["$schema"] = "https://manifestcompiler.local/schemas/any.schema.json" };
                foreach (var (key, value) in node)
                {
                    withSchema[key] = value?.DeepClone();
                }
                text = withSchema.ToJsonString();
            }
            File.WriteAllText(target, text);
        }
        var manifest = Path.Combine(_directory, "asana.json");
        var asana = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "chiefonboarding", "asana-add-user.json")))!.AsObject();
        asana.Insert(0, "$schema", "../schemas/chiefonboarding-webhook.schema.json");
        File.WriteAllText(manifest, asana.ToJsonString());

        var result = MfcRunner.Run(null, "check", folder, manifest);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("Checked 1 integration folder(s) and 1 manifest(s): 0 error(s), 0 warning(s)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Mfc_schema_prints_the_shipped_schema_and_lists_the_kinds()
    {
        var oauth = MfcRunner.Run(null, "schema", "oauth");
        Assert.Equal(0, oauth.ExitCode);
        Assert.Equal(File.ReadAllText(SchemaFile("bossi-oauth")), oauth.Output);

        var list = MfcRunner.Run(null, "schema");
        Assert.Equal(0, list.ExitCode);
        Assert.Equal(7, list.Output.Trim().Split('\n').Length);
        Assert.Contains("chiefonboarding-sync-users", list.Output, StringComparison.Ordinal);

        var unknown = MfcRunner.Run(null, "schema", "oath");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown kind 'oath'", unknown.Error, StringComparison.Ordinal);
    }
}
