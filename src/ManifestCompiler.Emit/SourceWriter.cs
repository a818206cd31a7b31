using System.Text;

namespace ManifestCompiler.Emit;

/// <summary>Builds C# text line by line with the indentation it is given (four spaces a level), as System.Text.Json's
/// generator does: no syntax trees, deterministic output, <c>\n</c> line ends.</summary>
public sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public SourceWriter Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _indent * 4).Append(line);
        }
        _text.Append('\n');
        return this;
    }

    /// <summary>Writes <paramref name="header"/> and an opening brace, and indents until <see cref="Close"/>.</summary>
    public SourceWriter Open(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return this;
    }

    /// <summary>An opening brace of a plain block, indented until <see cref="Close"/>.</summary>
    public SourceWriter Block()
    {
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Close(string closing = "}")
    {
        _indent--;
        return Line(closing);
    }

    /// <summary>Appends another writer's text at this writer's indentation.</summary>
    public SourceWriter Append(SourceWriter other)
    {
        foreach (var line in other.ToString().Split('\n').SkipLast(1))
        {
            Line(line);
        }
        return this;
    }

    public override string ToString() => _text.ToString();
}
