using ManifestCompiler.Runtime.Support.Sandbox;
using System.Text.Json.Nodes;

namespace ManifestCompiler.Runtime.Python.Sandbox;

/// <summary>
/// Turns a worker's <c>call</c> frame into a call on the host's <see cref="IStepEffectHandler"/> and its answer
/// into a <c>reply</c> frame; records the request (secrets masked) for the run's result.
/// </summary>
internal static class SideEffects
{
    private const string Masked = "***";

    private static readonly HashSet<string> SecretHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key", "Api-Key", "X-Auth-Token", "X-Access-Token",
    };

    public static async Task<(JsonObject Reply, StepSideEffect Effect)> CarryOutAsync(
        JsonObject call, int sequence, IStepEffectHandler handler, StepCallContext context, CancellationToken cancellationToken)
    {
        var seq = call["seq"]?.DeepClone();
        var op = Frame.String(call["op"]) ?? "";
        var args = call["args"] as JsonObject ?? [];
        var kind = KindOf(op);
        JsonNode? value = null;
        string? error = null;
        try
        {
            value = kind switch
            {
                StepSideEffectKind.Http => await HttpAsync(args, handler, context, cancellationToken).ConfigureAwait(false),
                StepSideEffectKind.GetToken => JsonValue.Create(await handler.GetTokenAsync(context, cancellationToken).ConfigureAwait(false)),
                StepSideEffectKind.ModifyTokens => await Done(handler.ModifyTokensAsync(args["tokens"] as JsonObject ?? [], context, cancellationToken)).ConfigureAwait(false),
                StepSideEffectKind.ScheduleTask => await Done(handler.ScheduleTaskAsync(Frame.Int32(args["seconds"]) ?? 0, Frame.Int32(args["retries"]) ?? 0, context, cancellationToken)).ConfigureAwait(false),
                StepSideEffectKind.SendToTrigger => await Done(handler.SendToTriggerAsync(Frame.String(args["action"]) ?? "", args["payload"]?.DeepClone(), context, cancellationToken)).ConfigureAwait(false),
                StepSideEffectKind.SendToParser => await Done(handler.SendToParserAsync(Frame.String(args["action"]) ?? "", args["data"]?.DeepClone(), context, cancellationToken)).ConfigureAwait(false),
                StepSideEffectKind.CreateCronJob => await Done(handler.CreateCronJobAsync(args["args"]?.DeepClone() as JsonArray ?? [], args["kwargs"]?.DeepClone() as JsonObject ?? [], context, cancellationToken)).ConfigureAwait(false),
                _ => (await handler.DispatchCommandAsync(Frame.String(args["action"]) ?? "", args["payload"]?.DeepClone(), args["passthrough"]?.DeepClone(), context, cancellationToken).ConfigureAwait(false))?.DeepClone(),
            };
        }
        catch (StepEffectException e)
        {
            error = e.Message;
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not ProtocolViolationException)
        {
            // A host bug must not leak its details (or secrets in them) into the step; the host logs its own errors.
            error = $"the host failed to carry out {op} ({e.GetType().Name})";
        }
        var reply = error is null
            ? new JsonObject { ["t"] = "reply", ["seq"] = seq, ["ok"] = true, ["value"] = value }
            : new JsonObject { ["t"] = "reply", ["seq"] = seq, ["ok"] = false, ["error"] = error };
        return (reply, new StepSideEffect(sequence, kind, Mask(kind, args), error));
    }

    private static async Task<JsonNode?> Done(Task task)
    {
        await task.ConfigureAwait(false);
        return null;
    }

    private static async Task<JsonNode?> HttpAsync(JsonObject args, IStepEffectHandler handler, StepCallContext context, CancellationToken cancellationToken)
    {
        var url = Frame.String(args["url"]) ?? "";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new StepEffectException($"'{url}' is not an absolute URL");
        }
        var headers = (args["headers"] as JsonObject ?? []).Select(h => new KeyValuePair<string, string>(h.Key, Frame.String(h.Value) ?? "")).ToList();
        var body = Frame.Base64(args["body"]);
        var timeout = Frame.Number(args["timeout"]) is { } seconds && seconds > 0 ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        var response = await handler.SendHttpAsync(new StepHttpRequest(Frame.String(args["method"]) ?? "GET", uri, headers, body, timeout), context, cancellationToken).ConfigureAwait(false);
        var responseHeaders = new JsonArray();
        foreach (var (name, value) in response.Headers)
        {
            responseHeaders.Add(new JsonArray(name, value));
        }
        return new JsonObject
        {
            ["status"] = response.Status,
            ["reason"] = response.Reason,
            ["headers"] = responseHeaders,
            ["body"] = Convert.ToBase64String(response.Body),
        };
    }

    /// <summary>A call frame names its operation by the sandbox global that makes it (<see cref="StepSandboxApi"/>).</summary>
    private static StepSideEffectKind KindOf(string op) =>
        StepSandboxApi.HostCall(op) is { } call ? (StepSideEffectKind)call : throw new ProtocolViolationException($"the worker asked for an unknown operation '{op}'");

    /// <summary>The request as recorded in the result: authorization-like headers and every token value masked.</summary>
    private static JsonObject Mask(StepSideEffectKind kind, JsonObject args)
    {
        var copy = (JsonObject)args.DeepClone();
        switch (kind)
        {
            case StepSideEffectKind.Http when copy["headers"] is JsonObject headers:
                foreach (var name in headers.Select(h => h.Key).Where(SecretHeaders.Contains).ToList())
                {
                    headers[name] = Masked;
                }
                break;
            case StepSideEffectKind.ModifyTokens when copy["tokens"] is JsonObject tokens:
                foreach (var name in tokens.Select(t => t.Key).ToList())
                {
                    tokens[name] = Masked;
                }
                break;
        }
        return copy;
    }
}
