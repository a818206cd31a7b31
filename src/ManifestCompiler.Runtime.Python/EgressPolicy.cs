using System.Net;
using System.Net.Sockets;

namespace ManifestCompiler.Runtime.Python;

/// <summary>
/// Which addresses step HTTP may reach. Checked on the resolved address of every connection the handler opens
/// (so DNS names and redirects cannot get around it), after reading IPv4-mapped (<c>::ffff:a.b.c.d</c>),
/// IPv4-compatible (<c>::a.b.c.d</c>) and NAT64 (<c>64:ff9b::/96</c>) IPv6 addresses as the IPv4 address they carry:
/// the host's own listening endpoints (<see cref="RefusedEndpoints"/>) are never reachable; link-local, metadata and
/// non-routable addresses (0.0.0.0/8 among them) are always refused; loopback, private and carrier-grade NAT ranges
/// only at the exact <see cref="AllowedEndpoints"/> (a local stand-in, a <c>--route</c> target), in
/// <see cref="AllowedNetworks"/>, or when <see cref="AllowPrivateNetworks"/> is set.
/// </summary>
public sealed class EgressPolicy
{
    public static EgressPolicy Default { get; } = new();

    /// <summary>
    /// The default policy, but these exact address-and-port endpoints are reachable even on loopback or a private
    /// network (the targets of <c>--route</c> and <c>--stand-in</c>), and <paramref name="refused"/> (the host's own
    /// listening endpoints) never are.
    /// </summary>
    public static EgressPolicy AllowingEndpoints(IEnumerable<IPEndPoint> allowed, IEnumerable<IPEndPoint>? refused = null) =>
        new() { AllowedEndpoints = [.. allowed], RefusedEndpoints = [.. refused ?? []] };

    /// <summary>Exact address-and-port endpoints reachable even though loopback or private. Never overrides the
    /// always-refused ranges nor <see cref="RefusedEndpoints"/>.</summary>
    public IReadOnlyList<IPEndPoint> AllowedEndpoints { get; init; } = [];

    /// <summary>
    /// Never reachable, whatever else allows them: the host's own listening endpoints, so a step cannot call the
    /// host's API. An endpoint on a loopback or wildcard address refuses its port on every loopback address too
    /// (a server bound to 0.0.0.0 answers on all of them).
    /// </summary>
    public IReadOnlyList<IPEndPoint> RefusedEndpoints { get; init; } = [];

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

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    /// <summary><c>null</c> when the address may be reached (on <paramref name="port"/>, when given), else why not.</summary>
    public string? Refusal(IPAddress address, int? port = null)
    {
        address = Normalize(address);
        if (port is { } p && RefusedEndpoints.Any(e => e.Port == p && (Normalize(e.Address).Equals(address) || (IsLoopbackOrAny(e.Address) && IPAddress.IsLoopback(address)))))
        {
            return $"{address}:{p} is this host's own listening address";
        }
        if (AlwaysRefused.Any(n => n.Contains(address)))
        {
            return $"{address} is a link-local, metadata or non-routable address";
        }
        if (Private.Any(n => n.Contains(address)) && !AllowPrivateNetworks && !AllowedNetworks.Any(n => n.Contains(address))
            && !(port is { } q && AllowedEndpoints.Any(e => e.Port == q && Normalize(e.Address).Equals(address))))
        {
            return AllowedEndpoints.Count > 0
                ? $"{address}{(port is { } r ? ":" + r : "")} is a loopback or private address and not one of the routed targets ({string.Join(", ", AllowedEndpoints)})"
                : $"{address} is a loopback or private address and this host does not allow private networks";
        }
        return null;
    }

    /// <summary>The IPv4 address an IPv6 address carries (mapped, compatible or NAT64 form), else the address itself.</summary>
    public static IPAddress Normalize(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }
        var bytes = address.GetAddressBytes();
        var compatible = bytes.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0 && !(bytes.AsSpan(12).IndexOfAnyExcept((byte)0) < 0 || address.Equals(IPAddress.IPv6Loopback));
        if (compatible || Nat64.Contains(address))
        {
            return new IPAddress(bytes.AsSpan(12));
        }
        return address;
    }

    private static bool IsLoopbackOrAny(IPAddress address) =>
        IPAddress.IsLoopback(Normalize(address)) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

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
            refusal = Refusal(address, context.DnsEndPoint.Port);
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
