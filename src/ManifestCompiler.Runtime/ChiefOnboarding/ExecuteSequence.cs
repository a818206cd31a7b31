using ManifestCompiler.Runtime.Support.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime.ChiefOnboarding;

/// <summary>
/// The <c>execute</c> sequence of one run: renew the OAuth key, make the <c>generate</c> secrets, then each request in
/// order with <c>continue_if</c> and polling, <c>save_as_file</c>, <c>responses.N</c> and <c>store_data</c>, then the
/// post-execute notifications.
/// </summary>
internal sealed class ExecuteSequence(RunContext run)
{
    /// <summary>The <c>execute</c> algorithm (docs/chiefonboarding-semantics.md, "Execute, exists and user sync") with the documented semantics (see <see cref="ChiefOnboardingEngine"/>).</summary>
    public async Task<ExecuteResult> RunAsync(JsonObject form, CancellationToken cancellationToken)
    {
        run.Event(DebugLevel.Debug, $"Starting execution of {run.Plan.Name}" + (run.NewHire is null ? "" : $" for {run.NewHire.Id}"), "lifecycle");
        if (!await run.RenewKeyAsync(cancellationToken).ConfigureAwait(false))
        {
            return new ExecuteResult(false, "Couldn't renew key", null);
        }
        foreach (var item in run.Plan.InitialDataForm.Where(i => i.Generate))
        {
            var secret = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10);
            run.Variables.Generated[item.Id] = secret;
            run.Services.Redactor.Add(secret);
        }
        var values = (JsonObject)form.DeepClone();
        RequestResult? last = null;
        for (var i = 0; i < run.Plan.Execute.Count; i++)
        {
            var request = run.Plan.Execute[i];
            var result = await run.SendAsync(request, values, null, cancellationToken).ConfigureAwait(false);
            if (request.ContinueIf is { } condition && result.Success)
            {
                var matched = Matches(condition, result, values);
                for (var tried = 1; !matched && request.Polling is { } polling && tried < polling.Amount; tried++)
                {
                    await run.Engine.Delay(TimeSpan.FromSeconds(polling.IntervalSeconds), cancellationToken).ConfigureAwait(false);
                    var again = await run.SendAsync(request, values, null, cancellationToken).ConfigureAwait(false);
                    if (!again.Success)
                    {
                        continue; // a failed poll is one more try that did not match
                    }
                    result = again;
                    matched = Matches(condition, result, values);
                }
                if (!matched)
                {
                    var blocked = $"Execute url ({request.Url.Source}): {run.Services.Redactor.Redact(ChiefOnboardingEngine.Truncate(result.Json?.GetRawText() ?? result.Text))}";
                    var why = request.Polling is { } p ? $"Polling timed out after {p.Amount} request(s): " : "";
                    await run.Engine.Notifier.NotifyAsync(new IntegrationNotification(NotificationKind.BlockedIntegration, run.Instance.Id, run.NewHire?.Id, why + blocked), cancellationToken).ConfigureAwait(false);
                    run.Event(DebugLevel.Error, $"{why}continue_if did not hold: '{condition.ResponseNotation}' is not the expected value", "action_error", 500);
                    return new ExecuteResult(false, why + blocked, result.Json, Blocked: true);
                }
            }
            if (!result.Success)
            {
                var error = $"Execute url ({request.Url.Source}): {run.Services.Redactor.Redact(result.Error!)}";
                if (run.NewHire is not null)
                {
                    await run.Engine.Notifier.NotifyAsync(new IntegrationNotification(NotificationKind.FailedIntegration, run.Instance.Id, run.NewHire.Id, error), cancellationToken).ConfigureAwait(false);
                }
                return new ExecuteResult(false, error, result.Json);
            }
            if (request.SaveAsFile is { } fileName)
            {
                run.Files[fileName] = result.Body;
            }
            run.Variables.Responses.Add(result.Json is { } json ? DataJson.ParseNode(json.GetRawText()) : new JsonObject());
            if (request.StoreData.Count > 0 && await StoreDataAsync(request, result, values, cancellationToken).ConfigureAwait(false) is { } storeError)
            {
                run.Event(DebugLevel.Error, storeError, "action_error", 500);
                return new ExecuteResult(false, storeError, result.Json);
            }
            last = result;
        }
        await NotifyAsync(values, cancellationToken).ConfigureAwait(false);
        if (run.NewHire is not null)
        {
            await run.Engine.Notifier.NotifyAsync(new IntegrationNotification(NotificationKind.RanIntegration, run.Instance.Id, run.NewHire.Id, $"{run.Plan.Name} ran"), cancellationToken).ConfigureAwait(false);
        }
        run.Event(DebugLevel.Debug, $"Finished execution of {run.Plan.Name}", "lifecycle");
        return new ExecuteResult(true, null, last?.Json);
    }

    /// <summary>
    /// <c>continue_if</c>: the rendered value equals the response's value at the notation. Strings compare as text;
    /// other JSON values never equal a string, as in the reference engine (Python's <c>"5" == 5</c> is false).
    /// </summary>
    private bool Matches(ContinueIfPlan condition, RequestResult result, JsonObject values)
    {
        var expected = condition.Value.Render(run.Variables.Scope(values));
        return result.Json is { } json && condition.ResponseNotation.TryEvaluate(json, out var actual, out _)
            ? actual.ValueKind == JsonValueKind.String && actual.GetString() == expected
            : expected.Length == 0; // a missing notation compares as "" (same section)
    }

    /// <summary>Every property or none: a missing notation fails the run with the reference engine's message and stores nothing.</summary>
    private async Task<string?> StoreDataAsync(RequestPlan request, RequestResult result, JsonObject values, CancellationToken cancellationToken)
    {
        if (run.NewHire is null)
        {
            return "Could not store data: there is no new hire to store it on";
        }
        var stored = new List<(string, JsonNode?)>();
        foreach (var entry in request.StoreData)
        {
            if (result.Json is not { } json || !entry.Path.TryEvaluate(json, out var value, out _))
            {
                return $"Could not store data to new hire: {entry.Path} not found in {run.Services.Redactor.Redact(ChiefOnboardingEngine.Truncate(result.Json?.GetRawText() ?? result.Text))}";
            }
            stored.Add((entry.Property, DataJson.ParseNode(value.GetRawText())));
        }
        var fields = (JsonObject)run.NewHire.ExtraFields.DeepClone();
        foreach (var (property, value) in stored)
        {
            fields[property] = value?.DeepClone();
            values[property] = value?.DeepClone();
        }
        run.NewHire = run.NewHire with { ExtraFields = fields };
        await run.Engine.Users.SaveExtraFieldsAsync(run.NewHire.Id, fields, cancellationToken).ConfigureAwait(false);
        run.Event(DebugLevel.Debug, $"Stored {string.Join(", ", stored.Select(s => s.Item1))} on {run.NewHire.Id}", "lifecycle");
        return null;
    }

    /// <summary>Every <c>post_execute_notification</c> in order (the documentation; the reference engine stops after the first email).</summary>
    private async Task NotifyAsync(JsonObject values, CancellationToken cancellationToken)
    {
        foreach (var notification in run.Plan.PostExecuteNotifications)
        {
            var scope = run.Variables.Scope(values);
            var to = notification.To.Render(scope);
            try
            {
                if (notification.Type == NotificationType.Email)
                {
                    await run.Engine.Notifier.SendEmailAsync(to, notification.Subject.Render(scope), notification.Message.Render(scope), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await run.Engine.Notifier.SendTextAsync(to, notification.Message.Render(scope), cancellationToken).ConfigureAwait(false);
                }
                run.Event(DebugLevel.Info, $"Sent the {notification.Type.ToString().ToLowerInvariant()} notification to {to}", "lifecycle");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await run.Engine.Notifier.NotifyAsync(new IntegrationNotification(NotificationKind.FailedNotification, run.Instance.Id, run.NewHire?.Id, $"The {notification.Type.ToString().ToLowerInvariant()} to {to} could not be sent: {e.Message}"), cancellationToken).ConfigureAwait(false);
                run.Event(DebugLevel.Error, $"The {notification.Type.ToString().ToLowerInvariant()} notification to {to} could not be sent: {e.Message}", "action_error", 500);
            }
        }
    }
}
