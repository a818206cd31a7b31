using System.Collections.Immutable;
using System.Text;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Syntax.Python;

public enum PyTokenKind
{
    Name,
    Number,
    String,
    Operator,
    /// <summary>The end of a logical line (not inside brackets or after a backslash continuation).</summary>
    NewLine,
}

/// <summary>
/// One token of a Python module. <see cref="Value"/> is the decoded text of a plain string literal (null for f-strings and
/// bytes, whose value is not a constant), the name, number or operator text otherwise. <see cref="AtLineStart"/> marks the
/// first token of a statement (a logical line, or after ';' or a one-line ':'), <see cref="Indent"/> the line's indentation.
/// </summary>
public sealed record PyToken(PyTokenKind Kind, string Text, string? Value, SourceSpan Span, bool AtLineStart, int Indent);

/// <summary>
/// A tokenizer for whole Python modules (action steps), enough for the compiler's checks: imports, the <c>main</c>
/// function, literal action names in calls. It never throws and never fails: text it cannot classify becomes an operator
/// token, and an unterminated string runs to the end of its line (or of the file, for triple quotes). Syntax errors
/// are CPython's to report (the CLI asks a real python3).
/// </summary>
public static class PythonModuleScanner
{
    /// <summary>Python's keywords (the grammar's own list): never a name a module reads or binds.</summary>
    public static bool IsKeyword(string name) => PythonGrammar.Keywords.Contains(name);

    public static ImmutableArray<PyToken> Tokenize(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var tokens = ImmutableArray.CreateBuilder<PyToken>();
        var position = 0;
        var depth = 0;
        var atLineStart = true;
        var indent = 0;
        // Stryker disable once Boolean: the first token is always a statement start (at line start, depth 0), and this resets with it (docs/mutation-testing.md).
        var statementStart = false;
        while (position < source.Length)
        {
            var c = source[position];
            if (atLineStart && depth == 0)
            {
                // Measure the indentation of a new logical line; blank and comment-only lines do not start one.
                var start = position;
                while (position < source.Length && source[position] is ' ' or '\t' or '\f')
                {
                    position++;
                }
                indent = position - start;
                if (position >= source.Length)
                {
                    break;
                }
                c = source[position];
                if (c is '\n' or '\r' or '#')
                {
                    SkipLine(source, ref position);
                    continue;
                }
            }
            if (c is ' ' or '\t' or '\f')
            {
                position++;
                continue;
            }
            if (c == '#')
            {
                while (position < source.Length && source[position] is not ('\n' or '\r'))
                {
                    position++;
                }
                continue;
            }
            if (c == '\\' && position + 1 < source.Length && source[position + 1] is '\n' or '\r')
            {
                position += source[position + 1] == '\r' && position + 2 < source.Length && source[position + 2] == '\n' ? 3 : 2;
                continue;
            }
            if (c is '\n' or '\r')
            {
                var start = position;
                position += c == '\r' && position + 1 < source.Length && source[position + 1] == '\n' ? 2 : 1;
                if (depth == 0)
                {
                    tokens.Add(new PyToken(PyTokenKind.NewLine, "\n", null, new SourceSpan(start, position - start), false, indent));
                    atLineStart = true;
                }
                continue;
            }
            var lineStart = (atLineStart && depth == 0) || statementStart;
            atLineStart = false;
            statementStart = false;
            if (TryString(source, ref position, out var stringToken, lineStart, indent))
            {
                tokens.Add(stringToken);
                continue;
            }
            if (char.IsLetter(c) || c == '_' || c > 127)
            {
                var start = position;
                while (position < source.Length && (char.IsLetterOrDigit(source[position]) || source[position] == '_' || source[position] > 127))
                {
                    position++;
                }
                var name = source[start..position];
                tokens.Add(new PyToken(PyTokenKind.Name, name, name, new SourceSpan(start, position - start), lineStart, indent));
                continue;
            }
            if (char.IsAsciiDigit(c) || (c == '.' && position + 1 < source.Length && char.IsAsciiDigit(source[position + 1])))
            {
                var start = position;
                while (position < source.Length && (char.IsAsciiLetterOrDigit(source[position]) || source[position] is '.' or '_'))
                {
                    position++;
                }
                tokens.Add(new PyToken(PyTokenKind.Number, source[start..position], source[start..position], new SourceSpan(start, position - start), lineStart, indent));
                continue;
            }
            if (c is '(' or '[' or '{')
            {
                depth++;
            }
            else if (c is ')' or ']' or '}')
            {
                depth = Math.Max(0, depth - 1);
            }
            var length = c is '*' or '/' or '=' or '!' or '<' or '>' or '-' or ':' && position + 1 < source.Length && source[position + 1] is '=' or '*' or '/' or '>' ? 2 : 1;
            tokens.Add(new PyToken(PyTokenKind.Operator, source.Substring(position, length), source.Substring(position, length), new SourceSpan(position, length), lineStart, indent));
            // A statement can also start after ';' or after the ':' of a one-line compound statement ("if x: import os").
            statementStart = depth == 0 && c is ';' or ':' && length == 1;
            position += length;
        }
        return tokens.ToImmutable();
    }

    private static void SkipLine(string source, ref int position)
    {
        while (position < source.Length && source[position] is not ('\n' or '\r'))
        {
            position++;
        }
        if (position < source.Length)
        {
            position += source[position] == '\r' && position + 1 < source.Length && source[position + 1] == '\n' ? 2 : 1;
        }
    }

    private static bool TryString(string source, ref int position, out PyToken token, bool lineStart, int indent)
    {
        token = null!;
        var start = position;
        var prefixEnd = position;
        while (prefixEnd < source.Length && prefixEnd - start < 2 && source[prefixEnd] is 'r' or 'R' or 'b' or 'B' or 'u' or 'U' or 'f' or 'F')
        {
            prefixEnd++;
        }
        if (prefixEnd >= source.Length || source[prefixEnd] is not ('\'' or '"'))
        {
            return false;
        }
        var prefix = source[start..prefixEnd].ToLowerInvariant();
        if (prefix.Length == 2 && prefix is not ("rb" or "br" or "rf" or "fr"))
        {
            return false;
        }
        var raw = prefix.Contains('r', StringComparison.Ordinal);
        var constant = !prefix.Contains('f', StringComparison.Ordinal) && !prefix.Contains('b', StringComparison.Ordinal);
        var quote = source[prefixEnd];
        var triple = prefixEnd + 2 < source.Length && source[prefixEnd + 1] == quote && source[prefixEnd + 2] == quote;
        var i = prefixEnd + (triple ? 3 : 1);
        var value = new StringBuilder();
        while (i < source.Length)
        {
            var c = source[i];
            if (c == '\\' && i + 1 < source.Length)
            {
                var next = source[i + 1];
                if (raw)
                {
                    value.Append(c).Append(next);
                }
                else if (next is not ('\n' or '\r'))
                {
                    // A backslash before a line break continues the string without a character.
                    value.Append(next switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', _ => next });
                }
                i += next == '\r' && i + 2 < source.Length && source[i + 2] == '\n' ? 3 : 2;
                continue;
            }
            if (!triple && c is '\n' or '\r')
            {
                break;
            }
            if (c == quote && (!triple || (i + 2 < source.Length && source[i + 1] == quote && source[i + 2] == quote)))
            {
                i += triple ? 3 : 1;
                position = i;
                token = new PyToken(PyTokenKind.String, source[start..i], constant ? value.ToString() : null, SourceSpan.FromBounds(start, i), lineStart, indent);
                return true;
            }
            value.Append(c);
            i++;
        }
        position = i;
        token = new PyToken(PyTokenKind.String, source[start..i], null, SourceSpan.FromBounds(start, i), lineStart, indent);
        return true;
    }
}
