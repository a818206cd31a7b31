using System.Collections.Concurrent;

namespace ManifestCompiler.Runtime.ChiefOnboarding;

/// <summary>The notifications a ChiefOnboarding integration creates (docs/runtime.md, "ChiefOnboarding manifests").</summary>
public enum NotificationKind
{
    /// <summary>A request failed, or the token could not be refreshed.</summary>
    FailedIntegration,

    /// <summary><c>continue_if</c> did not hold (after polling, if any).</summary>
    BlockedIntegration,

    /// <summary>The integration ran for a new hire.</summary>
    RanIntegration,

    /// <summary>A <c>post_execute_notification</c> could not be sent.</summary>
    FailedNotification,
}

/// <summary>One notification: what happened, for which integration and new hire (null for sync runs), and the detail.</summary>
public sealed record IntegrationNotification(NotificationKind Kind, string IntegrationId, string? NewHireId, string Description);

/// <summary>
/// Where notifications and <c>post_execute_notification</c> messages go: the host's admin notifications, mail and
/// text messages. A send that throws is reported as a <see cref="NotificationKind.FailedNotification"/>.
/// </summary>
public interface INotifier
{
    Task NotifyAsync(IntegrationNotification notification, CancellationToken cancellationToken = default);

    Task SendEmailAsync(string to, string subject, string message, CancellationToken cancellationToken = default);

    Task SendTextAsync(string to, string message, CancellationToken cancellationToken = default);
}

/// <summary>Keeps everything it is given (tests, <c>mfc run</c>).</summary>
public sealed class RecordingNotifier : INotifier
{
    private readonly ConcurrentQueue<IntegrationNotification> _notifications = new();
    private readonly ConcurrentQueue<(string Kind, string To, string Subject, string Message)> _messages = new();

    public IReadOnlyList<IntegrationNotification> Notifications => [.. _notifications];

    /// <summary>Sent messages: kind (<c>email</c> or <c>text</c>), recipient, subject (empty for texts), body.</summary>
    public IReadOnlyList<(string Kind, string To, string Subject, string Message)> Messages => [.. _messages];

    public Task NotifyAsync(IntegrationNotification notification, CancellationToken cancellationToken = default)
    {
        _notifications.Enqueue(notification);
        return Task.CompletedTask;
    }

    public Task SendEmailAsync(string to, string subject, string message, CancellationToken cancellationToken = default)
    {
        _messages.Enqueue(("email", to, subject, message));
        return Task.CompletedTask;
    }

    public Task SendTextAsync(string to, string message, CancellationToken cancellationToken = default)
    {
        _messages.Enqueue(("text", to, "", message));
        return Task.CompletedTask;
    }
}
