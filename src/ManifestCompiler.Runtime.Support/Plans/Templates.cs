using ManifestCompiler.Runtime.Support.Json;
using System.Buffers;
using System.Text;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Templates;

namespace ManifestCompiler.Runtime.Support.Plans;

/// <summary>
/// What a compiled template reads: its variables, whether values are HTML-escaped (ChiefOnboarding's Django
/// autoescape), and the placeholders it could not resolve (rendered as "", listed so a host can refuse to send a
/// request with a hole in it instead of losing the value silently).
/// </summary>
public class TemplateScope
{
    private readonly TemplateVariableResolver? _variables;
    private List<string>? _missing;

    public TemplateScope(TemplateVariableResolver variables, bool htmlEscape = false)
    {
        _variables = variables;
        HtmlEscape = htmlEscape;
    }

    /// <summary>For scopes that override <see cref="Lookup"/>.</summary>
    protected TemplateScope(bool htmlEscape) => HtmlEscape = htmlEscape;

    public static TemplateScope FromObject(JsonElement context, bool htmlEscape = false) => new(TemplateRuntime.FromObject(context), htmlEscape);

    public bool HtmlEscape { get; }

    public IReadOnlyList<string> Missing => _missing ?? (IReadOnlyList<string>)[];

    /// <summary>The value at <paramref name="path"/> (root first), or <see cref="TemplateValue.Missing"/>.</summary>
    public virtual TemplateValue Lookup(string[] path) =>
        _variables is null ? TemplateValue.Missing : TemplateRuntime.Lookup(_variables, path);

    public void ReportMissing(string path) => (_missing ??= []).Add(path);

    /// <summary>Forgets the reported placeholders, so a scope kept for the next render starts with none.</summary>
    internal void ClearMissing() => _missing?.Clear();
}

/// <summary>A compiled template: renders its text from a scope.</summary>
public delegate string CompiledTemplate(TemplateScope scope);

/// <summary>A template as written and its compiled form.</summary>
public sealed class TemplatePlan(string source, CompiledTemplate render, IReadOnlyList<string> variables)
{
    public string Source { get; } = source;

    /// <summary>The root variables its placeholders read, in order of first use.</summary>
    public IReadOnlyList<string> Variables { get; } = variables;

    public bool IsConstant => Variables.Count == 0;

    public string Render(TemplateScope scope) => render(scope);

    public static TemplatePlan Constant(string text) => new(text, _ => text, []);

    public override string ToString() => Source;
}

/// <summary>A compiled JSON value whose strings are templates (request bodies, trigger payloads).</summary>
public delegate void CompiledJsonTemplate(Utf8JsonWriter writer, TemplateScope scope);

public sealed class JsonTemplatePlan(string source, CompiledJsonTemplate write, IReadOnlyList<string> variables)
{
    /// <summary>The value as written (compact JSON).</summary>
    public string Source { get; } = source;

    /// <summary>The root variables its strings' placeholders read, in order of first use.</summary>
    public IReadOnlyList<string> Variables { get; } = variables;

    public void Write(Utf8JsonWriter writer, TemplateScope scope) => write(writer, scope);

    /// <summary>The rendered value as UTF-8 JSON.</summary>
    public byte[] RenderUtf8(TemplateScope scope)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer, scope);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The rendered value as JSON text. The UTF-8 buffer and writer are the thread's own, reused between calls
    /// (a webhook request renders a payload per dispatch: issue 17), unless a render is already using them.</summary>
    public string Render(TemplateScope scope)
    {
        if (t_busy)
        {
            return Encoding.UTF8.GetString(RenderUtf8(scope));
        }
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        t_busy = true;
        try
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            write(writer, scope);
            writer.Flush();
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        finally
        {
            t_busy = false;
            if (buffer.Capacity > MaxKeptBuffer)
            {
                // One large payload must not keep its buffer for the thread's life.
                t_buffer = null;
                t_writer = null;
            }
        }
    }

    private const int MaxKeptBuffer = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static bool t_busy;

    public JsonDocument RenderDocument(TemplateScope scope) => DataJson.ParseDocument(RenderUtf8(scope));

    public override string ToString() => Source;
}

public sealed record NamedTemplatePlan
{
    public required string Name { get; init; }

    public required TemplatePlan Value { get; init; }
}
