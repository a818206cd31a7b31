using ManifestCompiler.Runtime.Support.Cron;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Syntax.Tests.Cron;

/// <summary>When a schedule fires: what the runtime asks a generated plan's <see cref="CronSchedulePlan"/>, in UTC.</summary>
public class CronSchedulePlanTests
{
    private static CronSchedulePlan Schedule(string expression)
    {
        var plan = CronScheduleParser.Parse(expression, out var errors);
        Assert.Empty(errors);
        return plan!;
    }

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("*/15 * * * *", "2026-01-01T10:15:00Z", "2026-01-01T10:30:00Z")]
    [InlineData("*/15 * * * *", "2026-01-01T10:14:59.5Z", "2026-01-01T10:15:00Z")]
    [InlineData("*/15 * * * *", "2026-01-01T23:50:00Z", "2026-01-02T00:00:00Z")]
    [InlineData("0 9 * * *", "2026-01-01T08:00:00Z", "2026-01-01T09:00:00Z")]
    [InlineData("0 9 * * *", "2026-01-01T10:00:00Z", "2026-01-02T09:00:00Z")]
    [InlineData("30 9,18 * * *", "2026-01-01T09:30:00Z", "2026-01-01T18:30:00Z")]
    [InlineData("* * * * * 30", "2026-01-01T10:00:29Z", "2026-01-01T10:00:30Z")]
    [InlineData("* * * * * 30", "2026-01-01T10:00:30Z", "2026-01-01T10:01:30Z")]
    [InlineData("0 0 1 jul *", "2026-03-05T12:00:00Z", "2026-07-01T00:00:00Z")]
    [InlineData("@yearly", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")]
    // 2026-01-01 is a Thursday: with both day fields restricted either one matches (cron's rule), else the one given.
    [InlineData("0 0 13 * fri", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")]
    [InlineData("0 0 2 * mon", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")]
    [InlineData("0 0 13 * *", "2026-01-01T00:00:00Z", "2026-01-13T00:00:00Z")]
    [InlineData("0 0 * * mon", "2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z")]
    [InlineData("0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z")]
    // The longest gap a schedule that fires has: 29 February across 2100, which is no leap year, is eight years.
    [InlineData("0 0 29 2 *", "2096-02-29T00:00:30Z", "2104-02-29T00:00:00Z")]
    [InlineData("0 0 29 2 *", "2096-02-29T23:59:30Z", "2104-02-29T00:00:00Z")]
    [InlineData("0 0 29 2 * 0", "2096-02-29T00:00:00Z", "2104-02-29T00:00:00Z")]
    // A time with an offset is the same instant in UTC.
    [InlineData("0 9 * * *", "2026-01-01T10:30:00+02:00", "2026-01-01T09:00:00Z")]
    public void Next_after_is_the_first_allowed_time_strictly_later(string expression, string after, string expected)
    {
        var next = Schedule(expression).NextAfter(Utc(after));

        Assert.Equal(Utc(expected), next);
        Assert.Equal(TimeSpan.Zero, next!.Value.Offset);
    }

    [Fact]
    public void A_schedule_that_never_fires_has_no_next_time()
    {
        Assert.Null(Schedule("0 0 30 2 *").NextAfter(Utc("2026-01-01T00:00:00Z")));
    }

    [Fact]
    public void A_gap_fires_once_with_the_first_missed_time_and_waits_for_the_next_after_now()
    {
        var hourly = Schedule("0 * * * *");

        Assert.Equal((Utc("2026-01-01T11:00:00Z"), Utc("2026-01-01T13:00:00Z")), hourly.DueBetween(Utc("2026-01-01T10:00:00Z"), Utc("2026-01-01T12:30:00Z")));
        Assert.Equal((Utc("2026-01-01T11:00:00Z"), Utc("2026-01-01T12:00:00Z")), hourly.DueBetween(Utc("2026-01-01T10:00:00Z"), Utc("2026-01-01T11:00:00Z")));
        Assert.Equal(((DateTimeOffset?)null, Utc("2026-01-01T11:00:00Z")), hourly.DueBetween(Utc("2026-01-01T10:00:00Z"), Utc("2026-01-01T10:59:59Z")));
        Assert.Equal(((DateTimeOffset?)null, (DateTimeOffset?)null), Schedule("0 0 30 2 *").DueBetween(Utc("2026-01-01T00:00:00Z"), Utc("2026-06-01T00:00:00Z")));
    }

    [Fact]
    public void Plans_of_the_same_schedule_are_equal_with_equal_hashes_and_differ_otherwise()
    {
        var a = Schedule("*/5 9-17 * * mon-fri");
        var b = Schedule("*/5 9-17 * * mon-fri");

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, Schedule("*/5 9-17 * * mon-sat"));
        Assert.NotEqual(a, Schedule("*/5 9-18 * * mon-fri"));
        Assert.NotEqual(a, a with { HasSeconds = true });
        Assert.NotEqual(a, a with { Seconds = [1] });
        Assert.NotEqual(a, a with { Minutes = [0] });
        Assert.NotEqual(a, a with { Hours = [9] });
        Assert.NotEqual(a, a with { DaysOfMonth = [1] });
        Assert.NotEqual(a, a with { Months = [1] });
        Assert.NotEqual(a, a with { DaysOfWeek = [1] });
        Assert.NotEqual(a, a with { DayOfMonthRestricted = true });
        Assert.NotEqual(a, a with { DayOfWeekRestricted = false });
        Assert.False(a.Equals(null));
    }
}
