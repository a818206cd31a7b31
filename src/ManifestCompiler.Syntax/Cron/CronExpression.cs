using System.Collections.Immutable;
using ManifestCompiler.Runtime.Support.Cron;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.Parsing;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Syntax.Cron;

/// <summary>
/// A cron schedule (grammar: grammars/cron.ebnf; the parser is <see cref="CronScheduleParser"/> in Runtime.Support,
/// shared with hosts that schedule at run time): five fields <c>minute hour day-of-month month day-of-week</c>, or six
/// with <b>seconds last</b>, as croniter (the ChiefOnboarding engine's parser) reads them, or a macro such as
/// <c>@daily</c>. Each field is expanded to the sorted set of values it allows; day-of-week 7 is folded into 0 (Sunday).
/// </summary>
public sealed record CronExpression(
    string Source,
    bool HasSeconds,
    ImmutableArray<int> Seconds,
    ImmutableArray<int> Minutes,
    ImmutableArray<int> Hours,
    ImmutableArray<int> DaysOfMonth,
    ImmutableArray<int> Months,
    ImmutableArray<int> DaysOfWeek,
    bool DayOfMonthRestricted,
    bool DayOfWeekRestricted)
{
    public static ParseResult<CronExpression> Parse(string source)
    {
        if (CronScheduleParser.Parse(source, out var errors) is { } plan)
        {
            return new ParseResult<CronExpression>(
                new CronExpression(plan.Expression, plan.HasSeconds, [.. plan.Seconds], [.. plan.Minutes], [.. plan.Hours], [.. plan.DaysOfMonth], [.. plan.Months], [.. plan.DaysOfWeek], plan.DayOfMonthRestricted, plan.DayOfWeekRestricted),
                []);
        }
        return new ParseResult<CronExpression>(null, [.. errors.Select(Diagnose)]);
    }

    private static Diagnostic Diagnose(CronError error)
    {
        var descriptor = error.Kind switch
        {
            CronErrorKind.Syntax => SyntaxDiagnostics.CronSyntax,
            CronErrorKind.FieldCount => SyntaxDiagnostics.CronFieldCount,
            CronErrorKind.ValueOutOfRange => SyntaxDiagnostics.CronValueOutOfRange,
            CronErrorKind.InvalidValue => SyntaxDiagnostics.CronInvalidValue,
            CronErrorKind.EmptyRange => SyntaxDiagnostics.CronEmptyRange,
            _ => SyntaxDiagnostics.CronUnknownMacro,
        };
        return descriptor.Create(new SourceSpan(error.Start, error.Length), error.Arguments);
    }
}
