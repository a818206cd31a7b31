using CsCheck;
using ManifestCompiler.Json;
using ManifestCompiler.Manifests;
using ManifestCompiler.Testing;
using Xunit.Abstractions;

namespace ManifestCompiler.Tests.Json;

/// <summary>
/// 100,000 text-level mutations of real manifests (the samples and the ChiefOnboarding conformance manifests):
/// the reader and the scanner never throw, never hang, and every diagnostic lies inside the file.
/// </summary>
[Trait("Category", "Slow")] // 100,000 inputs per property; mutation runs leave them out (docs/mutation-testing.md)
public class JsonReaderPropertyTests(ITestOutputHelper output)
{
    private const string Alphabet = "{}[]\":,/*\\ \n\t0123456789-+.eEtruefalsnl{{}}ux";
    private static readonly string[] Extras = ["//", "/*", "*/", ",}", ",]", "\\u", "\\ud800", "\uFEFF", "é", "😀", "\u0001"];

    [Fact(Timeout = 300_000)]
    public async Task Mutated_manifests_read_without_exceptions_and_with_located_diagnostics()
    {
        var corpus = RepositoryPaths.SampleInputFiles().Where(f => f.EndsWith(".json", StringComparison.Ordinal))
            .Concat(Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "..", "shared", "conformance", "manifests", "chiefonboarding"), "*.json"))
            .Select(File.ReadAllText)
            .ToList();
        Assert.NotEmpty(corpus);
        var count = 0;
        var clean = 0;
        var inputs = Gen.Int.Select(seed =>
        {
            var random = new Random(seed);
            return TextMutations.Mutate(random, corpus[random.Next(corpus.Count)], Alphabet, Extras);
        });

        await Task.Run(() => inputs.Sample(text =>
        {
            Interlocked.Increment(ref count);
            var read = JsonReader.Read(text);
            var (_, diagnostics) = EmbeddedLanguageScanner.Scan(text);
            foreach (var diagnostic in read.Diagnostics.Concat(diagnostics))
            {
                if (diagnostic.Span.Start < 0 || diagnostic.Span.End > text.Length)
                {
                    throw new Exception($"{diagnostic} lies outside the input of length {text.Length}");
                }
            }
            if (read.Value is null && !read.Diagnostics.Any(d => d.IsError))
            {
                throw new Exception("no tree and no error");
            }
            if (read.Diagnostics.IsEmpty)
            {
                Interlocked.Increment(ref clean);
            }
        }, iter: 100_000, print: t => System.Text.Json.JsonSerializer.Serialize(t.Length > 300 ? t[..300] : t)));

        output.WriteLine($"{count} mutated manifests ({clean} still clean JSON), 0 failures");
        Assert.True(count >= 100_000);
    }
}
