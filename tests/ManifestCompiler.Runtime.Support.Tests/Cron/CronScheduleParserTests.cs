using ManifestCompiler.Runtime.Support.Cron;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime.Support.Tests.Cron;

/// <summary>
/// What a host scheduling <c>create_cron_job</c> at run time gets from a schedule (croniter's reading: five fields, or
/// six with seconds last, day-of-week 7 is Sunday, <c>5/15</c> runs to the end of the range): the expanded values, or
/// every error with its kind, span and message arguments.
/// </summary>
public sealed class CronScheduleParserTests
{
    private static CronSchedulePlan Plan(string source)
    {
        var plan = CronScheduleParser.Parse(source, out var errors);
        Assert.Empty(errors);
        Assert.NotNull(plan);
        return plan;
    }

    private static string[] Errors(string source)
    {
        Assert.Null(CronScheduleParser.Parse(source, out var errors));
        return [.. errors.Select(e => $"{e.Kind} {e.Start}+{e.Length}: {string.Join(" | ", e.Arguments)}")];
    }

    [Fact]
    public void Five_fields_expand_to_sorted_values_and_fire_at_second_zero()
    {
        var plan = Plan("5/15 1-5/2 */10 jan,MAR,2 1,7");

        Assert.Equal("5/15 1-5/2 */10 jan,MAR,2 1,7", plan.Expression);
        Assert.False(plan.HasSeconds);
        Assert.Equal([0], plan.Seconds);
        Assert.Equal([5, 20, 35, 50], plan.Minutes);
        Assert.Equal([1, 3, 5], plan.Hours);
        Assert.Equal([1, 11, 21, 31], plan.DaysOfMonth);
        Assert.Equal([1, 2, 3], plan.Months);
        Assert.Equal([0, 1], plan.DaysOfWeek);
        Assert.True(plan.DayOfMonthRestricted);
        Assert.True(plan.DayOfWeekRestricted);
    }

    [Theory]
    [InlineData("59 23 31 12 7", "59", "23", "31", "12", "0")]
    [InlineData("0 0 1 1 0", "0", "0", "1", "1", "0")]
    [InlineData("1-1 */24 */31 */12 */8", "1", "0", "1", "1", "0")]
    [InlineData("*/60 1-2 30-31 11-12 6-7", "0", "1,2", "30,31", "11,12", "0,6")]
    [InlineData("58/1 22/1 31/5 12/1 sat/1", "58,59", "22,23", "31", "12", "0,6")]
    public void Each_field_takes_its_first_and_last_values_and_a_step_as_wide_as_its_range(string source, string minutes, string hours, string days, string months, string daysOfWeek)
    {
        var plan = Plan(source);

        Assert.Equal(minutes, string.Join(",", plan.Minutes));
        Assert.Equal(hours, string.Join(",", plan.Hours));
        Assert.Equal(days, string.Join(",", plan.DaysOfMonth));
        Assert.Equal(months, string.Join(",", plan.Months));
        Assert.Equal(daysOfWeek, string.Join(",", plan.DaysOfWeek));
    }

    [Fact]
    public void Stars_take_the_whole_range_of_each_field()
    {
        var plan = Plan("* * * * *");

        Assert.Equal(Enumerable.Range(0, 60), plan.Minutes);
        Assert.Equal(Enumerable.Range(0, 24), plan.Hours);
        Assert.Equal(Enumerable.Range(1, 31), plan.DaysOfMonth);
        Assert.Equal(Enumerable.Range(1, 12), plan.Months);
        Assert.Equal(Enumerable.Range(0, 7), plan.DaysOfWeek);
        Assert.False(plan.DayOfMonthRestricted);
        Assert.False(plan.DayOfWeekRestricted);
    }

    [Fact]
    public void The_sixth_field_is_seconds()
    {
        var plan = Plan("0 12 * * * 10-20/5");

        Assert.True(plan.HasSeconds);
        Assert.Equal([10, 15, 20], plan.Seconds);
        Assert.Equal([0], plan.Minutes);
        Assert.Equal([12], plan.Hours);
        Assert.Equal(Enumerable.Range(0, 60), Plan("* * * * * *").Seconds);
    }

    [Theory]
    [InlineData("* * * * 0,7", "0")]
    [InlineData("* * * * 7", "0")]
    [InlineData("* * * * 5-7", "0,5,6")]
    [InlineData("* * * * sun-sat", "0,1,2,3,4,5,6")]
    [InlineData("* * * * MON-Fri", "1,2,3,4,5")]
    [InlineData("* * * * */2", "0,2,4,6")]
    [InlineData("* * * * 3,3,1", "1,3")]
    public void Day_of_week_seven_is_sunday_and_values_are_distinct_and_sorted(string source, string days)
    {
        Assert.Equal(days, string.Join(",", Plan(source).DaysOfWeek));
    }

    [Theory]
    [InlineData("* * * * *", false, false)]
    [InlineData("* * 1 * *", true, false)]
    [InlineData("* * * * 1", false, true)]
    [InlineData("* * */1 * */1", true, true)]
    [InlineData("* * *,* * *,*", true, true)]
    [InlineData("* * 1-31 * 0-7", true, true)]
    public void A_day_field_is_restricted_unless_it_is_a_lone_star(string source, bool dayOfMonth, bool dayOfWeek)
    {
        var plan = Plan(source);

        Assert.Equal(dayOfMonth, plan.DayOfMonthRestricted);
        Assert.Equal(dayOfWeek, plan.DayOfWeekRestricted);
    }

    [Theory]
    [InlineData("@yearly", "0", "0", "1", "1", true, false)]
    [InlineData("@annually", "0", "0", "1", "1", true, false)]
    [InlineData("@monthly", "0", "0", "1", "1,2,3,4,5,6,7,8,9,10,11,12", true, false)]
    [InlineData("@weekly", "0", "0", "", "1,2,3,4,5,6,7,8,9,10,11,12", false, true)]
    [InlineData("@daily", "0", "0", "", "1,2,3,4,5,6,7,8,9,10,11,12", false, false)]
    [InlineData("@midnight", "0", "0", "", "1,2,3,4,5,6,7,8,9,10,11,12", false, false)]
    [InlineData("@hourly", "0", "", "", "1,2,3,4,5,6,7,8,9,10,11,12", false, false)]
    public void Macros_expand_as_croniter_expands_them(string macro, string minutes, string hours, string days, string months, bool dayOfMonth, bool dayOfWeek)
    {
        var plan = Plan(macro);

        Assert.Equal(macro, plan.Expression);
        Assert.False(plan.HasSeconds);
        Assert.Equal(minutes, string.Join(",", plan.Minutes));
        Assert.Equal(hours.Length == 0 ? string.Join(",", Enumerable.Range(0, 24)) : hours, string.Join(",", plan.Hours));
        Assert.Equal(days.Length == 0 ? string.Join(",", Enumerable.Range(1, 31)) : days, string.Join(",", plan.DaysOfMonth));
        Assert.Equal(months, string.Join(",", plan.Months));
        Assert.Equal(dayOfMonth, plan.DayOfMonthRestricted);
        Assert.Equal(dayOfWeek, plan.DayOfWeekRestricted);
        Assert.Equal(macro == "@weekly" ? "0" : "0,1,2,3,4,5,6", string.Join(",", plan.DaysOfWeek));
    }

    [Fact]
    public void Macros_ignore_case_and_surrounding_blanks_and_keep_the_source_as_written()
    {
        Assert.Equal([0], Plan("@DAILY").Hours);
        var plan = Plan("  @Hourly \t");
        Assert.Equal("  @Hourly \t", plan.Expression);
        Assert.Equal([0], plan.Minutes);
        Assert.Equal(24, plan.Hours.Count);
    }

    [Fact]
    public void Blanks_separate_fields_and_may_lead_and_trail()
    {
        var plan = Plan("  0\t9 \t * *  1  ");

        Assert.Equal([0], plan.Minutes);
        Assert.Equal([9], plan.Hours);
        Assert.Equal([1], plan.DaysOfWeek);
    }

    [Theory]
    [InlineData("@reboot", "UnknownMacro 0+7: @reboot | @annually, @daily, @hourly, @midnight, @monthly, @weekly, @yearly")]
    [InlineData("  @often ", "UnknownMacro 2+6: @often | @annually, @daily, @hourly, @midnight, @monthly, @weekly, @yearly")]
    [InlineData("@", "UnknownMacro 0+1: @ | @annually, @daily, @hourly, @midnight, @monthly, @weekly, @yearly")]
    [InlineData("", "Syntax 0+0: expected '*' or number or name, found end of input")]
    [InlineData("   ", "Syntax 3+0: expected '*' or number or name, found end of input")]
    [InlineData("* * * * 1-", "Syntax 10+0: expected number or name, found end of input")]
    [InlineData("1,,2 * * * *", "Syntax 2+1: expected '*' or number or name, found ','")]
    [InlineData("* * * * 1;", "Syntax 9+1: expected end of input, found ';'")]
    [InlineData("*", "FieldCount 0+1: 1")]
    [InlineData("  * * * *", "FieldCount 0+9: 4")]
    [InlineData("* * * * * * *", "FieldCount 0+13: 7")]
    [InlineData("60 * * * *", "ValueOutOfRange 0+2: 60 | minute | 0 | 59")]
    [InlineData("* 24 * * *", "ValueOutOfRange 2+2: 24 | hour | 0 | 23")]
    [InlineData("* * 0 * *", "ValueOutOfRange 4+1: 0 | day of month | 1 | 31")]
    [InlineData("* * * 13 *", "ValueOutOfRange 6+2: 13 | month | 1 | 12")]
    [InlineData("* * * * 8", "ValueOutOfRange 8+1: 8 | day of week | 0 | 7")]
    [InlineData("* * * * * 60", "ValueOutOfRange 10+2: 60 | second | 0 | 59")]
    [InlineData("*/61 * * * *", "ValueOutOfRange 2+2: 61 | step of minute | 1 | 60")]
    [InlineData("* */25 * * *", "ValueOutOfRange 4+2: 25 | step of hour | 1 | 24")]
    [InlineData("* * */32 * *", "ValueOutOfRange 6+2: 32 | step of day of month | 1 | 31")]
    [InlineData("* * * */13 *", "ValueOutOfRange 8+2: 13 | step of month | 1 | 12")]
    [InlineData("* * * * */9", "ValueOutOfRange 10+1: 9 | step of day of week | 1 | 8")]
    [InlineData("*/0 * * * *", "ValueOutOfRange 2+1: 0 | step of minute | 1 | 60")]
    [InlineData("*/x * * * *", "ValueOutOfRange 2+1: x | step of minute | 1 | 60")]
    [InlineData("99999999999 * * * *", "InvalidValue 0+11: 99999999999 | minute | a number 0-59")]
    [InlineData("jan * * * *", "InvalidValue 0+3: jan | minute | a number 0-59")]
    [InlineData("* * * sun *", "InvalidValue 6+3: sun | month | a number 1-12 or jan/feb/mar/apr/may/jun/jul/aug/sep/oct/nov/dec")]
    [InlineData("* * * * jan", "InvalidValue 8+3: jan | day of week | a number 0-7 or sun/mon/tue/wed/thu/fri/sat")]
    [InlineData("* * * * * mon", "InvalidValue 10+3: mon | second | a number 0-59")]
    [InlineData("5-1 * * * *", "EmptyRange 0+3: 5 | 1")]
    [InlineData("1,5-1/2 * * * *", "EmptyRange 2+5: 5 | 1")]
    [InlineData("* * * dec-jan *", "EmptyRange 6+7: 12 | 1")]
    // A range with a bad end is that one error: it is not also empty (the bad end reads as no value, not as 0).
    [InlineData("50-abc * * * *", "InvalidValue 3+3: abc | minute | a number 0-59")]
    [InlineData("* * * * fri-mo", "InvalidValue 12+2: mo | day of week | a number 0-7 or sun/mon/tue/wed/thu/fri/sat")]
    public void Each_error_has_its_kind_span_and_arguments(string source, string error)
    {
        Assert.Equal([error], Errors(source));
    }

    [Fact]
    public void Every_error_of_every_field_is_reported_in_order()
    {
        Assert.Equal(
            [
                "ValueOutOfRange 0+2: 60 | minute | 0 | 59",
                "ValueOutOfRange 3+2: 24 | hour | 0 | 23",
                "ValueOutOfRange 6+1: 0 | day of month | 1 | 31",
                "InvalidValue 8+3: xyz | month | a number 1-12 or jan/feb/mar/apr/may/jun/jul/aug/sep/oct/nov/dec",
                "EmptyRange 12+3: 6 | 2",
                "ValueOutOfRange 16+2: 99 | second | 0 | 59",
            ],
            Errors("60 24 0 xyz 6-2 99"));
        // Both ends of a range and a bad step are each reported; a range with a bad part is not also called empty.
        Assert.Equal(
            [
                "ValueOutOfRange 0+2: 70 | minute | 0 | 59",
                "ValueOutOfRange 3+2: 80 | minute | 0 | 59",
                "ValueOutOfRange 6+1: 0 | step of minute | 1 | 60",
            ],
            Errors("70-80/0 * * * *"));
        Assert.Equal(["ValueOutOfRange 2+2: 70 | minute | 0 | 59"], Errors("9-70 * * * *"));
        Assert.Equal(["ValueOutOfRange 0+2: 70 | minute | 0 | 59"], Errors("70/5 * * * *"));
    }

    [Fact]
    public void A_null_schedule_is_an_argument_error()
    {
        Assert.Throws<ArgumentNullException>(() => CronScheduleParser.Parse(null!, out _));
    }
}
