using System.Collections.Immutable;
using System.Globalization;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.Json;
using ManifestCompiler.Syntax.Templates;
using ManifestKind = ManifestCompiler.Runtime.Support.Plans.ManifestKind;

namespace ManifestCompiler.Binding.ChiefOnboarding;

/// <summary>
/// Which template variables each place of a ChiefOnboarding manifest sees (docs/chiefonboarding-semantics.md,
/// "Template variables"), in one place: the execute requests, the manifest's headers, notifications, exists, revoke,
/// OAuth and form-option requests, and the next-page URL of a sync. An unknown variable renders empty in this
/// dialect, so every scope reports it as a warning (MC8011), not an error.
/// </summary>
internal sealed class ChiefOnboardingScopes
{
    /// <summary>New-hire values every webhook template can use (documentation, "Variables").</summary>
    public static readonly ImmutableArray<string> NewHireVariables =
        ["email", "manager", "manager_email", "buddy", "buddy_email", "position", "department", "first_name", "last_name", "start", "access_overview"];

    private readonly ManifestKind _kind;
    private readonly ImmutableHashSet<string> _baseNames;
    private readonly ImmutableHashSet<string> _userNames;
    private readonly ImmutableHashSet<string> _extraUserInfo;
    /// <summary>
    /// For each execute request i, the store_data properties (and saved files) of the requests before it; one more
    /// entry at the end holds those of all requests. Never empty.
    /// </summary>
    private readonly ImmutableArray<ImmutableHashSet<string>> _storedBefore;
    private readonly ImmutableArray<ImmutableHashSet<string>> _savedFilesBefore;

    public ChiefOnboardingScopes(ManifestKind kind, JsonCursor root)
    {
        _kind = kind;
        var baseNames = Ids(root, "initial_data_form").Append("redirect_url");
        if (root.Member("oauth").Exists)
        {
            baseNames = baseNames.Append("oauth");
        }
        _baseNames = baseNames.ToImmutableHashSet(StringComparer.Ordinal);
        _extraUserInfo = Ids(root, "extra_user_info").ToImmutableHashSet(StringComparer.Ordinal);
        _userNames = kind == ManifestKind.Webhook
            ? NewHireVariables.Concat(Ids(root, "form")).Concat(_extraUserInfo).ToImmutableHashSet(StringComparer.Ordinal)
            : ImmutableHashSet<string>.Empty;
        (_storedBefore, _savedFilesBefore) = BeforeEachRequest(root);
    }

    private static (ImmutableArray<ImmutableHashSet<string>> Stored, ImmutableArray<ImmutableHashSet<string>> SavedFiles) BeforeEachRequest(JsonCursor root)
    {
        var stored = ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal);
        var files = ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal);
        var storedBefore = ImmutableArray.CreateBuilder<ImmutableHashSet<string>>();
        var filesBefore = ImmutableArray.CreateBuilder<ImmutableHashSet<string>>();
        foreach (var request in root.Member("execute").Elements("an execute request"))
        {
            storedBefore.Add(stored);
            filesBefore.Add(files);
            stored = stored.Union(request.Member("store_data").Members().Select(m => m.Key));
            // Read as the request binder reads it (a CharField: a number is saved under its text).
            if (FileBinder.AsString(request.Member("save_as_file").Value, acceptNumbers: true) is { } saved)
            {
                files = files.Add(saved.Value);
            }
        }
        storedBefore.Add(stored);
        filesBefore.Add(files);
        return (storedBefore.ToImmutable(), filesBefore.ToImmutable());
    }

    /// <summary>The string ids of the items of the root list <paramref name="key"/> (what their templates are named by).</summary>
    private static IEnumerable<string> Ids(JsonCursor root, string key) =>
        root.Member(key).Elements(key).Select(item => item.Member("id").Value).OfType<JsonStringSyntax>().Select(id => id.Value);

    private string? UnknownNote => _kind == ManifestKind.SyncUsers ? " (sync-users manifests run without a new hire, so new-hire fields are not available)" : null;

    /// <summary>Execute request <paramref name="index"/> sees responses and stored values of the requests before it.</summary>
    public TemplateCheckScope Execute(int index) =>
        Scope(_baseNames.Union(_userNames).Union(StoredBefore(index)), p => Responses(p, index), UnknownNote);

    /// <summary>Notifications are sent after every execute request, so they see all responses and stored values.</summary>
    public TemplateCheckScope Notifications => Execute(int.MaxValue) with { Special = p => Responses(p, _storedBefore.Length - 1) };

    /// <summary>Manifest-level headers go with every request, so they see what the execute requests see.</summary>
    public TemplateCheckScope ManifestHeaders => Scope(_baseNames.Union(_userNames).Union(_storedBefore[^1]), NoResponses, UnknownNote);

    /// <summary>exists renders with the built-in new-hire values and the integration's values only.</summary>
    public TemplateCheckScope Exists =>
        Scope(_baseNames.Union(NewHireVariables), NoResponses, " (exists sees only new-hire fields and the integration's own values)");

    /// <summary>revoke renders with the new hire's stored values (extra fields), not with form values.</summary>
    public TemplateCheckScope Revoke => Scope(_baseNames.Union(NewHireVariables).Union(_extraUserInfo).Union(_storedBefore[^1]), NoResponses);

    /// <summary>OAuth requests and form options are fetched with the integration's values only.</summary>
    public TemplateCheckScope Integration => Scope(_baseNames, NoResponses, " (OAuth and form-option requests see only the integration's own values)");

    /// <summary>A sync's next-page URL sees the integration's values and the token the previous page gave.</summary>
    public TemplateCheckScope NextPage =>
        Scope(_baseNames.Add("NEXT_PAGE_TOKEN"), p => p.Root == "NEXT_PAGE_TOKEN" ? VariableVerdict.Defined : NoResponses(p), UnknownNote);

    /// <summary>The files saved (save_as_file) by the execute requests before request <paramref name="executeIndex"/>.</summary>
    public ImmutableHashSet<string> SavedFilesBefore(int executeIndex) => _savedFilesBefore[Math.Min(executeIndex, _savedFilesBefore.Length - 1)];

    private ImmutableHashSet<string> StoredBefore(int index) => _storedBefore[Math.Min(index, _storedBefore.Length - 1)];

    private static TemplateCheckScope Scope(IEnumerable<string> names, Func<VariablePathSyntax, VariableVerdict?> special, string? unknownNote = null) =>
        new(names.ToImmutableHashSet(StringComparer.Ordinal), special, UnknownNote: unknownNote, UnknownVariable: ManifestDiagnostics.UnknownVariableRendersEmpty);

    private static VariableVerdict? NoResponses(VariablePathSyntax path) => path.Root switch
    {
        "todo_forms" => VariableVerdict.Problem(ManifestDiagnostics.TodoFormsVariable),
        "responses" => VariableVerdict.Problem(ManifestDiagnostics.ResponseNotEarlier, path.Segments.Length > 1 ? path.Segments[1].Name : "", "responses are only available in execute requests and notifications"),
        "NEXT_PAGE_TOKEN" => VariableVerdict.Problem(ManifestDiagnostics.NextPageTokenOutsideNextPage),
        _ => null,
    };

    /// <summary><c>responses.N</c> is defined for the <paramref name="available"/> requests that ran before.</summary>
    private static VariableVerdict? Responses(VariablePathSyntax path, int available)
    {
        if (path.Root is "NEXT_PAGE_TOKEN" or "todo_forms")
        {
            return NoResponses(path);
        }
        if (path.Root != "responses" || path.Segments.Length < 2)
        {
            return path.Root == "responses" ? VariableVerdict.Defined : null;
        }
        var segment = path.Segments[1];
        if (!segment.IsIndex || !int.TryParse(segment.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return VariableVerdict.Problem(ManifestDiagnostics.ResponseNotEarlier, segment.Name, "the part after 'responses.' is a request index (0, 1, ...)");
        }
        if (n < available)
        {
            return VariableVerdict.Defined;
        }
        return VariableVerdict.Problem(ManifestDiagnostics.ResponseNotEarlier, segment.Name,
            available == 0 ? "no request has run before this one" : $"only responses.0 to responses.{available - 1} exist here");
    }
}
