namespace ManifestCompiler.Runtime.Tests;

/// <summary>The lease terms of a test that takes runs off a queue by hand, as one host.</summary>
internal static class TestLeases
{
    public static readonly RunLeaseTerms Host = new("test-host", TimeSpan.FromMinutes(5));
}
