using System.Collections.Immutable;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.IR;
using ManifestCompiler.Json;
using ManifestCompiler.Syntax.Text;
using ManifestKind = ManifestCompiler.Runtime.Support.Plans.ManifestKind;

namespace ManifestCompiler.Binding.ChiefOnboarding;

/// <summary>
/// What a ChiefOnboarding request may and must hold where it stands (docs/chiefonboarding-semantics.md, "Requests"):
/// the keys the reference serializer knows there (null where the holder checks its own keys, as a form item does),
/// the methods it accepts, and the parts it requires. Every part is bound wherever it stands; a key a place does not
/// know is warned about, not dropped.
/// </summary>
internal sealed record ChiefOnboardingRequestShape(IReadOnlyCollection<string>? Keys, ImmutableArray<string> AllowedMethods, bool MethodRequired, bool ExpectedRequired)
{
    public static readonly ImmutableArray<string> Methods = ["HEAD", "GET", "POST", "PUT", "PATCH", "DELETE"];
    public static readonly ImmutableArray<string> ExistsMethods = ["GET", "POST", "PUT"];

    /// <summary>Keys of every request.</summary>
    private static readonly ImmutableArray<string> CommonKeys = ["url", "method", "data", "headers", "status_code", "extra_headers", "cast_data_to_json", "expected"];

    /// <summary>Keys of requests whose response feeds later ones (execute and OAuth).</summary>
    private static readonly ImmutableArray<string> ResponseKeys = [.. CommonKeys, "store_data", "files", "save_as_file", "polling", "continue_if"];

    // The table of request shapes.
    public static readonly ChiefOnboardingRequestShape Execute = new(ResponseKeys, Methods, MethodRequired: true, ExpectedRequired: false);
    public static readonly ChiefOnboardingRequestShape Exists = new(CommonKeys, ExistsMethods, MethodRequired: true, ExpectedRequired: true);
    public static readonly ChiefOnboardingRequestShape Revoke = new(CommonKeys, Methods, MethodRequired: true, ExpectedRequired: false);
    public static readonly ChiefOnboardingRequestShape OAuth = new(ResponseKeys, Methods, MethodRequired: true, ExpectedRequired: false);
    /// <summary>A form item's options request: its keys are the form item's; the method defaults to POST.</summary>
    public static readonly ChiefOnboardingRequestShape FormOptions = new(null, Methods, MethodRequired: false, ExpectedRequired: false);
}

/// <summary>
/// Binds one ChiefOnboarding request (execute, exists, revoke, OAuth or a form's options) against its
/// <see cref="ChiefOnboardingRequestShape"/>, with the template scope of the place it stands in.
/// </summary>
internal sealed class ChiefOnboardingRequestBinder(FileBinder file, ManifestKind kind)
{
    /// <summary>The items of the request list at <paramref name="list"/>; item i is bound in <paramref name="scope"/>(i).</summary>
    public EquatableArray<RequestIR> BindList(JsonCursor list, ChiefOnboardingRequestShape shape, string description, Func<int, TemplateCheckScope> scope, Func<int, ImmutableHashSet<string>>? savedFiles = null)
    {
        return file.Items(list, description)
            .Select((item, i) => BindObject(item, shape, description, scope(i), savedFiles?.Invoke(i)))
            .OfType<RequestIR>()
            .ToEquatableArray();
    }

    /// <summary>The request at <paramref name="at"/>, named <paramref name="description"/>, reporting a value that is not an object.</summary>
    public RequestIR? BindObject(JsonCursor at, ChiefOnboardingRequestShape shape, string description, TemplateCheckScope scope, ImmutableHashSet<string>? savedFiles = null) =>
        file.Object(at with { Key = description }) is null ? null : Bind(at, shape, description, scope, savedFiles);

    /// <summary>
    /// The request in the object at <paramref name="at"/>; null when a part the shape requires is missing or invalid.
    /// <paramref name="savedFiles"/> are the files earlier requests saved (none outside execute).
    /// </summary>
    public RequestIR? Bind(JsonCursor at, ChiefOnboardingRequestShape shape, string description, TemplateCheckScope scope, ImmutableHashSet<string>? savedFiles = null)
    {
        if (shape.Keys is { } keys)
        {
            file.UnknownKeys(at, description, keys, isError: false, ChiefOnboardingFields.LegacyKeys);
        }
        var url = file.TemplateOf(at.Member("url"), description, scope);
        var method = BindMethod(at.Member("method"), shape, description);

        var dataAt = at.Member("data");
        JsonValueIR? data = dataAt.Exists ? file.Value(dataAt, (text, p) => TemplateBinder.Bind(file, text, p, scope)) : null;
        var castAt = at.Member("cast_data_to_json");
        var cast = file.OptionalBooleanField(castAt);
        if (dataAt.Value is JsonObjectSyntax or JsonArraySyntax && !castAt.Exists)
        {
            file.ReportAtKey(ManifestDiagnostics.FormEncodedBody, dataAt);
        }

        var headers = BindHeaders(at.Member("headers"), scope);
        // An empty headers object means "use the manifest's" at run time (docs/chiefonboarding-semantics.md, "Requests").
        if (headers is { IsEmpty: true })
        {
            headers = null;
        }

        var storeData = BindStoreData(at.Member("store_data"));
        var continueIfAt = at.Member("continue_if");
        var continueIf = BindContinueIf(continueIfAt, scope);
        var polling = BindPolling(at.Member("polling"), continueIfAt);
        var saveAsFile = file.String(at.Member("save_as_file"), allowBlank: false, acceptNumbers: true)?.Value;
        var files = BindFiles(at.Member("files"), savedFiles ?? ImmutableHashSet<string>.Empty);
        var statusCodes = BindStatusCodes(at.Member("status_code"));
        var expectedAt = at.Member("expected");
        var expectedText = shape.ExpectedRequired
            ? file.RequiredCharField(expectedAt, description)
            : file.String(expectedAt, acceptNumbers: true);
        var expected = expectedText is null ? null : TemplateBinder.Bind(file, expectedText, expectedAt.Path, scope);
        var extraHeaders = BindExtraHeaders(at.Member("extra_headers"));
        return url is not null && method is not null && (expectedText is not null || !shape.ExpectedRequired)
            ? new RequestIR(url, method, data, cast == true, headers, storeData, continueIf, polling, saveAsFile, files, statusCodes, expected, extraHeaders)
            : null;
    }

    /// <summary>The method; POST when absent where the shape does not require it (the run-time default); null when invalid.</summary>
    private string? BindMethod(JsonCursor at, ChiefOnboardingRequestShape shape, string description)
    {
        if (!at.Exists)
        {
            if (shape.MethodRequired)
            {
                file.MissingKey(at, description);
                return null;
            }
            return "POST";
        }
        if (file.String(at, acceptNumbers: true) is not { } text)
        {
            return null;
        }
        var allowed = shape.AllowedMethods;
        if (allowed.Contains(text.Value))
        {
            return text.Value;
        }
        var hint = allowed.Contains(text.Value.ToUpperInvariant()) ? " (upper case; the reference serializer is case-sensitive)" : "";
        file.Report(ManifestDiagnostics.InvalidChoice, at, text.Value, "method" + hint, string.Join(", ", allowed));
        return null;
    }

    /// <summary>A headers object: each name and value is a template.</summary>
    public EquatableArray<HeaderIR>? BindHeaders(JsonCursor at, TemplateCheckScope scope)
    {
        if (!at.Exists || file.Object(at) is null)
        {
            return null;
        }
        var result = ImmutableArray.CreateBuilder<HeaderIR>();
        foreach (var member in at.Members())
        {
            var name = TemplateBinder.Bind(file, member.MemberSyntax!.Name, member.Path, scope);
            if (file.String(member, acceptNumbers: true) is { } text && TemplateBinder.Bind(file, text, member.Path, scope) is { } headerValue && name is not null)
            {
                result.Add(new HeaderIR(name, headerValue));
            }
        }
        return result.ToEquatableArray();
    }

    private EquatableArray<StoreDataIR> BindStoreData(JsonCursor at)
    {
        if (file.Object(at) is not { } store)
        {
            return EquatableArray<StoreDataIR>.Empty;
        }
        if (kind == ManifestKind.SyncUsers && store.Members.Length > 0)
        {
            file.ReportAtKey(ManifestDiagnostics.StoreDataWithoutUser, at);
        }
        var result = ImmutableArray.CreateBuilder<StoreDataIR>();
        foreach (var entry in at.Members())
        {
            if (file.String(entry, allowBlank: false, acceptNumbers: true) is { } notation)
            {
                result.Add(new StoreDataIR(entry.Key, file.DotPathOf(notation, entry.Path)));
            }
        }
        return result.ToEquatableArray();
    }

    private ContinueIfIR? BindContinueIf(JsonCursor at, TemplateCheckScope scope)
    {
        if (file.Object(at) is null)
        {
            return null;
        }
        file.UnknownKeys(at, "continue_if", ["response_notation", "value"], isError: false, ChiefOnboardingFields.LegacyKeys);
        var notationAt = at.Member("response_notation");
        var notation = file.RequiredCharField(notationAt, "continue_if");
        var value = file.TemplateOf(at.Member("value"), "continue_if", scope);
        return notation is not null && value is not null ? new ContinueIfIR(file.DotPathOf(notation, notationAt.Path), value) : null;
    }

    private PollingIR? BindPolling(JsonCursor at, JsonCursor continueIf)
    {
        if (file.Object(at) is null)
        {
            return null;
        }
        file.UnknownKeys(at, "polling", ["interval", "amount"], isError: false, ChiefOnboardingFields.LegacyKeys);
        var intervalAt = at.Member("interval");
        var interval = file.Required(intervalAt, "polling") ? file.Int(intervalAt, 1, 3600, acceptStrings: true) : null;
        var amountAt = at.Member("amount");
        var amount = file.Required(amountAt, "polling") ? file.Int(amountAt, 1, 100, acceptStrings: true) : null;
        if (!continueIf.Exists)
        {
            file.ReportAtKey(ManifestDiagnostics.PollingWithoutContinueIf, at);
        }
        return interval is not null && amount is not null ? new PollingIR(interval.Value, amount.Value) : null;
    }

    private EquatableArray<FileFieldIR> BindFiles(JsonCursor at, ImmutableHashSet<string> saved)
    {
        if (file.Object(at) is null)
        {
            return EquatableArray<FileFieldIR>.Empty;
        }
        var result = ImmutableArray.CreateBuilder<FileFieldIR>();
        foreach (var entry in at.Members())
        {
            var fileName = file.String(entry, allowBlank: false, acceptNumbers: true); // assigned before the test: see docs/mutation-testing.md
            if (fileName is null)
            {
                continue;
            }
            if (!saved.Contains(fileName.Value))
            {
                file.Report(ManifestDiagnostics.FileNotSaved, entry, fileName.Value, Suggestions.DidYouMean(fileName.Value, saved));
                continue;
            }
            result.Add(new FileFieldIR(entry.Key, fileName.Value));
        }
        return result.ToEquatableArray();
    }

    private EquatableArray<int> BindStatusCodes(JsonCursor at)
    {
        if (file.Array(at) is null)
        {
            return EquatableArray<int>.Empty;
        }
        var result = ImmutableArray.CreateBuilder<int>();
        var integers = false;
        foreach (var item in at.Elements("status_code[]"))
        {
            integers |= item.Value is JsonNumberSyntax;
            if (file.Int(item, 100, 599, acceptStrings: true) is { } code)
            {
                result.Add(code);
            }
        }
        if (integers)
        {
            file.ReportAtKey(ManifestDiagnostics.IntegerStatusCodes, at);
        }
        return result.ToEquatableArray();
    }

    private string? BindExtraHeaders(JsonCursor at)
    {
        if (file.String(at) is not { } extra)
        {
            return null;
        }
        if (extra.Value == "pritunl")
        {
            return extra.Value;
        }
        file.Report(ManifestDiagnostics.InvalidChoice, at, extra.Value, "extra_headers", "pritunl");
        return null;
    }
}
