using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ManifestCompiler.Generators.Tests;

/// <summary>A file given to the generator and analyzer as an AdditionalFile.</summary>
internal sealed class FileText(string path, string text) : AdditionalText
{
    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
}
