using System.CommandLine;
using ManifestCompiler.Cli.Serving;
using ManifestCompiler.Runtime;
using ManifestCompiler.Runtime.Hosting.Api;
using Microsoft.Extensions.Logging;

namespace ManifestCompiler.Cli.Commands;

/// <summary>
/// <c>mfc serve &lt;plans-or-folders&gt;... --db &lt;file&gt;</c>: runs a runtime host on 127.0.0.1 until Ctrl+C (see
/// <see cref="ServeHost"/> for the endpoints).
/// </summary>
internal static class ServeCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var pathsArgument = new Argument<string[]>("plans-or-folders") { Description = "Integration folders, ChiefOnboarding manifests or folders of them (compiled first), or plan assemblies built by mfc build.", Arity = ArgumentArity.OneOrMore };
        var databaseOption = new Option<string>("--db") { Description = "The database: a SQLite file (created if needed; one host), or a PostgreSQL connection string (Host=…;Database=…; shared by many hosts). It holds instances, encrypted tokens, the run queue, cron jobs, records.", Required = true };
        var tokenKeyOption = new Option<string?>("--token-key") { Description = "The base64 key (32 bytes) that encrypts tokens; else MC_TOKEN_KEY, else (SQLite only) a key file beside the database." };
        var portOption = new Option<int>("--port") { Description = "The port on 127.0.0.1.", DefaultValueFactory = _ => 5080 };
        var branchOption = new Option<string>("--branch") { Description = "The branch this host serves.", DefaultValueFactory = _ => PlanBranches.Production };
        var routeOption = new Option<string[]>("--route") { Description = "<host-glob>=<base-url>: send requests for matching hosts there (repeatable)." };
        var standInOption = new Option<FileInfo?>("--stand-in") { Description = "Start a local stand-in API from this file of canned responses and route its hosts to it." };
        var allowedHostsOption = new Option<string[]>("--allowed-hosts") { Description = "Host header values this server answers to (host or host:port; repeatable or comma-separated); default 127.0.0.1:<port> and localhost:<port>." };
        var maxDeployOption = new Option<long>("--max-deploy-bytes") { Description = "The largest deploy body (a zip of sources) accepted.", DefaultValueFactory = _ => SourceDeployment.DefaultMaxBytes };
        var leaseOption = new Option<int>("--lease-seconds") { Description = "How long a taken run stays leased to this host without a heartbeat (renewed every third of it); after that another host of the database takes it over.", DefaultValueFactory = _ => 30 };
        // Test-only (docs/runtime.md, "Schedules across hosts"): hidden from help; see TestClock for why it is harmless.
        var testClockOption = new Option<string?>("--test-clock") { Description = "Tests only: <factor>@<origin-unix-ms>, the runtime's clock running factor times faster from origin on.", Hidden = true };
        var logLevelOption = new Option<LogLevel>("--log-level") { Description = "The least level logged to the console (Trace, Debug, Information, Warning, Error, Critical, None).", DefaultValueFactory = _ => LogLevel.Information };
        var command = new Command("serve", "Run a runtime host on 127.0.0.1: OAuth, webhooks, runs, a live debug event stream; every other endpoint needs an API key (mfc keys).")
        {
            pathsArgument, databaseOption, tokenKeyOption, portOption, branchOption, routeOption, standInOption, allowedHostsOption, maxDeployOption, leaseOption, logLevelOption, testClockOption,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var options = new ServeOptions(
                parseResult.GetValue(pathsArgument)!,
                parseResult.GetValue(databaseOption)!,
                parseResult.GetValue(tokenKeyOption),
                parseResult.GetValue(portOption),
                parseResult.GetValue(branchOption)!,
                parseResult.GetValue(routeOption) ?? [],
                parseResult.GetValue(standInOption),
                parseResult.GetValue(allowedHostsOption) ?? [],
                parseResult.GetValue(maxDeployOption),
                parseResult.GetValue(logLevelOption),
                parseResult.GetValue(leaseOption));
            if (parseResult.GetValue(testClockOption) is { } clockText)
            {
                var (clock, clockProblem) = TestClock.Parse(clockText, DateTimeOffset.UtcNow);
                if (clock is null)
                {
                    error.WriteLine("mfc serve: " + clockProblem);
                    return Mfc.UsageExitCode;
                }
                options = options with { Clock = clock };
            }
            if (options.LeaseSeconds < 3)
            {
                error.WriteLine("mfc serve: --lease-seconds must be at least 3 (the heartbeat renews every third of it)");
                return Mfc.UsageExitCode;
            }
            if (options.MaxDeployBytes <= 0)
            {
                error.WriteLine("mfc serve: --max-deploy-bytes must be positive");
                return Mfc.UsageExitCode;
            }
            foreach (var route in options.Routes)
            {
                if (OutboundRoutes.TryAdd(new OutboundRoutes(), route) is { } problem)
                {
                    error.WriteLine("mfc serve: --route " + problem);
                    return Mfc.UsageExitCode;
                }
            }
            var (host, failure) = await ServeHost.StartAsync(options, output, error, cancellationToken);
            if (host is null)
            {
                error.WriteLine("mfc serve: " + failure);
                return 1;
            }
            await using (host)
            {
                output.WriteLine($"mfc serve: listening on {host.BaseUrl} (branch {options.Branch}, database {RuntimeDatabase.Describe(options.Database)}); Ctrl+C stops");
                await host.WaitForShutdownAsync(cancellationToken);
            }
            return 0;
        });
        return command;
    }
}
