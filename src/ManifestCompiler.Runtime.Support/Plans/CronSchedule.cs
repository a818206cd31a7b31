namespace ManifestCompiler.Runtime.Support.Plans;

/// <summary>When a <see cref="CronSchedulePlan"/> fires, in UTC (the reference engine's server time zone).</summary>
public static class CronSchedule
{
    /// <summary>
    /// The first time strictly after <paramref name="after"/> that the schedule allows, or null when none comes within
    /// eight years (a schedule such as <c>0 0 30 2 *</c> never fires). Day of month and day of week combine as in cron:
    /// when both are restricted, either may match.
    /// </summary>
    public static DateTimeOffset? NextAfter(this CronSchedulePlan schedule, DateTimeOffset after)
    {
        var start = after.ToUniversalTime();
        // The next whole second (or minute, without a seconds field) after the given time.
        var cursor = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, start.Minute, schedule.HasSeconds ? start.Second : 0, TimeSpan.Zero)
            .AddSeconds(schedule.HasSeconds ? 1 : 60);
        var firstDay = true;
        for (var day = cursor.Date; day < cursor.Date.AddYears(8); day = day.AddDays(1))
        {
            if (!schedule.Months.Contains(day.Month) || !DayMatches(schedule, day))
            {
                firstDay = false;
                continue;
            }
            foreach (var hour in schedule.Hours)
            {
                foreach (var minute in schedule.Minutes)
                {
                    foreach (var second in schedule.Seconds)
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
    public static (DateTimeOffset? Due, DateTimeOffset? Next) DueBetween(this CronSchedulePlan schedule, DateTimeOffset after, DateTimeOffset now)
    {
        var first = schedule.NextAfter(after);
        return first is { } due && due <= now ? (due, schedule.NextAfter(now)) : (null, first);
    }

    private static bool DayMatches(CronSchedulePlan schedule, DateTime day)
    {
        var dayOfMonth = schedule.DaysOfMonth.Contains(day.Day);
        var dayOfWeek = schedule.DaysOfWeek.Contains((int)day.DayOfWeek);
        return schedule.DayOfMonthRestricted && schedule.DayOfWeekRestricted ? dayOfMonth || dayOfWeek
            : schedule.DayOfMonthRestricted ? dayOfMonth
            : schedule.DayOfWeekRestricted ? dayOfWeek
            : true;
    }
}
