using ManifestCompiler.Syntax.Cron;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Syntax.Tests.Cron;

public class CronExpressionTests
{
    [Fact]
    public void Five_fields_expand_to_their_values()
    {
        var cron = CronParser.Parse("*/15 9-17 * jan,JUL mon-fri").Value!;

        Assert.False(cron.HasSeconds);
        Assert.Equal(new[] { 0, 15, 30, 45 }, cron.Minutes.ToArray());
        Assert.Equal(9, cron.Hours.Count);
        Assert.Equal(new[] { 1, 7 }, cron.Months.ToArray());
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, cron.DaysOfWeek.ToArray());
        Assert.False(cron.DayOfMonthRestricted);
        Assert.True(cron.DayOfWeekRestricted);
    }

    [Fact]
    public void Six_fields_put_seconds_last_as_croniter_does_and_seven_is_sunday()
    {
        var cron = CronParser.Parse("* 1 * * 7 30").Value!;

        Assert.True(cron.HasSeconds);
        Assert.Equal(new[] { 30 }, cron.Seconds.ToArray());
        Assert.Equal(new[] { 1 }, cron.Hours.ToArray());
        Assert.Equal(new[] { 0 }, cron.DaysOfWeek.ToArray());
    }

    [Theory]
    [InlineData("@daily", 0, 0)]
    [InlineData("@HOURLY", 0, -1)]
    public void Macros_expand(string text, int minute, int hour)
    {
        var cron = CronParser.Parse(text).Value!;

        Assert.Equal(new[] { minute }, cron.Minutes.ToArray());
        Assert.Equal(hour < 0 ? 24 : 1, cron.Hours.Count);
    }

    [Theory]
    [InlineData("", "MC5001")]
    [InlineData("* * * *", "MC5002")]
    [InlineData("60 * * * *", "MC5003")]
    [InlineData("* * * foo *", "MC5004")]
    [InlineData("* 5-1 * * *", "MC5005")]
    [InlineData("*/0 * * * *", "MC5003")]
    [InlineData("@often", "MC5006")]
    [InlineData("* * * * * * *", "MC5002")]
    public void Invalid_schedules_are_located_diagnostics(string text, string id)
    {
        var result = CronParser.Parse(text);

        Assert.Null(result.Value);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.InRange(diagnostic.Span.End, 0, text.Length);
    }

    [Theory]
    [InlineData("sync-contact-v1", "sync-contacts-v1")]
    [InlineData("SYNC-CONTACTS-V1", "sync-contacts-v1")]
    [InlineData("completely-different", null)]
    public void Suggestions_find_plausible_typos_only(string name, string? expected)
    {
        Assert.Equal(expected, Suggestions.Closest(name, ["sync-contacts-v1", "delete-integrations-v1"]));
    }

    [Fact]
    public void Module_scanner_marks_statement_starts_and_skips_strings_and_comments()
    {
        var tokens = PythonModuleScanner.Tokenize("x = 'import os'  # import sys\nif x: import json\ns = \"\"\"\nimport re\n\"\"\"\nsend_to_trigger(\"a-v1\", {})\n");

        var imports = tokens.Where(t => t.Text == "import").ToList();
        var import = Assert.Single(imports);
        Assert.True(import.AtLineStart);
        var literal = tokens.Single(t => t.Kind == PyTokenKind.String && t.Value == "a-v1");
        Assert.Equal("\"a-v1\"", literal.Text);
    }
}
