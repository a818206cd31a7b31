namespace ManifestCompiler.Conformance;

/// <summary>One case that did not agree with the external truth, with enough input to reproduce it.</summary>
public sealed record ConformanceFailure(string Case, string Input, string Expected, string Actual);

/// <summary>
/// A suite's outcome. <see cref="Error"/> is set when the suite could not run at all (missing or unreadable
/// data): that counts as a failure, never as an empty pass.
/// </summary>
public sealed record SuiteResult(string Suite, int Passed, int Total, IReadOnlyList<ConformanceFailure> Failures, string? Error = null)
{
    public bool Succeeded => Error is null && Total > 0 && Passed == Total;

    public string Summary => Error is null ? $"{Suite}: {Passed}/{Total} passed" : $"{Suite}: error: {Error}";
}

/// <summary>A body of external test data under the conformance directory, checked against our implementation.</summary>
public interface IConformanceSuite
{
    string Name { get; }

    SuiteResult Run(string conformanceDirectory);
}
