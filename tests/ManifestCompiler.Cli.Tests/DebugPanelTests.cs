using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ManifestCompiler.Runtime.Hosting.DebugPanel;
using ManifestCompiler.Testing;
using Microsoft.Playwright;

namespace ManifestCompiler.Cli.Tests;

/// <summary>
/// The Debug panel of <c>mfc serve</c> (issue 18, item 5): a real <c>mfc serve</c> process on 127.0.0.1 with the
/// QuickBooks sample, its Python steps and a Kestrel stand-in, driven by Debian's Chromium through Playwright, and
/// its session cookie probed over HTTP for what the API must refuse.
/// </summary>
public sealed partial class DebugPanelTests : IDisposable
{
    /// <summary>Debian's Chromium (<c>apt-get install chromium</c>; .ci/run installs it): no browser is downloaded.</summary>
    private const string ChromiumPath = "/usr/bin/chromium";

    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-debug-panel-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Database => Path.Combine(_directory, "host.db");

    private static string Escaped(string instance) => Uri.EscapeDataString(instance);

    private Task<ServeProcess> StartServeAsync() => ServeProcess.StartAsync(
        _directory, Path.Combine(RepositoryPaths.Root, "samples", "bossi", "quickbooks"), "--db", Database, "--stand-in", ServeSecurityTests.QuickBooksStandIn(_directory));

    private string CreateKey(params string[] args)
    {
        var created = MfcRunner.Run(null, ["keys", "create", "--db", Database, .. args]);
        Assert.True(created.ExitCode == 0, created.Error);
        return created.Output.Trim();
    }

    private static async Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(ChromiumPath), $"Chromium is not installed at {ChromiumPath}: the Debug panel is tested in a real browser. Install Debian's package (apt-get install chromium), as .ci/run does.");
        return await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true });
    }

    /// <summary>A fresh browser profile with the page open and signed in with <paramref name="key"/>.</summary>
    private static async Task<IPage> SignInAsync(IBrowser browser, ServeProcess host, string key)
    {
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 1000 } });
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            // The page's own 401 before sign-in (GET /debug/session) and a company key's 403 (GET /runs/dead) are
            // answers it handles; a script error, a missing asset or a load the policy blocked is not.
            if (message.Type == "error" && !ExpectedRefusal().IsMatch(message.Text))
            {
                lock (problems)
                {
                    problems.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (problems)
            {
                problems.Add(error);
            }
        };
        await page.GotoAsync(host.Url("/"));
        await page.Locator("#sign-in-form").WaitForAsync();
        await page.FillAsync("#key", key);
        await page.ClickAsync("#sign-in-button");
        try
        {
            await page.Locator("#panel").WaitForAsync();
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"the panel did not show after sign-in: at {page.Url}, console: {string.Join(" | ", problems)}\n{await page.InnerTextAsync("body")}\n{host.Log}", e);
        }
        await Assertions.Expect(page.Locator("#events-status")).ToHaveTextAsync("live", new() { Timeout = 30_000 });
        // A violation of the Content-Security-Policy, a failed asset: the console says so.
        lock (problems)
        {
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
        return page;
    }

    [Fact]
    public async Task In_Chromium_the_panel_runs_an_action_from_its_form_streams_its_events_live_filters_them_and_shows_a_company_only_its_own()
    {
        await using var host = await StartServeAsync();
        using var admin = host.Client();
        var mine = await ServeSecurityTests.ConnectAsync(admin, host, "c1");
        var theirs = await ServeSecurityTests.ConnectAsync(admin, host, "c2");
        var c1Key = CreateKey("--company", "c1", "--user", "u-1", "--role", "companyAdmin");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchChromiumAsync(playwright);

        // The operator's page: both instances, an action run from the form, its events as they happen.
        var page = await SignInAsync(browser, host, host.AdminKey);
        await Assertions.Expect(page.Locator("#who-text")).ToContainTextAsync("admin key");
        await Assertions.Expect(page.Locator("#instances tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#dead-note")).ToHaveTextAsync("No dead letters.");
        await page.SelectOptionAsync("#run-instance", mine);
        await page.FillAsync("#run-action", "quickbooks-sync-v1");
        await page.FillAsync("#run-payload", "{\"note\": \"from the panel\"}");
        await page.ClickAsync("#run-button");
        await Assertions.Expect(page.Locator("#run-result")).ToContainTextAsync("correlation id");
        var correlation = await page.Locator("#run-result").GetAttributeAsync("data-correlation");
        Assert.False(string.IsNullOrEmpty(correlation));
        var finished = page.Locator($"#events tr[data-correlation=\"{correlation}\"]", new() { HasText = "Finished execution of action: quickbooks-sync-v1" });
        await finished.First.WaitForAsync(new() { Timeout = 60_000 });
        var run = page.Locator($"#runs tr[data-correlation=\"{correlation}\"]").First;
        await Assertions.Expect(run.Locator("td.status-Succeeded")).ToHaveTextAsync("Succeeded", new() { Timeout = 30_000 });
        Assert.Matches(@"^\d+(\.\d)? ms$", await run.Locator("td").Nth(5).TextContentAsync());

        // An action this integration does not have: refused, and the form says why.
        await page.FillAsync("#run-action", "no-such-action");
        await page.ClickAsync("#run-button");
        await Assertions.Expect(page.Locator("#run-result")).ToContainTextAsync("Refused");

        // Events of another run (the other instance), then the filters.
        var other = await admin.PostAsJsonAsync(host.Url($"/instances/{Escaped(theirs)}/runs?wait=true"), new JsonObject { ["action"] = "get-profit-and-loss-v1" });
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        await page.Locator($"#events tr[data-action=\"get-profit-and-loss-v1\"]").First.WaitForAsync(new() { Timeout = 30_000 });

        await page.FillAsync("#filter-correlation", correlation!);
        var shown = await ShownEventsAsync(page);
        Assert.NotEmpty(shown);
        Assert.All(shown, e => Assert.Equal(correlation, e.Correlation));
        Assert.Contains(shown, e => e.Level == "Debug");

        await page.FillAsync("#filter-correlation", "");
        await page.FillAsync("#filter-action", "get-profit-and-loss");
        shown = await ShownEventsAsync(page);
        Assert.NotEmpty(shown);
        Assert.All(shown, e => Assert.Equal("get-profit-and-loss-v1", e.Action));

        await page.FillAsync("#filter-action", "");
        await page.SelectOptionAsync("#filter-level", "Info");
        shown = await ShownEventsAsync(page);
        Assert.All(shown, e => Assert.Contains(e.Level, new[] { "Info", "Warning", "Error" }));
        Assert.DoesNotContain(shown, e => e.Level == "Debug");
        await page.ClickAsync("#filter-clear");
        Assert.Contains(await ShownEventsAsync(page), e => e.Level == "Debug");

        var screenshot = Path.Combine(AppContext.BaseDirectory, "artifacts", "debug-panel-admin.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is written");

        // A company key's page: its own instance, runs and events only, while the other company's run happens.
        var companyPage = await SignInAsync(browser, host, c1Key);
        await Assertions.Expect(companyPage.Locator("#who-text")).ToContainTextAsync("company c1");
        var theirRun = await admin.PostAsJsonAsync(host.Url($"/instances/{Escaped(theirs)}/runs?wait=true"), new JsonObject { ["action"] = "get-profit-and-loss-v1" });
        Assert.Equal(HttpStatusCode.OK, theirRun.StatusCode);
        await companyPage.SelectOptionAsync("#run-instance", mine);
        await companyPage.FillAsync("#run-action", "get-profit-and-loss-v1");
        await companyPage.ClickAsync("#run-button");
        await Assertions.Expect(companyPage.Locator("#run-result")).ToContainTextAsync("correlation id");
        var ownCorrelation = await companyPage.Locator("#run-result").GetAttributeAsync("data-correlation");
        // The event stream is in order: once this run's last event is shown, the other company's would have been too.
        await companyPage.Locator($"#events tr[data-correlation=\"{ownCorrelation}\"]", new() { HasText = "Finished execution" }).First.WaitForAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(companyPage.Locator($"#runs tr[data-correlation=\"{ownCorrelation}\"] td.status-Succeeded")).ToHaveCountAsync(1, new() { Timeout = 30_000 });

        await Assertions.Expect(companyPage.Locator("#instances tr")).ToHaveCountAsync(1);
        Assert.Equal(mine, await companyPage.Locator("#instances tr").First.GetAttributeAsync("data-instance"));
        Assert.Equal([mine], await companyPage.Locator("#run-instance option").EvaluateAllAsync<string[]>("options => options.map(o => o.value)"));
        var companyEvents = await ShownEventsAsync(companyPage);
        Assert.NotEmpty(companyEvents);
        Assert.All(companyEvents, e => Assert.Equal(mine, e.Instance));
        var runInstances = await companyPage.Locator("#runs tr td:nth-child(3)").AllTextContentsAsync();
        Assert.NotEmpty(runInstances);
        Assert.All(runInstances, i => Assert.Equal(mine, i));
        await Assertions.Expect(companyPage.Locator("#dead-note")).ToHaveTextAsync("The dead letters are shown to admin keys only.");
        var everything = await companyPage.ContentAsync();
        Assert.DoesNotContain(theirs, everything, StringComparison.Ordinal);
        Assert.DoesNotContain((await theirRun.Content.ReadFromJsonAsync<JsonObject>())!["run_id"]!.GetValue<string>(), everything, StringComparison.Ordinal);
        Assert.DoesNotContain(host.AdminKey, everything, StringComparison.Ordinal);
        await companyPage.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "artifacts", "debug-panel-company.png"), FullPage = true });

        // The key is nowhere a script can read it: not in a cookie, not in the page.
        var cookies = await companyPage.Context.CookiesAsync();
        var session = Assert.Single(cookies, c => c.Name == DebugSessions.CookieName);
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        Assert.DoesNotContain(cookies, c => c.Value.Contains(c1Key, StringComparison.Ordinal) || c1Key.Contains(c.Value, StringComparison.Ordinal));
        Assert.Equal("", await companyPage.EvaluateAsync<string>("document.cookie"));
        Assert.DoesNotContain(c1Key, await companyPage.ContentAsync(), StringComparison.Ordinal);

        // Sign-out: back to the form, and the old session is dead for the API.
        await companyPage.ClickAsync("#sign-out");
        await companyPage.Locator("#sign-in-form").WaitForAsync();
        var status = await companyPage.EvaluateAsync<int>("async () => (await fetch('/debug/session')).status");
        Assert.Equal(401, status);
    }

    private sealed record ShownEvent(string Level, string Action, string Correlation, string Instance);

    private static async Task<IReadOnlyList<ShownEvent>> ShownEventsAsync(IPage page)
    {
        var rows = await page.Locator("#events tr").EvaluateAllAsync<string[][]>(
            "rows => rows.map(r => [r.dataset.level, r.dataset.action, r.dataset.correlation, r.children[4].textContent])");
        return [.. rows.Select(r => new ShownEvent(r[0], r[1], r[2], r[3]))];
    }

    [Fact]
    public async Task The_API_takes_the_panel_session_only_with_its_anti_forgery_token_and_never_from_another_site()
    {
        await using var host = await StartServeAsync();
        using var admin = host.Client();
        var instance = await ServeSecurityTests.ConnectAsync(admin, host, "c1");
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(60) };

        // The page: a strict policy, the sign-in form with its anti-forgery token, assets from this host only.
        using var page = await browser.GetAsync(host.Url("/"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(DebugPanelPage.ContentSecurityPolicy, page.Headers.GetValues("Content-Security-Policy").Single());
        var html = await page.Content.ReadAsStringAsync();
        var formToken = FormToken().Match(html).Groups[1].Value;
        Assert.NotEqual("", formToken);
        foreach (var asset in new[] { "panel.js", "panel.css" })
        {
            using var served = await browser.GetAsync(host.Url("/debug/assets/" + asset));
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.DoesNotMatch("https?:", await served.Content.ReadAsStringAsync());
        }
        Assert.DoesNotMatch("https?:", html);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(host.Url("/debug/assets/..%2Fpanel.js"))).StatusCode);

        // Sign-in: without the form's token, from another site, or with a key that is not live: no session.
        Assert.Equal(HttpStatusCode.BadRequest, (await SignInAsync(browser, host, host.AdminKey, token: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SignInAsync(browser, host, host.AdminKey, formToken, origin: "http://evil.example")).StatusCode);
        using (var wrong = await SignInAsync(browser, host, host.AdminKey + "x", formToken))
        {
            Assert.Equal(HttpStatusCode.Redirect, wrong.StatusCode);
            Assert.Equal("/?sign-in=failed", wrong.Headers.Location!.OriginalString);
        }
        Assert.Null(SessionCookie(cookies, host));

        using (var signedIn = await SignInAsync(browser, host, host.AdminKey, formToken))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
            var setCookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(DebugSessions.CookieName + "=", StringComparison.Ordinal));
            Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("secure", setCookie, StringComparison.OrdinalIgnoreCase); // plain HTTP on loopback
        }
        var sessionCookie = SessionCookie(cookies, host)!;
        Assert.DoesNotContain(sessionCookie.Value, host.AdminKey, StringComparison.Ordinal);
        // The key is mfck_<id>_<secret>, and the base64url secret may itself hold '_': split off the first two parts only.
        Assert.DoesNotContain(host.AdminKey.Split('_', 3)[2], sessionCookie.Value, StringComparison.Ordinal);

        // The cookie alone reads who signed in and the API's anti-forgery token, never the key.
        using var sessionAnswer = await browser.GetAsync(host.Url("/debug/session"));
        Assert.Equal(HttpStatusCode.OK, sessionAnswer.StatusCode);
        var sessionText = await sessionAnswer.Content.ReadAsStringAsync();
        Assert.DoesNotContain(host.AdminKey, sessionText, StringComparison.Ordinal);
        var token = JsonNode.Parse(sessionText)!["antiforgery_token"]!.GetValue<string>();

        // The API: the cookie with the token passes; without it, with another token, or from another site it is 401.
        Assert.Equal(HttpStatusCode.OK, (await ApiAsync(browser, host, HttpMethod.Get, "/instances", token)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiAsync(browser, host, HttpMethod.Get, "/instances", token: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiAsync(browser, host, HttpMethod.Get, "/instances", formToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiAsync(browser, host, HttpMethod.Get, "/instances", token[..^4] + "AAAA")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiAsync(browser, host, HttpMethod.Get, "/events", token: null)).StatusCode);
        var run = $"/instances/{Escaped(instance)}/runs";
        var body = new JsonObject { ["action"] = "get-profit-and-loss-v1" };
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiAsync(browser, host, HttpMethod.Post, run, token: null, body)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiAsync(browser, host, HttpMethod.Post, run, token, body, site: "cross-site")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiAsync(browser, host, HttpMethod.Post, run, token, body, site: "same-site")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiAsync(browser, host, HttpMethod.Post, run, token, body, origin: "http://evil.example")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiAsync(browser, host, HttpMethod.Get, "/keys", token, origin: "http://127.0.0.1:1")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await ApiAsync(browser, host, HttpMethod.Post, run, token, body, site: "same-origin", origin: host.Url(""))).StatusCode);
        // An admin session is an admin caller; the cross-site form of issue 14 stays 415 (the cookie passed, the body did not).
        Assert.Equal(HttpStatusCode.OK, (await ApiAsync(browser, host, HttpMethod.Get, "/keys", token)).StatusCode);

        // Sign-out ends the session on the server: the cookie replayed afterwards is refused.
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiAsync(browser, host, HttpMethod.Post, "/debug/sign-out", token: null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ApiAsync(browser, host, HttpMethod.Post, "/debug/sign-out", token)).StatusCode);
        using var replay = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var replayed = new HttpRequestMessage(HttpMethod.Get, host.Url("/instances"));
        replayed.Headers.Add("Cookie", string.Join("; ", cookies.GetCookies(new Uri(host.Url("/"))).Select(c => c.Name + "=" + c.Value).Append(DebugSessions.CookieName + "=" + sessionCookie.Value)));
        replayed.Headers.Add(DebugSessionAuthenticationHandler.HeaderName, token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.SendAsync(replayed)).StatusCode);

        // A revoked key ends its sessions at once.
        var companyKey = CreateKey("--company", "c1", "--user", "u-1", "--role", "owner");
        var companyCookies = new CookieContainer();
        using var companyBrowser = new HttpClient(new HttpClientHandler { CookieContainer = companyCookies, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(60) };
        var companyFormToken = FormToken().Match(await companyBrowser.GetStringAsync(host.Url("/"))).Groups[1].Value;
        Assert.Equal(HttpStatusCode.SeeOther, (await SignInAsync(companyBrowser, host, companyKey, companyFormToken)).StatusCode);
        var companyToken = (await companyBrowser.GetFromJsonAsync<JsonObject>(host.Url("/debug/session")))!["antiforgery_token"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await ApiAsync(companyBrowser, host, HttpMethod.Get, "/runs", companyToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ApiAsync(companyBrowser, host, HttpMethod.Get, "/runs/dead", companyToken)).StatusCode);
        var keys = await admin.GetFromJsonAsync<JsonArray>(host.Url("/keys"));
        var companyKeyId = keys!.Single(k => k!["company"]?.GetValue<string>() == "c1")!["id"]!.GetValue<string>();
        Assert.Equal(0, MfcRunner.Run(null, "keys", "revoke", companyKeyId, "--db", Database).ExitCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiAsync(companyBrowser, host, HttpMethod.Get, "/runs", companyToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await companyBrowser.GetAsync(host.Url("/debug/session"))).StatusCode);

        // Neither key reached the log.
        Assert.DoesNotContain(host.AdminKey, host.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(companyKey, host.Log, StringComparison.Ordinal);
    }

    [GeneratedRegex("^Failed to load resource: the server responded with a status of 40[13] ")]
    private static partial Regex ExpectedRefusal();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    private static System.Net.Cookie? SessionCookie(CookieContainer cookies, ServeProcess host) =>
        cookies.GetCookies(new Uri(host.Url("/"))).FirstOrDefault(c => c.Name == DebugSessions.CookieName);

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, ServeProcess host, string key, string? token, string? origin = null)
    {
        var fields = new Dictionary<string, string> { ["key"] = key };
        if (token is not null)
        {
            fields["__RequestVerificationToken"] = token;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, host.Url("/debug/sign-in")) { Content = new FormUrlEncodedContent(fields) };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        return await browser.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> ApiAsync(HttpClient browser, ServeProcess host, HttpMethod method, string path, string? token, JsonObject? body = null, string? site = null, string? origin = null)
    {
        using var request = new HttpRequestMessage(method, host.Url(path)) { Content = body is null ? null : JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Add(DebugSessionAuthenticationHandler.HeaderName, token);
        }
        if (site is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", site);
        }
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        return await browser.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
