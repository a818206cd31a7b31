using System.Collections.Immutable;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.IR;
using ManifestCompiler.Json;
using ManifestCompiler.Syntax.Cron;
using CronSchedulePlan = ManifestCompiler.Runtime.Support.Plans.CronSchedulePlan;
using PaginationMode = ManifestCompiler.Runtime.Support.Plans.PaginationMode;
using SyncAction = ManifestCompiler.Runtime.Support.Plans.SyncAction;

namespace ManifestCompiler.Binding.ChiefOnboarding;

/// <summary>
/// Binds what only a sync-users manifest holds: the action, where the users are in the response (data_from,
/// data_structure), the schedule and the pagination (docs/chiefonboarding-semantics.md, "Execute, exists and user sync").
/// </summary>
internal sealed class ChiefOnboardingSyncUsersBinder(FileBinder file, JsonCursor root, ChiefOnboardingScopes scopes)
{
    public SyncUsersIR? Bind()
    {
        var actionAt = root.Member("action");
        SyncAction? action = null;
        if (file.String(actionAt) is { } actionText)
        {
            switch (actionText.Value)
            {
                case "create":
                    action = SyncAction.Create;
                    break;
                case "update":
                    action = SyncAction.Update;
                    break;
                case "sync":
                    file.Report(ManifestDiagnostics.SyncActionSync, actionAt);
                    action = SyncAction.Create;
                    break;
                default:
                    file.Report(ManifestDiagnostics.InvalidChoice, actionAt, actionText.Value, "sync action", "create or update");
                    break;
            }
        }

        var dataFrom = new DotPathIR("", EquatableArray<string>.Empty);
        var dataFromAt = root.Member("data_from");
        if (file.String(dataFromAt, acceptNumbers: true) is { } dataFromText)
        {
            if (dataFromText.Value.Length == 0)
            {
                file.Report(ManifestDiagnostics.BlankDataFrom, dataFromAt);
            }
            dataFrom = file.DotPathOf(dataFromText, dataFromAt.Path);
        }

        var structure = ImmutableArray.CreateBuilder<DataStructureEntryIR>();
        var structureAt = root.Member("data_structure");
        if (file.Object(structureAt) is not null)
        {
            foreach (var entry in structureAt.Members())
            {
                if (file.String(entry, allowBlank: false, acceptNumbers: true) is { } notation)
                {
                    structure.Add(new DataStructureEntryIR(entry.Key, file.DotPathOf(notation, entry.Path)));
                }
                if (action == SyncAction.Create && entry.Key is not ("email" or "first_name" or "last_name"))
                {
                    file.ReportAtKey(ManifestDiagnostics.CreateFieldIgnored, entry, entry.Key);
                }
            }
            var emailAt = structureAt.Member("email");
            if (action == SyncAction.Update && !emailAt.Exists)
            {
                file.ReportAtOwner(ManifestDiagnostics.UpdateWithoutEmail, emailAt);
            }
        }

        CronSchedulePlan? schedule = null;
        var scheduleAt = root.Member("schedule");
        if (scheduleAt.HasValue)
        {
            schedule = BindSchedule(scheduleAt);
        }
        else if (action == SyncAction.Update && actionAt.Value is JsonStringSyntax updateText)
        {
            // Reported at the action that needs the schedule, with the schedule's path.
            file.Report(ManifestDiagnostics.UpdateWithoutSchedule, updateText.Span, scheduleAt.Path);
        }

        var pagination = BindPagination();
        return action is null ? null : new SyncUsersIR(action.Value, dataFrom, structure.ToEquatableArray(), schedule, pagination);
    }

    private CronSchedulePlan? BindSchedule(JsonCursor at)
    {
        if (file.String(at) is not { } text)
        {
            return null;
        }
        var parsed = CronParser.Parse(text.Value);
        file.ReportEmbedded(parsed.Diagnostics, text, at.Path);
        if (parsed.Value is not { } cron)
        {
            return null;
        }
        if (cron.HasSeconds)
        {
            file.Report(ManifestDiagnostics.SixFieldSchedule, at, text.Value, DescribeSixFields(cron));
        }
        return cron;
    }

    private static string DescribeSixFields(CronSchedulePlan cron) =>
        cron.Seconds.Count == 60 ? "every second of each minute it matches" : $"at second(s) {string.Join(",", cron.Seconds)} of each minute it matches";

    private PaginationIR BindPagination()
    {
        var amount = 5;
        var amountAt = root.Member("amount_pages_to_fetch");
        if (amountAt.Exists && file.Int(amountAt, 1, 1000, acceptStrings: true) is { } value)
        {
            amount = value;
            if (value > 10)
            {
                file.Report(ManifestDiagnostics.ManyPages, amountAt, value);
            }
        }
        var nextPageFromAt = root.Member("next_page_from");
        var tokenFromAt = root.Member("next_page_token_from");
        var nextPageAt = root.Member("next_page");
        var nextPageFrom = file.OptionalDotPathOrNull(nextPageFromAt);
        var tokenFrom = file.OptionalDotPathOrNull(tokenFromAt);
        TemplateIR? nextPage = null;
        if (nextPageAt.Exists && file.String(nextPageAt) is { } nextPageText)
        {
            nextPage = TemplateBinder.Bind(file, nextPageText, nextPageAt.Path, scopes.NextPage);
        }
        if (nextPageFrom is not null)
        {
            return new PaginationIR(PaginationMode.NextPageUrl, nextPageFrom, null, null, amount);
        }
        if (nextPageAt.Exists && !tokenFromAt.Exists)
        {
            file.Report(ManifestDiagnostics.PaginationIncomplete, nextPageAt.NameSpan, tokenFromAt.Path, nextPageAt.Key, tokenFromAt.Key);
        }
        else if (tokenFromAt.Exists && !nextPageAt.Exists)
        {
            file.Report(ManifestDiagnostics.PaginationIncomplete, tokenFromAt.NameSpan, nextPageAt.Path, tokenFromAt.Key, nextPageAt.Key);
        }
        if (tokenFrom is not null && nextPage is not null)
        {
            return new PaginationIR(PaginationMode.NextPageToken, null, tokenFrom, nextPage, amount);
        }
        return new PaginationIR(PaginationMode.None, null, null, null, amount);
    }
}
