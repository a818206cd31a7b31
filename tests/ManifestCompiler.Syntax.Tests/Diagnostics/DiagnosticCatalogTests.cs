using System.Reflection;
using System.Text.RegularExpressions;
using ManifestCompiler.Syntax.Diagnostics;

namespace ManifestCompiler.Syntax.Tests.Diagnostics;

public class DiagnosticCatalogTests
{
    /// <summary>Every descriptor declared in a diagnostics catalog of any ManifestCompiler assembly.</summary>
    public static IEnumerable<DiagnosticDescriptor> AllDescriptors() =>
        AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name?.StartsWith("ManifestCompiler", StringComparison.Ordinal) == true)
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!);

    [Fact]
    public void Ids_are_unique_and_well_formed()
    {
        var descriptors = AllDescriptors().ToList();

        Assert.NotEmpty(descriptors);
        Assert.All(descriptors, d => Assert.Matches(new Regex("^MC[0-9]{4}$"), d.Id));
        var duplicates = descriptors.GroupBy(d => d.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(duplicates);
    }

    [Fact]
    public void Message_formats_accept_their_arguments()
    {
        foreach (var descriptor in AllDescriptors())
        {
            var placeholders = Regex.Matches(descriptor.MessageFormat.Replace("{{", "", StringComparison.Ordinal), @"\{(\d+)\}").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).Max() + 1;
            var diagnostic = descriptor.Create(default, Enumerable.Range(0, placeholders).Select(i => (object?)("arg" + i)).ToArray());
            Assert.DoesNotContain("{0}", diagnostic.Message, StringComparison.Ordinal);
        }
    }
}
