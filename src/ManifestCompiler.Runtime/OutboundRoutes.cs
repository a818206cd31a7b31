namespace ManifestCompiler.Runtime;

/// <summary>
/// <c>--route &lt;host-glob&gt;=&lt;base-url&gt;</c>: outbound requests to a matching host go to another base URL (a
/// local stand-in, a vendor sandbox), path and query kept. <c>*</c> in a glob matches any run of characters.
/// </summary>
public sealed class OutboundRoutes
{
    private readonly List<(System.Text.RegularExpressions.Regex Host, Uri Target)> _routes = [];

    public static OutboundRoutes None { get; } = new();

    public int Count => _routes.Count;

    /// <summary>Parses <c>host-glob=base-url</c>; null and a reason when it is malformed.</summary>
    public static string? TryAdd(OutboundRoutes routes, string route)
    {
        var equals = route.IndexOf('=');
        if (equals <= 0 || !Uri.TryCreate(route[(equals + 1)..], UriKind.Absolute, out var target) || target.Scheme is not ("http" or "https"))
        {
            return $"'{route}' is not <host-glob>=<http(s) base URL>";
        }
        var pattern = "^" + System.Text.RegularExpressions.Regex.Escape(route[..equals]).Replace("\\*", ".*", StringComparison.Ordinal) + "$";
        routes._routes.Add((new System.Text.RegularExpressions.Regex(pattern, System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant), target));
        return null;
    }

    /// <summary>
    /// The targets on this machine, as the exact endpoints an egress policy lets steps reach
    /// (<see cref="Python.EgressPolicy.AllowingEndpoints"/>): literal loopback addresses, and <c>localhost</c> as both
    /// 127.0.0.1 and ::1, each with the target's port. Targets elsewhere need no exception.
    /// </summary>
    public IEnumerable<System.Net.IPEndPoint> LocalTargets()
    {
        foreach (var (_, target) in _routes)
        {
            if (System.Net.IPAddress.TryParse(target.Host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(Python.EgressPolicy.Normalize(address)))
            {
                yield return new System.Net.IPEndPoint(address, target.Port);
            }
            else if (string.Equals(target.Host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                yield return new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, target.Port);
                yield return new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Loopback, target.Port);
            }
        }
    }

    public Uri Rewrite(Uri url)
    {
        foreach (var (host, target) in _routes)
        {
            if (host.IsMatch(url.Host))
            {
                var basePath = target.AbsolutePath.TrimEnd('/');
                return new UriBuilder(target.Scheme, target.Host, target.Port, basePath + url.AbsolutePath, url.Query).Uri;
            }
        }
        return url;
    }
}
