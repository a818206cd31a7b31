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
    private static SourceSpan OpeningOf(JsonSyntax value) => new(value.Span.Start, Math.Min(1, value.Span.Length));

    // The typed readers take a cursor (JsonCursor: value, normalized path, key), so a caller names each key once. An
    // absent value is no error to them (the Required* readers report it); a present value of the wrong type is.

    /// <summary>The object at <paramref name="at"/>; null (and reported when present) otherwise.</summary>
    public JsonObjectSyntax? Object(JsonCursor at) => Expect<JsonObjectSyntax>(at, "an object");

    /// <summary>The array at <paramref name="at"/>; null (and reported when present) otherwise.</summary>
    public JsonArraySyntax? Array(JsonCursor at) => Expect<JsonArraySyntax>(at, "an array");

    /// <summary>The elements of the array at <paramref name="at"/>, each named <paramref name="itemDescription"/>; none (and reported when present) if it is not an array.</summary>
    public IEnumerable<JsonCursor> Items(JsonCursor at, string itemDescription) => Array(at) is null ? [] : at.Elements(itemDescription);

    /// <summary>
    /// A string value. With <paramref name="acceptNumbers"/> a number is taken as its text, as Django REST Framework's
    /// CharField does (ChiefOnboarding's serializer); booleans never are.
    /// </summary>
    public JsonStringSyntax? String(JsonCursor at, bool allowBlank = true, bool acceptNumbers = false)
    {
        var text = AsString(at.Value, acceptNumbers);
        if (text is null)
        {
            WrongType(at, "a string");
            return null;
        }
        if (!allowBlank && text.Value.Length == 0)
        {
            Report(ManifestDiagnostics.BlankString, text.Span, at.Path, at.Key);
            return null;
        }
        return text;
    }

    /// <summary>
    /// The string <see cref="String"/> reads from <paramref name="value"/>, without reporting anything: the string itself,
    /// with <paramref name="acceptNumbers"/> a number as its text; otherwise null.
    /// </summary>
    public static JsonStringSyntax? AsString(JsonSyntax? value, bool acceptNumbers) => value switch
    {
        JsonStringSyntax text => text,
        JsonNumberSyntax number when acceptNumbers => new JsonStringSyntax(number.Text, number.Span, [.. Enumerable.Range(number.Span.Start, number.Text.Length)]),
        _ => null,
    };

    public bool? Bool(JsonCursor at)
    {
        if (at.Value is JsonBooleanSyntax b)
        {
            return b.Value;
        }
        WrongType(at, "true or false");
        return null;
    }

    /// <summary>
    /// An integer in [min, max]. A number written with a zero fraction (5.0) is taken, as DRF's IntegerField takes it;
    /// with <paramref name="acceptStrings"/> so is a string of digits ("5").
    /// </summary>
    public int? Int(JsonCursor at, int min, int max, bool acceptStrings = false)
    {
        string? text = at.Value switch
        {
            JsonNumberSyntax number => number.Text,
            JsonStringSyntax s when acceptStrings => s.Value.Trim(),
            _ => null,
        };
        if (text is null || !decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || parsed != decimal.Truncate(parsed))
        {
            WrongType(at, "an integer");
            return null;
        }
        if (parsed < min || parsed > max)
        {
            Report(ManifestDiagnostics.OutOfRange, at, at.Key, min, max, text);
            return null;
        }
        return (int)parsed;
    }

    private T? Expect<T>(JsonCursor at, string expected) where T : JsonSyntax
    {
        if (at.Value is T value)
        {
            return value;
        }
        WrongType(at, expected);
        return null;
    }

    /// <summary>Reports a present value that is not <paramref name="expected"/> (an absent one is not this reader's to report).</summary>
    public void WrongType(JsonCursor at, string expected)
    {
        if (at.Value is { } value)
        {
            Report(ManifestDiagnostics.WrongType, value.Span, at.Path, at.Key, expected, Describe(value));
        }
    }

    /// <summary>
    /// Whether the member is present; when it is not, reports it missing at its object's opening brace (nothing when
    /// there is no object: its own wrong type is reported already).
    /// </summary>
    public bool Required(JsonCursor at, string ownerDescription)
    {
        if (at.Exists)
        {
            return true;
        }
        MissingKey(at, ownerDescription);
        return false;
    }

    /// <summary>Reports the member missing from its object, at the object's opening brace.</summary>
    public void MissingKey(JsonCursor at, string ownerDescription)
    {
        if (at.Owner is { } owner)
        {
            Report(ManifestDiagnostics.MissingRequiredKey, OpeningOf(owner), at.Path, at.Key, ownerDescription);
        }
    }

    /// <summary>The string at <paramref name="at"/>, reporting the key missing (at its object) or of the wrong type.</summary>
    public JsonStringSyntax? RequiredString(JsonCursor at, string ownerDescription, bool allowBlank = true, bool acceptNumbers = false) =>
        Required(at, ownerDescription) ? String(at, allowBlank, acceptNumbers) : null;

    /// <summary>The object at <paramref name="at"/>, reporting the key missing (at its object) or of the wrong type.</summary>
    public JsonObjectSyntax? RequiredObject(JsonCursor at, string ownerDescription) => Required(at, ownerDescription) ? Object(at) : null;

    /// <summary>The array at <paramref name="at"/>, reporting the key missing (at its object) or of the wrong type.</summary>
    public JsonArraySyntax? RequiredArray(JsonCursor at, string ownerDescription) => Required(at, ownerDescription) ? Array(at) : null;

    /// <summary>The string at <paramref name="at"/> if present; JSON null counts as absent.</summary>
    public JsonStringSyntax? OptionalString(JsonCursor at, bool allowBlank = true, bool acceptNumbers = false) =>
        at.HasValue ? String(at, allowBlank, acceptNumbers) : null;

    /// <summary>The boolean at <paramref name="at"/> if present; JSON null counts as absent unless <paramref name="nullIsAbsent"/> is false.</summary>
    public bool? OptionalBool(JsonCursor at, bool nullIsAbsent = true) =>
        (nullIsAbsent ? at.HasValue : at.Exists) ? Bool(at) : null;

    /// <summary>Reports at the value (or, for an absent member, nothing is there: use <see cref="ReportAtOwner"/>).</summary>
    public void Report(DiagnosticDescriptor descriptor, JsonCursor at, params object?[] args) => Report(descriptor, at.Span, at.Path, args);

    /// <summary>Reports at the member's key (at the value for an element).</summary>
    public void ReportAtKey(DiagnosticDescriptor descriptor, JsonCursor at, params object?[] args) => Report(descriptor, at.NameSpan, at.Path, args);

    /// <summary>Reports an absent member at the opening brace of the object that lacks it.</summary>
    public void ReportAtOwner(DiagnosticDescriptor descriptor, JsonCursor at, params object?[] args) =>
        Report(descriptor, at.Owner is { } owner ? OpeningOf(owner) : at.Span, at.Path, args);

    /// <summary>Reports at the opening brace (or bracket) of the value itself.</summary>
    public void ReportAtOpening(DiagnosticDescriptor descriptor, JsonCursor at, params object?[] args) =>
        Report(descriptor, at.Value is { } value ? OpeningOf(value) : at.Span, at.Path, args);

    /// <summary>
    /// Reports every member whose name is not in <paramref name="known"/>, suggesting the closest known name; a name in
    /// <paramref name="legacy"/> is a key older formats used, reported with what replaced it.
    /// </summary>
    public void UnknownKeys(JsonCursor at, string description, IReadOnlyCollection<string> known, bool isError, IReadOnlyDictionary<string, string>? legacy = null)
    {
        foreach (var member in at.Members())
        {
            var name = member.Key;
            if (known.Contains(name) || IsSchemaReference(at.Path, name))
            {
                continue;
            }
            if (legacy is not null && legacy.TryGetValue(name, out var replacement))
            {
                ReportAtKey(ManifestDiagnostics.LegacyKey, member, name, replacement);
                continue;
            }
            var suggestion = Suggestions.DidYouMean(name, known);
            ReportAtKey(isError ? ManifestDiagnostics.UnknownKey : ManifestDiagnostics.UnknownKeyIgnored, member, name, description, suggestion);
        }
    }

    /// <summary>A top-level <c>$schema</c> key points editors at the file's JSON Schema (docs/editors.md); binders ignore it.</summary>
    public static bool IsSchemaReference(string path, string name) => path == JsonLocation.Root && name == "$schema";

    /// <summary>
    /// A JSON value as IR, each string bound as a template by <paramref name="bindString"/> (which reports its
    /// diagnostics and returns null when the template is invalid; the text is then kept as a constant).
    /// </summary>
    public JsonValueIR Value(JsonCursor at, Func<JsonStringSyntax, string, TemplateIR?> bindString) => at.Value switch
    {
        JsonObjectSyntax => new JsonObjectIR(at.Members().Select(m => new JsonPropertyIR(m.Key, Value(m, bindString))).ToEquatableArray()),
        JsonArraySyntax => new JsonArrayIR(at.Elements(at.Key + "[]").Select(item => Value(item, bindString)).ToEquatableArray()),
        JsonStringSyntax text => new JsonStringIR(bindString(text, at.Path) ?? TemplateIR.Constant(text.Value)),
        JsonNumberSyntax number => new JsonNumberIR(number.Text),
        JsonBooleanSyntax b => new JsonBooleanIR(b.Value),
        _ => JsonNullIR.Instance,
    };
}
