using System.Collections.Immutable;
using System.Globalization;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.Parsing;
using ManifestCompiler.Syntax.Text;
using Pidgin;
using static Pidgin.Parser;
using static Pidgin.Parser<char>;

namespace ManifestCompiler.Syntax.Cron;

public enum CronField
{
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
    Second,
}

/// <summary>
/// A cron schedule (grammar: grammars/cron.ebnf): five fields <c>minute hour day-of-month month day-of-week</c>,
/// or six with <b>seconds last</b>, as croniter (the ChiefOnboarding engine's parser) reads them, or a macro such as
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
    public static ParseResult<CronExpression> Parse(string source) => CronParser.Parse(source);
}

/// <summary>One field as written: its items, each a value, range or star with an optional step.</summary>
internal sealed record CronFieldSyntax(ImmutableArray<CronItemSyntax> Items, SourceSpan Span);

internal sealed record CronItemSyntax(CronValueSyntax? From, CronValueSyntax? To, CronValueSyntax? Step, SourceSpan Span)
{
    public bool IsStar => From is null;
}

internal sealed record CronValueSyntax(string Text, SourceSpan Span);

internal static class CronParser
{
    private static readonly ImmutableDictionary<string, string> Macros = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    }.ToImmutableDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly string[] MonthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private static readonly Parser<char, CronValueSyntax> Value =
        CommonParsers.WithSpan(Token(c => char.IsAsciiLetterOrDigit(c)).AtLeastOnceString(), (text, span) => new CronValueSyntax(text, span))
            .Labelled("number or name");

    private static readonly Parser<char, CronItemSyntax> Item =
        CommonParsers.WithSpan(
            Map(
                (range, step) => (range.From, range.To, Step: step.HasValue ? step.Value : null),
                Char('*').ThenReturn((From: (CronValueSyntax?)null, To: (CronValueSyntax?)null))
                    .Or(Map((from, to) => (From: (CronValueSyntax?)from, To: to.HasValue ? to.Value : null), Value, Char('-').Then(Value).Optional())),
                Char('/').Then(Value).Optional()),
            (item, span) => new CronItemSyntax(item.From, item.To, item.Step, span));

    private static readonly Parser<char, CronFieldSyntax> Field =
        CommonParsers.WithSpan(Item.SeparatedAtLeastOnce(Char(',')), (items, span) => new CronFieldSyntax(items.ToImmutableArray(), span));

    private static readonly Parser<char, ImmutableArray<CronFieldSyntax>> Fields =
        SkipWhitespaces.Then(Field.SeparatedAndOptionallyTerminatedAtLeastOnce(Token(c => c is ' ' or '\t').SkipAtLeastOnce()))
            .Before(End)
            .Select(fields => fields.ToImmutableArray());

    public static ParseResult<CronExpression> Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var text = source;
        var isMacro = false;
        if (source.Trim() is { Length: > 0 } trimmed && trimmed[0] == '@')
        {
            if (!Macros.TryGetValue(trimmed, out var expansion))
            {
                return Fail(SyntaxDiagnostics.CronUnknownMacro.Create(new SourceSpan(source.IndexOf('@', StringComparison.Ordinal), trimmed.Length), trimmed, string.Join(", ", Macros.Keys.Order(StringComparer.Ordinal))));
            }
            text = expansion;
            isMacro = true;
        }
        var parsed = Fields.Parse(text);
        if (!parsed.Success)
        {
            var offset = Math.Min(parsed.Error!.ErrorOffset, source.Length);
            return Fail(SyntaxDiagnostics.CronSyntax.Create(new SourceSpan(offset, offset < source.Length ? 1 : 0), ParseErrors.Describe(parsed.Error)));
        }
        var fields = parsed.Value;
        if (fields.Length is not (5 or 6))
        {
            return Fail(SyntaxDiagnostics.CronFieldCount.Create(new SourceSpan(0, source.Length), fields.Length));
        }
        var diagnostics = ImmutableArray.CreateBuilder<Diagnostic>();
        // A macro's expansion is known good; its spans would not point into the source anyway.
        var sets = new ImmutableArray<int>[6];
        for (var i = 0; i < fields.Length; i++)
        {
            sets[i] = Expand(fields[i], (CronField)i, isMacro ? null : diagnostics);
        }
        if (diagnostics.Count > 0)
        {
            return new ParseResult<CronExpression>(null, diagnostics.ToImmutable());
        }
        var hasSeconds = fields.Length == 6;
        var expression = new CronExpression(
            source,
            hasSeconds,
            hasSeconds ? sets[5] : [0],
            sets[0],
            sets[1],
            sets[2],
            sets[3],
            sets[4].Select(d => d % 7).Distinct().Order().ToImmutableArray(),
            DayOfMonthRestricted: !IsStar(fields[2]),
            DayOfWeekRestricted: !IsStar(fields[4]));
        return new ParseResult<CronExpression>(expression, []);
    }

    private static bool IsStar(CronFieldSyntax field) => field.Items.Length == 1 && field.Items[0] is { IsStar: true, Step: null };

    private static ParseResult<CronExpression> Fail(Diagnostic diagnostic) => new(null, [diagnostic]);

    private static (int Min, int Max, string Name) Range(CronField field) => field switch
    {
        CronField.Second => (0, 59, "second"),
        CronField.Minute => (0, 59, "minute"),
        CronField.Hour => (0, 23, "hour"),
        CronField.DayOfMonth => (1, 31, "day of month"),
        CronField.Month => (1, 12, "month"),
        _ => (0, 7, "day of week"),
    };

    private static ImmutableArray<int> Expand(CronFieldSyntax field, CronField kind, ImmutableArray<Diagnostic>.Builder? diagnostics)
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
                    diagnostics?.Add(SyntaxDiagnostics.CronValueOutOfRange.Create(stepValue.Span, stepValue.Text, "step of " + name, 1, max - min + 1));
                    ok = false;
                }
            }
            if (!ok)
            {
                continue;
            }
            if (from > to)
            {
                diagnostics?.Add(SyntaxDiagnostics.CronEmptyRange.Create(item.Span, from, to));
                continue;
            }
            for (var v = from; v <= to; v += step)
            {
                values.Add(v);
            }
        }
        return [.. values];
    }

    private static bool TryValue(CronValueSyntax value, CronField kind, int min, int max, string name, ImmutableArray<Diagnostic>.Builder? diagnostics, out int result)
    {
        if (int.TryParse(value.Text, NumberStyles.None, CultureInfo.InvariantCulture, out result))
        {
            if (result >= min && result <= max)
            {
                return true;
            }
            diagnostics?.Add(SyntaxDiagnostics.CronValueOutOfRange.Create(value.Span, value.Text, name, min, max));
            return false;
        }
        var names = kind switch { CronField.Month => MonthNames, CronField.DayOfWeek => DayNames, _ => null };
        var index = names is null ? -1 : Array.FindIndex(names, n => string.Equals(n, value.Text, StringComparison.OrdinalIgnoreCase));
        if (index >= 0)
        {
            result = kind == CronField.Month ? index + 1 : index;
            return true;
        }
        diagnostics?.Add(SyntaxDiagnostics.CronInvalidValue.Create(value.Span, value.Text, name, names is null ? $"a number {min}-{max}" : $"a number {min}-{max} or {string.Join("/", names)}"));
        return false;
    }
}
