using System.Reflection;
using System.Text.RegularExpressions;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Testing;

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

    /// <summary>
    /// docs/diagnostics.md is where users (and the SARIF help links) read a diagnostic's title, severity, message and
    /// help text: each language diagnostic's row must say what the catalog declares. The message column shows the
    /// message with its arguments as '{0}', '{1}', ..., as formatting them with their own placeholder text gives.
    /// </summary>
    [Fact]
    public void Language_diagnostics_read_as_documented()
    {
        var rows = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "docs/diagnostics.md"))
            .Where(line => line.StartsWith("| <a id=\"mc", StringComparison.Ordinal))
            .Select(line => Regex.Split(line.Trim('|', ' '), @" (?<!\\)\| ").Select(cell => cell.Replace("\\|", "|", StringComparison.Ordinal)).ToArray())
            .ToDictionary(cells => cells[0][(cells[0].IndexOf("</a>", StringComparison.Ordinal) + 4)..], StringComparer.Ordinal);
        var descriptors = typeof(SyntaxDiagnostics).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!).ToList();

        Assert.NotEmpty(descriptors);
        foreach (var descriptor in descriptors)
        {
            Assert.True(rows.TryGetValue(descriptor.Id, out var row), $"docs/diagnostics.md has no row for {descriptor.Id}");
            var placeholders = Enumerable.Range(0, 4).Select(i => (object?)$"{{{i}}}").ToArray();
            var shown = Regex.IsMatch(descriptor.MessageFormat, @"(?<!\{)\{\d+\}") ? descriptor.Create(default, placeholders).Message : descriptor.MessageFormat;
            Assert.Equal(
                [descriptor.Id, Diagnostic.SeverityText(descriptor.Severity), descriptor.Title, shown, descriptor.HelpText.Replace('\n', ' ')],
                row.Skip(1).Prepend(descriptor.Id));
        }
    }
}
