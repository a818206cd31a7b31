using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Hosting.Api;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ManifestCompiler.Runtime.Hosting.DebugPanel;

/// <summary>
/// The Debug panel: a page at <c>GET /</c> that signs in once with an API key (a form) and then reads the runtime API
/// as that key (<c>/instances</c>, <c>/runs</c>, <c>/runs/dead</c>, <c>/events</c>, <c>POST /instances/{id}/runs</c>),
/// so it shows exactly what the key may see. Its assets are embedded in this assembly; the page's
/// Content-Security-Policy lets it load and call nothing but this host. docs/debug-panel.md.
/// </summary>
public static class DebugPanelPage
{
    /// <summary>Loads the page, its script and its style, and nothing else; no framing, no form posts elsewhere.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>A sign-in form holds a key (about 70 characters) and a token: anything far larger is not one.</summary>
    private const int MaxSignInBytes = 8 * 1024;

    private const string TokenPlaceholder = "%SIGN_IN_TOKEN%";

    private static readonly Dictionary<string, string> AssetTypes = new(StringComparer.Ordinal)
    {
        ["panel.js"] = "text/javascript; charset=utf-8",
        ["panel.css"] = "text/css; charset=utf-8",
    };

    /// <summary>
    /// Maps the page, its assets, sign-in, the session and sign-out. Call it after
    /// <see cref="ManifestRuntimeApi.MapManifestRuntimeApi"/>, which checks the <c>Host</c> and authenticates.
    /// </summary>
    public static WebApplication MapManifestRuntimeDebugPanel(this WebApplication app)
    {
        app.MapGet("/", ServePage).AllowAnonymous();
        app.MapGet("/debug/assets/{name}", ServeAsset).AllowAnonymous();
        app.MapPost("/debug/sign-in", SignInAsync).AllowAnonymous();
        app.MapGet("/debug/session", Session).RequireAuthorization(ApiPolicies.PanelSession);
        app.MapPost("/debug/sign-out", SignOut).RequireAuthorization(ApiPolicies.AnyKey);
        return app;
    }

    private static void Secure(HttpResponse response, string? policy = ContentSecurityPolicy)
    {
        if (policy is not null)
        {
            response.Headers.ContentSecurityPolicy = policy;
        }
        response.Headers.XContentTypeOptions = "nosniff";
        // Not no-referrer: under it Chromium sends "Origin: null" with the page's own sign-in form, which reads as another site.
        response.Headers["Referrer-Policy"] = "same-origin";
        response.Headers.CacheControl = "no-store";
    }

    private static IResult ServePage(HttpContext context, IAntiforgery antiforgery)
    {
        // The sign-in form's anti-forgery token (an anonymous one), so no other site can sign a browser in with its own key.
        var tokens = antiforgery.GetAndStoreTokens(context);
        var html = Asset("index.html").Replace(TokenPlaceholder, HtmlEncoder.Default.Encode(tokens.RequestToken!), StringComparison.Ordinal);
        Secure(context.Response);
        context.Response.Headers.XFrameOptions = "DENY";
        return Results.Content(html, "text/html; charset=utf-8");
    }

    private static IResult ServeAsset(string name, HttpContext context)
    {
        if (!AssetTypes.TryGetValue(name, out var type))
        {
            return Results.NotFound();
        }
        Secure(context.Response);
        return Results.Content(Asset(name), type);
    }

    /// <summary>
    /// The sign-in form: a live key and the form's anti-forgery token give a session cookie and a redirect to the
    /// page; anything else a redirect to the page saying the sign-in failed (the key is never echoed or logged).
    /// </summary>
    private static async Task<IResult> SignInAsync(HttpContext context, IAntiforgery antiforgery, IApiKeyStore keys, DebugSessions sessions)
    {
        Secure(context.Response, policy: null);
        if (context.Request.ContentLength is not (> 0 and <= MaxSignInBytes))
        {
            return Results.Json(new JsonObject { ["error"] = "a sign-in form is a key, a token and nothing else" }, statusCode: StatusCodes.Status400BadRequest);
        }
        if (DebugSessions.IsCrossSite(context.Request) || !context.Request.HasFormContentType)
        {
            return Results.Json(new JsonObject { ["error"] = "sign in from the Debug panel's own page" }, statusCode: StatusCodes.Status403Forbidden);
        }
        try
        {
            await antiforgery.ValidateRequestAsync(context);
        }
        catch (AntiforgeryValidationException)
        {
            return Results.Json(new JsonObject { ["error"] = "the sign-in form's anti-forgery token is missing or wrong; reload the page" }, statusCode: StatusCodes.Status400BadRequest);
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (await ApiKeys.AuthenticateAsync(keys, form["key"].ToString().Trim(), context.RequestAborted) is not { } key)
        {
            return Results.Redirect("/?sign-in=failed", permanent: false, preserveMethod: false);
        }
        var session = sessions.Create(key.Id);
        context.Response.Cookies.Append(DebugSessions.CookieName, session, DebugSessions.CookieOptions(context.Request, DateTimeOffset.UtcNow + DebugSessions.Lifetime));
        // 303: the browser follows with a GET of the page.
        context.Response.Headers.Location = "/";
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }

    /// <summary>Who signed in (never the key) and the anti-forgery token the page sends with every API call.</summary>
    private static IResult Session(HttpContext context, IAntiforgery antiforgery)
    {
        Secure(context.Response, policy: null);
        var caller = ApiCaller.Of(context);
        var tokens = antiforgery.GetAndStoreTokens(context);
        return Results.Json(new JsonObject
        {
            ["key_id"] = caller.KeyId,
            ["admin"] = caller.IsAdmin,
            ["company"] = caller.CompanyId,
            ["user"] = caller.UserId,
            ["role"] = caller.Role,
            ["antiforgery_header"] = DebugSessionAuthenticationHandler.HeaderName,
            ["antiforgery_token"] = tokens.RequestToken,
        });
    }

    /// <summary>Ends the session (with the anti-forgery header, like every API call of the page) and clears its cookie.</summary>
    private static IResult SignOut(HttpContext context, DebugSessions sessions)
    {
        Secure(context.Response, policy: null);
        sessions.End(context.Request.Cookies[DebugSessions.CookieName]);
        context.Response.Cookies.Delete(DebugSessions.CookieName, DebugSessions.CookieOptions(context.Request, null));
        return Results.NoContent();
    }

    private static string Asset(string name)
    {
        using var stream = typeof(DebugPanelPage).Assembly.GetManifestResourceStream("ManifestCompiler.Runtime.DebugPanel." + name)
            ?? throw new InvalidOperationException($"the Debug panel asset {name} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
