using ManifestCompiler.Runtime.Support.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime.ChiefOnboarding;

/// <summary>
/// One run against one instance: the instance and the new hire as they change, the files saved so far, its requests
/// (with OAuth token refresh) and its events, all under one correlation id. What its templates see is
/// <see cref="TemplateVariables"/>; the <c>execute</c> algorithm is <see cref="ExecuteSequence"/>, user sync <see cref="UserSync"/>.
/// </summary>
internal sealed class RunContext(ChiefOnboardingEngine engine, ChiefOnboardingPlan plan, IntegrationInstance instance, NewHire? newHire, string action, string correlationId)
{
    private TemplateVariables? _variables;

    public string CorrelationId => correlationId;

    public ChiefOnboardingEngine Engine => engine;

    public ChiefOnboardingPlan Plan => plan;

    /// <summary>The instance as this run knows it: its tokens change when the OAuth token is refreshed.</summary>
    public IntegrationInstance Instance { get; private set; } = instance;

    /// <summary>The new hire the run is for (null for none); its extra fields change when <c>store_data</c> stores some.</summary>
    public NewHire? NewHire { get; set; } = newHire;

    /// <summary>The files saved by <c>save_as_file</c> so far, by name.</summary>
    public Dictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    public TemplateVariables Variables => _variables ??= new TemplateVariables(this);

    public RuntimeServices Services => engine.Services;

    /// <summary>
    /// Works out <c>access_overview</c> for this run when a template of its action names it and it has a new hire
    /// (<see cref="AccessOverview"/>); otherwise the variable stays out of the scope.
    /// </summary>
    public async Task PrepareAccessOverviewAsync(CancellationToken cancellationToken)
    {
        if (NewHire is { } newHire && Variables.AccessOverview is null && ChiefOnboarding.AccessOverview.UsedBy(plan, action))
        {
            Variables.AccessOverview = await engine.AccessOverviewAsync(Instance.CompanyId, newHire.Id, correlationId, cancellationToken).ConfigureAwait(false);
            Event(DebugLevel.Debug, "access_overview: " + Variables.AccessOverview, "lifecycle");
        }
    }

    public void Event(DebugLevel level, string message, string debugType, int code = 200, string? data = null) =>
        Services.Publish(level, message, code, action, correlationId, correlationId, Instance.Id, debugType, data);

    public async Task<RequestResult> SendAsync(RequestPlan request, JsonObject values, string? appendCode, CancellationToken cancellationToken, bool includeExtraFields = true)
    {
        var scope = Variables.Scope(values, includeExtraFields);
        var extraArgs = (JsonObject)Instance.Tokens.DeepClone();
        var result = await engine.Sender.SendAsync(plan, request, scope, Files, extraArgs, Services.Redactor, appendCode, cancellationToken).ConfigureAwait(false);
        if (plan.OAuth is { } oauth && (ReferenceEquals(request, oauth.AccessToken) || ReferenceEquals(request, oauth.Refresh))
            && result.Json is { ValueKind: JsonValueKind.Object } answer && DataJson.ParseNode(answer.GetRawText()) is JsonObject tokens)
        {
            // A token endpoint's answer is secret before it is stored: mask it in this request's own event.
            Services.Redactor.AddTokens(tokens);
        }
        if (scope.Missing.Count > 0)
        {
            Event(DebugLevel.Warning, $"{request.Method} {result.Url}: {string.Join(", ", scope.Missing.Distinct())} not defined; rendered empty", "request");
        }
        var data = new JsonObject
        {
            ["url"] = result.Url,
            ["method"] = request.Method,
            ["status_code"] = result.Status,
            ["post_data"] = request.Data?.Render(scope),
            ["response"] = request.SaveAsFile is not null ? "Cannot display, could be file" : ChiefOnboardingEngine.Truncate(result.Json?.GetRawText() ?? result.Text),
            ["error"] = result.Error,
        };
        Event(result.Success ? DebugLevel.Debug : DebugLevel.Error,
            result.Success ? $"{request.Method} {result.Url}: {result.Status}" : $"{request.Method} {result.Url}: {result.Error}",
            "request", result.Success ? 200 : 500, data.ToJsonString());
        return result;
    }

    /// <summary>
    /// Whether the answer contains the rendered <c>expected</c> text ("everything that comes back is parsed to a
    /// string and then checked against"); no <c>expected</c> always holds.
    /// </summary>
    public bool FoundExpected(RequestPlan request, RequestResult result, JsonObject values, bool includeExtraFields)
    {
        if (request.Expected is not { } template || template.Render(Variables.Scope(values, includeExtraFields)) is not { Length: > 0 } expected)
        {
            return true;
        }
        return Encoding.UTF8.GetString(result.Body).Contains(expected, StringComparison.Ordinal);
    }

    /// <summary>
    /// Refreshes the OAuth token when it has expired (stored <c>oauth.expires_in</c> seconds after it was stored),
    /// merging the answer into the stored one; false (and a failed-integration notification) when that fails.
    /// </summary>
    public async Task<bool> RenewKeyAsync(CancellationToken cancellationToken)
    {
        if (plan.OAuth is not { Refresh: { } refresh } || Instance.Tokens["oauth"] is not JsonObject oauth
            || JsonText.Of(oauth["expires_in"]) is not { } lifetimeText
            || !double.TryParse(lifetimeText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var lifetime)
            || Instance.TokensStoredAt.AddSeconds(lifetime) >= Services.Now)
        {
            return true;
        }
        Event(DebugLevel.Debug, "The OAuth token has expired: refreshing it", "lifecycle");
        var result = await SendAsync(refresh, new JsonObject(), null, cancellationToken, includeExtraFields: false).ConfigureAwait(false);
        if (ChiefOnboardingEngine.TokenAnswer(result) is not { } answer)
        {
            var reason = Services.Redactor.Redact(result.Error ?? $"{result.Url} answered {result.Status} {ChiefOnboardingEngine.Truncate(result.Json?.GetRawText() ?? result.Text)}");
            await engine.Notifier.NotifyAsync(new IntegrationNotification(NotificationKind.FailedIntegration, Instance.Id, NewHire?.Id, "Refresh url: " + reason), cancellationToken).ConfigureAwait(false);
            Event(DebugLevel.Error, "Refreshing the OAuth token failed: " + reason, "action_error", 500);
            return false;
        }
        var merged = (JsonObject)oauth.DeepClone();
        foreach (var property in answer.EnumerateObject())
        {
            merged[property.Name] = DataJson.ParseNode(property.Value.GetRawText());
        }
        var tokens = (JsonObject)Instance.Tokens.DeepClone();
        tokens["oauth"] = merged;
        Services.Redactor.AddTokens(tokens);
        Instance = Instance with { Tokens = tokens, TokensStoredAt = Services.Now };
        await Services.Instances.SaveAsync(Instance, cancellationToken).ConfigureAwait(false);
        Event(DebugLevel.Info, "OAuth token refreshed", "lifecycle");
        return true;
    }
}
