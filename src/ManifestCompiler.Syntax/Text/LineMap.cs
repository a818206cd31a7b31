namespace ManifestCompiler.Syntax.Text;

/// <summary>Maps offsets of one text to 1-based lines and columns. Lines end at \n, \r\n or a lone \r.</summary>
public sealed class LineMap
{
    private readonly int[] _lineStarts;
    private readonly int _length;

    public LineMap(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                i++;
            }
            if (c is '\n' or '\r')
            {
                starts.Add(i + 1);
            }
        }
        _lineStarts = starts.ToArray();
        _length = text.Length;
    }

    /// <summary>Offsets past the end clamp to the end, so an "unexpected end of input" still has a position.</summary>
    public LinePosition GetPosition(int offset)
    {
        offset = Math.Clamp(offset, 0, _length);
        var line = Array.BinarySearch(_lineStarts, offset);
        if (line < 0)
        {
            line = ~line - 1;
        }
        return new LinePosition(line + 1, offset - _lineStarts[line] + 1);
    }
}
