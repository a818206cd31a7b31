using ManifestCompiler.Runtime.Support.Cron;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.Parsing;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Syntax.Cron;

/// <summary>
/// Cron schedules with located diagnostics (grammar: grammars/cron.ebnf). The parser is
/// <see cref="CronScheduleParser"/> in Runtime.Support, shared with hosts that schedule at run time, and the schedule
/// is its <see cref="CronSchedulePlan"/>, the one shape the binder, the IR, the generated plans and the runtime use; this
/// adds only the mapping of its errors to diagnostics.
/// </summary>
public static class CronParser
{
    public static ParseResult<CronSchedulePlan> Parse(string source) =>
        CronScheduleParser.Parse(source, out var errors) is { } schedule
            ? new ParseResult<CronSchedulePlan>(schedule, [])
            : new ParseResult<CronSchedulePlan>(null, [.. errors.Select(Diagnose)]);

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
