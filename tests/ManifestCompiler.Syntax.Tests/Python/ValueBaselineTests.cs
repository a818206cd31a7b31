using System.Text.Json;
using ManifestCompiler.Syntax.Python;

namespace ManifestCompiler.Syntax.Tests.Python;

/// <summary>
/// What a webhook condition or memory expression evaluates to, as CPython 3.11 would: the repr of the value, or the
/// exception class and message. Each input in Python/Baselines/values.txt is followed by its result
/// (<see cref="InputBaselines"/>), evaluated over the body below and the headers of <see cref="Headers"/>.
/// </summary>
public class ValueBaselineTests
{
    private static readonly JsonElement Body = JsonDocument.Parse("""{"name": "Ada", "items": [1, 2, 3, 4, 5], "nested": {"k": "v"}, "amount": 150, "none": null}""").RootElement;

    private static readonly JsonElement Headers = JsonDocument.Parse("""{"X-Event": "ping"}""").RootElement;

    [Fact]
    public void Values_match_the_baseline() =>
        InputBaselines.AssertMatches("tests/ManifestCompiler.Syntax.Tests/Python/Baselines/values.txt", source =>
        {
            var parsed = PythonExpression.Parse(source);
            if (parsed.Value is not { } expression || parsed.HasErrors)
            {
                return parsed.Diagnostics.Select(d => d.ToString());
            }
            var result = expression.Evaluate(Body, Headers, withRepr: true);
            return [result.Error is { } error ? $"{error.ExceptionClass}: {error.Message}" : result.Repr!];
        });
}
