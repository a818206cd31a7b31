using BenchmarkDotNet.Attributes;
using ManifestCompiler.Sources;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Benchmarks;

/// <summary>
/// How checking scales: the front end over 1, 10 and 100 copies of the bundled samples (3 BOSSi integrations and
/// 5 ChiefOnboarding manifests per copy), read into memory once so only compilation is timed (no python3).
/// Linear scaling means the time per copy stays flat as the copies grow.
/// </summary>
[MemoryDiagnoser]
public class CheckScalingBenchmarks
{
    private List<IntegrationFolder> _integrations = [];
    private List<SourceFile> _manifests = [];

    [Params(1, 10, 100)]
    public int Copies { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var samples = Path.Combine(Documents.RepositoryRoot, "samples");
        var integrations = Directory.EnumerateDirectories(Path.Combine(samples, "bossi")).Order(StringComparer.Ordinal).Select(ReadIntegration).ToList();
        var manifests = Directory.EnumerateFiles(Path.Combine(samples, "chiefonboarding"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => new SourceFile(f, File.ReadAllText(f))).ToList();
        // Each copy gets its own paths (and strings), as copies on disk would.
        _integrations = Enumerable.Range(0, Copies).SelectMany(c => integrations.Select(i => i with { Path = $"copy{c}/{i.Path}", Files = [.. i.Files.Select(f => f with { Text = f.Text is null ? null : new string(f.Text) })] })).ToList();
        _manifests = Enumerable.Range(0, Copies).SelectMany(c => manifests.Select(m => new SourceFile($"copy{c}/{m.Path}", new string(m.Text)))).ToList();
    }

    [Benchmark]
    public int CheckAll()
    {
        var diagnostics = 0;
        foreach (var integration in _integrations)
        {
            diagnostics += ManifestCompilation.CompileIntegration(integration).Diagnostics.Length;
        }
        foreach (var manifest in _manifests)
        {
            diagnostics += ManifestCompilation.CompileChiefOnboarding(manifest).Diagnostics.Length;
        }
        return diagnostics;
    }

    private static IntegrationFolder ReadIntegration(string folder) => ManifestWorkspace.ReadIntegration(folder);
}
