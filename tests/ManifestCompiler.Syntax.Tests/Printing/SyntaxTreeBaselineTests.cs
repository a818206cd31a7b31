using ManifestCompiler.Syntax.DotPaths;
using ManifestCompiler.Syntax.JsonPath;
using ManifestCompiler.Syntax.Printing;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Syntax.Templates;

namespace ManifestCompiler.Syntax.Tests.Printing;

/// <summary>
/// The syntax trees <c>mfc parse</c> prints for each embedded language (README.md): one node per line, indented by
/// depth, with its label, span and spanned text. Each file under Printing/Baselines/ lists inputs, each followed by its
/// printed tree (<see cref="InputBaselines"/>); an input with no tree prints the CLI's line for that case.
/// </summary>
public class SyntaxTreeBaselineTests
{
    private const string BaselineRoot = "tests/ManifestCompiler.Syntax.Tests/Printing/Baselines";

    private static readonly Dictionary<string, Func<string, string?>> Languages = new(StringComparer.Ordinal)
    {
        ["templates"] = source => TemplateParser.Parse(source).Value is { } tree ? SyntaxTreePrinter.Print(tree) : null,
        ["dotpaths"] = source => DotPath.Parse(source).Value is { } tree ? SyntaxTreePrinter.Print(tree) : null,
        ["jsonpath"] = source => Syntax.JsonPath.JsonPath.Parse(source).Value is { } tree ? SyntaxTreePrinter.Print(tree) : null,
        ["python"] = source => PythonExpression.Parse(source).Value is { } tree ? SyntaxTreePrinter.Print(tree) : null,
    };

    public static TheoryData<string> Files() => new(Languages.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Files))]
    public void Printed_trees_match_the_baseline(string language) =>
        InputBaselines.AssertMatches($"{BaselineRoot}/{language}.txt", source =>
            Languages[language](source) is { } printed
                ? printed.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                : ["(no tree: see the diagnostics)"]);
}
