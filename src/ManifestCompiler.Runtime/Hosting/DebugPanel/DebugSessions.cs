using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using ManifestCompiler.Runtime.Hosting.Api;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ManifestCompiler.Runtime.Hosting.DebugPanel;

/// <summary>
/// The Debug panel's sign-in sessions, server-side and in memory: the cookie holds a random 256-bit session id, the
/// server keeps only its SHA-256 and the id of the API key that signed in (never the key). Every request looks the
/// key up again, so a revoked key ends its sessions at once; a restart ends them all (sign in again).
/// </summary>
public sealed class DebugSessions(TimeProvider time)
{
    public const string CookieName = "mfc_debug_session";

    /// <summary>How long a session lives after its sign-in, used or not.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    private readonly ConcurrentDictionary<string, (string KeyId, DateTimeOffset Expires)> _sessions = new(StringComparer.Ordinal);

    /// <summary>A new session for <paramref name="keyId"/>: the cookie value, shown to the browser once.</summary>
    public string Create(string keyId)
    {
        var now = time.GetUtcNow();
        foreach (var (hash, session) in _sessions)
        {
            if (session.Expires <= now)
            {
                _sessions.TryRemove(hash, out _);
            }
        }
        var id = ApiKeys.Base64Url(RandomNumberGenerator.GetBytes(32));
        _sessions[Hash(id)] = (keyId, now + Lifetime);
        return id;
    }

    /// <summary>The key id of a live session; null for anything unknown, expired or malformed.</summary>
    public string? Find(string? cookie)
    {
        if (string.IsNullOrEmpty(cookie) || cookie.Length > 100 || !_sessions.TryGetValue(Hash(cookie), out var session))
        {
            return null;
        }
        return session.Expires > time.GetUtcNow() ? session.KeyId : null;
    }

    public void End(string? cookie)
    {
        if (!string.IsNullOrEmpty(cookie) && cookie.Length <= 100)
        {
            _sessions.TryRemove(Hash(cookie), out _);
        }
    }

    private static string Hash(string id) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(id)));

    /// <summary>The session cookie's attributes: HttpOnly, <c>SameSite=Strict</c>, <c>Secure</c> when the request is HTTPS.</summary>
    internal static CookieOptions CookieOptions(HttpRequest request, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = request.IsHttps,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };

    /// <summary>
    /// Whether a browser says the request comes from another site: <c>Sec-Fetch-Site</c> other than
    /// <c>same-origin</c> (or <c>none</c>, a typed address), or an <c>Origin</c> that is not this host (RFC 6454).
    /// </summary>
    internal static bool IsCrossSite(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return true;
        }
        var origin = request.Headers.Origin.ToString();
        return origin.Length > 0
            && (!Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                || !string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
                || !string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>Whether a session cookie alone is enough (the panel reading who signed in) or needs the anti-forgery header too (the API).</summary>
public sealed class DebugSessionOptions : AuthenticationSchemeOptions
{
    public bool RequireAntiforgery { get; set; } = true;
}

/// <summary>
/// The Debug panel's session cookie as an authentication scheme beside API keys. For the API
/// (<see cref="DebugSessionAuthenticationHandler.SchemeName"/>) the cookie counts only with the anti-forgery request
/// token in the <c>X-CSRF-TOKEN</c> header (ASP.NET Core antiforgery, bound to the signed-in key) and never from
/// another site; a request that carries <c>Authorization</c> is the key's to decide. Any failure is 401.
/// </summary>
public sealed class DebugSessionAuthenticationHandler(
    IOptionsMonitor<DebugSessionOptions> options, ILoggerFactory logger, UrlEncoder encoder, DebugSessions sessions, IApiKeyStore keys, IAntiforgery antiforgery)
    : AuthenticationHandler<DebugSessionOptions>(options, logger, encoder)
{
    /// <summary>Cookie and anti-forgery header: what the API accepts from the panel.</summary>
    public const string SchemeName = "DebugSession";

    /// <summary>The cookie alone: only the panel's own <c>GET /debug/session</c>, which hands out the anti-forgery token.</summary>
    public const string CookieOnlySchemeName = "DebugSessionCookie";

    public const string HeaderName = "X-CSRF-TOKEN";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Cookies.TryGetValue(DebugSessions.CookieName, out var cookie) || Request.Headers.Authorization.Count > 0)
        {
            return AuthenticateResult.NoResult();
        }
        if (DebugSessions.IsCrossSite(Request))
        {
            return AuthenticateResult.Fail("a session cookie from another site");
        }
        if (sessions.Find(cookie) is not { } keyId
            || await keys.FindAsync(keyId, Context.RequestAborted) is not { } found || found.Key.IsRevoked)
        {
            return AuthenticateResult.Fail("no live session");
        }
        var principal = ApiCaller.Principal(found.Key);
        if (Options.RequireAntiforgery)
        {
            if (Request.Headers[HeaderName].Count == 0)
            {
                return AuthenticateResult.Fail("a session cookie without the anti-forgery header");
            }
            // The token is bound to the signed-in key's identity, which antiforgery reads from HttpContext.User.
            var user = Context.User;
            Context.User = principal;
            try
            {
                await antiforgery.ValidateRequestAsync(Context);
            }
            catch (AntiforgeryValidationException)
            {
                return AuthenticateResult.Fail("the anti-forgery token does not match");
            }
            finally
            {
                Context.User = user;
            }
        }
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }
}

/// <summary>
/// Data-protection keys (which protect the panel's anti-forgery tokens) held in memory only: for hosts whose
/// sessions are in memory anyway (<c>mfc serve</c>), so no key ring is written to the user's home and a restart
/// simply signs everyone out.
/// </summary>
public sealed class InMemoryKeyRepository : Microsoft.AspNetCore.DataProtection.Repositories.IXmlRepository
{
    private readonly List<System.Xml.Linq.XElement> _elements = [];

    public IReadOnlyCollection<System.Xml.Linq.XElement> GetAllElements()
    {
        lock (_elements)
        {
            return [.. _elements.Select(e => new System.Xml.Linq.XElement(e))];
        }
    }

    public void StoreElement(System.Xml.Linq.XElement element, string friendlyName)
    {
        lock (_elements)
        {
            _elements.Add(new System.Xml.Linq.XElement(element));
        }
    }
}
