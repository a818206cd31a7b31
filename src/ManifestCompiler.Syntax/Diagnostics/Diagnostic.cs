using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Syntax.Diagnostics;

public enum DiagnosticSeverity
{
    Hidden,
    Info,
    Warning,
    Error,
}

/// <summary>
/// A stable diagnostic id with its severity, message format and help text (what it means and how to fix it).
/// Every descriptor lives in one catalog class (<see cref="SyntaxDiagnostics"/> for the languages, the compiler's
/// ManifestDiagnostics for manifests); a test checks ids are unique across catalogs and docs/diagnostics.md lists them.
/// </summary>
public sealed record DiagnosticDescriptor(string Id, string Title, string MessageFormat, DiagnosticSeverity Severity, string HelpText)
{
    public Diagnostic Create(SourceSpan span, params object?[] args) =>
        new(this, span, args.Length == 0 ? MessageFormat : string.Format(System.Globalization.CultureInfo.InvariantCulture, MessageFormat, args));
}

/// <summary>A problem found in one source text, located by a span of that text.</summary>
public sealed record Diagnostic(DiagnosticDescriptor Descriptor, SourceSpan Span, string Message)
{
    public string Id => Descriptor.Id;

    public DiagnosticSeverity Severity => Descriptor.Severity;

    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary>Formats as MSBuild/IDE tools expect: <c>origin(line,col): error MC3001: message</c>.</summary>
    public string Format(string origin, LineMap lines)
    {
        return FormatCanonical(origin, lines.GetPosition(Span.Start), Severity, Id, Message);
    }

    public string Format(string origin, string text) => Format(origin, new LineMap(text));

    public override string ToString() => $"{SeverityText(Severity)} {Id} at {Span}: {Message}";

    /// <summary>The MSBuild canonical line every tool here prints: <c>origin(line,col): severity id: message</c>.</summary>
    public static string FormatCanonical(string origin, LinePosition position, DiagnosticSeverity severity, string id, string message) =>
        $"{origin}({position.Line},{position.Column}): {SeverityText(severity)} {id}: {message}";

    /// <summary>How a severity is written in output: error, warning, info, hidden.</summary>
    public static string SeverityText(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        DiagnosticSeverity.Info => "info",
        _ => "hidden",
    };
}
