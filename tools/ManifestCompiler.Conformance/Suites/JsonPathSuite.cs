using System.Globalization;
using System.Text;
using System.Text.Json;
using ManifestCompiler.Emit;
using ManifestCompiler.Runtime.Support.JsonPath;
using ManifestCompiler.Syntax.JsonPath;

namespace ManifestCompiler.Conformance.Suites;

/// <summary>
/// RFC 9535 cases in the compliance-test-suite shape: <c>invalid_selector</c> must be rejected; otherwise the node
/// list must equal <c>result</c>/<c>result_paths</c>, or one of <c>results</c>/<c>results_paths</c>, in order —
/// or as a multiset of (path, value) pairs when the case says <c>"order": "any"</c>.
/// <para>With <see cref="Engine.Compiled"/> every valid query is first compiled by <see cref="JsonPathEmitter"/>
/// into one assembly (Roslyn, in-process, zero warnings required) and the cases run through the generated code;
/// the invalid-selector cases are the parser's and are not counted there.</para>
/// </summary>
public sealed class JsonPathSuite(string name, string relativePath, JsonPathSuite.Format format, JsonPathSuite.Engine engine = JsonPathSuite.Engine.Interpreter) : IConformanceSuite
{
    public enum Format
    {
        CtsDocument,
        JsonLines,
    }

    public enum Engine
    {
        Interpreter,
        Compiled,
    }

    private const int QueriesPerClass = 200;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 512 };

    public string Name { get; } = name;

    public SuiteResult Run(string conformanceDirectory)
    {
        var path = Path.Combine(conformanceDirectory, relativePath);
        if (!File.Exists(path))
        {
            return new SuiteResult(Name, 0, 0, [], $"missing {path}");
        }
        var cases = ReadCases(path).ToList();
        Func<JsonPathQuery, JsonElement, IReadOnlyList<JsonPathNode>> evaluate = (query, document) => query.Evaluate(document);
        if (engine == Engine.Compiled)
        {
            cases = cases.Where(c => !IsInvalidSelectorCase(c.RootElement)).ToList();
            var compiled = CompileAll(cases.Select(c => c.RootElement.GetProperty("selector").GetString() ?? ""), out var problems);
            if (compiled is null)
            {
                return new SuiteResult(Name, 0, cases.Count, [], "the generated code did not compile cleanly: " + string.Join(" | ", problems.Take(5)));
            }
            evaluate = (query, document) => compiled[query.Source](document);
        }
        var failures = new List<ConformanceFailure>();
        var passed = 0;
        foreach (var testCase in cases)
        {
            var failure = RunCase(testCase.RootElement, evaluate);
            if (failure is null)
            {
                passed++;
            }
            else
            {
                failures.Add(failure);
            }
            testCase.Dispose();
        }
        return new SuiteResult(Name, passed, cases.Count, failures);
    }

    private IEnumerable<JsonDocument> ReadCases(string path)
    {
        if (format == Format.JsonLines)
        {
            foreach (var line in File.ReadLines(path))
            {
                if (!string.IsNullOrWhiteSpace(line))
                {
                    yield return JsonDocument.Parse(line, DocumentOptions);
                }
            }
            yield break;
        }
        using var document = JsonDocument.Parse(File.ReadAllText(path), DocumentOptions);
        foreach (var test in document.RootElement.GetProperty("tests").EnumerateArray())
        {
            yield return JsonDocument.Parse(test.GetRawText(), DocumentOptions);
        }
    }

    private static bool IsInvalidSelectorCase(JsonElement test) =>
        test.TryGetProperty("invalid_selector", out var invalid) && invalid.ValueKind == JsonValueKind.True;

    /// <summary>Every distinct valid query compiled into one assembly, by query text.</summary>
    private static Dictionary<string, Func<JsonElement, List<JsonPathNode>>>? CompileAll(IEnumerable<string> selectors, out IReadOnlyList<string> problems)
    {
        var queries = selectors.Distinct(StringComparer.Ordinal)
            .Select(s => JsonPath.Parse(s).Value)
            .OfType<JsonPathQuery>()
            .ToList();
        var chunks = queries.Chunk(QueriesPerClass).ToList();
        var sources = chunks.Select((chunk, c) => JsonPathEmitter.EmitClass(
            "ManifestCompiler.Conformance.Generated", "Queries" + c, chunk.Select((q, i) => ("Q" + i, q)).ToList()));
        var (assembly, errors) = InMemoryCompiler.Compile("JsonPathConformance", sources);
        problems = errors;
        if (assembly is null)
        {
            return null;
        }
        var compiled = new Dictionary<string, Func<JsonElement, List<JsonPathNode>>>(StringComparer.Ordinal);
        for (var c = 0; c < chunks.Count; c++)
        {
            var all = (Func<JsonElement, List<JsonPathNode>>[])assembly.GetType("ManifestCompiler.Conformance.Generated.Queries" + c)!.GetField("All")!.GetValue(null)!;
            for (var i = 0; i < chunks[c].Length; i++)
            {
                compiled[chunks[c][i].Source] = all[i];
            }
        }
        return compiled;
    }

    private static ConformanceFailure? RunCase(JsonElement test, Func<JsonPathQuery, JsonElement, IReadOnlyList<JsonPathNode>> evaluate)
    {
        var caseName = test.GetProperty("name").GetString() ?? "?";
        var selector = test.GetProperty("selector").GetString() ?? string.Empty;
        var parsed = JsonPath.Parse(selector);
        var input = Quote(selector);

        if (test.TryGetProperty("invalid_selector", out var invalid) && invalid.ValueKind == JsonValueKind.True)
        {
            return parsed.Value is null && parsed.HasErrors
                ? null
                : new ConformanceFailure(caseName, input, "rejected", "accepted");
        }

        var document = test.GetProperty("document");
        input += " on " + Truncate(document.GetRawText());
        if (parsed.Value is null)
        {
            return new ConformanceFailure(caseName, input, "accepted", "rejected: " + string.Join("; ", parsed.Diagnostics.Select(d => d.Message)));
        }

        var nodes = evaluate(parsed.Value, document);
        var actual = nodes.Select(n => (Path: n.Path.ToString(), Value: Canonical(n.Value))).ToList();
        var alternatives = ExpectedAlternatives(test);
        var anyOrder = test.TryGetProperty("order", out var order) && order.GetString() == "any";
        foreach (var expected in alternatives)
        {
            if (anyOrder ? SameMultiset(expected, actual) : expected.SequenceEqual(actual))
            {
                return null;
            }
        }
        return new ConformanceFailure(caseName, input, Describe(alternatives[0]), Describe(actual));
    }

    private static List<List<(string Path, string Value)>> ExpectedAlternatives(JsonElement test)
    {
        if (test.TryGetProperty("results", out var results))
        {
            var paths = test.GetProperty("results_paths").EnumerateArray().ToList();
            return results.EnumerateArray().Select((values, i) => Pair(values, paths[i])).ToList();
        }
        return [Pair(test.GetProperty("result"), test.GetProperty("result_paths"))];
    }

    private static List<(string Path, string Value)> Pair(JsonElement values, JsonElement paths) =>
        values.EnumerateArray().Zip(paths.EnumerateArray(), (v, p) => (p.GetString() ?? string.Empty, Canonical(v))).ToList();

    private static bool SameMultiset(List<(string Path, string Value)> expected, List<(string Path, string Value)> actual) =>
        expected.Count == actual.Count && expected.Order().SequenceEqual(actual.Order());

    /// <summary>Key-sorted JSON text with numbers by value, so equal JSON values have equal text.</summary>
    public static string Canonical(JsonElement value)
    {
        var builder = new StringBuilder();
        Write(builder, value);
        return builder.ToString();

        static void Write(StringBuilder builder, JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    builder.Append('{');
                    var first = true;
                    foreach (var property in value.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                    {
                        builder.Append(first ? "" : ",").Append(JsonSerializer.Serialize(property.Name)).Append(':');
                        Write(builder, property.Value);
                        first = false;
                    }
                    builder.Append('}');
                    break;
                case JsonValueKind.Array:
                    builder.Append('[');
                    var firstItem = true;
                    foreach (var item in value.EnumerateArray())
                    {
                        builder.Append(firstItem ? "" : ",");
                        Write(builder, item);
                        firstItem = false;
                    }
                    builder.Append(']');
                    break;
                case JsonValueKind.Number:
                    builder.Append(value.TryGetDouble(out var d) ? d.ToString("R", CultureInfo.InvariantCulture) : value.GetRawText());
                    break;
                case JsonValueKind.String:
                    builder.Append(JsonSerializer.Serialize(value.GetString()));
                    break;
                default:
                    builder.Append(value.GetRawText());
                    break;
            }
        }
    }

    private static string Describe(List<(string Path, string Value)> nodes) =>
        Truncate("[" + string.Join(", ", nodes.Select(n => n.Path + " => " + n.Value)) + "]");

    private static string Quote(string s) => JsonSerializer.Serialize(s);

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "…";
}
