using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Cli.Tests;

public sealed class BuildCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-build-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Sample(params string[] parts) => Path.Combine([RepositoryPaths.Root, "samples", .. parts]);

    [Fact]
    public void Builds_a_loadable_deterministic_plan_assembly()
    {
        var first = Path.Combine(_directory, "first");
        var result = MfcRunner.Run(null, "build", Sample("bossi", "quickbooks"), "-o", first, "--no-python");
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        var dll = Path.Combine(first, "Quickbooks.Plans.dll");
        Assert.Contains($"Built {dll}: 1 integration plan(s), 0 manifest plan(s), 3 generated file(s)", result.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(first, "ManifestCompiler.Runtime.Support.dll")));

        // Loaded as a host loads plans: a collectible context of its own, the support library shared with the host.
        var context = new AssemblyLoadContext("plans", isCollectible: true);
        try
        {
            var catalog = PlanCatalog.Load(context.LoadFromAssemblyPath(dll));
            var plan = Assert.Single(catalog.Integrations);
            Assert.Equal("quickbooks", plan.Name);
            Assert.Equal(4, plan.Actions.Count);
            Assert.Equal(("intuit-signature", WebhookSignatureScheme.HmacSha256Base64), (plan.Webhook!.Signature!.Header, plan.Webhook.Signature.Scheme));
            using var body = JsonDocument.Parse("""{"eventNotifications": [{"realmId": 9, "dataChangeEvent": {"entities": [1, 2]}}]}""");
            using var headers = JsonDocument.Parse("""{"Intuit-Signature": "s"}""");
            var routed = plan.Webhook!.Route(body.RootElement, headers.RootElement);
            Assert.Equal("""{"realmId":"9","changed":"2"}""", Assert.Single(routed.Dispatches).Payload);
        }
        finally
        {
            context.Unload();
        }

        var second = Path.Combine(_directory, "second");
        Assert.Equal(0, MfcRunner.Run(null, "build", Sample("bossi", "quickbooks"), "-o", second, "--no-python").ExitCode);
        Assert.Equal(File.ReadAllBytes(dll), File.ReadAllBytes(Path.Combine(second, "Quickbooks.Plans.dll")));
    }

    [Fact]
    public void Builds_every_sample_into_one_assembly()
    {
        var result = MfcRunner.Run(null, "build", Sample(), "-o", _directory, "--name", "All.Plans", "--no-python");
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        var catalog = PlanCatalog.Load(Assembly.LoadFile(Path.Combine(_directory, "All.Plans.dll")));
        Assert.Equal((3, 5), (catalog.Integrations.Count, catalog.Manifests.Count));
    }

    [Fact]
    public void Errors_are_reported_as_check_reports_them_and_nothing_is_written()
    {
        var broken = Path.Combine(_directory, "broken");
        CopyDirectory(Sample("bossi", "stripe"), broken);
        var webhook = Path.Combine(broken, "webhook.json");
        File.WriteAllText(webhook, File.ReadAllText(webhook).Replace("\"action\": \"customers-post-v1\"", "\"action\": \"customers-post-v2\"", StringComparison.Ordinal));
        var output = Path.Combine(_directory, "out");

        var result = MfcRunner.Run(null, "build", broken, "-o", output, "--no-python");
        var check = MfcRunner.Run(null, "check", broken, "--no-python");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error MC", result.Output, StringComparison.Ordinal);
        Assert.Equal(check.Output.Split('\n').Where(l => l.Contains(": error ", StringComparison.Ordinal)), result.Output.Split('\n').Where(l => l.Contains(": error ", StringComparison.Ordinal)));
        Assert.Contains("no assembly written", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_path_without_integrations_or_manifests_is_a_usage_error()
    {
        var result = MfcRunner.Run(null, "build", _directory, "-o", Path.Combine(_directory, "out"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no integration folder or manifest found", result.Error, StringComparison.Ordinal);
    }

    private static void CopyDirectory(string source, string target)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}
