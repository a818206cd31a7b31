using System.Text.Json;
using System.Text.RegularExpressions;
using ManifestCompiler.Runtime;
using ManifestCompiler.Runtime.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ManifestCompiler.Cli.Running;

/// <summary>
/// A local stand-in for third-party APIs, from a JSON file of canned responses, served by Kestrel on 127.0.0.1:
/// <c>{"responses": [{"host": "quickbooks.api.intuit.com", "method": "GET", "path": "/v3/company/*/query",
/// "status": 200, "headers": {...}, "body": ...}]}</c>. <c>*</c> in a path matches one segment; an optional
/// <c>"query": "page=2&amp;size=10"</c> must all be in the request's query (the first matching response answers, so
/// list the pages before the bare path); <c>"text"</c> answers a body that is not JSON. Each response's host is
/// routed to the stand-in, so <c>mfc run --stand-in</c> needs no other setup.
/// </summary>
internal sealed class StandInApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StandInApi(WebApplication app, string baseUrl, IReadOnlyList<string> hosts)
    {
        _app = app;
        BaseUrl = baseUrl;
        Hosts = hosts;
    }

    public string BaseUrl { get; }

    public IReadOnlyList<string> Hosts { get; }

    private sealed record CannedResponse(string Host, string Method, Regex Path, IReadOnlyList<KeyValuePair<string, string>> Query, int Status, Dictionary<string, string> Headers, string? Body, string? Text)
    {
        public bool Matches(HttpRequest request) =>
            string.Equals(Method, request.Method, StringComparison.OrdinalIgnoreCase)
            && Path.IsMatch(request.Path.Value ?? "")
            && Query.All(q => request.Query.TryGetValue(q.Key, out var values) && values.Contains(q.Value));
    }

    /// <summary>The stand-in, started; or null with the reason the file is not a stand-in definition.</summary>
    public static async Task<(StandInApi? Api, string? Problem)> StartAsync(JsonElement definition)
    {
        if (definition.ValueKind != JsonValueKind.Object || !definition.TryGetProperty("responses", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return (null, "a stand-in file is an object with a \"responses\" array");
        }
        var responses = new List<CannedResponse>();
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("host", out var host) || host.ValueKind != JsonValueKind.String
                || !item.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String)
            {
                return (null, $"response {responses.Count + 1} needs a \"host\" and a \"path\"");
            }
            var pattern = "^" + string.Join("/", path.GetString()!.Split('/').Select(s => s == "*" ? "[^/]*" : Regex.Escape(s))) + "$";
            var headers = item.TryGetProperty("headers", out var h) && h.ValueKind == JsonValueKind.Object
                ? h.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString())
                : [];
            var query = item.TryGetProperty("query", out var q) && q.ValueKind == JsonValueKind.String
                ? [.. Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(q.GetString()).SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string>(p.Key, v ?? "")))]
                : new List<KeyValuePair<string, string>>();
            responses.Add(new CannedResponse(
                host.GetString()!,
                item.TryGetProperty("method", out var method) ? method.GetString() ?? "GET" : "GET",
                new Regex(pattern, RegexOptions.CultureInvariant),
                query,
                item.TryGetProperty("status", out var status) && status.TryGetInt32(out var code) ? code : 200,
                headers,
                item.TryGetProperty("body", out var body) ? body.GetRawText() : null,
                item.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null));
        }

        var (app, baseUrl) = await LoopbackServer.StartAsync(server => server.Run(async context =>
        {
            // Every host of the file is routed here, and a rewritten request carries the stand-in's own host:
            // responses match on method and path.
            var match = responses.FirstOrDefault(r => r.Matches(context.Request));
            if (match is null)
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync($"the stand-in has no response for {context.Request.Method} {context.Request.Path}");
                return;
            }
            context.Response.StatusCode = match.Status;
            foreach (var (name, value) in match.Headers)
            {
                context.Response.Headers[name] = value;
            }
            if (match.Body is not null)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(match.Body);
            }
            else if (match.Text is not null)
            {
                context.Response.ContentType ??= "application/octet-stream";
                await context.Response.WriteAsync(match.Text);
            }
        }));
        return (new StandInApi(app, baseUrl, [.. responses.Select(r => r.Host).Distinct(StringComparer.OrdinalIgnoreCase)]), null);
    }

    /// <summary>Routes every host the stand-in answers for to it.</summary>
    public void AddRoutes(OutboundRoutes routes)
    {
        foreach (var host in Hosts)
        {
            OutboundRoutes.TryAdd(routes, host + "=" + BaseUrl);
        }
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
