namespace ManifestCompiler.Syntax.Text;

/// <summary>A range of characters (UTF-16 code units) in a source text: the unit every AST node and diagnostic carries.</summary>
public readonly record struct SourceSpan(int Start, int Length)
{
    public int End => Start + Length;

    public static SourceSpan FromBounds(int start, int end) => new(start, end - start);

    public override string ToString() => $"[{Start}..{End})";
}

/// <summary>A 1-based line and column, derived from a text and an offset when a diagnostic is shown.</summary>
public readonly record struct LinePosition(int Line, int Column)
{
    public override string ToString() => $"{Line},{Column}";
}
