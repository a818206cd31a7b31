using System.Text.Json;
using ManifestCompiler.Runtime.Support.DotPaths;

namespace ManifestCompiler.Runtime.Support.Plans;

public enum ManifestKind
{
    Webhook,
    SyncUsers,
}

/// <summary>
/// A compiled ChiefOnboarding manifest, with the documented semantics (the compiler's portability warnings say
/// where the reference engine differs). The generator derives one class per manifest.
/// </summary>
public abstract class ChiefOnboardingPlan
{
    /// <summary>The manifest's file name without extension.</summary>
    public abstract string Name { get; }

    public abstract ManifestKind Kind { get; }

    public abstract IReadOnlyList<FormItemPlan> Form { get; }

    public abstract RequestPlan? Exists { get; }

    public abstract IReadOnlyList<RequestPlan> Revoke { get; }

    public abstract IReadOnlyList<RequestPlan> Execute { get; }

    /// <summary>The manifest-level headers; a request's own headers replace them entirely.</summary>
    public abstract IReadOnlyList<HeaderPlan> Headers { get; }

    public abstract OAuthFlowPlan? OAuth { get; }

    public abstract IReadOnlyList<InitialDataItemPlan> InitialDataForm { get; }

    public abstract IReadOnlyList<UserInfoItemPlan> ExtraUserInfo { get; }

    public abstract IReadOnlyList<NotificationPlan> PostExecuteNotifications { get; }

    public abstract SyncUsersPlan? Sync { get; }

    /// <summary>The headers a request sends: its own when it has them, else the manifest's.</summary>
    public IReadOnlyList<HeaderPlan> HeadersFor(RequestPlan request) => request.Headers ?? Headers;

    public override string ToString() => Name;
}

/// <summary>A dot-notation path (<c>data.items.0.id</c>); no segments means the whole value.</summary>
public sealed record DotPathPlan(string Source, IReadOnlyList<string> Segments)
{
    public bool TryEvaluate(JsonElement value, out JsonElement result, out string? failure)
    {
        if (DotPathRuntime.TryEvaluate(value, Segments, out result, out _, out var reason))
        {
            failure = null;
            return true;
        }
        failure = reason;
        return false;
    }

    public override string ToString() => Source;
}

/// <summary>One request; <see cref="Headers"/> is null when the manifest-level headers apply.</summary>
public sealed record RequestPlan(
    TemplatePlan Url,
    string Method,
    JsonTemplatePlan? Data,
    bool FormEncodeData,
    IReadOnlyList<HeaderPlan>? Headers,
    IReadOnlyList<StoreDataPlan> StoreData,
    ContinueIfPlan? ContinueIf,
    PollingPlan? Polling,
    string? SaveAsFile,
    IReadOnlyList<FileFieldPlan> Files,
    IReadOnlyList<int> StatusCodes,
    TemplatePlan? Expected,
    string? ExtraHeaders);

public sealed record HeaderPlan(TemplatePlan Name, TemplatePlan Value);

/// <summary><c>store_data</c>: the response value at <see cref="Path"/> is stored on the new hire as <see cref="Property"/>.</summary>
public sealed record StoreDataPlan(string Property, DotPathPlan Path);

/// <summary>Continue only when the response value at <see cref="ResponseNotation"/> equals the rendered <see cref="Value"/>.</summary>
public sealed record ContinueIfPlan(DotPathPlan ResponseNotation, TemplatePlan Value);

/// <summary>At most <see cref="Amount"/> requests in all, <see cref="IntervalSeconds"/> apart, until continue_if matches.</summary>
public sealed record PollingPlan(int IntervalSeconds, int Amount);

/// <summary>Send the file an earlier request saved as <see cref="FileName"/> in form field <see cref="FieldName"/>.</summary>
public sealed record FileFieldPlan(string FieldName, string FileName);

public enum FormItemType
{
    Choice,
    MultipleChoice,
    Input,
    Generate,
}

/// <summary>A per-run form field; choices come from <see cref="Source"/> (a request) or the fixed <see cref="Items"/>.</summary>
public sealed record FormItemPlan(string Id, string Name, FormItemType Type, RequestPlan? Source, JsonTemplatePlan? Items, DotPathPlan DataFrom, DotPathPlan ChoiceValue, DotPathPlan ChoiceName);

/// <summary>A value asked once when the integration is added; <see cref="Generate"/> items get a random secret instead.</summary>
public sealed record InitialDataItemPlan(string Id, string Name, string? Description, bool Secret, bool Generate);

public sealed record UserInfoItemPlan(string Id, string Name, string Description);

public enum NotificationType
{
    Email,
    Text,
}

public sealed record NotificationPlan(NotificationType Type, TemplatePlan To, TemplatePlan Subject, TemplatePlan Message);

/// <summary>OAuth2: the authorize URL, the code exchange, the refresh request (null: the token is permanent).</summary>
public sealed record OAuthFlowPlan(TemplatePlan AuthenticateUrl, RequestPlan AccessToken, RequestPlan? Refresh, bool WithoutCode);

public enum SyncAction
{
    Create,
    Update,
}

public enum PaginationMode
{
    None,
    NextPageUrl,
    NextPageToken,
}

public sealed record PaginationPlan(PaginationMode Mode, DotPathPlan? NextPageFrom, DotPathPlan? NextPageTokenFrom, TemplatePlan? NextPage, int AmountPagesToFetch);

public sealed record SyncUsersPlan(SyncAction Action, DotPathPlan DataFrom, IReadOnlyList<DataStructureEntryPlan> DataStructure, CronSchedulePlan? Schedule, PaginationPlan Pagination);

public sealed record DataStructureEntryPlan(string Property, DotPathPlan Path);

/// <summary>A cron schedule expanded to the values each field allows.</summary>
public sealed record CronSchedulePlan(
    string Expression,
    bool HasSeconds,
    IReadOnlyList<int> Seconds,
    IReadOnlyList<int> Minutes,
    IReadOnlyList<int> Hours,
    IReadOnlyList<int> DaysOfMonth,
    IReadOnlyList<int> Months,
    IReadOnlyList<int> DaysOfWeek,
    bool DayOfMonthRestricted,
    bool DayOfWeekRestricted);
