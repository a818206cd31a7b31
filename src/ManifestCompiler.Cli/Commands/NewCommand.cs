using System.CommandLine;
using ManifestCompiler.Cli.Scaffolding;

namespace ManifestCompiler.Cli.Commands;

/// <summary>
/// <c>mfc new integration &lt;name&gt; --auth oauth|api-key [--webhook]</c> and <c>mfc new manifest &lt;name&gt; --kind
/// webhook|sync-users</c>: a working starting point (it passes <c>mfc check</c>, and its demo runs against a stand-in),
/// never over existing files.
/// </summary>
internal static class NewCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var outputOption = new Option<DirectoryInfo?>("--output", "-o") { Description = "The folder to write into; the current folder when omitted." };

        var integrationName = new Argument<string>("name") { Description = "The integration's name (its folder): lower-case letters, digits and hyphens." };
        var authOption = new Option<string>("--auth") { Description = "How an instance connects.", Required = true };
        authOption.AcceptOnlyFromAmong("oauth", "api-key");
        var webhookOption = new Option<bool>("--webhook") { Description = "Add a signed webhook.json." };
        var integration = new Command("integration", "Scaffold a BOSSi integration folder: one action with a Python step and a field mapping.") { integrationName, authOption, webhookOption, outputOption };
        integration.SetAction(parseResult =>
        {
            var name = parseResult.GetValue(integrationName)!;
            if (Scaffold.NameProblem(name) is { } problem)
            {
                error.WriteLine("mfc new: " + problem);
                return Mfc.UsageExitCode;
            }
            var files = Scaffold.Integration(name, parseResult.GetValue(authOption) == "oauth", parseResult.GetValue(webhookOption));
            var root = (parseResult.GetValue(outputOption)?.FullName ?? Directory.GetCurrentDirectory());
            if (!Write(root, files, output, error))
            {
                return 1;
            }
            var demo = Path.Combine(root, Scaffold.SupportFolder, "demo", name);
            output.WriteLine("Next:");
            output.WriteLine($"  mfc check {Path.Combine(root, name)}");
            output.WriteLine($"  mfc run {Path.Combine(root, name)} --action fetch-record-v1 --tokens {Path.Combine(demo, "tokens.json")} --stand-in {Path.Combine(demo, "stand-in.json")}");
            return 0;
        });

        var manifestName = new Argument<string>("name") { Description = "The manifest's name (its file, <name>.json): lower-case letters, digits and hyphens." };
        var kindOption = new Option<string>("--kind") { Description = "The manifest's kind.", Required = true };
        kindOption.AcceptOnlyFromAmong("webhook", "sync-users");
        var manifest = new Command("manifest", "Scaffold a ChiefOnboarding manifest.") { manifestName, kindOption, outputOption };
        manifest.SetAction(parseResult =>
        {
            var name = parseResult.GetValue(manifestName)!;
            if (Scaffold.NameProblem(name) is { } problem)
            {
                error.WriteLine("mfc new: " + problem);
                return Mfc.UsageExitCode;
            }
            var sync = parseResult.GetValue(kindOption) == "sync-users";
            var root = parseResult.GetValue(outputOption)?.FullName ?? Directory.GetCurrentDirectory();
            if (!Write(root, Scaffold.Manifest(name, sync), output, error))
            {
                return 1;
            }
            var demo = Path.Combine(root, Scaffold.SupportFolder, "demo", name);
            var file = Path.Combine(root, name + ".json");
            output.WriteLine("Next:");
            output.WriteLine($"  mfc check {file}");
            output.WriteLine(sync
                ? $"  mfc run {file} --sync --initial-data {Path.Combine(demo, "initial-data.json")} --stand-in {Path.Combine(demo, "stand-in.json")}"
                : $"  mfc run {file} --user {Path.Combine(demo, "user.json")} --initial-data {Path.Combine(demo, "initial-data.json")} --stand-in {Path.Combine(demo, "stand-in.json")}");
            return 0;
        });

        return new Command("new", "Scaffold a BOSSi integration or a ChiefOnboarding manifest from the templates embedded in mfc.") { integration, manifest };
    }

    /// <summary>Writes every file, plus the JSON Schemas the files name, or nothing at all when any file already exists.</summary>
    private static bool Write(string root, IReadOnlyList<(string Path, string Text)> files, TextWriter output, TextWriter error)
    {
        var all = files.Concat(SchemaCommand.Kinds.Select(k => ($"{Scaffold.SupportFolder}/schemas/{k.File}", SchemaCommand.Read(k.File)))).ToList();
        var existing = files.Select(f => Path.Combine(root, f.Path)).Where(p => File.Exists(p) || Directory.Exists(p)).ToList();
        if (existing.Count > 0)
        {
            foreach (var path in existing)
            {
                error.WriteLine($"mfc new: {path} already exists; nothing was written");
            }
            return false;
        }
        try
        {
            foreach (var (path, text) in all)
            {
                var target = Path.Combine(root, path);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                if (path.StartsWith(Scaffold.SupportFolder + "/schemas/", StringComparison.Ordinal) && File.Exists(target))
                {
                    continue; // the shipped schemas, written by an earlier mfc new: kept as they are
                }
                using var stream = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
                using var writer = new StreamWriter(stream);
                writer.Write(text.ReplaceLineEndings("\n"));
                if (!path.StartsWith(Scaffold.SupportFolder + "/schemas/", StringComparison.Ordinal))
                {
                    output.WriteLine("created " + target);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"mfc new: cannot write under {root}: {e.Message}");
            return false;
        }
        return true;
    }
}
