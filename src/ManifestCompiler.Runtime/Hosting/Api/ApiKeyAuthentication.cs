using System.Security.Claims;
using System.Text.Encodings.Web;
using ManifestCompiler.Runtime.Hosting.DebugPanel;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ManifestCompiler.Runtime.Hosting.Api;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c> (RFC 6750) against the API keys in the runtime's database
/// (<see cref="ApiKeys"/>), for every host of the runtime API. The key is looked up on every request, so a key revoked with <c>mfc keys revoke</c>
/// fails at once, also in a running host. A missing, malformed, unknown or revoked key is the same failure (401).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return AuthenticateResult.NoResult();
        }
        // The message never quotes the header: it holds the key.
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            || await ApiKeys.AuthenticateAsync(keys, header["Bearer ".Length..].Trim(), Context.RequestAborted) is not { } key)
        {
            return AuthenticateResult.Fail("not a live API key");
        }
        return AuthenticateResult.Success(new AuthenticationTicket(ApiCaller.Principal(key), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}

/// <summary>The authorization policies of the runtime API's endpoint groups (<see cref="ManifestRuntimeApi"/>).</summary>
public static class ApiPolicies
{
    /// <summary>Any live key; what it sees is its company's (an admin key sees everything).</summary>
    public const string AnyKey = "any-key";

    /// <summary>An admin key: deploy, merge, branches, keys.</summary>
    public const string Admin = "admin";

    /// <summary>An admin key, or a company key of the company that owns the route's <c>{instance}</c>.</summary>
    public const string InstanceOwner = "instance-owner";

    /// <summary>The Debug panel's session cookie alone (no anti-forgery token yet): the panel's <c>GET /debug/session</c> only.</summary>
    public const string PanelSession = "panel-session";

    /// <summary>
    /// What authenticates a caller: a key in <c>Authorization</c>, or the Debug panel's session cookie with its
    /// anti-forgery header (<see cref="DebugSessionAuthenticationHandler"/>); both resolve to the same key.
    /// </summary>
    private static readonly string[] CallerSchemes = [ApiKeyAuthenticationHandler.SchemeName, DebugSessionAuthenticationHandler.SchemeName];

    public static void Configure(AuthorizationOptions options)
    {
        var anyKey = new AuthorizationPolicyBuilder(CallerSchemes).RequireAuthenticatedUser().Build();
        options.AddPolicy(AnyKey, anyKey);
        options.AddPolicy(Admin, p => p.AddAuthenticationSchemes(CallerSchemes).RequireAuthenticatedUser().RequireClaim(ApiCaller.ScopeClaim, nameof(ApiKeyScope.Admin)));
        options.AddPolicy(InstanceOwner, p => p.AddAuthenticationSchemes(CallerSchemes).RequireAuthenticatedUser().AddRequirements(new InstanceOwnerRequirement()));
        options.AddPolicy(PanelSession, p => p.AddAuthenticationSchemes(DebugSessionAuthenticationHandler.CookieOnlySchemeName).RequireAuthenticatedUser());
        // An endpoint mapped without a policy still needs a key: public endpoints say so (AllowAnonymous).
        options.FallbackPolicy = anyKey;
    }
}

public sealed class InstanceOwnerRequirement : IAuthorizationRequirement;

/// <summary>Grants <see cref="InstanceOwnerRequirement"/> when the route's instance belongs to the key's company (or the key is an admin's).</summary>
internal sealed class InstanceOwnerHandler(IInstanceStore instances) : AuthorizationHandler<InstanceOwnerRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, InstanceOwnerRequirement requirement)
    {
        if (ApiCaller.From(context.User) is not { } caller)
        {
            return;
        }
        if (caller.IsAdmin)
        {
            context.Succeed(requirement);
            return;
        }
        // An unknown instance is refused like another company's: a company key learns nothing about other ids.
        if (context.Resource is HttpContext http && http.GetRouteValue("instance") is string instanceId
            && await instances.GetAsync(instanceId, http.RequestAborted) is { } instance && instance.CompanyId == caller.CompanyId)
        {
            context.Succeed(requirement);
        }
    }
}

/// <summary>Who a request comes from, as its key says: the operator, or one company's user with a role.</summary>
public sealed record ApiCaller(string KeyId, bool IsAdmin, string? CompanyId, string? UserId, string? Role)
{
    public const string ScopeClaim = "mfc:scope";
    private const string KeyClaim = "mfc:key";
    private const string CompanyClaim = "mfc:company";
    private const string UserClaim = "mfc:user";
    private const string RoleClaim = "mfc:role";

    /// <summary>What the runs it queues carry: the operator is the platform (<c>usertypes.json</c> does not apply), a company key its user and role, only <c>owner</c> bypassing it.</summary>
    public RunCaller RunCaller => IsAdmin ? RunCaller.System : new RunCaller(UserId, Role, IsOwner: Role == "owner");

    /// <summary>Whether this caller may see what belongs to <paramref name="companyId"/>.</summary>
    public bool Sees(string? companyId) => IsAdmin || (companyId is not null && companyId == CompanyId);

    public static ClaimsPrincipal Principal(ApiKey key)
    {
        var claims = new List<Claim> { new(KeyClaim, key.Id), new(ScopeClaim, key.Scope.ToString()) };
        if (key.Scope == ApiKeyScope.Company)
        {
            claims.Add(new Claim(CompanyClaim, key.CompanyId!));
            claims.Add(new Claim(UserClaim, key.UserId!));
            claims.Add(new Claim(RoleClaim, key.Role!));
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, ApiKeyAuthenticationHandler.SchemeName));
    }

    public static ApiCaller? From(ClaimsPrincipal user) => user.FindFirst(KeyClaim) is { } key
        ? new ApiCaller(key.Value, user.FindFirst(ScopeClaim)?.Value == nameof(ApiKeyScope.Admin), user.FindFirst(CompanyClaim)?.Value, user.FindFirst(UserClaim)?.Value, user.FindFirst(RoleClaim)?.Value)
        : null;

    /// <summary>The caller of an endpoint behind a key policy (authorization already ran).</summary>
    public static ApiCaller Of(HttpContext context) => From(context.User) ?? throw new InvalidOperationException("an endpoint behind a key policy ran without a key");

    /// <summary>
    /// The API-key scheme, the Debug panel's session schemes and their anti-forgery tokens, the policies (a key
    /// required by default) and the instance-owner check.
    /// </summary>
    public static void AddServices(IServiceCollection services)
    {
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddScheme<DebugSessionOptions, DebugSessionAuthenticationHandler>(DebugSessionAuthenticationHandler.SchemeName, o => o.RequireAntiforgery = true)
            .AddScheme<DebugSessionOptions, DebugSessionAuthenticationHandler>(DebugSessionAuthenticationHandler.CookieOnlySchemeName, o => o.RequireAntiforgery = false);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DebugSessions>();
        services.AddAntiforgery(o =>
        {
            o.HeaderName = DebugSessionAuthenticationHandler.HeaderName;
            o.Cookie.Name = "mfc_antiforgery";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddAuthorization(ApiPolicies.Configure);
        services.AddSingleton<IAuthorizationHandler, InstanceOwnerHandler>();
    }
}
