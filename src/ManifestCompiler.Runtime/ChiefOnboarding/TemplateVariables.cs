using ManifestCompiler.Runtime.Support.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime.ChiefOnboarding;

/// <summary>
/// What a run's templates see: the new hire's fields, the instance's stored values, the secrets <c>generate</c> made
/// for this run, the run's own values, the responses so far and the instance's <c>redirect_url</c>.
/// </summary>
internal sealed class TemplateVariables(RunContext run)
{
    /// <summary>The answers of this run's <c>execute</c> requests so far (<c>responses.N</c>).</summary>
    public JsonArray Responses { get; } = [];

    /// <summary>The new hire's <c>access_overview</c> once worked out for this run (<see cref="RunContext.PrepareAccessOverviewAsync"/>).</summary>
    public string? AccessOverview { get; set; }

    /// <summary>The <c>generate</c> items' secrets, made once per run.</summary>
    public JsonObject Generated { get; } = [];

    /// <summary>
    /// The variables (docs/chiefonboarding-semantics.md, "Template variables"): the new hire's fields, then the stored values, then <paramref name="values"/>
    /// (form values, the new hire's extra fields, stored data); <c>responses</c> and <c>redirect_url</c> always.
    /// HTML-escaped like Django's autoescape.
    /// </summary>
    public TemplateScope Scope(JsonObject values, bool includeExtraFields = true)
    {
        var context = run.NewHire?.TemplateVariables() ?? [];
        if (run.NewHire is not null && AccessOverview is not null)
        {
            // A new-hire variable: stored values, form values and extra fields of the same name win over it.
            context[ChiefOnboarding.AccessOverview.Variable] = AccessOverview;
        }
        foreach (var (name, value) in run.Instance.Tokens)
        {
            context[name] = value?.DeepClone();
        }
        foreach (var (name, value) in Generated)
        {
            context[name] = value?.DeepClone();
        }
        foreach (var (name, value) in values)
        {
            context[name] = value?.DeepClone();
        }
        if (includeExtraFields && run.NewHire is not null)
        {
            foreach (var (name, value) in run.NewHire.ExtraFields)
            {
                context[name] = value?.DeepClone();
            }
        }
        context["responses"] = Responses.DeepClone();
        context["redirect_url"] = run.Services.ChiefOnboardingCallbackUrl(run.Instance);
        return TemplateScope.FromObject(JsonSerializer.SerializeToElement(context, DataJson.SerializerOptions), htmlEscape: true);
    }
}
