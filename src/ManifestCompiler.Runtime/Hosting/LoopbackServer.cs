using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ManifestCompiler.Runtime.Hosting;

/// <summary>
/// A Kestrel server on 127.0.0.1 only, for stand-ins of third-party APIs (<c>mfc run --stand-in</c>, <c>mfc serve
/// --stand-in</c>), tests and benchmarks: the one place that starts one.
/// </summary>
public static class LoopbackServer
{
    /// <summary>
    /// A server on a free port with the services <paramref name="configure"/> adds and the routes <paramref name="map"/>
    /// adds, started; its base URL (<c>http://127.0.0.1:port</c>).
    /// </summary>
    public static async Task<(WebApplication App, string BaseUrl)> StartAsync(Action<WebApplication> map, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // A stand-in's requests are not the host's: its own logs stay out of the host's console.
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        configure?.Invoke(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return (app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    /// <summary>
    /// A port on 127.0.0.1 free at the time of asking, for a server that must know its port before it starts (a
    /// process told <c>--port</c>, a host whose URLs name its own port).
    /// </summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
