using System.Globalization;
using System.Text.RegularExpressions;
using Scriban;
using Scriban.Runtime;

namespace ManifestCompiler.Cli.Scaffolding;

/// <summary>
/// What <c>mfc new</c> writes: files rendered from the Scriban templates embedded in mfc (Scaffolding/Templates), the
/// JSON Schemas the files name in <c>$schema</c>, and demo inputs with a stand-in, all under one output folder.
/// Manifest templates keep their own <c>{{ }}</c> placeholders through the <c>lb</c>/<c>rb</c> variables.
/// </summary>
internal static partial class Scaffold
{
    /// <summary>Where the schemas and demo inputs go: a hidden folder, which <c>mfc check</c> of the output folder skips.</summary>
    public const string SupportFolder = ".mfc";

    /// <summary>Lower-case words of letters and digits joined by single hyphens, starting with a letter, at most 64 characters.</summary>
    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    public static string? NameProblem(string name) =>
        name.Length > 64 || !NamePattern().IsMatch(name)
            ? $"'{name}' is not a valid integration name: use lower-case letters, digits and single hyphens, starting with a letter (e.g. acme-crm), at most 64 characters"
            : null;

    /// <summary>The files of a BOSSi integration folder <paramref name="name"/> and its demo, by path relative to the output folder.</summary>
    public static IReadOnlyList<(string Path, string Text)> Integration(string name, bool oauth, bool webhook)
    {
        var action = "fetch-record-v1";
        var model = Model(name, "../" + SupportFolder + "/schemas");
        model.Add("auth", oauth ? "oauth" : "api-key");
        model.Add("webhook", webhook);
        model.Add("action", action);
        var deep = Model(name, "../../../" + SupportFolder + "/schemas");
        deep.Add("action", action);
        var files = new List<(string, string)>
        {
            ($"{name}/oauth.json", Render("oauth.json", model)),
            ($"{name}/schema.json", Render("schema.json", model)),
            ($"{name}/usertypes.json", Render("usertypes.json", model)),
            ($"{name}/action/{action}/schema.json", Render("action-schema.json", deep)),
            ($"{name}/action/{action}/code/{action}.py", Render("step.py", model)),
            ($"{SupportFolder}/demo/{name}/tokens.json", Render("tokens.json", model)),
            ($"{SupportFolder}/demo/{name}/stand-in.json", Render("integration-stand-in.json", model)),
        };
        if (webhook)
        {
            files.Add(($"{name}/webhook.json", Render("webhook.json", model)));
        }
        return files;
    }

    /// <summary>A ChiefOnboarding manifest <c>&lt;name&gt;.json</c> of the kind, and its demo inputs.</summary>
    public static IReadOnlyList<(string Path, string Text)> Manifest(string name, bool syncUsers)
    {
        var model = Model(name, "./" + SupportFolder + "/schemas");
        model.Add("store", name.Replace('-', '_').ToUpperInvariant() + "_USER_ID");
        var kind = syncUsers ? "sync-users" : "webhook";
        var files = new List<(string, string)>
        {
            ($"{name}.json", Render($"manifest-{kind}.json", model)),
            ($"{SupportFolder}/demo/{name}/initial-data.json", Render("manifest-initial-data.json", model)),
            ($"{SupportFolder}/demo/{name}/stand-in.json", Render($"manifest-{kind}-stand-in.json", model)),
        };
        if (!syncUsers)
        {
            files.Add(($"{SupportFolder}/demo/{name}/user.json", Render("manifest-user.json", model)));
        }
        return files;
    }

    private static ScriptObject Model(string name, string schemas)
    {
        var model = new ScriptObject
        {
            { "name", name },
            { "title", string.Join(' ', name.Split('-').Select(w => char.ToUpper(w[0], CultureInfo.InvariantCulture) + w[1..])) },
            { "schemas", schemas },
            { "lb", "{{" },
            { "rb", "}}" },
        };
        return model;
    }

    private static string Render(string template, ScriptObject model)
    {
        using var stream = typeof(Scaffold).Assembly.GetManifestResourceStream("scaffolding/" + template + ".sbn")
            ?? throw new InvalidOperationException($"the template {template}.sbn is not embedded in mfc");
        using var reader = new StreamReader(stream);
        var parsed = Template.Parse(reader.ReadToEnd(), template);
        if (parsed.HasErrors)
        {
            throw new InvalidOperationException($"the template {template}.sbn does not parse: {string.Join("; ", parsed.Messages)}");
        }
        var context = new TemplateContext { StrictVariables = true };
        context.PushGlobal(model);
        return parsed.Render(context);
    }
}
