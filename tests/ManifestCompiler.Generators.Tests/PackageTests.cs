using System.Diagnostics;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Generators.Tests;

/// <summary>
/// The NuGet package as a user gets it: packed, restored from a local folder into a project outside this repository,
/// which only writes <c>&lt;Integration Include="integrations/**" /&gt;</c>. Its build compiles the plans; a broken
/// manifest fails the build with the analyzer's diagnostic at the file's line and column.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-package-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_project_referencing_the_package_compiles_its_integrations()
    {
        var feed = Path.Combine(_directory, "feed");
        // A version of its own, so no package cache holds an older build under the same number.
        var version = "0.0.0-test" + DateTime.UtcNow.Ticks;
        // The test run has built the generator already (in this configuration); packing must not build it again
        // while other test assemblies run.
        Run(RepositoryPaths.Root, ["pack", "generators/ManifestCompiler.Generators", "--no-build", "-c", Configuration, "-o", feed, $"-p:PackageVersion={version}"]);

        var consumer = Path.Combine(_directory, "consumer");
        CopyDirectory(Path.Combine(RepositoryPaths.Root, "samples", "bossi", "stripe"), Path.Combine(consumer, "integrations", "stripe"));
        File.Copy(Path.Combine(RepositoryPaths.Root, "samples", "chiefonboarding", "asana-add-user.json"), Path.Combine(consumer, "integrations", "asana-add-user.json"));
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <RestoreAdditionalProjectSources>{feed}</RestoreAdditionalProjectSources>
                <RestorePackagesPath>{Path.Combine(_directory, "packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ManifestCompiler.Generators" Version="{version}" />
                <Integration Include="integrations/**" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
            using ManifestCompiler.Runtime.Support.Plans;
            var catalog = PlanCatalog.Load(typeof(Program).Assembly);
            var stripe = new ManifestCompiler.Generated.Stripe.StripePlan();
            Console.WriteLine($"{catalog.Integrations.Count} {catalog.Manifests.Count} {stripe.PaymentSucceededV1.Steps.Count}");
            """);

        var build = Run(consumer, ["build"]);
        Assert.Contains("Build succeeded", build.Output, StringComparison.Ordinal);
        Assert.Equal("1 1 2", Run(consumer, ["run", "--no-build"]).Output.Trim());

        var webhook = Path.Combine(consumer, "integrations", "stripe", "webhook.json");
        File.WriteAllText(webhook, File.ReadAllText(webhook).Replace("\"action\": \"customers-post-v1\"", "\"action\": \"customers-post-v2\"", StringComparison.Ordinal));
        var broken = Run(consumer, ["build"], expectSuccess: false);
        Assert.NotEqual(0, broken.ExitCode);
        Assert.Contains("webhook.json(21,17): error MC7001: No action 'customers-post-v2' is declared in schema.json", broken.Output, StringComparison.Ordinal);
    }

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static (int ExitCode, string Output) Run(string directory, string[] args, bool expectSuccess = true)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // Build servers would outlive the test and keep the temporary folder's files open.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd() + error.Result;
        process.WaitForExit();
        if (expectSuccess)
        {
            Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} failed:\n{output}");
        }
        return (process.ExitCode, output);
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
