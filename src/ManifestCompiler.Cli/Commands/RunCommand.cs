using System.CommandLine;
using System.Net;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Cli.Checking;
using ManifestCompiler.Cli.Running;
using ManifestCompiler.Runtime;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Workspace;
using Spectre.Console;

namespace ManifestCompiler.Cli.Commands;

/// <summary>
/// <c>mfc run &lt;plan-or-folder&gt; --action &lt;name&gt; [--payload p.json] [--tokens t.json]</c>: runs one action locally
/// (compiling an integration folder first), follows the child runs it queues unless <c>--no-follow</c>, and streams
/// the debug events as the Debug panel shows them. Exit 0 only if every run succeeded.
/// </summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var pathArgument = new Argument<string>("plan-or-folder") { Description = "A BOSSi integration folder (compiled first) or a plan assembly built by mfc build." };
        var actionOption = new Option<string>("--action") { Description = "The action to run.", Required = true };
        var payloadOption = new Option<FileInfo?>("--payload") { Description = "The run's payload (JSON); {} when omitted." };
        var tokensOption = new Option<FileInfo?>("--tokens") { Description = "The instance's stored tokens (a JSON object); {} when omitted." };
        var integrationOption = new Option<string?>("--integration") { Description = "Which integration of a plan assembly holding several." };
        var routeOption = new Option<string[]>("--route") { Description = "<host-glob>=<base-url>: send requests for matching hosts there (repeatable).", AllowMultipleArgumentsPerToken = false };
        var standInOption = new Option<FileInfo?>("--stand-in") { Description = "Start a local stand-in API from this file of canned responses and route its hosts to it." };
        var noFollowOption = new Option<bool>("--no-follow") { Description = "Run only the action, not the child runs it queues." };
        var verboseOption = new Option<bool>("--verbose") { Description = "Print each debug event as full JSON." };
        var recordsOption = new Option<FileInfo?>("--records") { Description = "Write every mapped record, and every record that did not map with its errors, to this file as JSON lines." };
        var command = new Command("run", "Run one action of an integration locally and stream its debug events.")
        {
            pathArgument, actionOption, payloadOption, tokensOption, integrationOption, routeOption, standInOption, noFollowOption, verboseOption, recordsOption,
        };
        command.SetAction((parseResult, cancellationToken) => ExecuteAsync(
            new Arguments(
                parseResult.GetValue(pathArgument)!,
                parseResult.GetValue(actionOption)!,
                parseResult.GetValue(payloadOption),
                parseResult.GetValue(tokensOption),
                parseResult.GetValue(integrationOption),
                parseResult.GetValue(routeOption) ?? [],
                parseResult.GetValue(standInOption),
                parseResult.GetValue(noFollowOption),
                parseResult.GetValue(verboseOption),
                parseResult.GetValue(recordsOption)),
            output,
            error,
            cancellationToken));
        return command;
    }

    private sealed record Arguments(string Path, string Action, FileInfo? Payload, FileInfo? Tokens, string? Integration, string[] Routes, FileInfo? StandIn, bool NoFollow, bool Verbose, FileInfo? Records);

    private static async Task<int> ExecuteAsync(Arguments arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (LoadPlan(arguments, output, error) is not { } plan)
        {
            return 1;
        }
        if (!TryReadJson(arguments.Payload, error, out var payload) || !TryReadJson(arguments.Tokens, error, out var tokensNode))
        {
            return Mfc.UsageExitCode;
        }
        if (tokensNode is not JsonObject tokens)
        {
            error.WriteLine("mfc run: --tokens must hold a JSON object");
            return Mfc.UsageExitCode;
        }

        var routes = new OutboundRoutes();
        foreach (var route in arguments.Routes)
        {
            if (OutboundRoutes.TryAdd(routes, route) is { } problem)
            {
                error.WriteLine("mfc run: --route " + problem);
                return Mfc.UsageExitCode;
            }
        }
        StandInApi? standIn = null;
        if (arguments.StandIn is { } standInFile)
        {
            if (!TryReadJson(standInFile, error, out var definition))
            {
                return Mfc.UsageExitCode;
            }
            using var document = JsonDocument.Parse(definition!.ToJsonString());
            (standIn, var problem) = await StandInApi.StartAsync(document.RootElement);
            if (standIn is null)
            {
                error.WriteLine($"mfc run: {standInFile.FullName}: {problem}");
                return Mfc.UsageExitCode;
            }
            standIn.AddRoutes(routes);
        }

        try
        {
            PythonWorkerPool pool;
            try
            {
                pool = await PythonWorkerPool.StartAsync(new PythonWorkerPoolOptions { MaxWorkers = 2, SpareWorkers = 0 });
            }
            catch (Runtime.Python.Sandbox.PythonRuntimeUnavailableException e)
            {
                error.WriteLine("mfc run: the Python step pool cannot start: " + e.Message);
                return 1;
            }
            await using (pool)
            {
                var colour = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
                var events = new DebugEventLog(e => output.WriteLine(arguments.Verbose ? e.ToJson() : Format(e, colour)));
                var records = new InMemoryRecordSink();
                var runtime = new ManifestRuntime(pool, new InMemoryInstanceStore(), new InMemoryRunQueue(), records, events, new RuntimeOptions
                {
                    Routes = routes,
                    // Routed targets on this machine (a stand-in) are reachable at their exact endpoints; everything else
                    // keeps the default policy.
                    HttpClient = EgressPolicy.AllowingEndpoints(routes.LocalTargets()).CreateHttpClient(),
                });
                runtime.AddPlans(new PlanCatalog([plan], []));
                try
                {
                    var instance = await runtime.ConnectAsync(plan.Name, "local", tokens, runTriggerSteps: false, cancellationToken);
                    await runtime.EnqueueAsync(instance.Id, arguments.Action, payload, RunCaller.System, cancellationToken);
                }
                catch (RunRefusedException e)
                {
                    error.WriteLine("mfc run: " + e.Message);
                    return 1;
                }
                var outcomes = arguments.NoFollow ? await runtime.RunOneAsync(cancellationToken) : await runtime.RunUntilIdleAsync(cancellationToken);
                var failed = outcomes.Count(o => !o.Succeeded);
                if (outcomes.FirstOrDefault() is { Result: { } result } first && plan.FindAction(first.Run.Action) is { ReturnsData: true })
                {
                    output.WriteLine("result: " + runtime.Redactor.Redact(result.ToJsonString()));
                }
                output.WriteLine($"{outcomes.Count} run(s): {outcomes.Count - failed} succeeded, {failed} failed; {records.Records.Count} record(s) mapped, {records.Failures.Count} did not map");
                if (colour)
                {
                    RecordsFile.WriteTable(AnsiConsole.Console, records);
                }
                if (arguments.Records is { } recordsFile)
                {
                    if (RecordsFile.Write(recordsFile.FullName, records) is { } problem)
                    {
                        error.WriteLine($"mfc run: cannot write {recordsFile.FullName}: {problem}");
                        return 1;
                    }
                    output.WriteLine($"records: {recordsFile.FullName}");
                }
                return failed == 0 && outcomes.Count > 0 ? 0 : 1;
            }
        }
        finally
        {
            if (standIn is not null)
            {
                await standIn.DisposeAsync();
            }
        }
    }

    private static IntegrationPlan? LoadPlan(Arguments arguments, TextWriter output, TextWriter error)
    {
        Assembly assembly;
        if (File.Exists(arguments.Path) && arguments.Path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                assembly = new AssemblyLoadContext("plans").LoadFromAssemblyPath(Path.GetFullPath(arguments.Path));
            }
            catch (Exception e) when (e is BadImageFormatException or IOException)
            {
                error.WriteLine($"mfc run: {arguments.Path} is not a plan assembly: {e.Message}");
                return null;
            }
        }
        else
        {
            var workspace = ManifestWorkspace.Load([arguments.Path]);
            foreach (var problem in workspace.Problems)
            {
                error.WriteLine("mfc run: " + problem);
            }
            if (workspace.Problems.Length > 0 || workspace.Integrations.Length == 0)
            {
                if (workspace.Problems.Length == 0)
                {
                    error.WriteLine($"mfc run: {arguments.Path} is neither an integration folder nor a plan assembly");
                }
                return null;
            }
            if (RunnablePlans.Compile(workspace, "RunPlans", "mfc run", error) is not { } image)
            {
                error.WriteLine("mfc run: the integration does not compile; nothing was run");
                return null;
            }
            assembly = Assembly.Load(image);
        }

        PlanCatalog catalog;
        try
        {
            catalog = PlanCatalog.Load(assembly);
        }
        catch (Exception e) when (e is InvalidOperationException or TargetInvocationException or FileNotFoundException)
        {
            error.WriteLine($"mfc run: cannot load the plans of {arguments.Path}: {e.Message}");
            return null;
        }
        var candidates = catalog.Integrations.Where(p => arguments.Integration is null || p.Name == arguments.Integration).ToList();
        if (candidates.Count != 1)
        {
            error.WriteLine(candidates.Count == 0
                ? $"mfc run: no integration plan{(arguments.Integration is null ? "" : $" named '{arguments.Integration}'")} in {arguments.Path}"
                : $"mfc run: {arguments.Path} holds {candidates.Count} integrations ({string.Join(", ", candidates.Select(c => c.Name))}); choose one with --integration");
            return null;
        }
        return candidates[0];
    }

    private static bool TryReadJson(FileInfo? file, TextWriter error, out JsonNode? node)
    {
        node = new JsonObject();
        if (file is null)
        {
            return true;
        }
        if (!JsonInput.TryLoadFile(file, 64, error, out var document))
        {
            return false;
        }
        using (document)
        {
            node = JsonNode.Parse(document.RootElement.GetRawText());
        }
        return true;
    }

    /// <summary>One line per event, as the Debug panel lists them: <c>DEBUG: Starting execution of action: name</c>.</summary>
    private static string Format(DebugEvent e, bool colour)
    {
        var line = e.ToString();
        if (!colour)
        {
            return line;
        }
        var code = e.Level switch
        {
            DebugLevel.Error => "31",
            DebugLevel.Warning => "33",
            DebugLevel.Info => "32",
            _ => "90",
        };
        return $"\u001b[{code}m{line}\u001b[0m";
    }
}
