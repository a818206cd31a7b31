using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.DotPaths;
using ManifestCompiler.Syntax.JsonPath;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Syntax.Templates;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Manifests;

public enum EmbeddedLanguage
{
    Template,
    DotPath,
    JsonPath,
    PythonExpression,
}

/// <summary>
/// One string of a manifest written in an embedded language. <see cref="ValueStart"/> is the file offset of the
/// string's first character (after the quote); spans inside <see cref="Tree"/> are offsets into <see cref="Text"/>.
/// </summary>
public sealed record EmbeddedFragment(
    EmbeddedLanguage Language,
    string JsonPointer,
    string Text,
    int ValueStart,
    bool ValueIsEscaped,
    object? Tree,
    ImmutableArray<Diagnostic> Diagnostics)
{
    /// <summary>Maps an offset in <see cref="Text"/> to the file; exact unless the JSON string has escapes.</summary>
    public int ToFileOffset(int valueOffset) => ValueIsEscaped ? ValueStart : ValueStart + valueOffset;
}

/// <summary>
/// Finds the strings of a manifest that hold an embedded language and parses them: JSONPath in
/// <c>equivalentName</c>, dot paths in the ChiefOnboarding notation keys, Python expressions in webhook
/// <c>condition</c> and <c>memory[].value</c>, templates in any other string with <c>{{</c>. A stand-in for the
/// full manifest readers (issue 4), which will classify by schema instead of by key.
/// Pure: it reads only the text it is given.
/// </summary>
public static class EmbeddedLanguageScanner
{
    private static readonly HashSet<string> DotPathKeys = new(StringComparer.Ordinal)
    {
        "data_from", "response_notation", "next_page_from", "next_page_token_from",
    };

    /// <summary>Objects whose member values are all dot paths.</summary>
    private static readonly HashSet<string> DotPathMaps = new(StringComparer.Ordinal) { "store_data", "data_structure" };

    public static (ImmutableArray<EmbeddedFragment> Fragments, ImmutableArray<Diagnostic> Diagnostics) Scan(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var bytes = Encoding.UTF8.GetBytes(json);
        var fragments = ImmutableArray.CreateBuilder<EmbeddedFragment>();
        var bomBytes = json.Length > 0 && json[0] == '\uFEFF' ? 3 : 0;
        var offsets = new ByteToCharOffsets(bytes);
        var reader = new Utf8JsonReader(bytes.AsSpan(bomBytes), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 256 });
        var path = new List<string>();
        var containers = new Stack<(bool IsArray, int Index, string? ParentKey)>();
        string? pendingKey = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        pendingKey = reader.GetString();
                        break;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        var key = ElementKey(containers, ref pendingKey);
                        if (key is not null)
                        {
                            path.Add(key);
                        }
                        containers.Push((reader.TokenType == JsonTokenType.StartArray, 0, key));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        var closed = containers.Pop();
                        if (closed.ParentKey is not null)
                        {
                            path.RemoveAt(path.Count - 1);
                        }
                        break;
                    case JsonTokenType.String:
                        var name = ElementKey(containers, ref pendingKey) ?? string.Empty;
                        var language = Classify(name, path, reader.GetString()!);
                        if (language is { } lang)
                        {
                            var start = offsets.CharOffset((int)reader.TokenStartIndex + bomBytes) + 1;
                            fragments.Add(Parse(lang, Pointer(path, name), reader.GetString()!, start, reader.ValueIsEscaped));
                        }
                        break;
                    default:
                        ElementKey(containers, ref pendingKey);
                        break;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string with an escaped lone surrogate, which the reader cannot return.
            var at = offsets.CharOffset(Math.Min((int)reader.TokenStartIndex + bomBytes, bytes.Length));
            return (fragments.ToImmutable(), [SyntaxDiagnostics.InvalidJson.Create(new SourceSpan(at, 0), e.Message)]);
        }
        return (fragments.ToImmutable(), []);
    }

    private static string? ElementKey(Stack<(bool IsArray, int Index, string? ParentKey)> containers, ref string? pendingKey)
    {
        if (containers.Count == 0)
        {
            return null;
        }
        var top = containers.Pop();
        string? key;
        if (top.IsArray)
        {
            key = top.Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            top.Index++;
        }
        else
        {
            key = pendingKey;
            pendingKey = null;
        }
        containers.Push(top);
        return key;
    }

    private static EmbeddedLanguage? Classify(string key, List<string> path, string value)
    {
        // BOSSi webhook conditions and memory values are Python with {{ }} holes, not templates.
        if (key == "condition" || (key == "value" && path.Count >= 2 && path[^2] == "memory"))
        {
            return EmbeddedLanguage.PythonExpression;
        }
        var parentKey = path.Count > 0 ? path[^1] : null;
        if (key == "equivalentName")
        {
            return EmbeddedLanguage.JsonPath;
        }
        if (DotPathKeys.Contains(key) || (parentKey is not null && DotPathMaps.Contains(parentKey)))
        {
            return EmbeddedLanguage.DotPath;
        }
        return value.Contains("{{", StringComparison.Ordinal) || value.Contains("{%", StringComparison.Ordinal) ? EmbeddedLanguage.Template : null;
    }

    private static EmbeddedFragment Parse(EmbeddedLanguage language, string pointer, string text, int start, bool escaped)
    {
        switch (language)
        {
            case EmbeddedLanguage.JsonPath:
                var query = JsonPath.Parse(text);
                return new EmbeddedFragment(language, pointer, text, start, escaped, query.Value, query.Diagnostics);
            case EmbeddedLanguage.PythonExpression:
                var expression = PythonExpression.Parse(text, PythonScope.Webhook);
                return new EmbeddedFragment(language, pointer, text, start, escaped, expression.Value, expression.Diagnostics);
            case EmbeddedLanguage.DotPath:
                var dotPath = DotPath.Parse(text);
                return new EmbeddedFragment(language, pointer, text, start, escaped, dotPath.Value, dotPath.Diagnostics);
            default:
                var template = TemplateParser.Parse(text);
                return new EmbeddedFragment(language, pointer, text, start, escaped, template.Value, template.Diagnostics);
        }
    }

    private static string Pointer(List<string> path, string name) =>
        "/" + string.Join("/", path.Append(name).Where(p => p.Length > 0).Select(p => p.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)));

    /// <summary>Converts increasing UTF-8 byte offsets to UTF-16 offsets in one pass over the text.</summary>
    private sealed class ByteToCharOffsets(byte[] bytes)
    {
        private int _byte;
        private int _char;

        public int CharOffset(int byteOffset)
        {
            if (byteOffset < _byte)
            {
                _byte = 0;
                _char = 0;
            }
            while (_byte < byteOffset && _byte < bytes.Length)
            {
                var b = bytes[_byte];
                var length = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
                _byte += length;
                _char += length == 4 ? 2 : 1;
            }
            return _char;
        }
    }
}
