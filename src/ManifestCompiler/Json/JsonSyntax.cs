using System.Collections.Immutable;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Json;

/// <summary>
/// A JSON value read from a manifest with its exact place in the file. Unlike a JsonDocument it keeps every
/// position (strings map each decoded character back to the file), so every diagnostic can point at its source.
/// </summary>
public abstract record JsonSyntax(SourceSpan Span);

public sealed record JsonObjectSyntax(ImmutableArray<JsonMemberSyntax> Members, SourceSpan Span) : JsonSyntax(Span)
{
    /// <summary>The member with this name; the last one when a name repeats (as json.loads keeps it).</summary>
    public JsonMemberSyntax? this[string name]
    {
        get
        {
            for (var i = Members.Length - 1; i >= 0; i--)
            {
                if (Members[i].Name.Value == name)
                {
                    return Members[i];
                }
            }
            return null;
        }
    }
}

public sealed record JsonMemberSyntax(JsonStringSyntax Name, JsonSyntax Value);

public sealed record JsonArraySyntax(ImmutableArray<JsonSyntax> Items, SourceSpan Span) : JsonSyntax(Span);

/// <summary>A string; <see cref="Span"/> includes the quotes.</summary>
public sealed record JsonStringSyntax(string Value, SourceSpan Span, ImmutableArray<int> EscapedOffsets) : JsonSyntax(Span)
{
    /// <summary>
    /// The file offset of character <paramref name="index"/> of <see cref="Value"/> (the end of the string for an
    /// index past it). Exact even after escapes: <see cref="EscapedOffsets"/> holds each character's offset when any
    /// escape occurs, and is empty otherwise.
    /// </summary>
    public int SourceOffset(int index)
    {
        if (index >= Value.Length)
        {
            return Span.End - 1;
        }
        return EscapedOffsets.IsDefaultOrEmpty ? Span.Start + 1 + Math.Max(0, index) : EscapedOffsets[Math.Max(0, index)];
    }
}

/// <summary>A number as written (the binder decides whether it is an int, a float, or out of range).</summary>
public sealed record JsonNumberSyntax(string Text, SourceSpan Span) : JsonSyntax(Span);

public sealed record JsonBooleanSyntax(bool Value, SourceSpan Span) : JsonSyntax(Span);

public sealed record JsonNullSyntax(SourceSpan Span) : JsonSyntax(Span);
