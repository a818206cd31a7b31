namespace ManifestCompiler.IR;

/// <summary>
/// A template (<c>"Bearer {{TOKEN}}"</c>) as literal text and placeholders; <see cref="Source"/> is the text as written.
/// No positions: two equal templates compare equal wherever they stand.
/// </summary>
public sealed record TemplateIR(string Source, EquatableArray<TemplatePartIR> Parts)
{
    public bool IsConstant => Parts.All(p => p is TemplateTextIR);

    public static TemplateIR Constant(string text) => new(text, text.Length == 0 ? EquatableArray<TemplatePartIR>.Empty : new TemplatePartIR[] { new TemplateTextIR(text) }.ToEquatableArray());

    /// <summary>An error-free parsed template as IR (what the binder stores).</summary>
    public static TemplateIR FromSyntax(Syntax.Templates.TemplateSyntax template) => Binding.TemplateBinder.Lower(template);

    public override string ToString() => Source;
}

public abstract record TemplatePartIR;

public sealed record TemplateTextIR(string Text) : TemplatePartIR;

/// <summary><c>{{ a.b.0|filter:arg }}</c>: the variable path (root first) and the filters in order.</summary>
public sealed record TemplateHoleIR(EquatableArray<string> Path, EquatableArray<TemplateFilterIR> Filters) : TemplatePartIR
{
    public string Root => Path[0];
}

public enum TemplateArgumentKind
{
    String,
    Number,
    Variable,
}

public sealed record TemplateFilterIR(string Name, TemplateArgumentKind? ArgumentKind, string? Argument);

/// <summary>A ChiefOnboarding dot-notation path; no segments means the whole value.</summary>
public sealed record DotPathIR(string Source, EquatableArray<string> Segments)
{
    public override string ToString() => Source;
}

/// <summary>A JSON value whose strings are templates (request bodies, trigger payloads). Numbers keep their text.</summary>
public abstract record JsonValueIR;

public sealed record JsonObjectIR(EquatableArray<JsonPropertyIR> Properties) : JsonValueIR;

public sealed record JsonPropertyIR(string Name, JsonValueIR Value);

public sealed record JsonArrayIR(EquatableArray<JsonValueIR> Items) : JsonValueIR;

public sealed record JsonStringIR(TemplateIR Value) : JsonValueIR;

public sealed record JsonNumberIR(string Text) : JsonValueIR;

public sealed record JsonBooleanIR(bool Value) : JsonValueIR;

public sealed record JsonNullIR : JsonValueIR
{
    public static readonly JsonNullIR Instance = new();
}

/// <summary>A name with a template value (token captures, schema variables, OAuth parameters, headers).</summary>
public sealed record NamedTemplateIR(string Name, TemplateIR Value);
