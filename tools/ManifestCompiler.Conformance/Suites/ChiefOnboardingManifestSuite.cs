using System.Text;
using System.Text.Json;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.IR;
using ManifestCompiler.Sources;
using ManifestKind = ManifestCompiler.Runtime.Support.Plans.ManifestKind;

namespace ManifestCompiler.Conformance.Suites;

/// <summary>
/// Real ChiefOnboarding manifests against what its serializer decided (expectations.json). A manifest it accepts must
/// check with zero errors; one it rejects must get a diagnostic (of any severity: where this toolchain follows the
/// documentation instead, it is a portability warning) at each JSON path the serializer's errors name. Fragments
/// pass when checking them completes with every diagnostic inside the file. Every case also checks that each
/// diagnostic lies inside its file.
/// </summary>
public sealed class ChiefOnboardingManifestSuite(string name, string relativeDirectory) : IConformanceSuite
{
    public string Name { get; } = name;

    public SuiteResult Run(string conformanceDirectory)
    {
        var directory = Path.Combine(conformanceDirectory, relativeDirectory);
        var expectationsPath = Path.Combine(directory, "expectations.json");
        if (!File.Exists(expectationsPath))
        {
            return new SuiteResult(Name, 0, 0, [], $"missing {expectationsPath}");
        }
        using var expectations = JsonDocument.Parse(File.ReadAllText(expectationsPath));
        var failures = new List<ConformanceFailure>();
        var total = 0;
        foreach (var entry in expectations.RootElement.EnumerateObject())
        {
            total++;
            var failure = RunCase(directory, entry.Name, entry.Value);
            if (failure is not null)
            {
                failures.Add(failure);
            }
        }
        return new SuiteResult(Name, total - failures.Count, total, failures);
    }

    private static ConformanceFailure? RunCase(string directory, string fileName, JsonElement expectation)
    {
        var path = Path.Combine(directory, fileName);
        if (!File.Exists(path))
        {
            return new ConformanceFailure(fileName, fileName, "the file", "missing");
        }
        var text = File.ReadAllText(path);
        var kind = expectation.GetProperty("kind").GetString() switch
        {
            "webhook" => ManifestKind.Webhook,
            "sync_users" => ManifestKind.SyncUsers,
            _ => (ManifestKind?)null,
        };
        var result = ManifestCompilation.CompileChiefOnboarding(new SourceFile(fileName, text), kind);
        var outside = result.Diagnostics.FirstOrDefault(d => d.Span.Start < 0 || d.Span.End > text.Length || d.FilePath != fileName);
        if (outside is not null)
        {
            return new ConformanceFailure(fileName, fileName, "every diagnostic inside the file", outside.ToString());
        }
        var valid = expectation.GetProperty("chiefonboarding_valid");
        if (valid.ValueKind == JsonValueKind.True)
        {
            var errors = result.Diagnostics.Where(d => d.IsError).ToList();
            return errors.Count == 0 ? null : new ConformanceFailure(fileName, fileName, "zero errors (ChiefOnboarding accepts it)", string.Join(" | ", errors));
        }
        if (valid.ValueKind == JsonValueKind.False)
        {
            var expectedPaths = ExpectedPaths(expectation.GetProperty("chiefonboarding_errors").GetString() ?? "{}");
            var reported = result.Diagnostics.Select(d => d.JsonPath).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var missing = expectedPaths.Where(p => !reported.Contains(p)).ToList();
            return missing.Count == 0
                ? null
                : new ConformanceFailure(fileName, fileName, "a diagnostic at " + string.Join(", ", missing), result.Diagnostics.Length == 0 ? "no diagnostics" : string.Join(" | ", result.Diagnostics.Select(d => $"{d.Id} at {d.JsonPath}")));
        }
        return null;
    }

    /// <summary>
    /// The JSON paths a DRF error object names, as RFC 9535 normalized paths: a key whose value is a list of messages is
    /// a path; a list of objects nests by index (an empty object: no error there); <c>non_field_errors</c> of
    /// "Got unknown fields: {'form'}" name the unknown keys. expectations.json truncates long error texts, so a
    /// truncated one is closed before parsing.
    /// </summary>
    public static IReadOnlyList<string> ExpectedPaths(string errors)
    {
        using var document = JsonDocument.Parse(CloseTruncatedJson(errors));
        var paths = new List<string>();
        Walk(document.RootElement, JsonLocation.Root, paths);
        return paths;
    }

    private static void Walk(JsonElement element, string path, List<string> paths)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "non_field_errors")
                    {
                        foreach (var message in property.Value.EnumerateArray().Select(m => m.GetString() ?? ""))
                        {
                            var start = message.IndexOf('{', StringComparison.Ordinal);
                            var end = message.LastIndexOf('}');
                            if (message.StartsWith("Got unknown fields", StringComparison.Ordinal) && start >= 0 && end > start)
                            {
                                paths.AddRange(message[(start + 1)..end].Split(',').Select(n => JsonLocation.Member(path, n.Trim().Trim('\''))));
                            }
                            else
                            {
                                paths.Add(path);
                            }
                        }
                    }
                    else
                    {
                        Walk(property.Value, JsonLocation.Member(path, property.Name), paths);
                    }
                }
                break;
            case JsonValueKind.Array when element.EnumerateArray().Any(i => i.ValueKind == JsonValueKind.Object):
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, JsonLocation.Element(path, index++), paths);
                }
                break;
            case JsonValueKind.Array or JsonValueKind.String or JsonValueKind.Null:
                paths.Add(path);
                break;
        }
    }

    /// <summary>Closes an open string and open brackets of JSON cut off at an arbitrary character.</summary>
    private static string CloseTruncatedJson(string text)
    {
        var stack = new Stack<char>();
        var inString = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
                continue;
            }
            switch (c)
            {
                case '"': inString = true; break;
                case '{': stack.Push('}'); break;
                case '[': stack.Push(']'); break;
                case '}' or ']': stack.TryPop(out _); break;
            }
        }
        var builder = new StringBuilder(text);
        if (inString)
        {
            if (text.EndsWith('\\'))
            {
                builder.Length--;
            }
            builder.Append('"');
        }
        var closed = builder.ToString().TrimEnd();
        if (closed.EndsWith(','))
        {
            closed = closed[..^1];
        }
        if (closed.EndsWith(':'))
        {
            closed += "null";
        }
        builder = new StringBuilder(closed);
        while (stack.TryPop(out var close))
        {
            builder.Append(close);
        }
        return builder.ToString();
    }
}
