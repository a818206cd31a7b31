using System.Threading.Channels;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static ManifestCompiler.Runtime.Hosting.Api.ApiResults;

namespace ManifestCompiler.Runtime.Hosting.Api;

/// <summary>The live debug events (server-sent events, secrets masked).</summary>
internal static class EventEndpoints
{
    /// <summary>Any key; a company key sees its own company's events only.</summary>
    public static void Map(IEndpointRouteBuilder routes) =>
        routes.MapGroup("").RequireAuthorization(ApiPolicies.AnyKey).AddEndpointFilter(RequestHygiene.RequireJsonBody).MapGet("/events", StreamEventsAsync);

    /// <summary>The live debug events a caller may see: an admin all of them, a company key those of its company's instances.</summary>
    private static async Task StreamEventsAsync(HttpContext context, EventBroadcaster events, IInstanceStore store, CancellationToken ct)
    {
        var caller = ApiCaller.Of(context);
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        // Subscribed before the headers go out: a client that has them sees every event published after.
        var reader = events.Subscribe(ct);
        await context.Response.Body.FlushAsync(ct);
        // Instances never change company, so what an id resolved to once holds (an event of an instance not yet
        // stored, such as a failed connect, is not shown to a company key).
        var companies = new Dictionary<string, string?>(StringComparer.Ordinal);
        try
        {
            await foreach (var debugEvent in reader.ReadAllAsync(ct))
            {
                if (!caller.IsAdmin)
                {
                    if (!companies.TryGetValue(debugEvent.IntegrationId, out var company))
                    {
                        company = (await store.GetAsync(debugEvent.IntegrationId, ct))?.CompanyId;
                        if (company is not null)
                        {
                            companies[debugEvent.IntegrationId] = company;
                        }
                    }
                    if (!caller.Sees(company))
                    {
                        continue;
                    }
                }
                await context.Response.WriteAsync("data: " + debugEvent.ToJson() + "\n\n", ct);
                await context.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }
}

/// <summary>Debug events to every live <c>/events</c> subscriber; a slow subscriber loses its oldest events, never blocks the runtime.</summary>
public sealed class EventBroadcaster
{
    private readonly object _gate = new();
    private readonly List<Channel<DebugEvent>> _subscribers = [];

    public void Publish(DebugEvent debugEvent)
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(debugEvent);
            }
        }
    }

    public ChannelReader<DebugEvent> Subscribe(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<DebugEvent>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }
        cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }
}
