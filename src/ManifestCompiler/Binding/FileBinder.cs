using System.Collections.Immutable;
using System.Globalization;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.IR;
using ManifestCompiler.Json;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Binding;

/// <summary>
/// Reads one manifest file's JSON against its expected shape and collects located diagnostics: the typed accessors
/// report a wrong type, a missing key or an unknown key once, at the value (or object) concerned, and return null so
/// binding goes on with the rest of the file. Pure: the text is given.
/// </summary>
internal sealed class FileBinder
{
    private readonly LineMap _lines;
    private readonly List<ManifestDiagnostic> _diagnostics;

    public FileBinder(string filePath, string text, List<ManifestDiagnostic> diagnostics)
    {
        FilePath = filePath;
        Text = text;
        _lines = new LineMap(text);
        _diagnostics = diagnostics;
    }

    public string FilePath { get; }

    public string Text { get; }

    /// <summary>Reads the file's JSON, reporting what the reader found; null when it is not JSON at all.</summary>
    public JsonSyntax? ReadJson()
    {
        var read = JsonReader.Read(Text);
        foreach (var diagnostic in read.Diagnostics)
        {
            Report(diagnostic, null);
        }
        return read.Value;
    }

    public void Report(DiagnosticDescriptor descriptor, SourceSpan span, string? jsonPath, params object?[] args) =>
        Report(descriptor.Create(span, args), jsonPath);

    public void Report(Diagnostic diagnostic, string? jsonPath)
    {
        var span = diagnostic.Span;
        var start = Math.Clamp(span.Start, 0, Text.Length);
        var end = Math.Clamp(span.End, start, Text.Length);
        _diagnostics.Add(new ManifestDiagnostic(diagnostic.Descriptor, FilePath, SourceSpan.FromBounds(start, end), _lines.GetPosition(start), _lines.GetPosition(end), diagnostic.Message, jsonPath));
    }

    /// <summary>Reports diagnostics of an embedded language parsed from <paramref name="value"/>, mapped into the file.</summary>
    public void ReportEmbedded(IEnumerable<Diagnostic> diagnostics, JsonStringSyntax value, string jsonPath)
    {
        foreach (var diagnostic in diagnostics)
        {
            var start = value.SourceOffset(diagnostic.Span.Start);
            var end = diagnostic.Span.Length == 0 ? start : value.SourceOffset(diagnostic.Span.End - 1) + 1;
            Report(diagnostic with { Span = SourceSpan.FromBounds(start, Math.Max(start, end)) }, jsonPath);
        }
    }

    public int LineOf(SourceSpan span) => _lines.GetPosition(span.Start).Line;

    public static string Describe(JsonSyntax value) => value switch
    {
        JsonObjectSyntax => "an object",
        JsonArraySyntax => "an array",
        JsonStringSyntax => "a string",
        JsonNumberSyntax number => "the number " + number.Text,
        JsonBooleanSyntax b => b.Value ? "true" : "false",
        _ => "null",
    };

    /// <summary>The span a missing key is reported at: the opening brace of its object.</summary>
    public static SourceSpan OpeningOf(JsonSyntax value) => new(value.Span.Start, Math.Min(1, value.Span.Length));

    public JsonObjectSyntax? Object(JsonSyntax? value, string path, string key)
    {
        if (value is JsonObjectSyntax obj)
        {
            return obj;
        }
        WrongType(value, path, key, "an object");
        return null;
    }

    public JsonArraySyntax? Array(JsonSyntax? value, string path, string key)
    {
        if (value is JsonArraySyntax array)
        {
            return array;
        }
        WrongType(value, path, key, "an array");
        return null;
    }

    /// <summary>
    /// A string value. With <paramref name="acceptNumbers"/> a number is taken as its text, as Django REST Framework's
    /// CharField does (ChiefOnboarding's serializer); booleans never are.
    /// </summary>
    public JsonStringSyntax? String(JsonSyntax? value, string path, string key, bool allowBlank = true, bool acceptNumbers = false)
    {
        switch (value)
        {
            case JsonStringSyntax text:
                if (!allowBlank && text.Value.Length == 0)
                {
                    Report(ManifestDiagnostics.BlankString, text.Span, path, key);
                    return null;
                }
                return text;
            case JsonNumberSyntax number when acceptNumbers:
                return new JsonStringSyntax(number.Text, number.Span, [.. Enumerable.Range(number.Span.Start, number.Text.Length)]);
            default:
                WrongType(value, path, key, "a string");
                return null;
        }
    }

    public bool? Bool(JsonSyntax? value, string path, string key)
    {
        if (value is JsonBooleanSyntax b)
        {
            return b.Value;
        }
        WrongType(value, path, key, "true or false");
        return null;
    }

    /// <summary>
    /// An integer in [min, max]. A number written with a zero fraction (5.0) is taken, as DRF's IntegerField takes it;
    /// with <paramref name="acceptStrings"/> so is a string of digits ("5").
    /// </summary>
    public int? Int(JsonSyntax? value, string path, string key, int min, int max, bool acceptStrings = false)
    {
        string? text = value switch
        {
            JsonNumberSyntax number => number.Text,
            JsonStringSyntax s when acceptStrings => s.Value.Trim(),
            _ => null,
        };
        if (text is null)
        {
            WrongType(value, path, key, "an integer");
            return null;
        }
        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || parsed != decimal.Truncate(parsed))
        {
            WrongType(value, path, key, "an integer");
            return null;
        }
        if (parsed < min || parsed > max)
        {
            Report(ManifestDiagnostics.OutOfRange, value!.Span, path, key, min, max, text);
            return null;
        }
        return (int)parsed;
    }

    // Located overloads: the cursor carries the value, its path and its key, so a caller names the key once.

    public JsonObjectSyntax? Object(JsonCursor at) => Object(at.Value, at.Path, at.Key);

    public JsonArraySyntax? Array(JsonCursor at) => Array(at.Value, at.Path, at.Key);

    public JsonStringSyntax? String(JsonCursor at, bool allowBlank = true, bool acceptNumbers = false) => String(at.Value, at.Path, at.Key, allowBlank, acceptNumbers);

    public int? Int(JsonCursor at, int min, int max, bool acceptStrings = false) => Int(at.Value, at.Path, at.Key, min, max, acceptStrings);

    public void Report(DiagnosticDescriptor descriptor, JsonCursor at, params object?[] args) => Report(descriptor, at.Span, at.Path, args);

    public void WrongType(JsonSyntax? value, string path, string key, string expected)
    {
        if (value is not null)
        {
            Report(ManifestDiagnostics.WrongType, value.Span, path, key, expected, Describe(value));
        }
    }

    public void MissingKey(JsonObjectSyntax owner, string ownerPath, string key, string ownerDescription) =>
        Report(ManifestDiagnostics.MissingRequiredKey, OpeningOf(owner), JsonLocation.Member(ownerPath, key), key, ownerDescription);

    /// <summary>
    /// Reports every member whose name is not in <paramref name="known"/>, suggesting the closest known name; a name in
    /// <paramref name="legacy"/> is a key older formats used, reported with what replaced it.
    /// </summary>
    public void UnknownKeys(JsonObjectSyntax obj, string path, string description, IReadOnlyCollection<string> known, bool isError, IReadOnlyDictionary<string, string>? legacy = null)
    {
        foreach (var member in obj.Members)
        {
            var name = member.Name.Value;
            if (known.Contains(name) || IsSchemaReference(path, name))
            {
                continue;
            }
            if (legacy is not null && legacy.TryGetValue(name, out var replacement))
            {
                Report(ManifestDiagnostics.LegacyKey, member.Name.Span, JsonLocation.Member(path, name), name, replacement);
                continue;
            }
            var suggestion = Suggestions.DidYouMean(name, known);
            Report(isError ? ManifestDiagnostics.UnknownKey : ManifestDiagnostics.UnknownKeyIgnored, member.Name.Span, JsonLocation.Member(path, name), name, description, suggestion);
        }
    }

    /// <summary>A top-level <c>$schema</c> key points editors at the file's JSON Schema (docs/editors.md); binders ignore it.</summary>
    public static bool IsSchemaReference(string path, string name) => path == JsonLocation.Root && name == "$schema";

    public static JsonSyntax? Member(JsonObjectSyntax obj, string key) => obj[key]?.Value;

    /// <summary>The string at <paramref name="key"/>, reporting the key missing (at its object) or of the wrong type.</summary>
    public JsonStringSyntax? RequiredString(JsonObjectSyntax obj, string path, string key, string description, bool allowBlank = true, bool acceptNumbers = false)
    {
        if (obj[key] is not { } member)
        {
            MissingKey(obj, path, key, description);
            return null;
        }
        return String(member.Value, JsonLocation.Member(path, key), key, allowBlank, acceptNumbers);
    }

    /// <summary>The string at <paramref name="key"/> if present; JSON null counts as absent.</summary>
    public JsonStringSyntax? OptionalString(JsonObjectSyntax obj, string path, string key) =>
        obj[key] is { } member && member.Value is not JsonNullSyntax ? String(member.Value, JsonLocation.Member(path, key), key) : null;

    /// <summary>The boolean at <paramref name="key"/> if present; JSON null counts as absent unless <paramref name="nullIsAbsent"/> is false.</summary>
    public bool? OptionalBool(JsonObjectSyntax obj, string path, string key, bool nullIsAbsent = true) =>
        obj[key] is { } member && !(nullIsAbsent && member.Value is JsonNullSyntax) ? Bool(member.Value, JsonLocation.Member(path, key), key) : null;

    /// <summary>
    /// A JSON value as IR, each string bound as a template by <paramref name="bindString"/> (which reports its
    /// diagnostics and returns null when the template is invalid; the text is then kept as a constant).
    /// </summary>
    public JsonValueIR Value(JsonSyntax value, string path, Func<JsonStringSyntax, string, TemplateIR?> bindString) => value switch
    {
        JsonObjectSyntax obj => new JsonObjectIR(obj.Members
            .Select(m => new JsonPropertyIR(m.Name.Value, Value(m.Value, JsonLocation.Member(path, m.Name.Value), bindString)))
            .ToEquatableArray()),
        JsonArraySyntax array => new JsonArrayIR(array.Items.Select((item, i) => Value(item, JsonLocation.Element(path, i), bindString)).ToEquatableArray()),
        JsonStringSyntax text => new JsonStringIR(bindString(text, path) ?? TemplateIR.Constant(text.Value)),
        JsonNumberSyntax number => new JsonNumberIR(number.Text),
        JsonBooleanSyntax b => new JsonBooleanIR(b.Value),
        _ => JsonNullIR.Instance,
    };
}
