using ManifestCompiler.Syntax.Cron;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.DotPaths;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Syntax.Templates;

namespace ManifestCompiler.Syntax.Tests.Diagnostics;

/// <summary>
/// The diagnostics of each language, message and position included, as users see them: they are the product's
/// interface (docs/diagnostics.md). Each file under Diagnostics/Baselines/ lists inputs, each followed by what the parser
/// reports: id, span, the spanned text and the message (<see cref="InputBaselines"/>).
/// </summary>
public class DiagnosticBaselineTests
{
    private const string BaselineRoot = "tests/ManifestCompiler.Syntax.Tests/Diagnostics/Baselines";

    private static readonly Dictionary<string, Func<string, IEnumerable<Diagnostic>>> Languages = new(StringComparer.Ordinal)
    {
        ["templates"] = source => TemplateParser.Parse(source).Diagnostics,
        ["jsonpath"] = source => Syntax.JsonPath.JsonPath.Parse(source).Diagnostics,
        ["python"] = source => PythonExpression.Parse(source, PythonCheckScope.Webhook).Diagnostics,
        ["cron"] = source => CronParser.Parse(source).Diagnostics,
        ["dotpaths"] = source => DotPath.Parse(source).Diagnostics,
    };

    public static TheoryData<string> Files() => new(Languages.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Files))]
    public void Diagnostics_match_the_baseline(string language) =>
        InputBaselines.AssertMatches($"{BaselineRoot}/{language}.txt", source => Report(Languages[language](source).ToList(), source));

    private static IEnumerable<string> Report(List<Diagnostic> diagnostics, string source)
    {
        if (diagnostics.Count == 0)
        {
            yield return "(no diagnostic)";
        }
        foreach (var diagnostic in diagnostics)
        {
            var span = diagnostic.Span;
            yield return $"{diagnostic.Id} {diagnostic.Severity.ToString().ToLowerInvariant()} [{span.Start}..{span.Start + span.Length}) {InputBaselines.Quoted(source, span.Start, span.Length)}: {diagnostic.Message}";
        }
    }
}
