using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;

namespace ManifestCompiler.Runtime.Python.Tests;

/// <summary>
/// A host for tests: HTTP through a client whose egress policy allows only 127.0.0.1 (the stand-in server),
/// tokens in memory, and every other request recorded as it arrived.
/// </summary>
public class RecordingHandler : StepEffectHandler
{
    public static readonly HttpClient LoopbackClient = new EgressPolicy { AllowedNetworks = [IPNetwork.Parse("127.0.0.1/32")] }.CreateHttpClient();

    public RecordingHandler(HttpClient? client = null) : base(client ?? LoopbackClient)
    {
    }

    public JsonObject Tokens { get; private set; } = new() { ["access_token"] = "tok-1", ["refresh_token"] = "ref-1" };

    public ConcurrentQueue<(string Action, JsonNode? Payload, StepCallContext Context)> Triggers { get; } = new();

    public ConcurrentQueue<(string Action, JsonNode? Data)> ParserSends { get; } = new();

    public ConcurrentQueue<(int Seconds, int Retries)> Schedules { get; } = new();

    public ConcurrentQueue<(JsonArray Args, JsonObject Kwargs)> CronJobs { get; } = new();

    public ConcurrentQueue<(string Action, JsonNode? Payload, JsonNode? Passthrough)> Dispatches { get; } = new();

    /// <summary>Called on every send_to_trigger, before it returns to the step.</summary>
    public Func<StepCallContext, Task>? OnTrigger { get; set; }

    public override Task<string?> GetTokenAsync(StepCallContext context, CancellationToken cancellationToken) =>
        Task.FromResult((string?)Tokens["access_token"]);

    public override Task ModifyTokensAsync(JsonObject tokens, StepCallContext context, CancellationToken cancellationToken)
    {
        Tokens = tokens;
        return Task.CompletedTask;
    }

    public override Task ScheduleTaskAsync(int seconds, int retries, StepCallContext context, CancellationToken cancellationToken)
    {
        Schedules.Enqueue((seconds, retries));
        return Task.CompletedTask;
    }

    public override async Task SendToTriggerAsync(string action, JsonNode? payload, StepCallContext context, CancellationToken cancellationToken)
    {
        Triggers.Enqueue((action, payload, context));
        if (OnTrigger is { } hook)
        {
            await hook(context);
        }
    }

    public override Task SendToParserAsync(string action, JsonNode? data, StepCallContext context, CancellationToken cancellationToken)
    {
        ParserSends.Enqueue((action, data));
        return Task.CompletedTask;
    }

    public override Task CreateCronJobAsync(JsonArray arguments, JsonObject keywordArguments, StepCallContext context, CancellationToken cancellationToken)
    {
        CronJobs.Enqueue((arguments, keywordArguments));
        return Task.CompletedTask;
    }

    public override Task<JsonNode?> DispatchCommandAsync(string action, JsonNode? payload, JsonNode? passthrough, StepCallContext context, CancellationToken cancellationToken)
    {
        Dispatches.Enqueue((action, payload, passthrough));
        return Task.FromResult<JsonNode?>(new JsonObject { ["dispatched"] = action, ["echo"] = payload?.DeepClone() });
    }
}
