using System.Collections.Immutable;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.IR;
using ManifestCompiler.Json;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.Templates;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Binding;

/// <summary>What a scope says about one placeholder: defined, or a diagnostic to report at its path.</summary>
internal readonly record struct VariableVerdict(DiagnosticDescriptor? Descriptor, object?[] Arguments)
{
    public static readonly VariableVerdict Defined = new(null, []);

    public static VariableVerdict Problem(DiagnosticDescriptor descriptor, params object?[] arguments) => new(descriptor, arguments);
}

/// <summary>
/// The variables a template may use where it stands. <see cref="Names"/> are root names always defined;
/// <see cref="Special"/> decides names with rules of their own (responses.N, NEXT_PAGE_TOKEN) before them;
/// <see cref="AnyName"/> accepts everything (token captures name fields of a response no one can see at compile time);
/// <see cref="Unknown"/> decides what an undefined name is; otherwise it is reported with <see cref="UnknownVariable"/>
/// (by default MC1008, an error) with a suggestion.
/// </summary>
internal sealed record TemplateCheckScope(
    ImmutableHashSet<string> Names,
    Func<VariablePathSyntax, VariableVerdict?>? Special = null,
    bool AnyName = false,
    Func<VariablePathSyntax, VariableVerdict?>? Unknown = null,
    string? UnknownNote = null,
    DiagnosticDescriptor? UnknownVariable = null)
{
    public static TemplateCheckScope Of(IEnumerable<string> names) => new(names.ToImmutableHashSet(StringComparer.Ordinal));

    public static readonly TemplateCheckScope Anything = new(ImmutableHashSet<string>.Empty, AnyName: true);

    public TemplateCheckScope With(IEnumerable<string> names) => this with { Names = Names.Union(names) };
}

/// <summary>Parses the templates of manifest strings, checks their variables against a scope, and lowers them to IR.</summary>
internal static class TemplateBinder
{
    /// <summary>
    /// Binds one string as a template. Returns null (after reporting) when it cannot be parsed; unknown variables are
    /// reported but still yield IR, since rendering them is well defined (empty text).
    /// </summary>
    public static TemplateIR? Bind(FileBinder file, JsonStringSyntax text, string path, TemplateCheckScope scope)
    {
        var source = text.Value;
        if (source.IndexOf('{') < 0)
        {
            return TemplateIR.Constant(source);
        }
        var parsed = TemplateParser.Parse(source);
        file.ReportEmbedded(parsed.Diagnostics, text, path);
        if (parsed.Value is not { } template || parsed.HasErrors)
        {
            return null;
        }
        var local = new List<Diagnostic>();
        foreach (var placeholder in template.Placeholders)
        {
            Check(placeholder.Path, placeholder, scope, local);
            foreach (var filter in placeholder.Filters)
            {
                if (filter.Argument is VariableArgumentSyntax variable)
                {
                    Check(variable.Path, null, scope, local);
                }
            }
        }
        file.ReportEmbedded(local, text, path);
        return Lower(template);
    }

    private static void Check(VariablePathSyntax path, PlaceholderSyntax? placeholder, TemplateCheckScope scope, List<Diagnostic> diagnostics)
    {
        if (scope.AnyName)
        {
            return;
        }
        var verdict = scope.Special?.Invoke(path);
        if (verdict is null)
        {
            if (scope.Names.Contains(path.Root))
            {
                return;
            }
            verdict = scope.Unknown?.Invoke(path);
        }
        if (verdict is { } known)
        {
            if (known.Descriptor is { } descriptor)
            {
                diagnostics.Add(descriptor.Create(path.Span, known.Arguments));
            }
            return;
        }
        var suggestion = Suggestions.DidYouMean(path.Root, scope.Names);
        var note = suggestion + (scope.UnknownNote ?? "") + "; available here: " + Available(scope.Names);
        if (placeholder is not null && placeholder.Filters.Any(f => f.Name is "default" or "default_if_none"))
        {
            diagnostics.Add(ManifestDiagnostics.VariableOnlyDefault.Create(path.Span, path.Root, suggestion));
            return;
        }
        diagnostics.Add((scope.UnknownVariable ?? SyntaxDiagnostics.UnknownTemplateVariable).Create(path.Span, path.Root, note));
    }

    private static string Available(ImmutableHashSet<string> names)
    {
        if (names.IsEmpty)
        {
            return "none";
        }
        var sorted = names.Order(StringComparer.Ordinal).ToList();
        return sorted.Count <= 16 ? string.Join(", ", sorted) : string.Join(", ", sorted.Take(16)) + $" and {sorted.Count - 16} more";
    }

    public static TemplateIR Lower(TemplateSyntax template) =>
        new(template.Source, template.Parts.Select(LowerPart).ToEquatableArray());

    private static TemplatePartIR LowerPart(TemplatePart part) => part switch
    {
        PlaceholderSyntax placeholder => new TemplateHoleIR(
            placeholder.Path.Segments.Select(s => s.Name).ToEquatableArray(),
            placeholder.Filters.Select(f => new TemplateFilterIR(f.Name, ArgumentKind(f.Argument), ArgumentText(f.Argument))).ToEquatableArray()),
        TextPart text => new TemplateTextIR(text.Text),
        // Only error-free templates are lowered; other parts cannot occur.
        _ => throw new InvalidOperationException("Unexpected template part " + part.GetType().Name),
    };

    private static TemplateArgumentKind? ArgumentKind(FilterArgumentSyntax? argument) => argument switch
    {
        StringArgumentSyntax => TemplateArgumentKind.String,
        NumberArgumentSyntax => TemplateArgumentKind.Number,
        VariableArgumentSyntax => TemplateArgumentKind.Variable,
        _ => null,
    };

    private static string? ArgumentText(FilterArgumentSyntax? argument) => argument switch
    {
        StringArgumentSyntax s => s.Value,
        NumberArgumentSyntax n => n.Text,
        VariableArgumentSyntax v => v.Path.ToString(),
        _ => null,
    };
}
