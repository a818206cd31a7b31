using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace ManifestCompiler.Runtime;

/// <summary>What an API key may do: everything (the operator), or one company's instances as one user with one role.</summary>
public enum ApiKeyScope
{
    Admin,
    Company,
}

/// <summary>
/// An API key as stored: never the key itself, only its SHA-256 (<see cref="ApiKeys"/>). A company key carries the
/// company it is bound to and the user and role its runs are queued as (<c>usertypes.json</c> is checked against them).
/// </summary>
public sealed record ApiKey(string Id, ApiKeyScope Scope, string? CompanyId, string? UserId, string? Role, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt = null)
{
    public bool IsRevoked => RevokedAt is not null;
}

/// <summary>A key just issued: the stored form, and the bearer text shown once and never kept.</summary>
public sealed record IssuedApiKey(ApiKey Key, string BearerText);

/// <summary>Where API keys live (the runtime store's database in <c>mfc serve</c>).</summary>
public interface IApiKeyStore
{
    /// <summary>Stores a new key with the SHA-256 of its secret.</summary>
    Task AddAsync(ApiKey key, byte[] secretHash, CancellationToken cancellationToken = default);

    /// <summary>A key and its stored hash, revoked or not; null when no key has this id.</summary>
    Task<(ApiKey Key, byte[] SecretHash)?> FindAsync(string id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>False when no live key has this id.</summary>
    Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);
}

/// <summary>
/// Issuing and checking API keys. A key reads <c>mfck_&lt;id&gt;_&lt;secret&gt;</c>: the id finds the stored row, the
/// secret (256 random bits, base64url) is compared by its SHA-256 in constant time. A plain hash without salt or
/// stretching is enough because the secret has full entropy: there is no dictionary to try.
/// </summary>
public static class ApiKeys
{
    private const string Prefix = "mfck_";

    public static async Task<IssuedApiKey> IssueAsync(IApiKeyStore store, ApiKeyScope scope, string? companyId, string? userId, string? role, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (scope == ApiKeyScope.Company && (string.IsNullOrWhiteSpace(companyId) || string.IsNullOrWhiteSpace(userId) || string.IsNullOrWhiteSpace(role)))
        {
            throw new ArgumentException("a company key needs a company, a user and a role");
        }
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var key = scope == ApiKeyScope.Admin
            ? new ApiKey(id, scope, null, null, null, now)
            : new ApiKey(id, scope, companyId, userId, role, now);
        await store.AddAsync(key, Hash(secret), cancellationToken).ConfigureAwait(false);
        return new IssuedApiKey(key, Prefix + id + "_" + secret);
    }

    /// <summary>The live key a bearer text names; null for anything malformed, unknown, revoked or wrong.</summary>
    public static async Task<ApiKey?> AuthenticateAsync(IApiKeyStore store, string bearerText, CancellationToken cancellationToken = default)
    {
        var separator = bearerText.StartsWith(Prefix, StringComparison.Ordinal) ? bearerText.IndexOf('_', Prefix.Length) : -1;
        if (separator < 0 || bearerText.Length > 200)
        {
            return null;
        }
        var id = bearerText[Prefix.Length..separator];
        var secret = bearerText[(separator + 1)..];
        if (await store.FindAsync(id, cancellationToken).ConfigureAwait(false) is not { } found)
        {
            return null;
        }
        return CryptographicOperations.FixedTimeEquals(Hash(secret), found.SecretHash) && !found.Key.IsRevoked ? found.Key : null;
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>API keys in memory (tests, hosts without a database).</summary>
public sealed class InMemoryApiKeyStore : IApiKeyStore
{
    private readonly ConcurrentDictionary<string, (ApiKey Key, byte[] Hash)> _keys = new(StringComparer.Ordinal);

    public Task AddAsync(ApiKey key, byte[] secretHash, CancellationToken cancellationToken = default)
    {
        _keys[key.Id] = (key, [.. secretHash]);
        return Task.CompletedTask;
    }

    public Task<(ApiKey Key, byte[] SecretHash)?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult<(ApiKey, byte[])?>(_keys.TryGetValue(id, out var found) ? found : null);

    public Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ApiKey>>([.. _keys.Values.Select(k => k.Key).OrderBy(k => k.CreatedAt).ThenBy(k => k.Id, StringComparer.Ordinal)]);

    public Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        while (_keys.TryGetValue(id, out var found) && !found.Key.IsRevoked)
        {
            if (_keys.TryUpdate(id, (found.Key with { RevokedAt = at }, found.Hash), found))
            {
                return Task.FromResult(true);
            }
        }
        return Task.FromResult(false);
    }
}

/// <summary>
/// An OAuth flow under way: the company and the integration (BOSSi) or instance (ChiefOnboarding) it connects, the
/// redirect it was started with, and when it expires. The callback learns all of it from the nonce alone.
/// </summary>
public sealed record OAuthState(string CompanyId, string? Integration, string? InstanceId, string Redirect, DateTimeOffset ExpiresAt);

/// <summary>Pending OAuth flows, keyed by the SHA-256 of their nonce (durable in the SQLite store).</summary>
public interface IOAuthStateStore
{
    /// <summary>Stores a new flow; expired flows may be purged on the way.</summary>
    Task SaveAsync(string nonceHash, OAuthState state, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Removes the flow and returns it (expired or not); null when unknown or already taken.</summary>
    Task<OAuthState?> TakeAsync(string nonceHash, CancellationToken cancellationToken = default);
}

public sealed class InMemoryOAuthStateStore : IOAuthStateStore
{
    private readonly ConcurrentDictionary<string, OAuthState> _states = new(StringComparer.Ordinal);

    public Task SaveAsync(string nonceHash, OAuthState state, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        foreach (var (hash, pending) in _states)
        {
            if (pending.ExpiresAt <= now)
            {
                _states.TryRemove(hash, out _);
            }
        }
        _states[nonceHash] = state;
        return Task.CompletedTask;
    }

    public Task<OAuthState?> TakeAsync(string nonceHash, CancellationToken cancellationToken = default) =>
        Task.FromResult(_states.TryRemove(nonceHash, out var state) ? state : null);
}

/// <summary>
/// The OAuth <c>state</c> parameter as a single-use nonce (RFC 6749 §10.12, cross-site request forgery): 256 random
/// bits, bound to what the flow connects, valid for <see cref="Lifetime"/>, stored only as its hash.
/// </summary>
public static class OAuthStates
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    public static async Task<string> IssueAsync(IOAuthStateStore store, string companyId, string? integration, string? instanceId, string redirect, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var nonce = ApiKeys.Base64Url(RandomNumberGenerator.GetBytes(32));
        await store.SaveAsync(Hash(nonce), new OAuthState(companyId, integration, instanceId, redirect, now + Lifetime), now, cancellationToken).ConfigureAwait(false);
        return nonce;
    }

    /// <summary>The live flow of <paramref name="nonce"/> started with <paramref name="redirect"/>, now used up; null otherwise.</summary>
    public static async Task<OAuthState?> RedeemAsync(IOAuthStateStore store, string? nonce, string redirect, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(nonce) || nonce.Length > 200)
        {
            return null;
        }
        var state = await store.TakeAsync(Hash(nonce), cancellationToken).ConfigureAwait(false);
        return state is not null && state.ExpiresAt > now && string.Equals(state.Redirect, redirect, StringComparison.Ordinal) ? state : null;
    }

    /// <summary><paramref name="url"/> with <c>state=</c><paramref name="nonce"/> appended as a query parameter.</summary>
    public static string WithState(string url, string nonce) => url + (url.Contains('?') ? "&" : "?") + "state=" + Uri.EscapeDataString(nonce);

    private static string Hash(string nonce) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(nonce)));
}
