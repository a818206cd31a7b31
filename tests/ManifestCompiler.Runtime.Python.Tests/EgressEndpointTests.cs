using System.Net;
using ManifestCompiler.Runtime.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ManifestCompiler.Runtime.Python.Tests;

/// <summary>
/// Loopback is reachable only at the exact routed endpoints, the host's own listening endpoint never, and every
/// spelling of a blocked address (0.0.0.0, IPv4-mapped, IPv4-compatible and NAT64 IPv6) is read as the address it
/// carries: decisions of the policy, and real connections and redirects against Kestrel servers on 127.0.0.1.
/// </summary>
public sealed class EgressEndpointTests : IAsyncLifetime
{
    private WebApplication? _allowed;
    private WebApplication? _other;
    private int _allowedPort;
    private int _otherPort;

    private static async Task<(WebApplication App, int Port)> StartAsync(Action<WebApplication> map)
    {
        var (app, baseUrl) = await LoopbackServer.StartAsync(map);
        return (app, new Uri(baseUrl).Port);
    }

    public async Task InitializeAsync()
    {
        (_other, _otherPort) = await StartAsync(app => app.MapGet("/", () => "the other server"));
        (_allowed, _allowedPort) = await StartAsync(app =>
        {
            app.MapGet("/", () => "the routed stand-in");
            // Redirects into addresses the policy refuses: the handler checks every connection, redirects included.
            app.MapGet("/to", (string target) => Results.Redirect(target));
        });
    }

    public async Task DisposeAsync()
    {
        await _allowed!.DisposeAsync();
        await _other!.DisposeAsync();
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::169.254.169.254")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("::ffff:0.0.0.0")]
    [InlineData("::0.1.2.3")] // IPv4-compatible with a first byte of 0
    public void Blocked_addresses_are_refused_in_every_spelling(string address)
    {
        var policy = new EgressPolicy { AllowPrivateNetworks = true };
        Assert.Contains("link-local, metadata or non-routable", policy.Refusal(IPAddress.Parse(address), 443));
    }

    [Theory]
    [InlineData("127.0.0.1", 8080, null)]
    [InlineData("::ffff:127.0.0.1", 8080, null)]
    [InlineData("::127.0.0.1", 8080, null)]
    [InlineData("64:ff9b::7f00:1", 8080, null)]
    [InlineData("127.0.0.1", 8081, "not one of the routed targets")]
    [InlineData("127.0.0.2", 8080, "not one of the routed targets")]
    [InlineData("::ffff:127.0.0.1", 8081, "not one of the routed targets")]
    [InlineData("::1", 8080, "not one of the routed targets")]
    [InlineData("10.0.0.1", 8080, "not one of the routed targets")]
    [InlineData("127.0.0.1", 5080, "own listening address")]
    [InlineData("127.0.0.9", 5080, "own listening address")]
    [InlineData("::ffff:127.0.0.1", 5080, "own listening address")]
    [InlineData("::1", 5080, "own listening address")]
    [InlineData("93.184.216.34", 5080, null)]
    public void Loopback_only_at_the_routed_endpoints_and_never_at_the_hosts_own(string address, int port, string? refusal)
    {
        // The operator even routed to the host's own port: that target stays refused.
        var policy = EgressPolicy.AllowingEndpoints(
            [new IPEndPoint(IPAddress.Loopback, 8080), new IPEndPoint(IPAddress.Loopback, 5080)],
            [new IPEndPoint(IPAddress.Loopback, 5080)]);
        var reason = policy.Refusal(IPAddress.Parse(address), port);
        if (refusal is null)
        {
            Assert.Null(reason);
        }
        else
        {
            Assert.Contains(refusal, reason);
        }
    }

    [Fact]
    public void A_refusal_names_the_address_its_port_and_the_routed_targets()
    {
        var routed = EgressPolicy.AllowingEndpoints([new IPEndPoint(IPAddress.Loopback, 8080), new IPEndPoint(IPAddress.IPv6Loopback, 9090)]);
        Assert.Equal(
            "127.0.0.1:8081 is a loopback or private address and not one of the routed targets (127.0.0.1:8080, [::1]:9090)",
            routed.Refusal(IPAddress.Parse("::ffff:127.0.0.1"), 8081));
        Assert.Equal(
            "10.0.0.1 is a loopback or private address and not one of the routed targets (127.0.0.1:8080, [::1]:9090)",
            routed.Refusal(IPAddress.Parse("10.0.0.1")));
        Assert.Equal(
            "10.0.0.1 is a loopback or private address and this host does not allow private networks",
            new EgressPolicy().Refusal(IPAddress.Parse("10.0.0.1"), 443));
    }

    [Fact]
    public void The_handler_never_goes_through_a_proxy()
    {
        // A proxy from the environment (HTTPS_PROXY) would be the only address the connect callback checks, and the
        // proxy would reach any target: the policy holds only on direct connections.
        using var handler = new EgressPolicy().CreateHandler();
        Assert.False(handler.UseProxy);
        Assert.NotNull(handler.ConnectCallback);
    }

    [Fact]
    public void A_host_listening_on_every_address_refuses_its_port_on_every_loopback_address()
    {
        var policy = new EgressPolicy { AllowPrivateNetworks = true, RefusedEndpoints = [new IPEndPoint(IPAddress.Any, 5080)] };
        Assert.Contains("own listening address", policy.Refusal(IPAddress.Parse("127.3.4.5"), 5080));
        Assert.Contains("own listening address", policy.Refusal(IPAddress.Parse("::1"), 5080));
        Assert.Null(policy.Refusal(IPAddress.Parse("127.3.4.5"), 5081));
    }

    [Fact]
    public async Task Real_connections_reach_only_the_routed_endpoint_and_redirects_cannot_leave_it()
    {
        using var client = EgressPolicy.AllowingEndpoints([new IPEndPoint(IPAddress.Loopback, _allowedPort)]).CreateHttpClient();

        Assert.Equal("the routed stand-in", await client.GetStringAsync($"http://127.0.0.1:{_allowedPort}/"));
        Assert.Equal("the routed stand-in", await client.GetStringAsync($"http://[::ffff:127.0.0.1]:{_allowedPort}/"));
        foreach (var url in new[]
        {
            $"http://127.0.0.1:{_otherPort}/",
            $"http://[::ffff:127.0.0.1]:{_otherPort}/",
            $"http://localhost:{_otherPort}/",
            $"http://0.0.0.0:{_allowedPort}/",
            $"http://127.0.0.1:{_allowedPort}/to?target=" + Uri.EscapeDataString($"http://127.0.0.1:{_otherPort}/"),
            $"http://127.0.0.1:{_allowedPort}/to?target=" + Uri.EscapeDataString($"http://[::127.0.0.1]:{_otherPort}/"),
            $"http://127.0.0.1:{_allowedPort}/to?target=" + Uri.EscapeDataString("http://169.254.169.254/latest/meta-data/"),
        })
        {
            var e = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(url));
            Assert.IsType<EgressDeniedException>(e.InnerException);
        }
    }

    [Fact]
    public async Task The_hosts_own_endpoint_is_refused_even_when_routed_there()
    {
        var own = new IPEndPoint(IPAddress.Loopback, _allowedPort);
        using var client = EgressPolicy.AllowingEndpoints([own], [own]).CreateHttpClient();

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync($"http://127.0.0.1:{_allowedPort}/"));
        var denied = Assert.IsType<EgressDeniedException>(e.InnerException);
        Assert.Contains("own listening address", denied.Message, StringComparison.Ordinal);
    }
}
