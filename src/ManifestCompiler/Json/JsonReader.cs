using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using ManifestCompiler.Runtime.Support.Text;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.Parsing;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Json;

/// <summary>
/// Reads RFC 8259 JSON into <see cref="JsonSyntax"/> with exact positions. What real files contain is reported,
/// not fatal: comments (MC0002) and trailing commas (MC0003) are errors that reading continues past, duplicate
/// keys a warning (MC0004), a leading BOM is fine. Anything else malformed is one MC0001 at its position.
/// Escapes are decoded here, so a lone surrogate ("\ud800") is a character, as in json.loads. Pure: text in, tree out.
/// </summary>
public sealed class JsonReader
{
    /// <summary>Manifests nest a few levels; deeper input is refused rather than recursed into.</summary>
    public const int MaxDepth = 256;

    private readonly string _text;
    private readonly ImmutableArray<Diagnostic>.Builder _diagnostics = ImmutableArray.CreateBuilder<Diagnostic>();
    private int _position;
    private int _depth;

    private JsonReader(string text) => _text = text;

    public static ParseResult<JsonSyntax> Read(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new JsonReader(text);
        try
        {
            var value = reader.ReadDocument();
            return new ParseResult<JsonSyntax>(value, reader._diagnostics.ToImmutable());
        }
        catch (MalformedJson e)
        {
            reader._diagnostics.Add(SyntaxDiagnostics.InvalidJson.Create(new SourceSpan(Math.Min(e.Offset, text.Length), e.Offset < text.Length ? 1 : 0), e.Message));
            return new ParseResult<JsonSyntax>(null, reader._diagnostics.ToImmutable());
        }
    }

    /// <summary>Unwinds the reader at the first error it cannot read past.</summary>
    private sealed class MalformedJson(int offset, string message) : Exception(message)
    {
        public int Offset { get; } = offset;
    }

    private MalformedJson Error(string message) => new(_position, message + ", found " + Found());

    private string Found() => _position >= _text.Length ? "end of input" : CharDescription.Describe(_text[_position]);

    private JsonSyntax ReadDocument()
    {
        if (_text.Length > 0 && _text[0] == '\uFEFF')
        {
            _position = 1;
        }
        SkipTrivia();
        if (_position >= _text.Length)
        {
            throw Error("expected a JSON value");
        }
        var value = ReadValue();
        SkipTrivia();
        if (_position < _text.Length)
        {
            throw Error("expected end of input after the JSON value");
        }
        return value;
    }

    private void SkipTrivia()
    {
        while (_position < _text.Length)
        {
            var c = _text[_position];
            if (c is ' ' or '\t' or '\n' or '\r')
            {
                _position++;
            }
            else if (c == '/' && _position + 1 < _text.Length && _text[_position + 1] is '/' or '*')
            {
                var start = _position;
                if (_text[_position + 1] == '/')
                {
                    while (_position < _text.Length && _text[_position] is not ('\n' or '\r'))
                    {
                        _position++;
                    }
                }
                else
                {
                    var end = _text.IndexOf("*/", _position + 2, StringComparison.Ordinal);
                    if (end < 0)
                    {
                        throw new MalformedJson(start, "unterminated comment");
                    }
                    _position = end + 2;
                }
                _diagnostics.Add(SyntaxDiagnostics.JsonComment.Create(SourceSpan.FromBounds(start, _position)));
            }
            else
            {
                return;
            }
        }
    }

    private JsonSyntax ReadValue()
    {
        if (++_depth > MaxDepth || !System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw Error($"nesting deeper than {MaxDepth} levels");
        }
        try
        {
            if (_position >= _text.Length)
            {
                throw Error("expected a JSON value");
            }
            return _text[_position] switch
            {
                '{' => ReadObject(),
                '[' => ReadArray(),
                '"' => ReadString(),
                '-' or (>= '0' and <= '9') => ReadNumber(),
                't' => ReadLiteral("true", span => new JsonBooleanSyntax(true, span)),
                'f' => ReadLiteral("false", span => new JsonBooleanSyntax(false, span)),
                'n' => ReadLiteral("null", span => new JsonNullSyntax(span)),
                '\'' => throw Error("strings take double quotes"),
                _ => throw Error("expected a JSON value"),
            };
        }
        finally
        {
            _depth--;
        }
    }

    private JsonSyntax ReadLiteral(string word, Func<SourceSpan, JsonSyntax> build)
    {
        if (string.CompareOrdinal(_text, _position, word, 0, word.Length) != 0)
        {
            throw Error("expected a JSON value");
        }
        var start = _position;
        _position += word.Length;
        return build(SourceSpan.FromBounds(start, _position));
    }

    private JsonObjectSyntax ReadObject()
    {
        var start = _position++;
        var members = ImmutableArray.CreateBuilder<JsonMemberSyntax>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        SkipTrivia();
        if (Peek('}'))
        {
            _position++;
            return new JsonObjectSyntax(members.ToImmutable(), SourceSpan.FromBounds(start, _position));
        }
        while (true)
        {
            SkipTrivia();
            if (!Peek('"'))
            {
                throw Error("expected a member name in double quotes");
            }
            var name = ReadString();
            SkipTrivia();
            if (!Peek(':'))
            {
                throw Error("expected ':' after the member name");
            }
            _position++;
            SkipTrivia();
            var value = ReadValue();
            if (seen.ContainsKey(name.Value))
            {
                _diagnostics.Add(SyntaxDiagnostics.JsonDuplicateKey.Create(name.Span, name.Value));
            }
            seen[name.Value] = members.Count;
            members.Add(new JsonMemberSyntax(name, value));
            SkipTrivia();
            if (Peek(','))
            {
                var comma = _position++;
                SkipTrivia();
                if (Peek('}'))
                {
                    _diagnostics.Add(SyntaxDiagnostics.JsonTrailingComma.Create(new SourceSpan(comma, 1), "}"));
                    _position++;
                    break;
                }
                continue;
            }
            if (Peek('}'))
            {
                _position++;
                break;
            }
            throw Error("expected ',' or '}'");
        }
        return new JsonObjectSyntax(members.ToImmutable(), SourceSpan.FromBounds(start, _position));
    }

    private JsonArraySyntax ReadArray()
    {
        var start = _position++;
        var items = ImmutableArray.CreateBuilder<JsonSyntax>();
        SkipTrivia();
        if (Peek(']'))
        {
            _position++;
            return new JsonArraySyntax(items.ToImmutable(), SourceSpan.FromBounds(start, _position));
        }
        while (true)
        {
            SkipTrivia();
            items.Add(ReadValue());
            SkipTrivia();
            if (Peek(','))
            {
                var comma = _position++;
                SkipTrivia();
                if (Peek(']'))
                {
                    _diagnostics.Add(SyntaxDiagnostics.JsonTrailingComma.Create(new SourceSpan(comma, 1), "]"));
                    _position++;
                    break;
                }
                continue;
            }
            if (Peek(']'))
            {
                _position++;
                break;
            }
            throw Error("expected ',' or ']'");
        }
        return new JsonArraySyntax(items.ToImmutable(), SourceSpan.FromBounds(start, _position));
    }

    private bool Peek(char c) => _position < _text.Length && _text[_position] == c;

    private JsonStringSyntax ReadString()
    {
        var start = _position++;
        var value = new StringBuilder();
        List<int>? offsets = null;
        while (true)
        {
            if (_position >= _text.Length)
            {
                throw new MalformedJson(start, "unterminated string");
            }
            var c = _text[_position];
            if (c == '"')
            {
                _position++;
                break;
            }
            if (c < ' ')
            {
                throw Error("a control character must be escaped in a string");
            }
            if (c != '\\')
            {
                offsets?.Add(_position);
                value.Append(c);
                _position++;
                continue;
            }
            // The first escape: from here on each decoded character records where it came from.
            offsets ??= Enumerable.Range(start + 1, value.Length).ToList();
            var escapeStart = _position;
            if (++_position >= _text.Length)
            {
                throw new MalformedJson(start, "unterminated string");
            }
            var decoded = _text[_position] switch
            {
                '"' => '"',
                '\\' => '\\',
                '/' => '/',
                'b' => '\b',
                'f' => '\f',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'u' => ReadUnicodeEscape(),
                _ => throw Error("expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"),
            };
            _position++;
            offsets.Add(escapeStart);
            value.Append(decoded);
        }
        return new JsonStringSyntax(value.ToString(), SourceSpan.FromBounds(start, _position), offsets is null ? [] : [.. offsets]);
    }

    private char ReadUnicodeEscape()
    {
        // Reported at the first character that is not one of the four digits, and naming it.
        var digits = 0;
        while (digits < 4 && _position + 1 + digits < _text.Length && char.IsAsciiHexDigit(_text[_position + 1 + digits]))
        {
            digits++;
        }
        if (digits < 4)
        {
            _position += 1 + digits;
            throw Error("expected four hex digits after \\u");
        }
        var code = int.Parse(_text.AsSpan(_position + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        _position += 4;
        return (char)code;
    }

    // number = [ "-" ] ( "0" / digit1-9 *digit ) [ "." 1*digit ] [ ( "e" / "E" ) [ "-" / "+" ] 1*digit ]
    private JsonNumberSyntax ReadNumber()
    {
        var start = _position;
        if (Peek('-'))
        {
            _position++;
        }
        if (Peek('0'))
        {
            _position++;
            if (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
            {
                throw Error("a number cannot have leading zeros");
            }
        }
        else if (!Digits())
        {
            throw Error("expected a digit");
        }
        if (Peek('.'))
        {
            _position++;
            if (!Digits())
            {
                throw Error("expected a digit after the decimal point");
            }
        }
        if (_position < _text.Length && _text[_position] is 'e' or 'E')
        {
            _position++;
            if (_position < _text.Length && _text[_position] is '+' or '-')
            {
                _position++;
            }
            if (!Digits())
            {
                throw Error("expected a digit in the exponent");
            }
        }
        return new JsonNumberSyntax(_text[start.._position], SourceSpan.FromBounds(start, _position));
    }

    private bool Digits()
    {
        var start = _position;
        while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
        {
            _position++;
        }
        return _position > start;
    }
}
