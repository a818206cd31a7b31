using ManifestCompiler.Conformance.Suites;

namespace ManifestCompiler.Conformance;

/// <summary>Every suite, in a fixed order. Later languages and engines add theirs here.</summary>
public static class ConformanceRunner
{
    public const string DirectoryVariable = "MC_CONFORMANCE_DIR";

    public static IReadOnlyList<IConformanceSuite> Suites { get; } =
    [
        new JsonPathSuite("jsonpath-cts", Path.Combine("jsonpath", "cts.json"), JsonPathSuite.Format.CtsDocument),
        new JsonPathSuite("jsonpath-generated", Path.Combine("jsonpath", "generated.jsonl"), JsonPathSuite.Format.JsonLines),
        new JsonPathSuite("jsonpath-cts-compiled", Path.Combine("jsonpath", "cts.json"), JsonPathSuite.Format.CtsDocument, JsonPathSuite.Engine.Compiled),
        new JsonPathSuite("jsonpath-generated-compiled", Path.Combine("jsonpath", "generated.jsonl"), JsonPathSuite.Format.JsonLines, JsonPathSuite.Engine.Compiled),
        new PythonExpressionSuite("pyexpr-generated", Path.Combine("pyexpr", "generated.jsonl")),
        new PythonExpressionSuite("pyexpr-holes", Path.Combine("pyexpr", "holes.jsonl")),
        new PythonExpressionSuite("pyexpr-generated-compiled", Path.Combine("pyexpr", "generated.jsonl"), PythonExpressionSuite.Engine.Compiled),
        new PythonExpressionSuite("pyexpr-holes-compiled", Path.Combine("pyexpr", "holes.jsonl"), PythonExpressionSuite.Engine.Compiled),
        new ChiefOnboardingManifestSuite("manifests-chiefonboarding", Path.Combine("manifests", "chiefonboarding")),
        new SandboxSuite("sandbox", "sandbox"),
    ];

    public static IReadOnlyList<SuiteResult> RunAll(string directory) => Suites.Select(s => Run(s, directory)).ToList();

    public static SuiteResult Run(string suiteName, string directory)
    {
        var suite = Suites.FirstOrDefault(s => s.Name == suiteName)
            ?? throw new ArgumentException($"No conformance suite named '{suiteName}'.", nameof(suiteName));
        return Run(suite, directory);
    }

    private static SuiteResult Run(IConformanceSuite suite, string directory)
    {
        try
        {
            return suite.Run(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            return new SuiteResult(suite.Name, 0, 0, [], e.Message);
        }
    }

    /// <summary>
    /// The conformance directory: the explicit one, else <c>MC_CONFORMANCE_DIR</c>, else <c>../shared/conformance</c>
    /// beside the repository root (found by walking up to ManifestCompiler.sln from here or from the binaries).
    /// </summary>
    public static string ResolveDirectory(string? explicitDirectory = null)
    {
        if (!string.IsNullOrEmpty(explicitDirectory))
        {
            return Path.GetFullPath(explicitDirectory);
        }
        var fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }
        return Repository.RepositoryRoot.Find(Directory.GetCurrentDirectory(), AppContext.BaseDirectory) is { } root
            ? Path.GetFullPath(Path.Combine(root, "..", "shared", "conformance"))
            : Path.GetFullPath(Path.Combine("..", "shared", "conformance"));
    }
}
