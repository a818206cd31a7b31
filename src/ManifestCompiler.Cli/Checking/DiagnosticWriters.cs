using System.Text.Encodings.Web;
using System.Text.Json;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.Syntax.Diagnostics;

namespace ManifestCompiler.Cli.Checking;

/// <summary>The totals a check prints last.</summary>
internal sealed record CheckSummary(int Integrations, int Manifests, int Errors, int Warnings, int Infos)
{
    public static CheckSummary Of(int integrations, int manifests, IReadOnlyCollection<ManifestDiagnostic> diagnostics) => new(
        integrations,
        manifests,
        diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error),
        diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning),
        diagnostics.Count(d => d.Severity == DiagnosticSeverity.Info));

    public override string ToString() =>
        $"Checked {Integrations} integration folder(s) and {Manifests} manifest(s): {Errors} error(s), {Warnings} warning(s), {Infos} info(s)";
}

/// <summary>Writes diagnostics as text (MSBuild canonical lines), JSON, or SARIF 2.1.0 for code-scanning tools.</summary>
internal static class DiagnosticWriters
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteText(TextWriter output, IReadOnlyList<ManifestDiagnostic> diagnostics, CheckSummary summary)
    {
        foreach (var diagnostic in diagnostics)
        {
            output.WriteLine(diagnostic.ToString());
        }
        output.WriteLine(summary.ToString());
    }

    public static void WriteJson(Stream output, IReadOnlyList<ManifestDiagnostic> diagnostics, CheckSummary summary)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        writer.WriteStartArray("diagnostics");
        foreach (var d in diagnostics)
        {
            writer.WriteStartObject();
            writer.WriteString("id", d.Id);
            writer.WriteString("severity", Diagnostic.SeverityText(d.Severity));
            writer.WriteString("title", d.Descriptor.Title);
            writer.WriteString("message", d.Message);
            writer.WriteString("file", d.FilePath);
            writer.WriteNumber("line", d.Start.Line);
            writer.WriteNumber("column", d.Start.Column);
            writer.WriteNumber("endLine", d.End.Line);
            writer.WriteNumber("endColumn", d.End.Column);
            if (d.JsonPath is { } jsonPath)
            {
                writer.WriteString("jsonPath", jsonPath);
            }
            writer.WriteString("help", d.Descriptor.HelpText);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartObject("summary");
        writer.WriteNumber("integrations", summary.Integrations);
        writer.WriteNumber("manifests", summary.Manifests);
        writer.WriteNumber("errors", summary.Errors);
        writer.WriteNumber("warnings", summary.Warnings);
        writer.WriteNumber("infos", summary.Infos);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>
    /// SARIF 2.1.0 (OASIS): one run, a rule per diagnostic id used, results with physical and JSON locations. A file
    /// named by a relative path is a relative URI against <c>%SRCROOT%</c> (the current folder, given in
    /// originalUriBaseIds); a file named by an absolute path is an absolute <c>file://</c> URI with no base (SARIF
    /// §3.4.4: a relative reference must not start with a slash).
    /// </summary>
    public static void WriteSarif(Stream output, IReadOnlyList<ManifestDiagnostic> diagnostics)
    {
        var rules = diagnostics.Select(d => d.Descriptor).DistinctBy(d => d.Id).OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
        var ruleIndex = rules.Select((rule, index) => (rule.Id, index)).ToDictionary(p => p.Id, p => p.index, StringComparer.Ordinal);
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        writer.WriteString("version", "2.1.0");
        writer.WriteStartArray("runs");
        writer.WriteStartObject();
        writer.WriteStartObject("tool");
        writer.WriteStartObject("driver");
        writer.WriteString("name", "mfc");
        writer.WriteString("fullName", "ManifestCompiler");
        writer.WriteString("version", typeof(DiagnosticWriters).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
        writer.WriteString("informationUri", DiagnosticCatalog.ProjectUri);
        writer.WriteStartArray("rules");
        foreach (var rule in rules)
        {
            writer.WriteStartObject();
            writer.WriteString("id", rule.Id);
            writer.WriteString("name", string.Concat(rule.Title.Split(' ', '-', '\'', '(', ')').Where(w => w.Length > 0).Select(w => char.ToUpperInvariant(w[0]) + w[1..])));
            writer.WriteStartObject("shortDescription");
            writer.WriteString("text", rule.Title);
            writer.WriteEndObject();
            writer.WriteStartObject("fullDescription");
            writer.WriteString("text", rule.HelpText);
            writer.WriteEndObject();
            writer.WriteString("helpUri", DiagnosticCatalog.HelpUri(rule.Id));
            writer.WriteStartObject("defaultConfiguration");
            writer.WriteString("level", SarifLevel(rule.Severity));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
        if (diagnostics.Any(d => !Path.IsPathRooted(d.FilePath)))
        {
            writer.WriteStartObject("originalUriBaseIds");
            writer.WriteStartObject(SourceRoot);
            writer.WriteString("uri", new Uri(Path.TrimEndingDirectorySeparator(Environment.CurrentDirectory) + "/").AbsoluteUri);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteString("columnKind", "utf16CodeUnits");
        writer.WriteStartArray("results");
        foreach (var d in diagnostics)
        {
            writer.WriteStartObject();
            writer.WriteString("ruleId", d.Id);
            writer.WriteNumber("ruleIndex", ruleIndex[d.Id]);
            writer.WriteString("level", SarifLevel(d.Severity));
            writer.WriteStartObject("message");
            writer.WriteString("text", d.Message);
            writer.WriteEndObject();
            writer.WriteStartArray("locations");
            writer.WriteStartObject();
            writer.WriteStartObject("physicalLocation");
            writer.WriteStartObject("artifactLocation");
            if (Path.IsPathRooted(d.FilePath))
            {
                writer.WriteString("uri", new Uri(d.FilePath).AbsoluteUri);
            }
            else
            {
                writer.WriteString("uri", Uri.EscapeDataString(d.FilePath.Replace('\\', '/')).Replace("%2F", "/", StringComparison.Ordinal));
                writer.WriteString("uriBaseId", SourceRoot);
            }
            writer.WriteEndObject();
            writer.WriteStartObject("region");
            writer.WriteNumber("startLine", d.Start.Line);
            writer.WriteNumber("startColumn", d.Start.Column);
            writer.WriteNumber("endLine", d.End.Line);
            writer.WriteNumber("endColumn", d.End.Column);
            writer.WriteEndObject();
            writer.WriteEndObject();
            if (d.JsonPath is { } jsonPath)
            {
                writer.WriteStartArray("logicalLocations");
                writer.WriteStartObject();
                writer.WriteString("fullyQualifiedName", jsonPath);
                writer.WriteString("kind", "member");
                writer.WriteEndObject();
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private const string SourceRoot = "%SRCROOT%";

    private static string SarifLevel(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        _ => "note",
    };
}
