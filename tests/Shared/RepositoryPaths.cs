namespace ManifestCompiler.Testing;

/// <summary>Locates the repository from the test binaries (bin/…), so tests read samples and write baselines in place.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = Repository.RepositoryRoot.Require(AppContext.BaseDirectory);

    /// <summary>Set MC_UPDATE_BASELINES=1 to rewrite golden files from the actual output instead of comparing.</summary>
    public static bool UpdateBaselines => Environment.GetEnvironmentVariable("MC_UPDATE_BASELINES") == "1";

    /// <summary>The .json and .py files under samples/, in order; build output (samples/HostApp's bin and obj) excluded.</summary>
    public static IEnumerable<string> SampleInputFiles() =>
        Directory.EnumerateFiles(Path.Combine(Root, "samples"), "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".py", StringComparison.Ordinal))
            .Where(f => !Path.GetRelativePath(Root, f).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal);

    /// <summary>Compares with a golden file, or rewrites it when baselines are being updated.</summary>
    public static void AssertMatchesBaseline(string relativePath, string actual)
    {
        var path = Path.Combine(Root, relativePath);
        actual = actual.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (UpdateBaselines)
        {
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"missing baseline {relativePath}; run the tests with MC_UPDATE_BASELINES=1 to create it");
        var expected = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        if (expected != actual)
        {
            var actualPath = path + ".actual";
            File.WriteAllText(actualPath, actual);
            Assert.Fail($"{relativePath} differs from the output (written to {actualPath}); review with `git diff --no-index {path} {actualPath}` and rerun with MC_UPDATE_BASELINES=1 if the change is intended");
        }
    }
}
