using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.Parsing;
using ManifestCompiler.Syntax.Text;
using ManifestCompiler.Runtime.Support.Values;
using Pidgin;
using static Pidgin.Parser;
using static Pidgin.Parser<char>;

namespace ManifestCompiler.Syntax.DotPaths;

/// <summary>
/// A ChiefOnboarding dot-notation path (<c>data.items.0.id</c>; grammar: grammars/dotpath.ebnf).
/// No segments means <c>""</c>, the whole value.
/// </summary>
public sealed record DotPathSyntax(string Source, ImmutableArray<DotPathSegment> Segments)
{
    public bool IsWholeValue => Segments.IsEmpty;

    public override string ToString() => Source;
}

public sealed record DotPathSegment(string Key, SourceSpan Span);

/// <summary>Why a lookup failed: the engine raises KeyError at this segment.</summary>
public sealed record DotPathFailure(DotPathSegment Segment, string Reason);

public static class DotPath
{
    private static readonly Parser<char, DotPathSegment> Segment =
        Map((start, key, end) => new DotPathSegment(key, SourceSpan.FromBounds(start, end)), CurrentOffset, Token(c => c != '.').ManyString(), CurrentOffset);

    private static readonly Parser<char, IEnumerable<DotPathSegment>> Path =
        Segment.SeparatedAtLeastOnce(Char('.')).Before(End);

    public static ParseResult<DotPathSyntax> Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Length == 0)
        {
            return new ParseResult<DotPathSyntax>(new DotPathSyntax(source, []), []);
        }
        // Every string is a path (the engine splits on '.'), so this parse cannot fail.
        var parsed = Path.Parse(source);
        var segments = parsed.Success ? parsed.Value.ToImmutableArray() : [new DotPathSegment(source, new SourceSpan(0, source.Length))];
        var diagnostics = segments
            .Where(s => s.Key.Length == 0)
            .Select(s => SyntaxDiagnostics.EmptyDotPathSegment.Create(new SourceSpan(Math.Min(s.Span.Start, source.Length), 0)))
            .ToImmutableArray();
        return new ParseResult<DotPathSyntax>(new DotPathSyntax(source, segments), diagnostics);
    }

    /// <summary>
    /// Applies the path as <c>get_value_from_notation</c> does: each segment is a dict key; on a list it is
    /// parsed with Python's <c>int()</c> (so " 0", "01" and negative indexes work); anything else fails.
    /// </summary>
    public static bool TryEvaluate(DotPathSyntax path, JsonElement value, out JsonElement result, out DotPathFailure? failure)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (DotPathRuntime.TryEvaluate(value, path.Segments.Select(s => s.Key).ToArray(), out result, out var failed, out var reason))
        {
            failure = null;
            return true;
        }
        failure = new DotPathFailure(path.Segments[failed], reason!);
        return false;
    }
}
