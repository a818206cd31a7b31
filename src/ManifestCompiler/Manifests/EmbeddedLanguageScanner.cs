using System.Collections.Immutable;
using ManifestCompiler.Json;
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
/// One string of a manifest written in an embedded language, with the JSON string it came from: spans inside
/// <see cref="Tree"/> are offsets into <see cref="Text"/>, and <see cref="ToFileOffset"/> maps them to the file.
/// </summary>
public sealed record EmbeddedFragment(
    EmbeddedLanguage Language,
    string JsonPointer,
    JsonStringSyntax String,
    object? Tree,
    ImmutableArray<Diagnostic> Diagnostics)
{
    public string Text => String.Value;

    /// <summary>The file offset of the string's first character (after the quote).</summary>
    public int ValueStart => String.Span.Start + 1;

    /// <summary>Maps an offset in <see cref="Text"/> to the file, exactly, escapes included.</summary>
    public int ToFileOffset(int valueOffset) => String.SourceOffset(valueOffset);
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
        var read = JsonReader.Read(json);
        var fragments = ImmutableArray.CreateBuilder<EmbeddedFragment>();
        if (read.Value is { } root)
        {
            // Memory values may use memory keys; the stand-in allows every memory key of the file (the binder is exact).
            var memoryScope = PythonCheckScope.Webhook.With(MemoryKeys(root));
            Walk(root, [], fragments, memoryScope);
        }
        return (fragments.ToImmutable(), read.Diagnostics);
    }

    private static IEnumerable<string> MemoryKeys(JsonSyntax node) => node switch
    {
        JsonObjectSyntax obj => obj.Members.SelectMany(m =>
            m.Name.Value == "memory" && m.Value is JsonArraySyntax entries
                ? entries.Items.OfType<JsonObjectSyntax>().Select(e => e["key"]?.Value).OfType<JsonStringSyntax>().Select(k => k.Value)
                : MemoryKeys(m.Value)),
        JsonArraySyntax array => array.Items.SelectMany(MemoryKeys),
        _ => [],
    };

    private static void Walk(JsonSyntax node, List<string> path, ImmutableArray<EmbeddedFragment>.Builder fragments, PythonCheckScope memoryScope)
    {
        switch (node)
        {
            case JsonObjectSyntax obj:
                foreach (var member in obj.Members)
                {
                    Visit(member.Name.Value, member.Value, path, fragments, memoryScope);
                }
                break;
            case JsonArraySyntax array:
                for (var i = 0; i < array.Items.Length; i++)
                {
                    Visit(i.ToString(System.Globalization.CultureInfo.InvariantCulture), array.Items[i], path, fragments, memoryScope);
                }
                break;
        }
    }

    private static void Visit(string key, JsonSyntax value, List<string> path, ImmutableArray<EmbeddedFragment>.Builder fragments, PythonCheckScope memoryScope)
    {
        if (value is JsonStringSyntax text)
        {
            if (Classify(key, path, text.Value) is { } language)
            {
                var scope = key == "value" && path.Count >= 2 && path[^2] == "memory" ? memoryScope : PythonCheckScope.Webhook;
                fragments.Add(Parse(language, Pointer(path, key), text, scope));
            }
            return;
        }
        path.Add(key);
        Walk(value, path, fragments, memoryScope);
        path.RemoveAt(path.Count - 1);
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

    private static EmbeddedFragment Parse(EmbeddedLanguage language, string pointer, JsonStringSyntax value, PythonCheckScope scope)
    {
        var text = value.Value;
        switch (language)
        {
            case EmbeddedLanguage.JsonPath:
                var query = JsonPath.Parse(text);
                return new EmbeddedFragment(language, pointer, value, query.Value, query.Diagnostics);
            case EmbeddedLanguage.PythonExpression:
                var expression = PythonExpression.Parse(text, scope);
                return new EmbeddedFragment(language, pointer, value, expression.Value, expression.Diagnostics);
            case EmbeddedLanguage.DotPath:
                var dotPath = DotPath.Parse(text);
                return new EmbeddedFragment(language, pointer, value, dotPath.Value, dotPath.Diagnostics);
            default:
                var template = TemplateParser.Parse(text);
                return new EmbeddedFragment(language, pointer, value, template.Value, template.Diagnostics);
        }
    }

    private static string Pointer(List<string> path, string name) =>
        "/" + string.Join("/", path.Append(name).Where(p => p.Length > 0).Select(p => p.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)));
}
