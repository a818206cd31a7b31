using System.Text;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Text;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.Text;

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

        var output = PooledStringBuilder.Rent();
        try
        {
            return RenderParts(template, variables, options, output);
        }
        finally
        {
            PooledStringBuilder.Return(output);
        }
    }

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
    public static TemplateVariableResolver FromObject(JsonElement context) => TemplateRuntime.FromObject(context);

    /// <summary>Walks a path's segments after the root (see <see cref="TemplateRuntime.TryStep"/>).</summary>
    public static bool TryResolve(VariablePathSyntax path, TemplateVariableResolver variables, out JsonElement value)
    {
        if (!variables(path.Root, out value))
        {
            return false;
        }
        for (var i = 1; i < path.Segments.Length; i++)
        {
            if (!TemplateRuntime.TryStep(value, path.Segments[i].Name, out value))
            {
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

        var value = found ? TemplateValue.Of(json) : TemplateValue.Missing;
        foreach (var filter in placeholder.Filters)
        {
            value = Apply(filter, value, variables);
        }
        TemplateRuntime.Append(output, value, options.HtmlEscape);
        return null;
    }

    private static TemplateValue Apply(FilterSyntax filter, TemplateValue value, TemplateVariableResolver variables) => filter.Name switch
    {
        "default" => TemplateRuntime.Default(value, ArgumentValue(filter.Argument, variables)),
        "default_if_none" => TemplateRuntime.DefaultIfNone(value, ArgumentValue(filter.Argument, variables)),
        "upper" => TemplateRuntime.Upper(value),
        "lower" => TemplateRuntime.Lower(value),
        "title" => TemplateRuntime.Title(value),
        "capfirst" => TemplateRuntime.Capfirst(value),
        "length" => TemplateRuntime.Length(value),
        "first" => TemplateRuntime.First(value),
        "last" => TemplateRuntime.Last(value),
        "join" => TemplateRuntime.Join(value, ArgumentValue(filter.Argument, variables)),
        "urlencode" => TemplateRuntime.UrlEncode(value, filter.Argument is null ? null : ArgumentValue(filter.Argument, variables)),
        "safe" => TemplateRuntime.Safe(value),
        // The parser rejects unknown filters; a hand-built tree with one renders the value unchanged.
        _ => value,
    };

    private static TemplateValue ArgumentValue(FilterArgumentSyntax? argument, TemplateVariableResolver variables) => argument switch
    {
        StringArgumentSyntax s => TemplateValue.OfText(s.Value, safe: true),
        NumberArgumentSyntax n => TemplateValue.OfText(n.Text, safe: true),
        VariableArgumentSyntax v => TryResolve(v.Path, variables, out var json) ? TemplateValue.Of(json) : TemplateValue.Missing,
        _ => TemplateValue.Missing,
    };
}
