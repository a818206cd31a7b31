using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ManifestCompiler.Syntax.JsonPath;
using Newtonsoft.Json.Linq;

namespace ManifestCompiler.Benchmarks;

/// <summary>
/// Ours (System.Text.Json documents) against Newtonsoft.Json's SelectTokens (JToken documents), on queries both
/// can run; each side gets its document parsed beforehand. Newtonsoft parses the query on every call and has
/// no public pre-parsed form, so "ParseAndSelect" is the like-for-like pair; "Select" shows our evaluation with
/// the query compiled once, as the generated plans will use it. Both enumerate every selected node.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class JsonPathBenchmarks
{
    public static IEnumerable<(string Name, string Document, string Query)> Cases()
    {
        yield return ("store-wildcard", Documents.Bookstore, "$.store.book[*].author");
        yield return ("store-descendant", Documents.Bookstore, "$..author");
        yield return ("store-filter", Documents.Bookstore, "$.store.book[?(@.price < 10)].title");
        yield return ("store-slice", Documents.Bookstore, "$.store.book[-2:]");
        var records = Documents.Records(2000);
        yield return ("records-filter", records, "$.data.items[?(@.active == true && @.score > 50)].email");
        yield return ("records-descendant", records, "$..zip");
        yield return ("records-singular", records, "$.data.items[1500].address.city");
    }

    [ParamsSource(nameof(CaseNames))]
    public string Case { get; set; } = "store-wildcard";

    public static IEnumerable<string> CaseNames => Cases().Select(c => c.Name);

    private string _query = "";
    private JsonDocument _document = null!;
    private JToken _token = null!;
    private JsonPathQuery _compiled = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (_, document, query) = Cases().Single(c => c.Name == Case);
        _query = query;
        _document = JsonDocument.Parse(document);
        _token = JToken.Parse(document);
        _compiled = JsonPath.Parse(query).Value ?? throw new InvalidOperationException("query must be valid: " + query);
        var ours = _compiled.Evaluate(_document.RootElement).Count;
        var theirs = _token.SelectTokens(query).Count();
        if (ours != theirs)
        {
            throw new InvalidOperationException($"{Case}: we select {ours} nodes, Newtonsoft {theirs}");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _document.Dispose();

    [BenchmarkCategory("ParseAndSelect"), Benchmark(Baseline = true)]
    public int Newtonsoft_ParseAndSelect()
    {
        var count = 0;
        foreach (var _ in _token.SelectTokens(_query))
        {
            count++;
        }
        return count;
    }

    [BenchmarkCategory("ParseAndSelect"), Benchmark]
    public int Ours_ParseAndSelect() => JsonPath.Parse(_query).Value!.Evaluate(_document.RootElement).Count;

    // Newtonsoft has no pre-parsed query, so its baseline here is the same work as above.
    [BenchmarkCategory("Select"), Benchmark(Baseline = true)]
    public int Newtonsoft_Select() => Newtonsoft_ParseAndSelect();

    [BenchmarkCategory("Select"), Benchmark]
    public int Ours_Select() => _compiled.Evaluate(_document.RootElement).Count;

    [BenchmarkCategory("Parse"), Benchmark]
    public object? Ours_Parse() => JsonPath.Parse(_query).Value;
}
