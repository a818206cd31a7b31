using System.Text;
using System.Text.Json;
using ManifestCompiler.Syntax.Cron;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.DotPaths;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Syntax.Templates;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Syntax.Tests.Diagnostics;

/// <summary>
/// The diagnostics of each language, message and position included, as users see them: they are the product's
/// interface (docs/diagnostics.md). Each file under Diagnostics/Baselines/ lists inputs (<c>&gt; "json string"</c>)
/// each followed by what the parser reports: id, span, the spanned text and the message. MC_UPDATE_BASELINES=1
/// rewrites the reported lines and keeps the inputs; a reviewer reads the change in the diff.
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

    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static TheoryData<string> Files() => new(Languages.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Files))]
    public void Diagnostics_match_the_baseline(string language)
    {
        var relative = $"{BaselineRoot}/{language}.txt";
        var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, relative));
        var actual = new StringBuilder();
        var inputs = 0;
        foreach (var line in lines)
        {
            if (line.StartsWith("  ", StringComparison.Ordinal))
            {
                continue; // a reported line: regenerated below
            }
            actual.Append(line).Append('\n');
            if (!line.StartsWith("> ", StringComparison.Ordinal))
            {
                continue; // a comment or a blank line
            }
            var source = JsonSerializer.Deserialize<string>(line[2..]) ?? throw new InvalidDataException($"{relative}: '{line}' is not a JSON string");
            inputs++;
            var diagnostics = Languages[language](source).ToList();
            if (diagnostics.Count == 0)
            {
                actual.Append("  (no diagnostic)\n");
            }
            foreach (var diagnostic in diagnostics)
            {
                var span = diagnostic.Span;
                var text = span.Start >= 0 && span.Start + span.Length <= source.Length ? source.Substring(span.Start, span.Length) : "<outside the input>";
                actual.Append("  ").Append(diagnostic.Id).Append(' ').Append(diagnostic.Severity.ToString().ToLowerInvariant())
                    .Append(" [").Append(span.Start).Append("..").Append(span.Start + span.Length).Append(") ")
                    .Append(JsonSerializer.Serialize(text, Readable)).Append(": ").Append(diagnostic.Message).Append('\n');
            }
        }

        Assert.True(inputs > 0, $"{relative} lists no input");
        RepositoryPaths.AssertMatchesBaseline(relative, actual.ToString());
    }
}
