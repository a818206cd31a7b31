namespace ManifestCompiler.Syntax.Templates;

public enum FilterArgumentKind
{
    None,
    Optional,
    Required,
}

/// <summary>The Django filters this template language supports: the ones real manifests use, and their close kin.</summary>
public static class TemplateFilters
{
    public static readonly IReadOnlyDictionary<string, FilterArgumentKind> Known = new Dictionary<string, FilterArgumentKind>(StringComparer.Ordinal)
    {
        ["default"] = FilterArgumentKind.Required,
        ["default_if_none"] = FilterArgumentKind.Required,
        ["upper"] = FilterArgumentKind.None,
        ["lower"] = FilterArgumentKind.None,
        ["title"] = FilterArgumentKind.None,
        ["capfirst"] = FilterArgumentKind.None,
        ["length"] = FilterArgumentKind.None,
        ["first"] = FilterArgumentKind.None,
        ["last"] = FilterArgumentKind.None,
        ["join"] = FilterArgumentKind.Required,
        ["urlencode"] = FilterArgumentKind.Optional,
        ["safe"] = FilterArgumentKind.None,
    };

    public static string KnownList => string.Join(", ", Known.Keys.OrderBy(k => k, StringComparer.Ordinal));
}
