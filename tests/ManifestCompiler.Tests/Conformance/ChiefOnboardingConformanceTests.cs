using ManifestCompiler.Conformance;
using Xunit.Abstractions;

namespace ManifestCompiler.Tests.Conformance;

/// <summary>
/// Real ChiefOnboarding manifests against what its serializer decided (conformance data, external truth): an accepted
/// manifest checks with zero errors, a rejected one gets a diagnostic at each path the serializer named. In the
/// compiler's tests, so the compiler's mutation runs see it (docs/mutation-testing.md).
/// </summary>
public class ChiefOnboardingConformanceTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_manifest_is_judged_as_the_reference_serializer_judged_it()
    {
        var result = ConformanceRunner.Run("manifests-chiefonboarding", ConformanceRunner.ResolveDirectory());
        output.WriteLine(result.Summary);
        foreach (var failure in result.Failures.Take(20))
        {
            output.WriteLine($"  {failure.Case}: {failure.Input}\n    expected {failure.Expected}\n    actual   {failure.Actual}");
        }

        Assert.Null(result.Error);
        Assert.Equal(75, result.Total);
        Assert.Equal(result.Total, result.Passed);
    }
}
