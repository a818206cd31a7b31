using ManifestCompiler.Conformance;
using Xunit.Abstractions;

namespace ManifestCompiler.Syntax.Tests.Conformance;

/// <summary>
/// Runs the conformance runner's own suites over the shared data, so CI fails when conformance drops. The manifest
/// suite runs here and in the compiler's tests (ChiefOnboardingConformanceTests): it reaches the template, dot-path
/// and cron code of this project as well, and each project's mutation run sees only its own tests (about a second).
/// </summary>
public class ConformanceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("jsonpath-cts", 703)]
    [InlineData("pyexpr-holes", 20)]
    [InlineData("manifests-chiefonboarding", 75)]
    public void Suite_passes_every_case(string suite, int expectedCases) => PassesEveryCase(suite, expectedCases);

    /// <summary>The generated suites take seconds each; mutation runs leave them out (docs/mutation-testing.md).</summary>
    [Theory]
    [Trait("Category", "Slow")]
    [InlineData("jsonpath-generated", 2000)]
    [InlineData("pyexpr-generated", 3000)]
    public void Generated_suite_passes_every_case(string suite, int expectedCases) => PassesEveryCase(suite, expectedCases);

    private void PassesEveryCase(string suite, int expectedCases)
    {
        var result = ConformanceRunner.Run(suite, ConformanceRunner.ResolveDirectory());
        output.WriteLine(result.Summary);
        foreach (var failure in result.Failures.Take(20))
        {
            output.WriteLine($"  {failure.Case}: {failure.Input}\n    expected {failure.Expected}\n    actual   {failure.Actual}");
        }

        Assert.Null(result.Error);
        Assert.Equal(expectedCases, result.Total);
        Assert.Equal(result.Total, result.Passed);
    }

    [Fact]
    public void A_missing_data_directory_fails_instead_of_passing_empty()
    {
        var result = ConformanceRunner.Run("jsonpath-cts", Path.Combine(Path.GetTempPath(), "no-such-conformance-dir"));

        Assert.False(result.Succeeded);
        Assert.NotNull(result.Error);
    }
}
