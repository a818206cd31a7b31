using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace ManifestCompiler.Runtime.Python;

/// <summary>Who is asking: the run a side-effect request belongs to.</summary>
public sealed record StepCallContext(string TenantId, string RunId, string? Action);

/// <summary>An <c>http.request(...)</c> of a step. Header names keep the step's spelling.</summary>
public sealed record StepHttpRequest(string Method, Uri Url, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[]? Body, TimeSpan? Timeout);

/// <summary>What the step sees as <c>.status</c>, <c>.reason</c>, <c>.headers</c> and <c>.data</c>.</summary>
public sealed record StepHttpResponse(int Status, string Reason, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body);

/// <summary>
/// A request the host refuses or cannot carry out. Its message reaches the step as the exception text
/// (<c>http.HTTPError</c> or <c>HostCallError</c>), so it must not contain secrets.
/// </summary>
public class StepEffectException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Carries out the side effects of a step. The worker does no I/O of its own: every HTTP call, token read or
/// write, trigger, parser send, schedule, cron job and dispatch comes here, so the host decides what happens.
/// Throw <see cref="StepEffectException"/> to refuse a request with a message for the step.
/// </summary>
public interface IStepEffectHandler
{
    Task<StepHttpResponse> SendHttpAsync(StepHttpRequest request, StepCallContext context, CancellationToken cancellationToken);

    /// <summary><c>get_token()</c>: the current access token, refreshed if it has expired.</summary>
    Task<string?> GetTokenAsync(StepCallContext context, CancellationToken cancellationToken);

    /// <summary><c>modify_tokens(tokens)</c>: replaces every stored token of the instance.</summary>
    Task ModifyTokensAsync(JsonObject tokens, StepCallContext context, CancellationToken cancellationToken);

    /// <summary><c>schedule_task(seconds, retries)</c>: run this action again after a delay.</summary>
    Task ScheduleTaskAsync(int seconds, int retries, StepCallContext context, CancellationToken cancellationToken);

    /// <summary><c>send_to_trigger(action, payload)</c>: queue a child run.</summary>
    Task SendToTriggerAsync(string action, JsonNode? payload, StepCallContext context, CancellationToken cancellationToken);

    /// <summary><c>send_to_parser(action, data)</c>: records through the action's field mapping.</summary>
    Task SendToParserAsync(string action, JsonNode? data, StepCallContext context, CancellationToken cancellationToken);

    /// <summary><c>create_cron_job(...)</c>: positional and keyword arguments as the step passed them.</summary>
    Task CreateCronJobAsync(JsonArray arguments, JsonObject keywordArguments, StepCallContext context, CancellationToken cancellationToken);

    /// <summary><c>dispatch_command(action, payload, passthrough)</c>: an action of another connected integration;
    /// its result is what the step gets back.</summary>
    Task<JsonNode?> DispatchCommandAsync(string action, JsonNode? payload, JsonNode? passthrough, StepCallContext context, CancellationToken cancellationToken);
}

/// <summary>
/// A handler that sends HTTP through an <see cref="HttpClient"/> (by default one guarded by
/// <see cref="EgressPolicy.Default"/>) and refuses everything else. Hosts derive from it and override the rest.
/// </summary>
public class StepEffectHandler : IStepEffectHandler
{
    private static readonly Lazy<HttpClient> DefaultClient = new(() => EgressPolicy.Default.CreateHttpClient());
    private readonly HttpClient httpClient;

    public StepEffectHandler(HttpClient? httpClient = null) => this.httpClient = httpClient ?? DefaultClient.Value;

    public virtual async Task<StepHttpResponse> SendHttpAsync(StepHttpRequest request, StepCallContext context, CancellationToken cancellationToken)
    {
        if (request.Url.Scheme is not ("http" or "https"))
        {
            throw new StepEffectException($"only http and https URLs can be requested, not '{request.Url.Scheme}'");
        }
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
        }
        foreach (var (name, value) in request.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content ??= new ByteArrayContent([]);
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (request.Timeout is { } limit && limit > TimeSpan.Zero)
        {
            timeout.CancelAfter(limit);
        }
        try
        {
            using var response = await httpClient.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            return new StepHttpResponse((int)response.StatusCode, response.ReasonPhrase ?? "", Flatten(response.Headers, response.Content.Headers), body);
        }
        catch (HttpRequestException e)
        {
            throw new StepEffectException(Describe(e, request.Url), e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StepEffectException($"the request to {request.Url.Host} timed out", e);
        }
    }

    public virtual Task<string?> GetTokenAsync(StepCallContext context, CancellationToken cancellationToken) => throw NotSupported("get_token");

    public virtual Task ModifyTokensAsync(JsonObject tokens, StepCallContext context, CancellationToken cancellationToken) => throw NotSupported("modify_tokens");

    public virtual Task ScheduleTaskAsync(int seconds, int retries, StepCallContext context, CancellationToken cancellationToken) => throw NotSupported("schedule_task");

    public virtual Task SendToTriggerAsync(string action, JsonNode? payload, StepCallContext context, CancellationToken cancellationToken) => throw NotSupported("send_to_trigger");

    public virtual Task SendToParserAsync(string action, JsonNode? data, StepCallContext context, CancellationToken cancellationToken) => throw NotSupported("send_to_parser");

    public virtual Task CreateCronJobAsync(JsonArray arguments, JsonObject keywordArguments, StepCallContext context, CancellationToken cancellationToken) => throw NotSupported("create_cron_job");

    public virtual Task<JsonNode?> DispatchCommandAsync(string action, JsonNode? payload, JsonNode? passthrough, StepCallContext context, CancellationToken cancellationToken) => throw NotSupported("dispatch_command");

    protected static StepEffectException NotSupported(string function) => new($"{function}() is not available in this host");

    private static List<KeyValuePair<string, string>> Flatten(HttpHeaders headers, HttpHeaders contentHeaders)
    {
        var flat = new List<KeyValuePair<string, string>>();
        foreach (var source in new[] { headers, contentHeaders })
        {
            foreach (var (name, values) in source.NonValidated)
            {
                foreach (var value in values)
                {
                    flat.Add(new(name, value));
                }
            }
        }
        return flat;
    }

    private static string Describe(HttpRequestException e, Uri url)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is EgressDeniedException denied)
            {
                return denied.Message;
            }
        }
        return e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => $"the host name {url.Host} could not be resolved",
            HttpRequestError.ConnectionError => $"could not connect to {url.Host}",
            HttpRequestError.SecureConnectionError => $"the TLS connection to {url.Host} failed",
            _ => $"the request to {url.Host} failed ({e.HttpRequestError})",
        };
    }
}

/// <summary>Thrown from the connect step when every address of a host is outside the egress policy.</summary>
public sealed class EgressDeniedException(string message) : Exception(message);
