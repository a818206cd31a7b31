using System.Collections.Immutable;
using ManifestCompiler.IR;
using ManifestCompiler.Json;
using ManifestCompiler.Syntax.DotPaths;

namespace ManifestCompiler.Binding.ChiefOnboarding;

/// <summary>
/// The reference serializer's field kinds as readers over <see cref="FileBinder"/>: a CharField (blank rejected unless
/// allowed, numbers taken as text), a BooleanField (null is not a boolean) and the dot-notation paths into responses.
/// They have their own names because their defaults differ from <see cref="FileBinder.RequiredString"/> and
/// <see cref="FileBinder.OptionalBool"/>.
/// </summary>
internal static class ChiefOnboardingFields
{
    /// <summary>Keys older manifest formats used, with what replaced them.</summary>
    public static readonly ImmutableDictionary<string, string> LegacyKeys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["fail_when_4xx_response_code"] = "removed in ChiefOnboarding #445; give 'status_code' instead",
        ["choice_id"] = "a v2.0 form key; use 'choice_value'",
        ["multiple"] = "a v2.0 form key; use type 'multiple_choice'",
    }.ToImmutableDictionary(StringComparer.Ordinal);

    /// <summary>A required CharField: reported when missing, blank (unless <paramref name="allowBlank"/>) or not a string or number.</summary>
    public static JsonStringSyntax? RequiredCharField(this FileBinder file, JsonCursor at, string ownerDescription, bool allowBlank = false) =>
        file.RequiredString(at, ownerDescription, allowBlank, acceptNumbers: true);

    /// <summary>An optional BooleanField: absent is null, but JSON null is reported as not a boolean.</summary>
    public static bool? OptionalBooleanField(this FileBinder file, JsonCursor at) => file.OptionalBool(at, nullIsAbsent: false);

    /// <summary>A required CharField bound as a template in <paramref name="scope"/>.</summary>
    public static TemplateIR? TemplateOf(this FileBinder file, JsonCursor at, string ownerDescription, TemplateCheckScope scope) =>
        file.RequiredCharField(at, ownerDescription) is { } text ? TemplateBinder.Bind(file, text, at.Path, scope) : null;

    /// <summary>A dot-notation path (<c>data.users</c>), its syntax errors reported inside the string.</summary>
    public static DotPathIR DotPathOf(this FileBinder file, JsonStringSyntax text, string path)
    {
        var parsed = DotPath.Parse(text.Value);
        file.ReportEmbedded(parsed.Diagnostics, text, path);
        var segments = parsed.Value is { } syntax ? syntax.Segments.Select(s => s.Key).ToEquatableArray() : EquatableArray<string>.Empty;
        return new DotPathIR(text.Value, segments);
    }

    /// <summary>The dot path at <paramref name="at"/>, or <paramref name="fallback"/> (one segment) when it is absent or invalid.</summary>
    public static DotPathIR OptionalDotPath(this FileBinder file, JsonCursor at, string fallback, bool allowBlank) =>
        at.Exists && file.String(at, allowBlank, acceptNumbers: true) is { } text
            ? file.DotPathOf(text, at.Path)
            : new DotPathIR(fallback, fallback.Length == 0 ? EquatableArray<string>.Empty : new[] { fallback }.ToEquatableArray());

    /// <summary>The non-blank dot path at <paramref name="at"/>, or null when it is absent or invalid.</summary>
    public static DotPathIR? OptionalDotPathOrNull(this FileBinder file, JsonCursor at) =>
        at.Exists && file.String(at, allowBlank: false, acceptNumbers: true) is { } text ? file.DotPathOf(text, at.Path) : null;
}
