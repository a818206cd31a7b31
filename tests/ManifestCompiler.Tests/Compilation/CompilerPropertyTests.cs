using System.Collections.Immutable;
using System.Text.Json.Nodes;
using CsCheck;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.Sources;
using ManifestCompiler.Testing;
using Xunit.Abstractions;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>
/// 50,000 random mutations of the sample integrations and manifests, half at the JSON level (keys removed, renamed,
/// values of the wrong type, odd embedded-language strings) and half at the text level (characters inserted, deleted,
/// truncated): the compiler never throws, and every diagnostic lies inside a file of the input it names.
/// </summary>
[Trait("Category", "Slow")] // 100,000 inputs per property; mutation runs leave them out (docs/mutation-testing.md)
public class CompilerPropertyTests(ITestOutputHelper output)
{
    private const string Alphabet = "{}[]\":,/*\\ \n\t0123456789-+.eEtruefalsnl{{}}$@?'()=<>_";
    private static readonly string[] Extras = ["//", "/*", ",}", ",]", "\\u", "\\ud800", "\uFEFF", "é", "😀", "{{", "}}", "{%", "$..", "import os\n", "def main(", "\"\"\"", "f\"{", "f\"{x!r:{y}}\"", "modify_tokens(", "variables[\"", "http.", "return [", "lambda ", " = ", "getattr(x, \"__"];

    private static readonly string[] OddStrings =
    [
        "", "{{", "{{ }}", "{{ x|nope }}", "{{ responses.9.id }}", "{{ NEXT_PAGE_TOKEN }}", "{{ _x }}", "{% if %}", "$", "$..[?@.a]", "$[?count(@) > 1]",
        "body['a'", "__import__('os')", "lambda: 1", "'{{x}}' == 1", "* * * * * * *", "61 * * * *", "@daily", "@hourly", "a..b", ".", "GET", "get",
        "nope-v1", "sync-contacts-v1", "action", "../x", "string", "datetime", "create", "update", "sync", "email", "\ud800",
    ];

    private sealed record Input(IntegrationFolder? Integration, SourceFile? Manifest);

    [Fact(Timeout = 600_000)]
    public async Task Mutated_samples_compile_without_exceptions_and_with_located_diagnostics()
    {
        var samples = Path.Combine(RepositoryPaths.Root, "samples");
        var integrations = Directory.EnumerateDirectories(Path.Combine(samples, "bossi")).Order(StringComparer.Ordinal)
            .Select(f => CompilationInputs.ReadIntegration(f, Path.GetFileName(f))).ToList();
        var manifests = Directory.EnumerateFiles(Path.Combine(samples, "chiefonboarding"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => new SourceFile(Path.GetFileName(f), File.ReadAllText(f))).ToList();
        Assert.Equal(3, integrations.Count);
        Assert.True(manifests.Count >= 5);

        var count = 0;
        var withErrors = 0;
        var inputs = Gen.Int.Select(seed =>
        {
            var random = new Random(seed);
            var jsonLevel = random.Next(2) == 0;
            if (random.Next(2) == 0)
            {
                var manifest = manifests[random.Next(manifests.Count)];
                return new Input(null, manifest with { Text = Mutate(random, manifest.Text, jsonLevel) });
            }
            var integration = integrations[random.Next(integrations.Count)];
            var files = integration.Files.ToList();
            var index = random.Next(files.Count);
            if (random.Next(20) == 0)
            {
                files.RemoveAt(index);
            }
            else if (files[index].Text is { } text)
            {
                var isJson = files[index].RelativePath.EndsWith(".json", StringComparison.Ordinal);
                files[index] = files[index] with { Text = Mutate(random, text, jsonLevel && isJson) };
            }
            return new Input(integration with { Files = [.. files] }, null);
        });

        await Task.Run(() => inputs.Sample(input =>
        {
            Interlocked.Increment(ref count);
            ImmutableArray<ManifestDiagnostic> diagnostics;
            Dictionary<string, string> texts;
            if (input.Manifest is { } manifest)
            {
                diagnostics = ManifestCompilation.CompileChiefOnboarding(manifest).Diagnostics;
                texts = new() { [manifest.Path] = manifest.Text };
            }
            else
            {
                var folder = input.Integration!;
                diagnostics = ManifestCompilation.CompileIntegration(folder).Diagnostics;
                texts = folder.Files.ToDictionary(f => folder.FilePath(f.RelativePath), f => f.Text ?? "");
            }
            foreach (var d in diagnostics)
            {
                var inside = texts.TryGetValue(d.FilePath, out var text)
                    ? d.Span.Start >= 0 && d.Span.End <= text.Length
                    : d.Id == "MC6009" && d.Span.Length == 0;
                if (!inside)
                {
                    throw new Exception($"{d} (span {d.Span}) is not inside a file of the input");
                }
            }
            if (diagnostics.Any(d => d.IsError))
            {
                Interlocked.Increment(ref withErrors);
            }
        }, iter: 50_000, print: i => (i.Manifest?.Path ?? i.Integration!.Path) + ": " + Shorten(i.Manifest?.Text ?? string.Join("\n---\n", i.Integration!.Files.Select(f => f.RelativePath + "\n" + f.Text)))));

        output.WriteLine($"{count} mutated inputs ({withErrors} with errors), 0 exceptions, every diagnostic located");
        Assert.True(count >= 50_000);
    }

    private static string Shorten(string text) => text.Length > 2000 ? text[..2000] : text;

    private static string Mutate(Random random, string text, bool jsonLevel)
    {
        if (!jsonLevel)
        {
            return TextMutations.Mutate(random, text, Alphabet, Extras);
        }
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return TextMutations.Mutate(random, text, Alphabet, Extras);
        }
        if (root is null)
        {
            return text;
        }
        var edits = 1 + random.Next(3);
        for (var i = 0; i < edits; i++)
        {
            MutateNode(random, root);
        }
        return root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = random.Next(2) == 0 });
    }

    private static void MutateNode(Random random, JsonNode root)
    {
        var containers = new List<JsonNode>();
        Collect(root, containers);
        var target = containers[random.Next(containers.Count)];
        switch (target)
        {
            case JsonObject obj when obj.Count > 0:
                var key = obj.ElementAt(random.Next(obj.Count)).Key;
                switch (random.Next(4))
                {
                    case 0:
                        obj.Remove(key);
                        break;
                    case 1:
                        var value = obj[key];
                        obj.Remove(key);
                        obj[random.Next(2) == 0 ? key + "x" : OddStrings[random.Next(OddStrings.Length)]] = value;
                        break;
                    default:
                        obj[key] = RandomValue(random);
                        break;
                }
                break;
            case JsonArray array when array.Count > 0:
                var at = random.Next(array.Count);
                switch (random.Next(3))
                {
                    case 0:
                        array.RemoveAt(at);
                        break;
                    case 1:
                        array.Add(array[at]?.DeepClone());
                        break;
                    default:
                        array[at] = RandomValue(random);
                        break;
                }
                break;
            case JsonObject obj:
                obj[OddStrings[random.Next(OddStrings.Length)]] = RandomValue(random);
                break;
            case JsonArray array:
                array.Add(RandomValue(random));
                break;
        }
    }

    private static void Collect(JsonNode node, List<JsonNode> containers)
    {
        switch (node)
        {
            case JsonObject obj:
                containers.Add(obj);
                foreach (var (_, value) in obj)
                {
                    if (value is not null)
                    {
                        Collect(value, containers);
                    }
                }
                break;
            case JsonArray array:
                containers.Add(array);
                foreach (var item in array)
                {
                    if (item is not null)
                    {
                        Collect(item, containers);
                    }
                }
                break;
        }
    }

    private static JsonNode? RandomValue(Random random) => random.Next(9) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next(2) == 0),
        2 => JsonValue.Create(random.Next(-5, 5000)),
        3 => JsonValue.Create(random.NextDouble() * 10),
        4 => new JsonObject(),
        5 => new JsonArray(),
        6 => new JsonArray(JsonValue.Create(OddStrings[random.Next(OddStrings.Length)])),
        _ => JsonValue.Create(OddStrings[random.Next(OddStrings.Length)]),
    };
}
