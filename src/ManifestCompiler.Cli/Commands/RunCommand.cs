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
        var pathArgument = new Argument<string>("plan-or-folder") { Description = "A BOSSi integration folder (compiled first), a plan assembly built by mfc build, or a ChiefOnboarding manifest (.json)." };
        var actionOption = new Option<string?>("--action") { Description = "The action to run (BOSSi)." };
        var payloadOption = new Option<FileInfo?>("--payload") { Description = "The run's payload (JSON); {} when omitted." };
        var tokensOption = new Option<FileInfo?>("--tokens") { Description = "The instance's stored tokens (a JSON object); {} when omitted." };
        var integrationOption = new Option<string?>("--integration") { Description = "Which integration of a plan assembly holding several." };
        var routeOption = new Option<string[]>("--route") { Description = "<host-glob>=<base-url>: send requests for matching hosts there (repeatable).", AllowMultipleArgumentsPerToken = false };
        var standInOption = new Option<FileInfo?>("--stand-in") { Description = "Start a local stand-in API from this file of canned responses and route its hosts to it." };
        var noFollowOption = new Option<bool>("--no-follow") { Description = "Run only the action, not the child runs it queues." };
        var verboseOption = new Option<bool>("--verbose") { Description = "Print each debug event as full JSON." };
        var recordsOption = new Option<FileInfo?>("--records") { Description = "Write every mapped record, and every record that did not map with its errors, to this file as JSON lines." };
        var userOption = new Option<FileInfo?>("--user") { Description = "ChiefOnboarding: the new hire (a JSON object); for a sync, the users who already exist (an object or an array)." };
        var initialDataOption = new Option<FileInfo?>("--initial-data") { Description = "ChiefOnboarding: the initial_data_form values (a JSON object)." };
        var formOption = new Option<FileInfo?>("--form") { Description = "ChiefOnboarding: the per-run form values (a JSON object)." };
        var existsOption = new Option<bool>("--exists") { Description = "ChiefOnboarding: run 'exists' instead of 'execute'." };
        var revokeOption = new Option<bool>("--revoke") { Description = "ChiefOnboarding: run 'revoke' instead of 'execute'." };
        var syncOption = new Option<bool>("--sync") { Description = "ChiefOnboarding: run a sync-users manifest's import or update, following its pagination." };
        var command = new Command("run", "Run one action of an integration, or a ChiefOnboarding manifest, locally and stream its debug events.")
        {
            pathArgument, actionOption, payloadOption, tokensOption, integrationOption, routeOption, standInOption, noFollowOption, verboseOption, recordsOption,
            userOption, initialDataOption, formOption, existsOption, revokeOption, syncOption,
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
                parseResult.GetValue(recordsOption),
                new ManifestArguments(
                    parseResult.GetValue(userOption),
                    parseResult.GetValue(initialDataOption),
                    parseResult.GetValue(formOption),
                    parseResult.GetValue(existsOption),
                    parseResult.GetValue(revokeOption),
                    parseResult.GetValue(syncOption))),
            output,
            error,
            cancellationToken));
        return command;
    }

    private sealed record Arguments(string Path, string? Action, FileInfo? Payload, FileInfo? Tokens, string? Integration, string[] Routes, FileInfo? StandIn, bool NoFollow, bool Verbose, FileInfo? Records, ManifestArguments Manifest);

    private sealed record ManifestArguments(FileInfo? User, FileInfo? InitialData, FileInfo? Form, bool Exists, bool Revoke, bool Sync)
    {
        public bool Any => User is not null || InitialData is not null || Form is not null || Exists || Revoke || Sync;
    }

    /// <summary>A ChiefOnboarding manifest is a JSON file; an integration is a folder and a plan assembly a .dll.</summary>
    private static bool IsManifest(string path) => File.Exists(path) && path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    private static async Task<int> ExecuteAsync(Arguments arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        IntegrationPlan? plan = null;
        ChiefOnboardingRun? manifestRun = null;
        JsonNode? payload = null;
        JsonObject tokens = [];
        if (IsManifest(arguments.Path))
        {
            if (arguments.Action is not null || arguments.Payload is not null || arguments.Tokens is not null || arguments.Records is not null || arguments.NoFollow || arguments.Integration is not null)
            {
                error.WriteLine("mfc run: --action, --payload, --tokens, --integration, --no-follow and --records are for BOSSi integrations; a ChiefOnboarding manifest takes --user, --initial-data, --form and --exists, --revoke or --sync");
                return Mfc.UsageExitCode;
            }
            (manifestRun, var exitCode) = PrepareManifest(arguments, error);
            if (manifestRun is null)
            {
                return exitCode;
            }
        }
        else
        {
            if (arguments.Action is null)
            {
                error.WriteLine("mfc run: --action is required for a BOSSi integration");
                return Mfc.UsageExitCode;
            }
            if (arguments.Manifest.Any)
            {
                error.WriteLine("mfc run: --user, --initial-data, --form, --exists, --revoke and --sync are for ChiefOnboarding manifests (a .json file)");
                return Mfc.UsageExitCode;
            }
            if (LoadPlan(arguments, output, error) is not { } loaded)
            {
                return 1;
            }
            plan = loaded;
            if (!TryReadJson(arguments.Payload, error, out payload) || !TryReadJson(arguments.Tokens, error, out var tokensNode))
            {
                return Mfc.UsageExitCode;
            }
            if (tokensNode is not JsonObject tokensObject)
            {
                error.WriteLine("mfc run: --tokens must hold a JSON object");
                return Mfc.UsageExitCode;
            }
            tokens = tokensObject;
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
                var instances = new InMemoryInstanceStore();
                var users = new Runtime.ChiefOnboarding.InMemoryUserDirectory();
                var notifier = new Runtime.ChiefOnboarding.RecordingNotifier();
                var runtime = new ManifestRuntime(pool, instances, new InMemoryRunQueue(), records, events, new RuntimeOptions
                {
                    Routes = routes,
                    // Routed targets on this machine (a stand-in) are reachable at their exact endpoints; everything else
                    // keeps the default policy.
                    HttpClient = EgressPolicy.AllowingEndpoints(routes.LocalTargets()).CreateHttpClient(),
                    Users = users,
                    Notifier = notifier,
                });
                if (manifestRun is not null)
                {
                    runtime.AddPlans(new PlanCatalog([], [manifestRun.Plan]));
                    try
                    {
                        return await manifestRun.RunAsync(runtime, instances, users, notifier, output, cancellationToken) ? 0 : 1;
                    }
                    catch (RunRefusedException e)
                    {
                        error.WriteLine("mfc run: " + e.Message);
                        return 1;
                    }
                }
                var integration = plan!;
                runtime.AddPlans(new PlanCatalog([integration], []));
                try
                {
                    var instance = await runtime.ConnectAsync(integration.Name, "local", tokens, runTriggerSteps: false, cancellationToken);
                    await runtime.EnqueueAsync(instance.Id, arguments.Action!, payload, RunCaller.System, cancellationToken);
                }
                catch (RunRefusedException e)
                {
                    error.WriteLine("mfc run: " + e.Message);
                    return 1;
                }
                var outcomes = arguments.NoFollow ? await runtime.RunOneAsync(cancellationToken) : await runtime.RunUntilIdleAsync(cancellationToken);
                var failed = outcomes.Count(o => !o.Succeeded);
                if (outcomes.FirstOrDefault() is { Result: { } result } first && integration.FindAction(first.Run.Action) is { ReturnsData: true })
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

    /// <summary>Compiles the manifest and checks every input against it; the run, or the exit code after printing the problems.</summary>
    private static (ChiefOnboardingRun? Run, int ExitCode) PrepareManifest(Arguments arguments, TextWriter error)
    {
        var workspace = ManifestWorkspace.Load([arguments.Path]);
        foreach (var problem in workspace.Problems)
        {
            error.WriteLine("mfc run: " + problem);
        }
        if (workspace.Problems.Length > 0 || workspace.Manifests.Length != 1)
        {
            return (null, 1);
        }
        if (RunnablePlans.Compile(workspace, "RunManifest", "mfc run", error) is not { } image)
        {
            error.WriteLine("mfc run: the manifest does not compile; nothing was run");
            return (null, 1);
        }
        var plan = PlanCatalog.Load(Assembly.Load(image)).Manifests.Single();
        var manifest = ManifestCompiler.ManifestCompilation.CompileChiefOnboarding(workspace.Manifests[0]).Value!;

        var options = arguments.Manifest;
        JsonNode? user = null;
        if ((options.User is not null && !TryReadJson(options.User, error, out user))
            || !TryReadJson(options.InitialData, error, out var initialData)
            || !TryReadJson(options.Form, error, out var form))
        {
            return (null, Mfc.UsageExitCode);
        }
        var problems = new List<string>();
        if (initialData is not JsonObject initialObject)
        {
            problems.Add("--initial-data must hold a JSON object");
            initialObject = [];
        }
        if (form is not JsonObject formObject)
        {
            problems.Add("--form must hold a JSON object");
            formObject = [];
        }
        var (run, inputProblems) = ChiefOnboardingRun.Prepare(plan, manifest, new ChiefOnboardingRun.Options(
            options.Exists, options.Revoke, options.Sync, user, options.User?.FullName,
            initialObject, options.InitialData?.FullName ?? "--initial-data", formObject, options.Form?.FullName ?? "--form"));
        problems.AddRange(inputProblems);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                error.WriteLine("mfc run: " + problem);
            }
            error.WriteLine("mfc run: nothing was sent");
            return (null, Mfc.UsageExitCode);
        }
        return (run, 0);
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
