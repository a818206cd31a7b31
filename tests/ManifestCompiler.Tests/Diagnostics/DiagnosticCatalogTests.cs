using System.Text.RegularExpressions;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Tests.Diagnostics;

public class DiagnosticCatalogTests
{
    [Fact]
    public void Ids_are_unique_well_formed_and_documented_with_help()
    {
        var all = DiagnosticCatalog.All;

        Assert.True(all.Length > 60);
        Assert.All(all, d => Assert.Matches(new Regex("^MC[0-9]{4}$"), d.Id));
        Assert.Empty(all.GroupBy(d => d.Id).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.All(all, d => Assert.False(string.IsNullOrWhiteSpace(d.HelpText), d.Id + " has no help text"));
        Assert.All(all, d => Assert.False(string.IsNullOrWhiteSpace(d.Title), d.Id + " has no title"));
    }

    [Fact]
    public void Docs_list_every_diagnostic()
    {
        RepositoryPaths.AssertMatchesBaseline("docs/diagnostics.md", DiagnosticCatalog.ToMarkdown());
    }
}
