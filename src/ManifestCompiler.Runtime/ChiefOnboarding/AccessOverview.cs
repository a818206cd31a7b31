using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime.ChiefOnboarding;

/// <summary>
/// The <c>access_overview</c> new-hire variable (docs/chiefonboarding-semantics.md, "access_overview"): what
/// <c>exists</c> says of the new hire on every integration of the company that has one, as
/// <c>"Asana (has access), Google (no access), Teams (unknown)"</c>. Like the reference engine's lazy string it costs
/// nothing unless a template of the action names it; then it is worked out once per run.
/// </summary>
internal static class AccessOverview
{
    public const string Variable = "access_overview";

    /// <summary>Whether a template <paramref name="action"/> renders names the variable.</summary>
    public static bool UsedBy(ChiefOnboardingPlan plan, string action)
    {
        IEnumerable<RequestPlan> requests = action switch
        {
            ChiefOnboardingEngine.ExecuteAction => plan.Execute,
            ChiefOnboardingEngine.ExistsAction => plan.Exists is { } exists ? [exists] : [],
            ChiefOnboardingEngine.RevokeAction => plan.Revoke,
            _ => [],
        };
        var notifications = action == ChiefOnboardingEngine.ExecuteAction ? plan.PostExecuteNotifications : [];
        return requests.Any(r => Names(r.Url) || Names(r.Expected) || Names(r.ContinueIf?.Value)
                   || (r.Data is { } data && data.Variables.Contains(Variable, StringComparer.Ordinal))
                   || plan.HeadersFor(r).Any(h => Names(h.Name) || Names(h.Value)))
            || notifications.Any(n => Names(n.To) || Names(n.Subject) || Names(n.Message));
    }

    private static bool Names(TemplatePlan? template) => template is not null && template.Variables.Contains(Variable, StringComparer.Ordinal);

    /// <summary>The rendered text: each integration's name and what its <c>exists</c> answered, in the order given.</summary>
    public static string Render(IEnumerable<(string Name, bool? HasAccess)> answers) =>
        string.Join(", ", answers.Select(a => $"{a.Name} ({a.HasAccess switch { true => "has access", false => "no access", null => "unknown" }})"));
}
