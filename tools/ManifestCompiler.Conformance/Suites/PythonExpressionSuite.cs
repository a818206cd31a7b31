using System.Text.Json;
using ManifestCompiler.Emit;
using ManifestCompiler.Runtime.Support.Python;
using ManifestCompiler.Syntax.Python;

namespace ManifestCompiler.Conformance.Suites;

/// <summary>
/// CPython-evaluated expressions: the same type and repr, or the same exception class. A case CPython answered
/// with NameError or AttributeError also agrees when our checker rejected the name or method before evaluation.
/// <para>With <see cref="Engine.Compiled"/> every accepted expression is first compiled by <see cref="PythonEmitter"/>
/// into one assembly (Roslyn, in-process, zero warnings required) and the cases run through the generated code;
/// the cases the checker rejects are the parser's and are not counted there.</para>
/// </summary>
public sealed class PythonExpressionSuite(string name, string relativePath, PythonExpressionSuite.Engine engine = PythonExpressionSuite.Engine.Interpreter) : IConformanceSuite
{
    public enum Engine
    {
        Interpreter,
        Compiled,
    }

    private const int ExpressionsPerClass = 200;

    public string Name { get; } = name;

    public SuiteResult Run(string conformanceDirectory)
    {
        var path = Path.Combine(conformanceDirectory, relativePath);
        if (!File.Exists(path))
        {
            return new SuiteResult(Name, 0, 0, [], $"missing {path}");
        }
        var cases = File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => JsonDocument.Parse(l)).ToList();
        Func<PythonExpression, JsonElement, JsonElement, (PyValue? Value, string? Error, string? Message)> evaluate = (expression, body, headers) =>
        {
            var result = expression.Evaluate(body, headers);
            return (result.Value, result.Error?.ExceptionClass, result.Error?.Message);
        };
        if (engine == Engine.Compiled)
        {
            var accepted = cases.Select(c => c.RootElement.GetProperty("expr").GetString()!)
                .Distinct(StringComparer.Ordinal)
                .Select(source => PythonExpression.Parse(source).Value)
                .OfType<PythonExpression>()
                .ToList();
            var compiled = CompileAll(accepted, out var problems);
            if (compiled is null)
            {
                return new SuiteResult(Name, 0, cases.Count, [], "the generated code did not compile cleanly: " + string.Join(" | ", problems.Take(5)));
            }
            cases = cases.Where(c => compiled.ContainsKey(c.RootElement.GetProperty("expr").GetString()!)).ToList();
            evaluate = (expression, body, headers) =>
            {
                var result = PyRuntime.Run(compiled[expression.Source], new PyScope(body, headers));
                return (result.Value, result.ExceptionClass, result.Message);
            };
        }

        var failures = new List<ConformanceFailure>();
        var number = 0;
        foreach (var testCase in cases)
        {
            number++;
            var failure = RunCase(number, testCase.RootElement, evaluate);
            if (failure is not null)
            {
                failures.Add(failure);
            }
            testCase.Dispose();
        }
        return new SuiteResult(Name, cases.Count - failures.Count, cases.Count, failures);
    }

    /// <summary>Every accepted expression compiled into one assembly, by source text.</summary>
    private static Dictionary<string, Func<PyScope, PyValue>>? CompileAll(IReadOnlyList<PythonExpression> expressions, out IReadOnlyList<string> problems)
    {
        var chunks = expressions.Chunk(ExpressionsPerClass).ToList();
        var sources = chunks.Select((chunk, c) => PythonEmitter.EmitClass(
            "ManifestCompiler.Conformance.Generated", "Expressions" + c, chunk.Select((e, i) => ("E" + i, e.Syntax)).ToList()));
        var (assembly, errors) = InMemoryCompiler.Compile("PythonExpressionConformance", sources);
        problems = errors;
        if (assembly is null)
        {
            return null;
        }
        var compiled = new Dictionary<string, Func<PyScope, PyValue>>(StringComparer.Ordinal);
        for (var c = 0; c < chunks.Count; c++)
        {
            var all = (Func<PyScope, PyValue>[])assembly.GetType("ManifestCompiler.Conformance.Generated.Expressions" + c)!.GetField("All")!.GetValue(null)!;
            for (var i = 0; i < chunks[c].Length; i++)
            {
                compiled[chunks[c][i].Source] = all[i];
            }
        }
        return compiled;
    }

    private static ConformanceFailure? RunCase(int number, JsonElement test, Func<PythonExpression, JsonElement, JsonElement, (PyValue? Value, string? Error, string? Message)> evaluate)
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
        var (value, error, message) = evaluate(parsed.Value, body, headers);
        string actualText;
        try
        {
            actualText = error ?? $"{value!.TypeName} {PyFormat.Repr(value)}";
        }
        catch (PyException e)
        {
            // repr() itself can raise (an int too long to print), as it does in CPython.
            actualText = e.ExceptionClass;
        }
        return actualText == expectedText ? null : new ConformanceFailure($"#{number}", input, expectedText, actualText + (message is { } m ? ": " + m : ""));
    }

    private static string Truncate(string s) => s.Length <= 200 ? s : s[..200] + "…";
}
