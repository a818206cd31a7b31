using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using ManifestCompiler.Syntax.Diagnostics;

namespace ManifestCompiler.Diagnostics;

/// <summary>Every diagnostic the toolchain can report: the languages' catalog and the manifests' catalog, by id.</summary>
public static class DiagnosticCatalog
{
    /// <summary>The project's home, for tools that link to it (SARIF's informationUri).</summary>
    public const string ProjectUri = "https://github.com/manifestcompiler/manifestcompiler";

    /// <summary>Where a diagnostic is documented: its row in docs/diagnostics.md.</summary>
    public static string HelpUri(string id) => ProjectUri + "/blob/main/docs/diagnostics.md#" + id.ToLowerInvariant();

    public static ImmutableArray<DiagnosticDescriptor> All { get; } =
        [.. new[] { typeof(SyntaxDiagnostics), typeof(ManifestDiagnostics) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .OrderBy(d => d.Id, StringComparer.Ordinal)];

    private static readonly (string Prefix, string Heading)[] Sections =
    [
        ("MC0", "Input files (MC0xxx)"),
        ("MC1", "Templates (MC1xxx)"),
        ("MC2", "Dot-notation paths (MC2xxx)"),
        ("MC3", "JSONPath and I-Regexp (MC3xxx)"),
        ("MC4", "Python expressions (MC4xxx)"),
        ("MC5", "Cron schedules (MC5xxx)"),
        ("MC6", "Manifest files, both dialects (MC6xxx)"),
        ("MC70", "BOSSi integration folders (MC70xx)"),
        ("MC71", "BOSSi Python steps (MC71xx)"),
        ("MC80", "ChiefOnboarding manifests (MC80xx)"),
        ("MC81", "ChiefOnboarding portability: the reference engine differs from its documentation (MC81xx)"),
    ];

    /// <summary>docs/diagnostics.md: generated from the catalog (a test keeps the file in sync).</summary>
    public static string ToMarkdown()
    {
        var builder = new StringBuilder();
        builder.Append("# Diagnostics\n\n");
        builder.Append("Every diagnostic `mfc check`, `mfc parse` and the analyzer can report. Ids are stable: one is never reused or\n");
        builder.Append("renumbered. This file is generated from the catalogs (`SyntaxDiagnostics`, `ManifestDiagnostics`); a test fails when\n");
        builder.Append("it is out of date, and `MC_UPDATE_BASELINES=1 dotnet test` rewrites it.\n\n");
        builder.Append("Output: `<path>(<line>,<col>): <error|warning|info> MC1234: <message>` per diagnostic, then a summary line.\n");
        builder.Append("`--format json` adds the end position, the JSON location (an RFC 9535 normalized path such as\n");
        builder.Append("`$['execute'][0]['method']`; for a missing key it names the key) and the help text; `--format sarif` writes SARIF 2.1.0.\n");
        foreach (var (prefix, heading) in Sections)
        {
            var descriptors = All.Where(d => d.Id.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            if (descriptors.Count == 0)
            {
                continue;
            }
            builder.Append("\n## ").Append(heading).Append("\n\n");
            builder.Append("| id | severity | title | message | help |\n|---|---|---|---|---|\n");
            foreach (var d in descriptors)
            {
                builder.Append("| <a id=\"").Append(d.Id.ToLowerInvariant()).Append("\"></a>").Append(d.Id)
                    .Append(" | ").Append(Diagnostic.SeverityText(d.Severity))
                    .Append(" | ").Append(Cell(d.Title))
                    .Append(" | ").Append(Cell(MessageAsShown(d.MessageFormat)))
                    .Append(" | ").Append(Cell(d.HelpText))
                    .Append(" |\n");
            }
        }
        return builder.ToString();
    }

    /// <summary>A format is shown as messages show it: with arguments it goes through string.Format, which unescapes braces.</summary>
    private static string MessageAsShown(string format) =>
        System.Text.RegularExpressions.Regex.IsMatch(format, @"(?<!\{)\{\d+\}")
            ? format.Replace("{{", "{", StringComparison.Ordinal).Replace("}}", "}", StringComparison.Ordinal)
            : format;

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
