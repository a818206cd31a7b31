using System.Text.Json;
using ManifestCompiler.Syntax.Python;

namespace ManifestCompiler.Syntax.Tests.Python;

/// <summary>
/// What the module scanner reports for a step file, token by token: the compiler's step checks (imports, <c>main</c>,
/// literal action names; docs/diagnostics.md, MC71xx) read nothing else. Each input in Python/Baselines/modules.txt is followed
/// by its tokens (<see cref="InputBaselines"/>): kind, span and text; the decoded value of a string literal
/// (<c>not constant</c> for f-strings, bytes and unterminated strings); and, for the first token of a statement, its indentation.
/// </summary>
public class ModuleScannerBaselineTests
{
    [Fact]
    public void Tokens_match_the_baseline() =>
        InputBaselines.AssertMatches("tests/ManifestCompiler.Syntax.Tests/Python/Baselines/modules.txt", source =>
        {
            var tokens = PythonModuleScanner.Tokenize(source);
            return tokens.IsEmpty ? ["(no token)"] : tokens.Select(token => Describe(source, token));
        });

    [Fact]
    public void A_null_module_is_an_argument_error()
    {
        var error = Assert.Throws<ArgumentNullException>(() => PythonModuleScanner.Tokenize(null!));
        Assert.Equal("source", error.ParamName);
    }

    private static string Describe(string source, PyToken token)
    {
        var line = $"{token.Kind} [{token.Span.Start}..{token.Span.End}) {InputBaselines.Quoted(source, token.Span.Start, token.Span.Length)}";
        if (token.Kind == PyTokenKind.String)
        {
            line += token.Value is null ? " not constant" : " value " + JsonSerializer.Serialize(token.Value, InputBaselines.Readable);
        }
        else if (token.Kind != PyTokenKind.NewLine && token.Value != token.Text)
        {
            line += " value " + JsonSerializer.Serialize(token.Value, InputBaselines.Readable);
        }
        return token.AtLineStart ? line + $" statement at indent {token.Indent}" : line;
    }
}
