using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Diagnostics;

/// <summary>
/// A diagnostic located in one file of the compilation: the file's path as the caller named it, the span, its
/// 1-based start and end line/column, and the JSON location as an RFC 9535 normalized path (<c>$['execute'][0]['method']</c>;
/// null outside JSON, such as in a Python step). For a missing key the path names the key and the span is its object.
/// </summary>
public sealed record ManifestDiagnostic(
    DiagnosticDescriptor Descriptor,
    string FilePath,
    SourceSpan Span,
    LinePosition Start,
    LinePosition End,
    string Message,
    string? JsonPath)
{
    public string Id => Descriptor.Id;

    public DiagnosticSeverity Severity => Descriptor.Severity;

    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary>The MSBuild/compiler canonical format: <c>path(line,col): error MC1234: message</c>.</summary>
    public override string ToString() => Diagnostic.FormatCanonical(FilePath, Start, Severity, Id, Message);
}
