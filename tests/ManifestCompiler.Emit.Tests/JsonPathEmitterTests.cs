using System.Text.Json;
using ManifestCompiler.Conformance;
using ManifestCompiler.Syntax.JsonPath;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Emit.Tests;

public sealed class JsonPathEmitterTests
{
    /// <summary>One query per construct the emitter handles; their generated code is the golden file.</summary>
    private static readonly (string Name, string Query)[] Showcase =
    [
        ("Singular", "$.store.book[0].title"),
        ("Wildcards", "$.store.*[*]"),
        ("Union", "$['a', 'b'][1, -1]"),
        ("Slices", "$.items[1:10:2][::-1]"),
        ("Descendants", "$..author"),
        ("Filter", "$.store.book[?@.price < 10 && !@.isbn || @.tags[0] == 'classic']"),
        ("Functions", "$[?length(@.name) > 3 && count(@.*) >= 2 && value(@..id) == 1 && match(@.code, '[A-Z]{2}') && search(@.note, @.term)]"),
        ("Absolute", "$[?@.currency == $.defaults.currency].amount"),
        ("Escapes", "$['line\\nbreak', 'quote\\'', '\\ud83d\\ude00', '<tag>&']"),
    ];

    private static string EmitShowcase() => JsonPathEmitter.EmitClass(
        "ManifestCompiler.Emit.Tests.Generated", "Showcase",
        Showcase.Select(s => (s.Name, JsonPath.Parse(s.Query).Value ?? throw new InvalidOperationException(s.Query))).ToList());

    [Fact]
    public void Generated_code_matches_the_baseline() =>
        RepositoryPaths.AssertMatchesBaseline("tests/ManifestCompiler.Emit.Tests/Baselines/JsonPathShowcase.g.cs", EmitShowcase());

    [Fact]
    public void Output_is_deterministic() => Assert.Equal(EmitShowcase(), EmitShowcase());

    [Fact]
    public void Generated_code_compiles_without_warnings_and_selects_like_the_interpreter()
    {
        var (assembly, problems) = InMemoryCompiler.Compile("Showcase", [EmitShowcase()]);
        Assert.True(assembly is not null, string.Join("\n", problems));
        var all = (Func<JsonElement, List<ManifestCompiler.Runtime.Support.JsonPath.JsonPathNode>>[])assembly!
            .GetType("ManifestCompiler.Emit.Tests.Generated.Showcase")!.GetField("All")!.GetValue(null)!;
        using var document = JsonDocument.Parse("""
            {"store": {"book": [
                {"title": "Sayings", "price": 8.95, "author": "Rees", "tags": ["classic"]},
                {"title": "Sword", "price": 12.99, "author": "Waugh", "isbn": "0-553", "tags": ["classic"]},
                {"title": "Moby", "price": 8.99, "author": "Melville", "isbn": "0-395"}],
              "bicycle": [{"color": "red"}]},
             "a": [1, 2, 3], "b": [4], "items": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
             "defaults": {"currency": "EUR"},
             "line\nbreak": 1, "quote'": 2, "😀": 3, "<tag>&": 4}
            """);
        for (var i = 0; i < Showcase.Length; i++)
        {
            var expected = JsonPath.Parse(Showcase[i].Query).Value!.Evaluate(document.RootElement).Select(n => (n.Path.ToString(), n.Value.GetRawText()));
            var actual = all[i](document.RootElement).Select(n => (n.Path.ToString(), n.Value.GetRawText()));
            Assert.Equal(expected.ToArray(), actual.ToArray());
        }
    }

    [Theory]
    [InlineData("jsonpath-cts-compiled")]
    public void Conformance_through_generated_code(string suite) => PassesEveryCase(suite);

    /// <summary>The generated suite takes minutes; mutation runs leave it out (docs/mutation-testing.md).</summary>
    [Theory]
    [Trait("Category", "Slow")]
    [InlineData("jsonpath-generated-compiled")]
    public void Generated_conformance_through_generated_code(string suite) => PassesEveryCase(suite);

    private static void PassesEveryCase(string suite)
    {
        var result = ConformanceRunner.Run(suite, ConformanceRunner.ResolveDirectory());
        Console.WriteLine(result.Summary);
        Assert.True(result.Succeeded, result.Summary + "\n" + string.Join("\n", result.Failures.Take(10).Select(f => $"{f.Case}: {f.Input} expected {f.Expected}, got {f.Actual}")));
    }
}
