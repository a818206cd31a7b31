using System.CommandLine;

namespace ManifestCompiler.Cli.Commands;

/// <summary>
/// <c>mfc schema [kind]</c>: prints the JSON Schema (2020-12) of one file kind, embedded from the repository's
/// <c>schemas/</c> folder; without a kind, lists the kinds.
/// </summary>
internal static class SchemaCommand
{
    /// <summary>Kind name, schema file (under schemas/) and what it describes.</summary>
    public static readonly IReadOnlyList<(string Kind, string File, string Describes)> Kinds =
    [
        ("oauth", "bossi-oauth.schema.json", "BOSSi oauth.json"),
        ("schema", "bossi-schema.schema.json", "BOSSi schema.json"),
        ("usertypes", "bossi-usertypes.schema.json", "BOSSi usertypes.json"),
        ("webhook", "bossi-webhook.schema.json", "BOSSi webhook.json"),
        ("action-schema", "bossi-action-schema.schema.json", "BOSSi action/<name>/schema.json (field mapping)"),
        ("chiefonboarding-webhook", "chiefonboarding-webhook.schema.json", "ChiefOnboarding webhook manifest"),
        ("chiefonboarding-sync-users", "chiefonboarding-sync-users.schema.json", "ChiefOnboarding sync-users manifest"),
    ];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var kindArgument = new Argument<string?>("kind") { Description = "The file kind: " + string.Join(", ", Kinds.Select(k => k.Kind)) + ".", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("schema", "Print the JSON Schema of a manifest file kind (or list the kinds).") { kindArgument };
        command.SetAction(parseResult =>
        {
            var kind = parseResult.GetValue(kindArgument);
            if (kind is null)
            {
                foreach (var (name, file, describes) in Kinds)
                {
                    output.WriteLine($"{name,-28} {describes} (schemas/{file})");
                }
                return 0;
            }
            if (Kinds.FirstOrDefault(k => k.Kind == kind) is not { File: not null } match)
            {
                error.WriteLine($"mfc schema: unknown kind '{kind}'; the kinds are {string.Join(", ", Kinds.Select(k => k.Kind))}");
                return Mfc.UsageExitCode;
            }
            output.Write(Read(match.File));
            return 0;
        });
        return command;
    }

    /// <summary>The text of an embedded schema file.</summary>
    public static string Read(string file)
    {
        using var stream = typeof(SchemaCommand).Assembly.GetManifestResourceStream("schemas/" + file)
            ?? throw new InvalidOperationException($"schemas/{file} is not embedded in mfc");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
