using System.Globalization;
using System.Text;
using System.Text.Json;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.Text;
using ManifestCompiler.Runtime.Support.Values;

namespace ManifestCompiler.Syntax.Templates;

/// <summary>What to do with a placeholder whose variable is not defined.</summary>
public enum UnknownVariableBehavior
{
    /// <summary>Render "" (Django with no <c>string_if_invalid</c>, as ChiefOnboarding does).</summary>
    Empty,

    /// <summary>Leave the placeholder's own text, braces included.</summary>
    KeepText,

    /// <summary>Fail the render with an MC1008 diagnostic.</summary>
    Error,
}

/// <param name="UnknownVariables">The rule for undefined variables.</param>
/// <param name="HtmlEscape">Django's autoescape: <c>&lt; &gt; &amp; ' "</c> in values become entities (ChiefOnboarding has it on).</param>
public sealed record TemplateRenderOptions(UnknownVariableBehavior UnknownVariables = UnknownVariableBehavior.Empty, bool HtmlEscape = false)
{
    public static readonly TemplateRenderOptions Default = new();
}

/// <summary>Looks up a template's root variable; the rest of a path is walked inside the value.</summary>
public delegate bool TemplateVariableResolver(string name, out JsonElement value);

public readonly record struct TemplateRenderResult(string? Text, Diagnostic? Error)
{
    public bool Success => Error is null;
}

/// <summary>Renders a parsed template with Django's semantics for the supported subset.</summary>
public static class TemplateRenderer
{
    public static TemplateRenderResult Render(TemplateSyntax template, TemplateVariableResolver variables, TemplateRenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(variables);
        options ??= TemplateRenderOptions.Default;
        if (template.HasErrors)
        {
            return new TemplateRenderResult(null, SyntaxDiagnostics.InvalidPlaceholder.Create(template.Span, "the template has errors and cannot be rendered"));
        }
        if (template.IsConstant)
        {
            return new TemplateRenderResult(template.Source, null);
        }

        var output = _builder ?? new StringBuilder(256);
        _builder = null;
        try
        {
            return RenderParts(template, variables, options, output);
        }
        finally
        {
            if (output.Capacity <= 4096)
            {
                output.Clear();
                _builder = output;
            }
        }
    }

    /// <summary>One builder per thread, reused across renders; it is taken out while in use, so a re-entrant render gets its own.</summary>
    [ThreadStatic]
    private static StringBuilder? _builder;

    private static TemplateRenderResult RenderParts(TemplateSyntax template, TemplateVariableResolver variables, TemplateRenderOptions options, StringBuilder output)
    {
        foreach (var part in template.Parts)
        {
            switch (part)
            {
                case TextPart text:
                    output.Append(text.Text);
                    break;
                case PlaceholderSyntax placeholder:
                    var error = RenderPlaceholder(template.Source, placeholder, variables, options, output);
                    if (error is not null)
                    {
                        return new TemplateRenderResult(null, error);
                    }
                    break;
                default:
                    return new TemplateRenderResult(null, SyntaxDiagnostics.InvalidPlaceholder.Create(part.Span, "this part of the template is invalid and cannot be rendered"));
            }
        }
        return new TemplateRenderResult(output.ToString(), null);
    }

    /// <summary>Resolves variables from the members of a JSON object (the usual shape of a render context).</summary>
    public static TemplateVariableResolver FromObject(JsonElement context) =>
        (string name, out JsonElement value) =>
        {
            value = default;
            return context.ValueKind == JsonValueKind.Object && JsonMembers.TryGet(context, name, out value);
        };

    /// <summary>Walks a path's segments after the root: a dict key first, then a non-negative list index.</summary>
    public static bool TryResolve(VariablePathSyntax path, TemplateVariableResolver variables, out JsonElement value)
    {
        if (!variables(path.Root, out value))
        {
            return false;
        }
        for (var i = 1; i < path.Segments.Length; i++)
        {
            var segment = path.Segments[i];
            if (value.ValueKind == JsonValueKind.Object && JsonMembers.TryGet(value, segment.Name, out var member))
            {
                value = member;
            }
            else if (value.ValueKind == JsonValueKind.Array && segment.IsIndex
                && int.TryParse(segment.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && index < value.GetArrayLength())
            {
                value = value[index];
            }
            else
            {
                value = default;
                return false;
            }
        }
        return true;
    }


    private static Diagnostic? RenderPlaceholder(string source, PlaceholderSyntax placeholder, TemplateVariableResolver variables, TemplateRenderOptions options, StringBuilder output)
    {
        var found = TryResolve(placeholder.Path, variables, out var json);
        var hasDefault = placeholder.Filters.Any(f => f.Name == "default");
        if (!found && !hasDefault)
        {
            switch (options.UnknownVariables)
            {
                case UnknownVariableBehavior.KeepText:
                    output.Append(source, placeholder.Span.Start, placeholder.Span.Length);
                    return null;
                case UnknownVariableBehavior.Error:
                    return SyntaxDiagnostics.UnknownTemplateVariable.Create(placeholder.Path.Span, placeholder.Path.ToString(), "");
            }
        }

        var value = found ? FilterValue.Of(json) : FilterValue.Missing;
        foreach (var filter in placeholder.Filters)
        {
            value = Apply(filter, value, variables);
        }
        var text = value.ToText();
        output.Append(options.HtmlEscape && !value.IsSafe ? HtmlEscape(text) : text);
        return null;
    }

    /// <summary>A value between filters: missing, a JSON value, or text a filter produced.</summary>
    private readonly record struct FilterValue(JsonElement? Json, string? Text, bool IsSafe)
    {
        public static readonly FilterValue Missing = new(null, null, false);

        public static FilterValue Of(JsonElement json) => new(json, null, false);

        public static FilterValue OfText(string text, bool safe = false) => new(null, text, safe);

        public bool IsTruthy => Text is not null ? Text.Length > 0 : Json is { } j && PythonFormat.IsTruthy(j);

        public string ToText() => Text ?? (Json is { } j ? PythonFormat.Str(j) : string.Empty);

        public FilterValue Map(Func<string, string> transform) => new(null, transform(ToText()), IsSafe);
    }

    private static FilterValue Apply(FilterSyntax filter, FilterValue value, TemplateVariableResolver variables)
    {
        switch (filter.Name)
        {
            case "default":
                return value.IsTruthy ? value : ArgumentValue(filter.Argument, variables);
            case "default_if_none":
                return value.Json is { ValueKind: JsonValueKind.Null } ? ArgumentValue(filter.Argument, variables) : value;
            case "upper":
                return value.Map(s => s.ToUpperInvariant());
            case "lower":
                return value.Map(s => s.ToLowerInvariant());
            case "title":
                return value.Map(Title);
            case "capfirst":
                return value.Map(s => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..]);
            case "length":
                return FilterValue.OfText(Length(value).ToString(CultureInfo.InvariantCulture));
            case "first":
            case "last":
                return FirstOrLast(value, filter.Name == "first");
            case "join":
                return value.Json is { ValueKind: JsonValueKind.Array } array
                    ? FilterValue.OfText(string.Join(ArgumentValue(filter.Argument, variables).ToText(), array.EnumerateArray().Select(PythonFormat.Str)))
                    : value;
            case "urlencode":
                var safe = filter.Argument is null ? "/" : ArgumentValue(filter.Argument, variables).ToText();
                return value.Map(s => UrlEncode(s, safe));
            case "safe":
                return value with { IsSafe = true };
            default:
                // The parser rejects unknown filters; a hand-built tree with one renders the value unchanged.
                return value;
        }
    }

    private static FilterValue ArgumentValue(FilterArgumentSyntax? argument, TemplateVariableResolver variables) => argument switch
    {
        StringArgumentSyntax s => FilterValue.OfText(s.Value, safe: true),
        NumberArgumentSyntax n => FilterValue.OfText(n.Text, safe: true),
        VariableArgumentSyntax v => TryResolve(v.Path, variables, out var json) ? FilterValue.Of(json) : FilterValue.Missing,
        _ => FilterValue.Missing,
    };

    private static int Length(FilterValue value)
    {
        if (value.Text is { } text)
        {
            return CodePoints.Count(text);
        }
        return value.Json switch
        {
            { ValueKind: JsonValueKind.String } s => CodePoints.Count(JsonStrings.GetString(s)),
            { ValueKind: JsonValueKind.Array } a => a.GetArrayLength(),
            { ValueKind: JsonValueKind.Object } o => PythonFormat.DistinctMembers(o).Count(),
            _ => 0,
        };
    }

    private static FilterValue FirstOrLast(FilterValue value, bool first)
    {
        if (value.Json is { ValueKind: JsonValueKind.Array } array)
        {
            var length = array.GetArrayLength();
            return length == 0 ? FilterValue.OfText(string.Empty) : FilterValue.Of(array[first ? 0 : length - 1]);
        }
        var text = value.ToText();
        if (text.Length == 0)
        {
            return FilterValue.OfText(string.Empty);
        }
        // Python indexes strings by code point: a surrogate pair is one character, a combining mark another.
        var pair = first
            ? text.Length > 1 && char.IsSurrogatePair(text[0], text[1])
            : text.Length > 1 && char.IsSurrogatePair(text[^2], text[^1]);
        var size = pair ? 2 : 1;
        return FilterValue.OfText(first ? text[..size] : text[^size..]);
    }

    private static string Title(string text)
    {
        // Python's str.title: a cased letter after an uncased character starts a word.
        var builder = new StringBuilder(text.Length);
        var previousCased = false;
        foreach (var c in text)
        {
            builder.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsLetter(c);
        }
        return builder.ToString();
    }

    private static string UrlEncode(string text, string safe)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (b < 0x80 && (char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '~' || safe.Contains(c)))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }

    private static string HtmlEscape(string text)
    {
        if (text.AsSpan().IndexOfAny("<>&'\"") < 0)
        {
            return text;
        }
        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            switch (c)
            {
                case '<':
                    builder.Append("&lt;");
                    break;
                case '>':
                    builder.Append("&gt;");
                    break;
                case '&':
                    builder.Append("&amp;");
                    break;
                case '\'':
                    builder.Append("&#x27;");
                    break;
                case '"':
                    builder.Append("&quot;");
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }
        return builder.ToString();
    }
}
