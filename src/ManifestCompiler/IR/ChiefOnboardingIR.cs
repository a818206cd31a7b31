// Enums shared with the plan contracts live in Runtime.Support (one concept, one place).
using ManifestCompiler.Runtime.Support.Plans;
namespace ManifestCompiler.IR;

/// <summary>
/// A bound ChiefOnboarding manifest, with the documented semantics (the compiler's portability warnings say where the
/// reference engine differs): request bodies are JSON unless <c>cast_data_to_json</c> is true, status-code lists match
/// as numbers, a six-field schedule's last field is seconds.
/// </summary>
public sealed record ChiefOnboardingManifestIR(
    string Name,
    ManifestKind Kind,
    EquatableArray<FormItemIR> Form,
    RequestIR? Exists,
    EquatableArray<RequestIR> Revoke,
    EquatableArray<RequestIR> Execute,
    EquatableArray<HeaderIR> Headers,
    OAuthFlowIR? OAuth,
    EquatableArray<InitialDataItemIR> InitialDataForm,
    EquatableArray<UserInfoItemIR> ExtraUserInfo,
    EquatableArray<NotificationIR> PostExecuteNotifications,
    SyncUsersIR? Sync);

/// <summary>
/// One request (an <c>execute</c>, <c>revoke</c>, <c>exists</c>, OAuth or form-options request). <see cref="Headers"/> is
/// null when the manifest-level headers apply; a request's own headers replace them entirely.
/// </summary>
public sealed record RequestIR(
    TemplateIR Url,
    string Method,
    JsonValueIR? Data,
    bool FormEncodeData,
    EquatableArray<HeaderIR>? Headers,
    EquatableArray<StoreDataIR> StoreData,
    ContinueIfIR? ContinueIf,
    PollingIR? Polling,
    string? SaveAsFile,
    EquatableArray<FileFieldIR> Files,
    EquatableArray<int> StatusCodes,
    TemplateIR? Expected,
    string? ExtraHeaders);

public sealed record HeaderIR(TemplateIR Name, TemplateIR Value);

/// <summary><c>store_data</c>: the response value at <see cref="Path"/> is stored on the new hire as <see cref="Property"/>.</summary>
public sealed record StoreDataIR(string Property, DotPathIR Path);

/// <summary>Continue only when the response value at <see cref="ResponseNotation"/> equals the rendered <see cref="Value"/>.</summary>
public sealed record ContinueIfIR(DotPathIR ResponseNotation, TemplateIR Value);

/// <summary>At most <see cref="Amount"/> requests in all, <see cref="Interval"/> seconds apart, until continue_if matches.</summary>
public sealed record PollingIR(int Interval, int Amount);

/// <summary><c>files</c>: send the file an earlier request saved as <see cref="FileName"/> in form field <see cref="FieldName"/>.</summary>
public sealed record FileFieldIR(string FieldName, string FileName);

/// <summary>A per-run form field; choices come from <see cref="Source"/> (a request) or the fixed <see cref="Items"/>.</summary>
public sealed record FormItemIR(string Id, string Name, FormItemType Type, RequestIR? Source, JsonValueIR? Items, DotPathIR DataFrom, DotPathIR ChoiceValue, DotPathIR ChoiceName);

/// <summary>A value asked once when the integration is added; <see cref="Generate"/> items get a random secret instead.</summary>
public sealed record InitialDataItemIR(string Id, string Name, string? Description, bool Secret, bool Generate);

public sealed record UserInfoItemIR(string Id, string Name, string Description);

public sealed record NotificationIR(NotificationType Type, TemplateIR To, TemplateIR Subject, TemplateIR Message);

/// <summary>OAuth2: the authorize URL, the code exchange, and the refresh request (null: the token is permanent).</summary>
public sealed record OAuthFlowIR(TemplateIR AuthenticateUrl, RequestIR AccessToken, RequestIR? Refresh, bool WithoutCode);

public sealed record PaginationIR(PaginationMode Mode, DotPathIR? NextPageFrom, DotPathIR? NextPageTokenFrom, TemplateIR? NextPage, int AmountPagesToFetch);

/// <summary>A sync-users manifest: where the users are in the response, which fields to copy, when to run.</summary>
public sealed record SyncUsersIR(SyncAction Action, DotPathIR DataFrom, EquatableArray<DataStructureEntryIR> DataStructure, CronSchedulePlan? Schedule, PaginationIR Pagination);

public sealed record DataStructureEntryIR(string Property, DotPathIR Path);
