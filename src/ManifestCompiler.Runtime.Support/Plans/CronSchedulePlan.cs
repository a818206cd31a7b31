namespace ManifestCompiler.Runtime.Support.Plans;

/// <summary>
/// A cron schedule expanded to the values each field allows: the one shape from the parser
/// (<see cref="Cron.CronScheduleParser"/>) through the compiler's IR and the generated plans to the runtime, which asks
/// it when it fires, in UTC (the reference engine's server time zone). Equal when every field is equal, so the IR that
/// holds one compares by value (the source generator caches on it).
/// </summary>
public sealed record CronSchedulePlan
{
    /// <summary>The schedule as written (a macro such as <c>@daily</c> stays as written).</summary>
    public required string Expression { get; init; }

    /// <summary>Six fields, seconds last (croniter's order); without, <see cref="Seconds"/> is <c>[0]</c>.</summary>
    public required bool HasSeconds { get; init; }

    public required IReadOnlyList<int> Seconds { get; init; }

    public required IReadOnlyList<int> Minutes { get; init; }

    public required IReadOnlyList<int> Hours { get; init; }

    public required IReadOnlyList<int> DaysOfMonth { get; init; }

    public required IReadOnlyList<int> Months { get; init; }

    /// <summary>0 is Sunday; a written 7 is folded into 0.</summary>
    public required IReadOnlyList<int> DaysOfWeek { get; init; }

    public required bool DayOfMonthRestricted { get; init; }

    public required bool DayOfWeekRestricted { get; init; }

    public bool Equals(CronSchedulePlan? other) =>
        other is not null
        && Expression == other.Expression
        && HasSeconds == other.HasSeconds
        && Seconds.SequenceEqual(other.Seconds)
        && Minutes.SequenceEqual(other.Minutes)
        && Hours.SequenceEqual(other.Hours)
        && DaysOfMonth.SequenceEqual(other.DaysOfMonth)
        && Months.SequenceEqual(other.Months)
        && DaysOfWeek.SequenceEqual(other.DaysOfWeek)
        && DayOfMonthRestricted == other.DayOfMonthRestricted
        && DayOfWeekRestricted == other.DayOfWeekRestricted;

    // The expression determines every field, so equal plans have equal expressions. Hashing it alone also keeps the
    // member measured by mutation testing: a LINQ mutant of a `.Count` argument left HashCode.Combine's type
    // arguments uninferable (CS0411), and safe mode dropped the member (docs/mutation-testing.md).
    public override int GetHashCode() => Expression.GetHashCode(StringComparison.Ordinal);

    /// <summary>
    /// The first time strictly after <paramref name="after"/> that the schedule allows, or null when none comes by the
    /// end of the day eight years on (a schedule such as <c>0 0 30 2 *</c> never fires). Day of month and day of week
    /// combine as in cron: when both are restricted, either may match.
    /// </summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        var start = after.ToUniversalTime();
        // The next whole second (or minute, without a seconds field) after the given time.
        var cursor = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, start.Minute, HasSeconds ? start.Second : 0, TimeSpan.Zero)
            .AddSeconds(HasSeconds ? 1 : 60);
        var firstDay = true;
        // To the day eight years on, inclusive: 29 February from 2096 to 2104 (2100 is no leap year) is the longest
        // gap of a schedule that fires, and it ends on that day.
        var lastDay = cursor.Date.AddYears(8);
        for (var day = cursor.Date; day <= lastDay; day = day.AddDays(1))
        {
            if (!Months.Contains(day.Month) || !DayMatches(day))
            {
                firstDay = false;
                continue;
            }
            foreach (var hour in Hours)
            {
                foreach (var minute in Minutes)
                {
                    foreach (var second in Seconds)
                    {
                        var candidate = new DateTimeOffset(day.Year, day.Month, day.Day, hour, minute, second, TimeSpan.Zero);
                        if (!firstDay || candidate >= cursor)
                        {
                            return candidate;
                        }
                    }
                }
            }
            firstDay = false;
        }
        return null;
    }

    /// <summary>
    /// The occurrence that came due after <paramref name="after"/> and by <paramref name="now"/> (the first, when
    /// several passed: a schedule fires once for a gap), and the next occurrence to wait for.
    /// </summary>
    public (DateTimeOffset? Due, DateTimeOffset? Next) DueBetween(DateTimeOffset after, DateTimeOffset now)
    {
        var first = NextAfter(after);
        return first is { } due && due <= now ? (due, NextAfter(now)) : (null, first);
    }

    private bool DayMatches(DateTime day)
    {
        var dayOfMonth = DaysOfMonth.Contains(day.Day);
        var dayOfWeek = DaysOfWeek.Contains((int)day.DayOfWeek);
        return DayOfMonthRestricted && DayOfWeekRestricted ? dayOfMonth || dayOfWeek
            : DayOfMonthRestricted ? dayOfMonth
            : DayOfWeekRestricted ? dayOfWeek
            : true;
    }
}
