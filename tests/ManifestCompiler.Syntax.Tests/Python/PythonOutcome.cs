using System.Text.Json;
using ManifestCompiler.Syntax.Python;

namespace ManifestCompiler.Syntax.Tests.Python;

/// <summary>
/// What a webhook expression gives, as the semantics tests compare it with CPython 3.11: the repr of its value, or
/// "ExceptionClass: message".
/// </summary>
internal static class PythonOutcome
{
    private static readonly JsonElement NoHeaders = JsonDocument.Parse("{}").RootElement;

    public static string Outcome(string expression, string body = "{}") => Outcome(expression, body, NoHeaders);

    public static string Outcome(string expression, string body, JsonElement headers)
    {
        var parsed = PythonExpression.Parse(expression);
        Assert.True(parsed.Success, string.Join("; ", parsed.Diagnostics));
        var result = parsed.Value!.Evaluate(JsonDocument.Parse(body).RootElement, headers, withRepr: true);
        return result.Error?.ToString() ?? result.Repr!;
    }
}
