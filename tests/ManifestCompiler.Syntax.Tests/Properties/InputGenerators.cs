using System.Text;
using System.Text.Json;
using ManifestCompiler.Conformance;

namespace ManifestCompiler.Syntax.Tests.Properties;

/// <summary>
/// Random inputs for the parsers: strings over each language's alphabet, sentences built from the grammar, and
/// mutations of real inputs (the conformance data). Each input comes from a seed, so a failure reproduces.
/// </summary>
internal static class InputGenerators
{
    // Non-ASCII digits (Arabic-Indic, fullwidth) probe number rules: the grammars take ASCII digits only.
    private static readonly string[] Unicode = ["é", "ж", "😀", "\u2028", "\uD800", "\uDC00", "\u0000", "\uFFFF", "\t", "\n", "\r", "٣", "１"];

    public static string RandomString(Random random, string alphabet, int maxLength)
    {
        var builder = new StringBuilder();
        var length = random.Next(maxLength + 1);
        for (var i = 0; i < length; i++)
        {
            builder.Append(random.Next(8) == 0 ? Unicode[random.Next(Unicode.Length)] : alphabet[random.Next(alphabet.Length)].ToString());
        }
        return builder.ToString();
    }

    /// <summary>Deletes, inserts, replaces, duplicates or truncates a few characters of a real input.</summary>
    public static string Mutate(Random random, string input, string alphabet) => Testing.TextMutations.Mutate(random, input, alphabet, Unicode);

    public static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    // --- JSONPath -------------------------------------------------------------------------------

    public const string JsonPathAlphabet = "$@.[]()?*:,'\"\\!=<>&|-+0123456789abcexyz_ \tlengthcountmatchsearchvaluetruefalsenull";

    private static readonly Lazy<IReadOnlyList<string>> ConformanceSelectors = new(() =>
    {
        var directory = ConformanceRunner.ResolveDirectory();
        using var cts = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "jsonpath", "cts.json")));
        var selectors = cts.RootElement.GetProperty("tests").EnumerateArray().Select(t => t.GetProperty("selector").GetString()!).ToList();
        selectors.AddRange(File.ReadLines(Path.Combine(directory, "jsonpath", "generated.jsonl")).Take(500)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("selector").GetString()!));
        return selectors;
    });

    public static IReadOnlyList<string> JsonPathCorpus => ConformanceSelectors.Value;

    public static string GrammarJsonPath(Random random, int depth = 0)
    {
        var builder = new StringBuilder(depth == 0 || random.Next(2) == 0 ? "$" : "@");
        var segments = random.Next(depth > 1 ? 2 : 5);
        for (var i = 0; i < segments; i++)
        {
            builder.Append(random.Next(10) == 0 ? " " : "");
            switch (random.Next(5))
            {
                case 0:
                    builder.Append('.').Append(Pick(random, ["a", "b", "_x", "é", "*", "price", "😀"]));
                    break;
                case 1:
                    builder.Append("..").Append(Pick(random, ["a", "*", "[0]", "['b']"]));
                    break;
                default:
                    builder.Append('[');
                    var selectors = 1 + random.Next(3);
                    for (var s = 0; s < selectors; s++)
                    {
                        if (s > 0)
                        {
                            builder.Append(Pick(random, [",", " , ", ","]));
                        }
                        builder.Append(GrammarSelector(random, depth));
                    }
                    builder.Append(']');
                    break;
            }
        }
        return builder.ToString();
    }

    private static string GrammarSelector(Random random, int depth) => random.Next(6) switch
    {
        0 => Pick(random, ["'a'", "\"b\"", "'\\u00e9'", "'x\\'y'", "\"\\ud83d\\ude00\""]),
        1 => "*",
        2 => Pick(random, ["0", "-1", "3", "9007199254740991", "-9007199254740991"]),
        3 => $"{Pick(random, ["", "1", "-2"])}:{Pick(random, ["", "3", "-1"])}{Pick(random, ["", ":", ":2", ":-1", ":0"])}",
        _ => "?" + GrammarLogical(random, depth + 1),
    };

    private static string GrammarLogical(Random random, int depth)
    {
        if (depth > 3)
        {
            return GrammarJsonPath(random, depth);
        }
        return random.Next(7) switch
        {
            0 => GrammarLogical(random, depth + 1) + Pick(random, [" && ", "||", " || "]) + GrammarLogical(random, depth + 1),
            1 => "!" + Pick(random, ["(" + GrammarLogical(random, depth + 1) + ")", GrammarJsonPath(random, depth + 1)]),
            2 => "(" + GrammarLogical(random, depth + 1) + ")",
            3 => GrammarFunction(random, depth + 1),
            4 => GrammarJsonPath(random, depth + 1),
            _ => GrammarComparable(random, depth + 1) + Pick(random, ["==", " != ", "<", "<=", " > ", ">="]) + GrammarComparable(random, depth + 1),
        };
    }

    private static string GrammarComparable(Random random, int depth) => random.Next(4) switch
    {
        0 => Pick(random, ["1", "-0", "1.5e3", "'s'", "true", "false", "null", "0.1"]),
        1 => GrammarFunction(random, depth),
        _ => GrammarJsonPath(random, depth),
    };

    private static string GrammarFunction(Random random, int depth)
    {
        var name = Pick(random, ["length", "count", "match", "search", "value", "nope"]);
        return name is "match" or "search"
            ? $"{name}({GrammarComparable(random, depth)}, {Pick(random, ["'a.*'", "'[a-z]+'", "'('", "'\\\\p{L}'", "@.r"])})"
            : $"{name}({GrammarComparable(random, depth)})";
    }

    // --- templates ------------------------------------------------------------------------------

    public const string TemplateAlphabet = "{}{}%#|:._-'\" abcXYZ019/=?&\\";

    private static readonly Lazy<IReadOnlyList<string>> ManifestStrings = new(() =>
    {
        var directory = Path.Combine(ConformanceRunner.ResolveDirectory(), "manifests", "chiefonboarding");
        var strings = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.json"))
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
                Collect(document.RootElement, strings);
            }
            catch (JsonException)
            {
                // A few fragments are not complete JSON; their strings are not needed.
            }
        }
        return strings;

        static void Collect(JsonElement element, List<string> output)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    output.Add(element.GetString()!);
                    break;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        Collect(property.Value, output);
                    }
                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Collect(item, output);
                    }
                    break;
            }
        }
    });

    public static IReadOnlyList<string> TemplateCorpus => ManifestStrings.Value.Where(s => s.Contains("{{", StringComparison.Ordinal)).ToList();

    public static IReadOnlyList<string> StringCorpus => ManifestStrings.Value;

    public static string GrammarTemplate(Random random)
    {
        var builder = new StringBuilder();
        var parts = random.Next(5);
        for (var i = 0; i < parts; i++)
        {
            if (random.Next(2) == 0)
            {
                builder.Append(Pick(random, ["https://x/", "Bearer ", " ", "{\"a\": 1}", "{", "}", "a}b", "é😀"]));
                continue;
            }
            builder.Append("{{").Append(Pick(random, ["", " ", "  "]));
            builder.Append(string.Join(".", Enumerable.Range(0, 1 + random.Next(3)).Select(_ => Pick(random, ["email", "responses", "0", "12", "form_id", "_x", "a-b", "ж"]))));
            var filters = random.Next(3);
            for (var f = 0; f < filters; f++)
            {
                builder.Append(Pick(random, ["|", " | "])).Append(Pick(random, ["default:'N/A'", "default:\"x\"", "default:other.path", "upper", "length", "default", "upper:1", "nope", "urlencode:'/'"]));
            }
            builder.Append(Pick(random, ["", " "])).Append(Pick(random, ["}}", "}}", "}", ""]));
        }
        return builder.ToString();
    }

    // --- Python expressions ---------------------------------------------------------------------

    public const string PythonAlphabet = "()[]{}.,:'\"\\+-*/%<>=!~|&^@ _abxyz0123456789ejfrbodyheaders\t\n#";

    private static readonly Lazy<IReadOnlyList<string>> PythonExpressions = new(() =>
    {
        var directory = Path.Combine(ConformanceRunner.ResolveDirectory(), "pyexpr");
        return new[] { "generated.jsonl", "holes.jsonl" }
            .SelectMany(f => File.ReadLines(Path.Combine(directory, f)))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("expr").GetString()!)
            .ToList();
    });

    public static IReadOnlyList<string> PythonCorpus => PythonExpressions.Value;

    public static string GrammarPython(Random random, int depth = 0)
    {
        if (depth > 4)
        {
            return Pick(random, ["1", "body", "'s'", "None", "2.5", "{{x}}", "headers"]);
        }
        string Sub() => GrammarPython(random, depth + 1);
        return random.Next(12) switch
        {
            0 => $"{Sub()} {Pick(random, ["+", "-", "*", "/", "//", "%", "**", "|", "@"])} {Sub()}",
            1 => $"{Pick(random, ["-", "+", "not ", "~"])}{Sub()}",
            2 => $"{Sub()} {Pick(random, ["<", "<=", "==", "!=", "in", "not in", "is", "is not"])} {Sub()}",
            3 => $"{Sub()} {Pick(random, ["and", "or"])} {Sub()}",
            4 => $"{Sub()} if {Sub()} else {Sub()}",
            5 => $"{Sub()}[{Pick(random, [Sub(), ":", "::-1", "1:", $"{Sub()}:{Sub()}"])}]",
            6 => $"{Pick(random, ["str", "int", "len", "max", "open", "__import__"])}({Sub()})",
            7 => $"{Sub()}.{Pick(random, ["lower", "get", "split", "__class__", "nope"])}({Sub()})",
            8 => $"[{Sub()}, {Sub()}]",
            9 => $"{{{Sub()}: {Sub()}}}",
            10 => $"f'{Pick(random, ["a", "{{", "}}"])}{{{Sub()}}}'",
            _ => Pick(random, ["'{{ event_type }}'", "0x1f", "1_000", "1e-5", "'\\x41'", "r'\\d'", "(1,)", "lambda: 1", "[x for x in y]", "(a := 1)", "b''"]),
        };
    }

    // --- dot paths ------------------------------------------------------------------------------

    public const string DotPathAlphabet = "..abc019-_ +x";

    public static string GrammarDotPath(Random random) =>
        string.Join(".", Enumerable.Range(0, random.Next(5)).Select(_ => Pick(random, ["data", "items", "0", "-1", " 1", "01", "1_0", "", "next.page", "é"])));

    public static readonly JsonElement SampleHeaders = JsonDocument.Parse("""{"content-type": "application/json", "X-Event": "push"}""").RootElement;

    public static readonly JsonElement SampleDocument = JsonDocument.Parse("""
        {"data": {"items": [{"id": 1, "name": "a"}, {"id": 2, "tags": ["x", "y"]}], "next": null},
         "items": [0, 1.5, "two", true, [3], {"a": {"b": "c"}}],
         "a": "s", "b": {"é": "ü", "0": {"x y": 1}}, "price": 10, "r": "a.*", "ls\ud800": "x\udc00y"}
        """).RootElement;
}
