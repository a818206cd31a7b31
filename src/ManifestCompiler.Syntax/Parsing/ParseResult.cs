using System.Collections.Immutable;
using ManifestCompiler.Syntax.Diagnostics;

namespace ManifestCompiler.Syntax.Parsing;

/// <summary>
/// What every parser returns: the tree (when the input could be read at all) and its diagnostics.
/// Parsers never throw on user input; <see cref="Value"/> is null only when an error diagnostic explains why.
/// </summary>
public sealed class ParseResult<T>
    where T : class
{
    public ParseResult(T? value, ImmutableArray<Diagnostic> diagnostics)
    {
        Value = value;
        Diagnostics = diagnostics;
    }

    public T? Value { get; }

    public ImmutableArray<Diagnostic> Diagnostics { get; }

    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    /// <summary>True when the tree is usable: it exists and no error was reported.</summary>
    public bool Success => Value is not null && !HasErrors;
}
