namespace ManifestCompiler.Repository;

/// <summary>
/// The repository's root, found by walking up to <c>ManifestCompiler.sln</c>: the one walk the tests, the benchmarks
/// and the conformance runner share (each links this file; none of them ships).
/// </summary>
internal static class RepositoryRoot
{
    /// <summary>The first folder holding ManifestCompiler.sln above each start in turn, or null.</summary>
    public static string? Find(params string[] starts)
    {
        foreach (var start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ManifestCompiler.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        return null;
    }

    /// <summary>As <see cref="Find"/>, throwing when the solution is not above any start.</summary>
    public static string Require(params string[] starts) =>
        Find(starts) ?? throw new InvalidOperationException("ManifestCompiler.sln not found above " + string.Join(" or ", starts));
}
