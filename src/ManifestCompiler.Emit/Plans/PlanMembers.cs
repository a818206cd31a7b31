using System.Buffers;
using System.Text;
using System.Text.Json;
using ManifestCompiler.IR;

namespace ManifestCompiler.Emit.Plans;

/// <summary>
/// The private members a plan class collects while its data is written: one render method per non-constant
/// template, one writer method per JSON template, one static path array per variable path. Templates become
/// straight-line string building; filters and lookups are calls into Runtime.Support's <c>TemplateRuntime</c>, the
/// code the renderer runs.
/// </summary>
internal sealed class PlanMembers
{
    public const string PlansNamespace = "global::ManifestCompiler.Runtime.Support.Plans";
    public const string TemplateRuntime = "global::ManifestCompiler.Runtime.Support.Templates.TemplateRuntime";
    public const string TemplateValue = "global::ManifestCompiler.Runtime.Support.Templates.TemplateValue";
    public const string Scope = PlansNamespace + ".TemplateScope";
    public const string Writer = "global::System.Text.Json.Utf8JsonWriter";

    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);
    private readonly Dictionary<TemplateIR, string> _templates = [];
    private int _jsonTemplates;

    public List<string> Fields { get; } = [];

    public List<SourceWriter> Methods { get; } = [];

    /// <summary>A <c>TemplatePlan</c> expression for <paramref name="template"/>; equal templates share one method.</summary>
    public string Template(TemplateIR template)
    {
        var source = CSharpLiterals.String(template.Source);
        if (template.IsConstant)
        {
            return $"{PlansNamespace}.TemplatePlan.Constant({source})";
        }
        var method = RenderMethod(template);
        return $"new {PlansNamespace}.TemplatePlan({source}, {method}, {Roots([template])})";
    }

    public string? OptionalTemplate(TemplateIR? template) => template is null ? null : Template(template);

    /// <summary>A <c>JsonTemplatePlan</c> expression for a JSON value whose strings are templates.</summary>
    public string JsonTemplate(JsonValueIR value)
    {
        var name = "J" + _jsonTemplates++;
        var method = new SourceWriter();
        method.Open($"private static void {name}({Writer} writer, {Scope} scope)");
        WriteJson(method, value);
        method.Close();
        Methods.Add(method);
        return $"new {PlansNamespace}.JsonTemplatePlan({CSharpLiterals.String(SourceText(value))}, {name}, {Roots(Strings(value))})";
    }

    /// <summary>A <c>string[]</c> of the root variables <paramref name="templates"/>' placeholders read, in order of first use.</summary>
    private static string Roots(IEnumerable<TemplateIR> templates)
    {
        var roots = templates.SelectMany(t => t.Parts.OfType<TemplateHoleIR>()).Select(h => h.Root).Distinct(StringComparer.Ordinal).Select(CSharpLiterals.String).ToList();
        return roots.Count == 0 ? "global::System.Array.Empty<string>()" : $"new string[] {{ {string.Join(", ", roots)} }}";
    }

    /// <summary>The templates of a JSON value's strings, in document order.</summary>
    private static IEnumerable<TemplateIR> Strings(JsonValueIR value) => value switch
    {
        JsonObjectIR obj => obj.Properties.SelectMany(p => Strings(p.Value)),
        JsonArrayIR array => array.Items.SelectMany(Strings),
        JsonStringIR text => [text.Value],
        _ => [],
    };

    /// <summary>A static <c>string[]</c> holding <paramref name="segments"/> (shared by equal paths).</summary>
    public string PathArray(IEnumerable<string> segments)
    {
        var items = segments.Select(CSharpLiterals.String).ToList();
        var key = string.Join(",", items);
        if (!_paths.TryGetValue(key, out var field))
        {
            field = "P" + _paths.Count;
            _paths[key] = field;
            Fields.Add($"private static readonly string[] {field} = new string[] {{ {key} }};");
        }
        return field;
    }

    private string RenderMethod(TemplateIR template)
    {
        if (_templates.TryGetValue(template, out var existing))
        {
            return existing;
        }
        var name = "T" + _templates.Count;
        _templates[template] = name;
        var method = new SourceWriter();
        method.Line($"/// <summary>{System.Security.SecurityElement.Escape(CSharpLiterals.String(template.Source))}</summary>");
        method.Open($"private static string {name}({Scope} scope)");
        // A template that is one placeholder returns its value's text; others build in the thread's pooled builder
        // (issue 17: a render allocates only its result).
        var single = template.Parts.Count == 1 && template.Parts[0] is TemplateHoleIR;
        if (!single)
        {
            method.Line("var output = global::ManifestCompiler.Runtime.Support.Text.PooledStringBuilder.Rent();");
        }
        var hole = 0;
        foreach (var part in template.Parts)
        {
            switch (part)
            {
                case TemplateTextIR text:
                    method.Line($"output.Append({CSharpLiterals.String(text.Text)});");
                    break;
                case TemplateHoleIR placeholder:
                    var value = "v" + hole++;
                    EmitPlaceholder(method, placeholder, value);
                    method.Line(single
                        ? $"return {TemplateRuntime}.Text({value}, scope.HtmlEscape);"
                        : $"{TemplateRuntime}.Append(output, {value}, scope.HtmlEscape);");
                    break;
            }
        }
        if (!single)
        {
            method.Line("return global::ManifestCompiler.Runtime.Support.Text.PooledStringBuilder.ToStringAndReturn(output);");
        }
        method.Close();
        Methods.Add(method);
        return name;
    }

    /// <summary>Declares <paramref name="value"/>: the placeholder's value after its filters (a missing one reported, as the renderer does).</summary>
    private void EmitPlaceholder(SourceWriter method, TemplateHoleIR placeholder, string value)
    {
        method.Line($"var {value} = scope.Lookup({PathArray(placeholder.Path)});");
        if (!placeholder.Filters.Any(f => f.Name == "default"))
        {
            // As the renderer does: a missing variable renders "", and the scope lists it.
            method.Open($"if (!{value}.IsFound)");
            method.Line($"scope.ReportMissing({CSharpLiterals.String(string.Join(".", placeholder.Path))});");
            method.Close();
        }
        foreach (var filter in placeholder.Filters)
        {
            method.Line($"{value} = {Filter(filter, value)};");
        }
    }

    private string Filter(TemplateFilterIR filter, string value)
    {
        var argument = filter.ArgumentKind switch
        {
            TemplateArgumentKind.String or TemplateArgumentKind.Number => $"{TemplateValue}.OfText({CSharpLiterals.String(filter.Argument ?? "")}, true)",
            TemplateArgumentKind.Variable => $"scope.Lookup({PathArray((filter.Argument ?? "").Split('.'))})",
            _ => null,
        };
        return filter.Name switch
        {
            "default" => $"{TemplateRuntime}.Default({value}, {argument ?? TemplateValue + ".Missing"})",
            "default_if_none" => $"{TemplateRuntime}.DefaultIfNone({value}, {argument ?? TemplateValue + ".Missing"})",
            "upper" => $"{TemplateRuntime}.Upper({value})",
            "lower" => $"{TemplateRuntime}.Lower({value})",
            "title" => $"{TemplateRuntime}.Title({value})",
            "capfirst" => $"{TemplateRuntime}.Capfirst({value})",
            "length" => $"{TemplateRuntime}.Length({value})",
            "first" => $"{TemplateRuntime}.First({value})",
            "last" => $"{TemplateRuntime}.Last({value})",
            "join" => $"{TemplateRuntime}.Join({value}, {argument ?? TemplateValue + ".Missing"})",
            "urlencode" => $"{TemplateRuntime}.UrlEncode({value}, {argument ?? "null"})",
            "safe" => $"{TemplateRuntime}.Safe({value})",
            // The binder accepts only known filters; an unknown one leaves the value unchanged, as the renderer does.
            _ => value,
        };
    }

    private void WriteJson(SourceWriter method, JsonValueIR value)
    {
        switch (value)
        {
            case JsonObjectIR obj:
                method.Line("writer.WriteStartObject();");
                foreach (var property in obj.Properties)
                {
                    method.Line($"writer.WritePropertyName({CSharpLiterals.String(property.Name)});");
                    WriteJson(method, property.Value);
                }
                method.Line("writer.WriteEndObject();");
                break;
            case JsonArrayIR array:
                method.Line("writer.WriteStartArray();");
                foreach (var item in array.Items)
                {
                    WriteJson(method, item);
                }
                method.Line("writer.WriteEndArray();");
                break;
            case JsonStringIR { Value.Parts: [TemplateHoleIR placeholder] }:
                // One placeholder: its value goes into the writer without a string of its own when it can (issue 17).
                method.Block();
                EmitPlaceholder(method, placeholder, "value");
                method.Line($"{TemplateRuntime}.WriteText(writer, value, scope.HtmlEscape);");
                method.Close();
                break;
            case JsonStringIR text:
                method.Line(text.Value.IsConstant
                    ? $"writer.WriteStringValue({CSharpLiterals.String(text.Value.Source)});"
                    : $"writer.WriteStringValue({RenderMethod(text.Value)}(scope));");
                break;
            case JsonNumberIR number:
                method.Line($"writer.WriteRawValue({CSharpLiterals.String(number.Text)}, skipInputValidation: true);");
                break;
            case JsonBooleanIR boolean:
                method.Line($"writer.WriteBooleanValue({CSharpLiterals.Bool(boolean.Value)});");
                break;
            default:
                method.Line("writer.WriteNullValue();");
                break;
        }
    }

    /// <summary>The value as compact JSON, strings as their template sources.</summary>
    public static string SourceText(JsonValueIR value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(writer, value);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);

        static void Write(Utf8JsonWriter writer, JsonValueIR value)
        {
            switch (value)
            {
                case JsonObjectIR obj:
                    writer.WriteStartObject();
                    foreach (var property in obj.Properties)
                    {
                        writer.WritePropertyName(property.Name);
                        Write(writer, property.Value);
                    }
                    writer.WriteEndObject();
                    break;
                case JsonArrayIR array:
                    writer.WriteStartArray();
                    foreach (var item in array.Items)
                    {
                        Write(writer, item);
                    }
                    writer.WriteEndArray();
                    break;
                case JsonStringIR text:
                    writer.WriteStringValue(text.Value.Source);
                    break;
                case JsonNumberIR number:
                    writer.WriteRawValue(number.Text, skipInputValidation: true);
                    break;
                case JsonBooleanIR boolean:
                    writer.WriteBooleanValue(boolean.Value);
                    break;
                default:
                    writer.WriteNullValue();
                    break;
            }
        }
    }

    /// <summary>Writes the collected fields and methods into a class body.</summary>
    public void WriteTo(SourceWriter writer)
    {
        foreach (var field in Fields)
        {
            writer.Line(field);
        }
        foreach (var method in Methods)
        {
            writer.Line();
            writer.Append(method);
        }
    }
}

/// <summary>Compiled templates on their own (the plan emitters write them inside plan classes).</summary>
public static class TemplateEmitter
{
    /// <summary>A static class with <c>All</c>, one <c>TemplatePlan</c> per template in the order given.</summary>
    public static string EmitClass(string @namespace, string className, IReadOnlyList<TemplateIR> templates)
    {
        var members = new PlanMembers();
        var plans = templates.Select(members.Template).ToList();
        var writer = new SourceWriter();
        writer.FileHeader();
        writer.Open($"namespace {@namespace}");
        writer.Open($"public static class {className}");
        writer.Line($"public static readonly {PlanMembers.PlansNamespace}.TemplatePlan[] All =");
        writer.Line("[");
        foreach (var plan in plans)
        {
            writer.Line($"    {plan},");
        }
        writer.Line("];");
        writer.Line();
        members.WriteTo(writer);
        writer.Close();
        writer.Close();
        return writer.ToString();
    }
}
