using System.Globalization;

namespace ManifestCompiler.Cli.Serving;

/// <summary>
/// <c>mfc serve --test-clock &lt;factor&gt;@&lt;origin&gt;</c>, for tests only (hidden from help; docs/runtime.md,
/// "Schedules across hosts"): the runtime's clock runs <c>factor</c> times faster than the system clock from
/// <c>origin</c> (Unix milliseconds, at or before now) on, so hosts given the same value agree on the time and a test
/// sees minutes of schedules in seconds. Harmless: the factor is at least 1 and the origin is not in the future, so
/// this clock is never behind the system clock and nothing it times (leases, OAuth states, due times) lives longer
/// than it would; API keys and the Debug panel's sessions keep the system clock.
/// </summary>
internal sealed class TestClock(DateTimeOffset origin, double factor) : TimeProvider
{
    public double Factor { get; } = factor;

    public override DateTimeOffset GetUtcNow()
    {
        var now = System.GetUtcNow();
        return origin + (now - origin) * Factor;
    }

    /// <summary>Timers (<c>Task.Delay</c> on this clock: heartbeats, waits for due runs) fire after the real share of their time.</summary>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, Scale(dueTime), Scale(period));

    private TimeSpan Scale(TimeSpan span) => span == Timeout.InfiniteTimeSpan ? span : span / Factor;

    /// <summary>Parses <c>&lt;factor&gt;@&lt;origin-unix-ms&gt;</c>; null with the problem when it is not one.</summary>
    public static (TestClock? Clock, string? Problem) Parse(string text, DateTimeOffset now)
    {
        var parts = text.Split('@');
        if (parts.Length != 2
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var factor)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var originMs))
        {
            return (null, "--test-clock takes <factor>@<origin in Unix milliseconds>, e.g. 60@1764460800000");
        }
        if (!(factor >= 1 && factor <= 10_000))
        {
            return (null, "--test-clock: the factor must be between 1 and 10000 (the clock only runs faster)");
        }
        if (originMs > now.ToUnixTimeMilliseconds())
        {
            return (null, "--test-clock: the origin must not be in the future (the clock is never behind the system clock)");
        }
        return (new TestClock(DateTimeOffset.FromUnixTimeMilliseconds(originMs), factor), null);
    }
}
