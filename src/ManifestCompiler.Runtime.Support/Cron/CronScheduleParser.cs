using System.Globalization;
using ManifestCompiler.Runtime.Support.Parsing;
using ManifestCompiler.Runtime.Support.Plans;
using Pidgin;
using static Pidgin.Parser;
using static Pidgin.Parser<char>;

namespace ManifestCompiler.Runtime.Support.Cron;

public enum CronField
{
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
    Second,
}

/// <summary>What is wrong with a cron schedule, where (offset and length in the source), and the message arguments.</summary>
public enum CronErrorKind
{
    Syntax,
    FieldCount,
    ValueOutOfRange,
    InvalidValue,
    EmptyRange,
    UnknownMacro,
}

public sealed record CronError(CronErrorKind Kind, int Start, int Length, object[] Arguments);

/// <summary>One field as written: its items, each a value, range or star with an optional step.</summary>
internal sealed record CronFieldSyntax(IReadOnlyList<CronItemSyntax> Items, int Start, int End);

internal sealed record CronItemSyntax(CronValueSyntax? From, CronValueSyntax? To, CronValueSyntax? Step, int Start, int End)
{
    public bool IsStar => From is null;
}

internal sealed record CronValueSyntax(string Text, int Start, int End);

/// <summary>
/// Cron schedules (grammar: grammars/cron.ebnf): five fields <c>minute hour day-of-month month day-of-week</c>, or
/// six with <b>seconds last</b>, as croniter (the ChiefOnboarding engine's parser) reads them, or a macro such as
/// <c>@daily</c>. Each field is expanded to the sorted set of values it allows; day-of-week 7 is folded into 0
/// (Sunday). One grammar for the compiler (which reports the errors as diagnostics with spans) and for hosts that
/// schedule at run time (<c>create_cron_job</c>).
/// </summary>
public static class CronScheduleParser
{
    private static readonly IReadOnlyDictionary<string, string> Macros = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    private static readonly string[] MonthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private static readonly Parser<char, CronValueSyntax> Value =
        Map((start, text, end) => new CronValueSyntax(text, start, end), CurrentOffset, Token(c => char.IsAsciiLetterOrDigit(c)).AtLeastOnceString(), CurrentOffset)
            .Labelled("number or name");

    private static readonly Parser<char, CronItemSyntax> Item =
        Map(
            (start, item, end) => new CronItemSyntax(item.From, item.To, item.Step, start, end),
            CurrentOffset,
            Map(
                (range, step) => (range.From, range.To, Step: step.HasValue ? step.Value : null),
                Char('*').ThenReturn((From: (CronValueSyntax?)null, To: (CronValueSyntax?)null))
                    .Or(Map((from, to) => (From: (CronValueSyntax?)from, To: to.HasValue ? to.Value : null), Value, Char('-').Then(Value).Optional())),
                Char('/').Then(Value).Optional()),
            CurrentOffset);

    private static readonly Parser<char, CronFieldSyntax> Field =
        Map((start, items, end) => new CronFieldSyntax([.. items], start, end), CurrentOffset, Item.SeparatedAtLeastOnce(Char(',')), CurrentOffset);

    private static readonly Parser<char, List<CronFieldSyntax>> Fields =
        SkipWhitespaces.Then(Field.SeparatedAndOptionallyTerminatedAtLeastOnce(Token(c => c is ' ' or '\t').SkipAtLeastOnce()))
            .Before(End)
            .Select(fields => fields.ToList());

    /// <summary>The expanded schedule, or null with the errors (every error of every field, not just the first).</summary>
    public static CronSchedulePlan? Parse(string source, out IReadOnlyList<CronError> errors)
    {
        ArgumentNullException.ThrowIfNull(source);
        var found = new List<CronError>();
        errors = found;
        var text = source;
        var isMacro = false;
        if (source.Trim() is { Length: > 0 } trimmed && trimmed[0] == '@')
        {
            if (!Macros.TryGetValue(trimmed, out var expansion))
            {
                found.Add(new CronError(CronErrorKind.UnknownMacro, source.IndexOf('@', StringComparison.Ordinal), trimmed.Length, [trimmed, string.Join(", ", Macros.Keys.Order(StringComparer.Ordinal))]));
                return null;
            }
            text = expansion;
            isMacro = true;
        }
        var parsed = Fields.Parse(text);
        if (!parsed.Success)
        {
            var offset = Math.Min(parsed.Error!.ErrorOffset, source.Length);
            found.Add(new CronError(CronErrorKind.Syntax, offset, offset < source.Length ? 1 : 0, [ParseErrors.Describe(parsed.Error)]));
            return null;
        }
        var fields = parsed.Value;
        if (fields.Count is not (5 or 6))
        {
            found.Add(new CronError(CronErrorKind.FieldCount, 0, source.Length, [fields.Count]));
            return null;
        }
        // A macro's expansion is known good; its offsets would not point into the source anyway.
        var sets = new List<int>[6];
        var sink = isMacro ? null : found;
        for (var i = 0; i < fields.Count; i++)
        {
            sets[i] = Expand(fields[i], (CronField)i, sink);
        }
        if (found.Count > 0)
        {
            return null;
        }
        var hasSeconds = fields.Count == 6;
        return new CronSchedulePlan
        {
            Expression = source,
            HasSeconds = hasSeconds,
            Seconds = hasSeconds ? sets[5] : [0],
            Minutes = sets[0],
            Hours = sets[1],
            DaysOfMonth = sets[2],
            Months = sets[3],
            DaysOfWeek = [.. sets[4].Select(d => d % 7).Distinct().Order()],
            DayOfMonthRestricted = !IsStar(fields[2]),
            DayOfWeekRestricted = !IsStar(fields[4]),
        };
    }

    private static bool IsStar(CronFieldSyntax field) => field.Items.Count == 1 && field.Items[0] is { IsStar: true, Step: null };

    private static (int Min, int Max, string Name) Range(CronField field) => field switch
    {
        CronField.Second => (0, 59, "second"),
        CronField.Minute => (0, 59, "minute"),
        CronField.Hour => (0, 23, "hour"),
        CronField.DayOfMonth => (1, 31, "day of month"),
        CronField.Month => (1, 12, "month"),
        _ => (0, 7, "day of week"),
    };

    private static List<int> Expand(CronFieldSyntax field, CronField kind, List<CronError>? diagnostics)
    {
        var (min, max, name) = Range(kind);
        var values = new SortedSet<int>();
        foreach (var item in field.Items)
        {
            int from = min, to = max, step = 1;
            var ok = true;
            if (item.From is { } fromValue)
            {
                ok &= TryValue(fromValue, kind, min, max, name, diagnostics, out from);
                to = from;
                if (item.To is { } toValue)
                {
                    ok &= TryValue(toValue, kind, min, max, name, diagnostics, out to);
                }
                else if (item.Step is not null)
                {
                    // "5/15" means from 5 to the end of the range in steps of 15 (croniter and Vixie cron agree).
                    to = max;
                }
            }
            if (item.Step is { } stepValue)
            {
                if (!int.TryParse(stepValue.Text, NumberStyles.None, CultureInfo.InvariantCulture, out step) || step == 0 || step > max - min + 1)
                {
                    diagnostics?.Add(new CronError(CronErrorKind.ValueOutOfRange, stepValue.Start, stepValue.End - stepValue.Start, [stepValue.Text, "step of " + name, 1, max - min + 1]));
                    ok = false;
                }
            }
            if (!ok)
            {
                continue;
            }
            if (from > to)
            {
                diagnostics?.Add(new CronError(CronErrorKind.EmptyRange, item.Start, item.End - item.Start, [from, to]));
                continue;
            }
            for (var v = from; v <= to; v += step)
            {
                values.Add(v);
            }
        }
        return [.. values];
    }

    private static bool TryValue(CronValueSyntax value, CronField kind, int min, int max, string name, List<CronError>? diagnostics, out int result)
    {
        if (int.TryParse(value.Text, NumberStyles.None, CultureInfo.InvariantCulture, out result))
        {
            if (result >= min && result <= max)
            {
                return true;
            }
            diagnostics?.Add(new CronError(CronErrorKind.ValueOutOfRange, value.Start, value.End - value.Start, [value.Text, name, min, max]));
            return false;
        }
        var names = kind switch { CronField.Month => MonthNames, CronField.DayOfWeek => DayNames, _ => null };
        var index = names is null ? -1 : Array.FindIndex(names, n => string.Equals(n, value.Text, StringComparison.OrdinalIgnoreCase));
        if (index >= 0)
        {
            result = kind == CronField.Month ? index + 1 : index;
            return true;
        }
        diagnostics?.Add(new CronError(CronErrorKind.InvalidValue, value.Start, value.End - value.Start, [value.Text, name, names is null ? $"a number {min}-{max}" : $"a number {min}-{max} or {string.Join("/", names)}"]));
        return false;
    }
}
