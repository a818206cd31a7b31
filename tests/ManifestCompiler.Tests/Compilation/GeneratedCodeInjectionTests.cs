using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Emit;
using ManifestCompiler.Emit.Plans;
using ManifestCompiler.IR;
using ManifestCompiler.Json;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Sources;
using ManifestCompiler.Testing;
using ManifestCompiler.Workspace;
using Xunit.Abstractions;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>
/// Manifest text cannot inject code into a generated plan (issue 14). Every string position of every JSON file of the
/// samples that takes free text is filled with adversarial text (quotes, backslashes, <c>"""</c>, <c>*/</c>, <c>#</c>,
/// line breaks, braces, NUL, lone surrogates, bidi controls); the plans of all variants compile with zero diagnostics
/// (warnings included), and each adversarial string comes back exactly from the loaded plan: as a property, a
/// template's source and its rendering, or a string of a JSON template's output. At least 10,000 (position, text) cases.
/// </summary>
[Trait("Category", "Slow")] // 10,000 cases compiled into plans; mutation runs leave it out (docs/mutation-testing.md)
public class GeneratedCodeInjectionTests(ITestOutputHelper output)
{
    private static readonly string[] Fragments =
    [
        "\"", "\\", "\"\"\"", "*/", "/*", "#", "\n", "\r\n", "\r", "{", "}", "\0", "\ud800", "\udfff", "\u202e", "\u2066", "\u200f",
        "'", "$\"", "{0}", "\\u0041", "@\"", "//", "\t", "é", "😀", "</summary>", "#endregion", "\u2028", "\u0085", "x",
    ];

    private sealed record Position(int Sample, string File, string[] Path);

    private sealed record Sample(string Name, IntegrationFolder? Folder, SourceFile? Manifest)
    {
        public IEnumerable<(string File, string Text)> JsonFiles => Folder is { } folder
            ? folder.Files.Where(f => f.RelativePath.EndsWith(".json", StringComparison.Ordinal) && f.Text is not null).Select(f => (f.RelativePath, f.Text!))
            : [("", Manifest!.Text)];
    }

    private static List<Sample> Samples()
    {
        var samples = Path.Combine(RepositoryPaths.Root, "samples");
        var list = Directory.EnumerateDirectories(Path.Combine(samples, "bossi")).Order(StringComparer.Ordinal)
            .Select(f => ManifestWorkspace.ReadIntegration(f, Path.GetFileName(f)))
            .Select(f => new Sample(f.Name, f, null)).ToList();
        list.AddRange(Directory.EnumerateFiles(Path.Combine(samples, "chiefonboarding"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => new Sample(Path.GetFileNameWithoutExtension(f), null, new SourceFile(Path.GetFileName(f), File.ReadAllText(f)))));
        return list;
    }

    /// <summary>Every string value's path in a JSON document (object keys and array indexes as text).</summary>
    private static IEnumerable<string[]> StringPaths(JsonNode? node, string[] path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    foreach (var p in StringPaths(value, [.. path, key]))
                    {
                        yield return p;
                    }
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    foreach (var p in StringPaths(array[i], [.. path, "#" + i.ToString(CultureInfo.InvariantCulture)]))
                    {
                        yield return p;
                    }
                }
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                yield return path;
                break;
        }
    }

    /// <summary>JSON text with every non-ASCII character escaped, so lone surrogates survive as \uXXXX escapes.</summary>
    private static void Write(JsonNode? node, StringBuilder text)
    {
        switch (node)
        {
            case null:
                text.Append("null");
                break;
            case JsonObject obj:
                text.Append('{');
                var first = true;
                foreach (var (key, value) in obj)
                {
                    text.Append(first ? "" : ",");
                    first = false;
                    WriteString(key, text);
                    text.Append(':');
                    Write(value, text);
                }
                text.Append('}');
                break;
            case JsonArray array:
                text.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    text.Append(i == 0 ? "" : ",");
                    Write(array[i], text);
                }
                text.Append(']');
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                WriteString(value.GetValue<string>(), text);
                break;
            default:
                text.Append(node.ToJsonString());
                break;
        }
    }

    private static void WriteString(string value, StringBuilder text)
    {
        text.Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                text.Append('\\').Append(c);
            }
            else if (c < 0x20 || c > 0x7e)
            {
                text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(c);
            }
        }
        text.Append('"');
    }

    private static string Replace(string json, IEnumerable<(string[] Path, string Value)> replacements)
    {
        var root = JsonNode.Parse(json);
        foreach (var (path, value) in replacements)
        {
            var node = root!;
            foreach (var segment in path[..^1])
            {
                node = segment.StartsWith('#') ? node[int.Parse(segment[1..], CultureInfo.InvariantCulture)]! : node[segment]!;
            }
            var last = path[^1];
            if (last.StartsWith('#'))
            {
                node[int.Parse(last[1..], CultureInfo.InvariantCulture)] = value;
            }
            else
            {
                node[last] = value;
            }
        }
        var text = new StringBuilder();
        Write(root, text);
        return text.ToString();
    }

    /// <summary>A variant of a sample with the given replacements, under its own name (so many variants share one assembly).</summary>
    private static (IntegrationFolder? Folder, SourceFile? Manifest) Variant(Sample sample, string name, IEnumerable<(string File, string[] Path, string Value)> replacements)
    {
        var byFile = replacements.GroupBy(r => r.File).ToDictionary(g => g.Key, g => g.Select(r => (r.Path, r.Value)).ToList(), StringComparer.Ordinal);
        if (sample.Folder is { } folder)
        {
            var files = folder.Files.Select(f => byFile.TryGetValue(f.RelativePath, out var edits) ? f with { Text = Replace(f.Text!, edits) } : f).ToImmutableArray();
            return (folder with { Name = name, Path = name, Files = files }, null);
        }
        var text = byFile.TryGetValue("", out var manifestEdits) ? Replace(sample.Manifest!.Text, manifestEdits) : sample.Manifest!.Text;
        return (null, new SourceFile(name + ".json", text));
    }

    private static bool CompilesCleanly(IntegrationFolder? folder, SourceFile? manifest) => folder is not null
        ? !ManifestCompilation.CompileIntegration(folder).HasErrors
        : !ManifestCompilation.CompileChiefOnboarding(manifest!).HasErrors;

    /// <summary>Adversarial text: fragments, never forming a template tag ("{{", "{%", "{#", "}}"), never blank.</summary>
    private static string Adversarial(Random random)
    {
        var text = new StringBuilder("x");
        var count = random.Next(1, 7);
        for (var i = 0; i < count; i++)
        {
            text.Append(Fragments[random.Next(Fragments.Length)]);
        }
        var value = text.ToString();
        foreach (var tag in new[] { "{{", "{%", "{#", "}}", "%}", "#}" })
        {
            while (value.Contains(tag, StringComparison.Ordinal))
            {
                value = value.Replace(tag, tag[0] + "x" + tag[1], StringComparison.Ordinal);
            }
        }
        return value;
    }

    [Fact(Timeout = 900_000)]
    public async Task Adversarial_strings_in_every_free_text_position_compile_cleanly_and_round_trip()
    {
        await Task.Yield();
        var samples = Samples();
        const string Probe = "x\"\\*/#\n\u202e\ud800\0";

        // Phase 1: which string positions take free text (a probe changes nothing but the text there).
        var free = new List<Position>();
        var positions = 0;
        for (var s = 0; s < samples.Count; s++)
        {
            foreach (var (file, text) in samples[s].JsonFiles)
            {
                foreach (var path in StringPaths(JsonNode.Parse(text), []))
                {
                    positions++;
                    var (folder, manifest) = Variant(samples[s], samples[s].Name, [(file, path, Probe)]);
                    if (CompilesCleanly(folder, manifest))
                    {
                        free.Add(new Position(s, file, path));
                    }
                }
            }
        }
        output.WriteLine($"{positions} string positions in {samples.Count} samples; {free.Count} take free text");
        Assert.True(free.Count >= 40, $"only {free.Count} free-text positions");
        Assert.All(samples.Select((_, i) => i), i => Assert.Contains(free, p => p.Sample == i));

        // Phase 2: variants with every free position of a sample filled at once, many variants per assembly.
        var random = new Random(20261129);
        var cases = 0;
        var variantsBuilt = 0;
        var rejected = new List<string>();
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        var replacedSurrogates = 0;
        var keysInCode = 0;
        for (var batch = 0; cases < 10_000; batch++)
        {
            Assert.True(batch < 40, $"only {cases} cases after {batch} batches");
            var expected = new Dictionary<string, List<(Position Position, string Text)>>(StringComparer.Ordinal);
            var integrations = new List<IntegrationIR>();
            var manifests = new List<ChiefOnboardingManifestIR>();
            for (var s = 0; s < samples.Count; s++)
            {
                for (var copy = 0; copy < 6; copy++)
                {
                    var name = $"{samples[s].Name}-b{batch}-v{copy}";
                    var filled = free.Where(p => p.Sample == s).Select(p => (Position: p, Text: Adversarial(random))).ToList();
                    var (folder, manifest) = Variant(samples[s], name, filled.Select(f => (f.Position.File, f.Position.Path, f.Text)));
                    if (folder is not null)
                    {
                        var result = ManifestCompilation.CompileIntegration(folder);
                        if (result.HasErrors || result.Value is null)
                        {
                            rejected.Add(string.Join("; ", result.Diagnostics.Where(d => d.IsError)));
                            continue;
                        }
                        integrations.Add(result.Value);
                    }
                    else
                    {
                        var result = ManifestCompilation.CompileChiefOnboarding(manifest!);
                        if (result.HasErrors || result.Value is null)
                        {
                            rejected.Add(string.Join("; ", result.Diagnostics.Where(d => d.IsError)));
                            continue;
                        }
                        manifests.Add(result.Value);
                    }
                    expected[name] = filled;
                }
            }
            var sources = PlanSources.ForAll(integrations, manifests);
            var (image, problems) = RoslynCompilation.Emit($"Injection{batch}", sources.Select(s => (s.HintName, s.Text)));
            Assert.True(image is not null, "generated code has diagnostics:\n" + string.Join("\n", problems.Take(20)));
            var generated = string.Concat(sources.Select(s => s.Text));
            var context = new AssemblyLoadContext($"injection-{batch}", isCollectible: true);
            try
            {
                var catalog = PlanCatalog.Load(context.LoadFromStream(new MemoryStream(image!)));
                var plans = catalog.Integrations.Cast<object>().Select(p => (Name: ((IntegrationPlan)p).Name, Plan: p))
                    .Concat(catalog.Manifests.Select(p => (p.Name, Plan: (object)p))).ToList();
                foreach (var (name, filled) in expected)
                {
                    var plan = Assert.Single(plans, p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) || string.Equals(NameKey(p.Name), NameKey(name), StringComparison.Ordinal)).Plan;
                    var strings = Strings(plan);
                    foreach (var (position, text) in filled)
                    {
                        if (strings.Contains(text) || NotCarried(position))
                        {
                        }
                        else if (strings.Contains(WithoutLoneSurrogates(text)))
                        {
                            replacedSurrogates++; // a JSON value the plan writes with System.Text.Json (docs/generated-plans.md)
                        }
                        else if (position.Path is [.., "memory", _, "key"] && generated.Contains(CSharpLiterals.String(text), StringComparison.Ordinal))
                        {
                            keysInCode++; // a webhook memory key lives in the compiled router's code, not in a value
                        }
                        else
                        {
                            missing.Add($"{samples[position.Sample].Name} {position.File} {string.Join("/", position.Path)}");
                        }
                        cases++;
                    }
                    variantsBuilt++;
                }
            }
            finally
            {
                context.Unload();
            }
        }
        output.WriteLine($"{cases} cases in {variantsBuilt} variants; {rejected.Count} variants rejected by the front end; {replacedSurrogates} came back with lone surrogates as U+FFFD (JSON values), {keysInCode} memory keys found as literals in the router's code");
        Assert.True(missing.Count == 0, "not back from the plan:\n" + string.Join("\n", missing));
        Assert.True(rejected.Count <= variantsBuilt / 20, "too many variants rejected: " + string.Join("\n", rejected.Take(5)));
    }

    /// <summary>Every string of a JSON text (keys and values), read by the compiler's own JSON reader, which keeps lone
    /// surrogates (System.Text.Json does not).</summary>
    private static IEnumerable<string> JsonTextStrings(string json)
    {
        var pending = new Stack<JsonSyntax?>([JsonReader.Read(json).Value]);
        while (pending.TryPop(out var node))
        {
            switch (node)
            {
                case JsonStringSyntax text:
                    yield return text.Value;
                    break;
                case JsonObjectSyntax obj:
                    foreach (var member in obj.Members)
                    {
                        yield return member.Name.Value;
                        pending.Push(member.Value);
                    }
                    break;
                case JsonArraySyntax array:
                    foreach (var item in array.Items)
                    {
                        pending.Push(item);
                    }
                    break;
            }
        }
    }

    /// <summary>
    /// Strings the plan does not carry: a field mapping's <c>version</c> (the mapper is the plan's form of the file),
    /// and a ChiefOnboarding request's <c>files</c> entry, which names a file an earlier request saved: filled with other
    /// text it names none, and the binder drops it with a warning (MC8xxx "file not saved").
    /// </summary>
    private static bool NotCarried(Position position) =>
        (position.File.EndsWith("/schema.json", StringComparison.Ordinal) && position.File.StartsWith("action/", StringComparison.Ordinal) && position.Path is ["version"])
        || position.Path is [_, _, "files", _];

    /// <summary>The text as System.Text.Json writes it: each lone surrogate as U+FFFD.</summary>
    private static string WithoutLoneSurrogates(string text)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                result.Append(text[i]).Append(text[++i]);
            }
            else
            {
                result.Append(char.IsSurrogate(text[i]) ? '\uFFFD' : text[i]);
            }
        }
        return result.ToString();
    }

    private static string NameKey(string name) => new([.. name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);

    private static string Escape(string text) => string.Concat(text.Select(c => c is < ' ' or > '~' ? $"\\u{(int)c:x4}" : c.ToString()));

    /// <summary>Every string reachable from a plan's public properties, with templates rendered over an empty scope.</summary>
    private static HashSet<string> Strings(object plan)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var empty = TemplateScope.FromObject(JsonDocument.Parse("{}").RootElement);
        Walk(plan, 0);
        return found;

        void Walk(object? value, int depth)
        {
            if (value is null || depth > 16)
            {
                return;
            }
            if (value is string text)
            {
                found.Add(text);
                return;
            }
            if (value.GetType().IsPrimitive || value is Delegate || value is Type || value is decimal || value is DateTimeOffset || value is TimeSpan || !seen.Add(value))
            {
                return;
            }
            switch (value)
            {
                case TemplatePlan template:
                    found.Add(template.Source);
                    found.Add(template.Render(empty));
                    return;
                case JsonTemplatePlan json:
                    // The value as the plan holds it (its compact JSON), read by a reader that keeps lone surrogates.
                    found.Add(json.Source);
                    found.UnionWith(JsonTextStrings(json.Source));
                    return;
                case JsonNode node:
                    CollectJson(node);
                    return;
                case JsonElement element:
                    CollectJson(JsonNode.Parse(element.GetRawText()));
                    return;
                case IDictionary dictionary:
                    foreach (DictionaryEntry entry in dictionary)
                    {
                        Walk(entry.Key, depth + 1);
                        Walk(entry.Value, depth + 1);
                    }
                    return;
                case IEnumerable items:
                    foreach (var item in items)
                    {
                        Walk(item, depth + 1);
                    }
                    return;
            }
            if (value.GetType().Namespace?.StartsWith("ManifestCompiler", StringComparison.Ordinal) != true && !value.GetType().Assembly.IsCollectible)
            {
                return;
            }
            // Generated types keep some values in private static fields (the webhook router's payloads and memory keys).
            if (value.GetType().Assembly.IsCollectible)
            {
                foreach (var field in value.GetType().GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance))
                {
                    Walk(field.GetValue(field.IsStatic ? null : value), depth + 1);
                }
                foreach (var nested in value.GetType().GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic))
                {
                    foreach (var field in nested.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static).Where(f => !f.FieldType.ContainsGenericParameters && !nested.ContainsGenericParameters))
                    {
                        Walk(field.GetValue(null), depth + 1);
                    }
                }
            }
            foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetIndexParameters().Length == 0)
                {
                    object? child;
                    try
                    {
                        child = property.GetValue(value);
                    }
                    catch (TargetInvocationException)
                    {
                        continue;
                    }
                    Walk(child, depth + 1);
                }
            }
        }

        void CollectJson(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (key, child) in obj)
                    {
                        found.Add(key);
                        CollectJson(child);
                    }
                    break;
                case JsonArray array:
                    foreach (var child in array)
                    {
                        CollectJson(child);
                    }
                    break;
                case JsonValue scalar when scalar.GetValueKind() == JsonValueKind.String:
                    found.Add(scalar.GetValue<string>());
                    break;
            }
        }
    }
}
