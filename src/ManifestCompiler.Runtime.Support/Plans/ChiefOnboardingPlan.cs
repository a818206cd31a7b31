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
public sealed record DotPathPlan
{
    public required string Source { get; init; }

    public required IReadOnlyList<string> Segments { get; init; }

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
public sealed record RequestPlan
{
    public required TemplatePlan Url { get; init; }

    public required string Method { get; init; }

    public required JsonTemplatePlan? Data { get; init; }

    public required bool FormEncodeData { get; init; }

    public required IReadOnlyList<HeaderPlan>? Headers { get; init; }

    public required IReadOnlyList<StoreDataPlan> StoreData { get; init; }

    public required ContinueIfPlan? ContinueIf { get; init; }

    public required PollingPlan? Polling { get; init; }

    public required string? SaveAsFile { get; init; }

    public required IReadOnlyList<FileFieldPlan> Files { get; init; }

    public required IReadOnlyList<int> StatusCodes { get; init; }

    public required TemplatePlan? Expected { get; init; }

    public required string? ExtraHeaders { get; init; }
}

public sealed record HeaderPlan
{
    public required TemplatePlan Name { get; init; }

    public required TemplatePlan Value { get; init; }
}

/// <summary><c>store_data</c>: the response value at <see cref="Path"/> is stored on the new hire as <see cref="Property"/>.</summary>
public sealed record StoreDataPlan
{
    public required string Property { get; init; }

    public required DotPathPlan Path { get; init; }
}

/// <summary>Continue only when the response value at <see cref="ResponseNotation"/> equals the rendered <see cref="Value"/>.</summary>
public sealed record ContinueIfPlan
{
    public required DotPathPlan ResponseNotation { get; init; }

    public required TemplatePlan Value { get; init; }
}

/// <summary>At most <see cref="Amount"/> requests in all, <see cref="IntervalSeconds"/> apart, until continue_if matches.</summary>
public sealed record PollingPlan
{
    public required int IntervalSeconds { get; init; }

    public required int Amount { get; init; }
}

/// <summary>Send the file an earlier request saved as <see cref="FileName"/> in form field <see cref="FieldName"/>.</summary>
public sealed record FileFieldPlan
{
    public required string FieldName { get; init; }

    public required string FileName { get; init; }
}

public enum FormItemType
{
    Choice,
    MultipleChoice,
    Input,
    Generate,
}

/// <summary>A per-run form field; choices come from <see cref="Source"/> (a request) or the fixed <see cref="Items"/>.</summary>
public sealed record FormItemPlan
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required FormItemType Type { get; init; }

    public required RequestPlan? Source { get; init; }

    public required JsonTemplatePlan? Items { get; init; }

    public required DotPathPlan DataFrom { get; init; }

    public required DotPathPlan ChoiceValue { get; init; }

    public required DotPathPlan ChoiceName { get; init; }
}

/// <summary>A value asked once when the integration is added; <see cref="Generate"/> items get a random secret instead.</summary>
public sealed record InitialDataItemPlan
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string? Description { get; init; }

    public required bool Secret { get; init; }

    public required bool Generate { get; init; }
}

public sealed record UserInfoItemPlan
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string Description { get; init; }
}

public enum NotificationType
{
    Email,
    Text,
}

public sealed record NotificationPlan
{
    public required NotificationType Type { get; init; }

    public required TemplatePlan To { get; init; }

    public required TemplatePlan Subject { get; init; }

    public required TemplatePlan Message { get; init; }
}

/// <summary>OAuth2: the authorize URL, the code exchange, the refresh request (null: the token is permanent).</summary>
public sealed record OAuthFlowPlan
{
    public required TemplatePlan AuthenticateUrl { get; init; }

    public required RequestPlan AccessToken { get; init; }

    public required RequestPlan? Refresh { get; init; }

    public required bool WithoutCode { get; init; }
}

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

public sealed record PaginationPlan
{
    public required PaginationMode Mode { get; init; }

    public required DotPathPlan? NextPageFrom { get; init; }

    public required DotPathPlan? NextPageTokenFrom { get; init; }

    public required TemplatePlan? NextPage { get; init; }

    public required int AmountPagesToFetch { get; init; }
}

public sealed record SyncUsersPlan
{
    public required SyncAction Action { get; init; }

    public required DotPathPlan DataFrom { get; init; }

    public required IReadOnlyList<DataStructureEntryPlan> DataStructure { get; init; }

    public required CronSchedulePlan? Schedule { get; init; }

    public required PaginationPlan Pagination { get; init; }
}

public sealed record DataStructureEntryPlan
{
    public required string Property { get; init; }

    public required DotPathPlan Path { get; init; }
}
