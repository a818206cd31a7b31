using System.Text.Json;
using ManifestCompiler.Syntax.Python;

namespace ManifestCompiler.Conformance.Suites;

/// <summary>
/// CPython-evaluated expressions: the same type and repr, or the same exception class. A case CPython answered
/// with NameError or AttributeError also agrees when our checker rejected the name or method before evaluation.
/// </summary>
public sealed class PythonExpressionSuite(string name, string relativePath) : IConformanceSuite
{
    public string Name { get; } = name;

    public SuiteResult Run(string conformanceDirectory)
    {
        var path = Path.Combine(conformanceDirectory, relativePath);
        if (!File.Exists(path))
        {
            return new SuiteResult(Name, 0, 0, [], $"missing {path}");
        }
        var failures = new List<ConformanceFailure>();
        var total = 0;
        foreach (var line in File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)))
        {
            total++;
            using var document = JsonDocument.Parse(line);
            var failure = RunCase(total, document.RootElement);
            if (failure is not null)
            {
                failures.Add(failure);
            }
        }
        return new SuiteResult(Name, total - failures.Count, total, failures);
    }

    private static ConformanceFailure? RunCase(int number, JsonElement test)
    {
        var expression = test.GetProperty("expr").GetString()!;
        var context = test.GetProperty("context");
        var expected = test.GetProperty("expected");
        var expectedText = expected.GetProperty("ok").GetBoolean()
            ? $"{expected.GetProperty("type").GetString()} {expected.GetProperty("repr").GetString()}"
            : expected.GetProperty("error").GetString()!;
        var input = expression + "  with " + Truncate(context.GetRawText());

        var parsed = PythonExpression.Parse(expression);
        if (parsed.Value is null)
        {
            var earlyRejection = expectedText is "NameError" or "AttributeError"
                && parsed.Diagnostics.All(d => d.Id is "MC4002" or "MC4003" or "MC4004" or "MC4006");
            return earlyRejection ? null : new ConformanceFailure($"#{number}", input, expectedText, "rejected: " + string.Join("; ", parsed.Diagnostics.Select(d => d.Message)));
        }

        var body = context.TryGetProperty("body", out var b) ? b : default;
        var headers = context.TryGetProperty("headers", out var h) ? h : default;
        var result = parsed.Value.Evaluate(body, headers, withRepr: true);
        var actualText = result.Error is { } error ? error.ExceptionClass : $"{result.Value!.TypeName} {result.Repr}";
        return actualText == expectedText ? null : new ConformanceFailure($"#{number}", input, expectedText, actualText + (result.Error is { } e ? ": " + e.Message : ""));
    }

    private static string Truncate(string s) => s.Length <= 200 ? s : s[..200] + "…";
}
