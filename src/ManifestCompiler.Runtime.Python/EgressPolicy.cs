using System.Net;
using System.Net.Sockets;

namespace ManifestCompiler.Runtime.Python;

/// <summary>
/// Which addresses step HTTP may reach. Checked on the resolved address of every connection the handler opens
/// (so DNS names and redirects cannot get around it): link-local and cloud-metadata addresses are always refused;
/// loopback, private and carrier-grade NAT ranges only when <see cref="AllowPrivateNetworks"/> is set or the
/// address is in <see cref="AllowedNetworks"/>.
/// </summary>
public sealed class EgressPolicy
{
    public static EgressPolicy Default { get; } = new();

    /// <summary>The default policy, but this machine (127.0.0.0/8, ::1) is reachable: for outbound requests routed to a local stand-in.</summary>
    public static EgressPolicy AllowingLoopback { get; } = new() { AllowedNetworks = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")] };

    /// <summary>Allow loopback and private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, ...).</summary>
    public bool AllowPrivateNetworks { get; init; }

    /// <summary>Networks allowed even though private, e.g. <c>127.0.0.1/32</c> for a test's stand-in server.
    /// Never overrides the always-refused ranges.</summary>
    public IReadOnlyList<IPNetwork> AllowedNetworks { get; init; } = [];

    private static readonly IPNetwork[] AlwaysRefused =
    [
        IPNetwork.Parse("0.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), // link-local, including 169.254.169.254 (AWS, GCP, Azure metadata)
        IPNetwork.Parse("100.100.100.200/32"), // Alibaba Cloud metadata
        IPNetwork.Parse("224.0.0.0/4"),
        IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("fd00:ec2::254/128"), // AWS metadata over IPv6
        IPNetwork.Parse("ff00::/8"),
    ];

    private static readonly IPNetwork[] Private =
    [
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("fec0::/10"),
    ];

    /// <summary><c>null</c> when the address may be reached, else why not.</summary>
    public string? Refusal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (AlwaysRefused.Any(n => n.Contains(address)))
        {
            return $"{address} is a link-local, metadata or non-routable address";
        }
        if (Private.Any(n => n.Contains(address)) && !AllowPrivateNetworks && !AllowedNetworks.Any(n => n.Contains(address)))
        {
            return $"{address} is a loopback or private address and this host does not allow private networks";
        }
        return null;
    }

    /// <summary>A handler that connects only to addresses this policy allows, after DNS resolution, on every
    /// connection (redirects included), and never through a proxy.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 5,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = ConnectAsync,
    };

    public HttpClient CreateHttpClient() => new(CreateHandler())
    {
        Timeout = TimeSpan.FromSeconds(100),
        MaxResponseContentBufferSize = 32 * 1024 * 1024,
    };

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        string? refusal = null;
        foreach (var address in addresses)
        {
            refusal = Refusal(address);
            if (refusal is not null)
            {
                continue;
            }
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw new EgressDeniedException($"egress refused for {host}: {refusal ?? "it resolved to no address"}");
    }
}
