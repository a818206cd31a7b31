using System.Collections.Immutable;
using ManifestCompiler.Sources;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>
/// The token checks of Python steps (no python3 here: what CPython decides is in <c>Baselines/bossi-python-step*</c>):
/// the whole span an editor underlines for each MC71xx, and which integration variables the steps' modify_tokens calls
/// declare, so that an unknown <c>integration_variables["k"]</c> is an error (MC7114) only while every write's keys
/// can be seen, and an info (MC7115) otherwise.
/// </summary>
public class PythonStepTokenCheckTests
{
    private const string OAuth = """
        {
          "name": "Tickets",
          "services": ["tickets"],
          "isNonOauth": true,
          "genWebhook": false,
          "tokens": { "apiKey": "{{apiKey}}" },
          "requiredQueryParams": ["apiKey"],
          "triggerSteps": []
        }
        """;

    private const string StepFolder = "t/action/run-v1/code/";

    /// <summary>All diagnostics, as check prints them with the end of their span added: <c>file(line,col): severity
    /// id: message [to line,col]</c> (the path from the step folder on).</summary>
    private static List<string> Check(string variables, params (string Name, string Code)[] steps)
    {
        var codeRefs = string.Join(", ", steps.Select(s => $$"""{ "codeRef": "{{s.Name}}" }"""));
        var schema = $$"""
            {
              "name": "Tickets",
              "version": "1.0.0",
              "variables": { {{variables}} },
              "actions": { "run-v1": { "skipParser": true, "steps": [{{codeRefs}}] } }
            }
            """;
        ImmutableArray<FolderFile> files =
        [
            new("oauth.json", OAuth),
            new("schema.json", schema),
            .. steps.Select(s => new FolderFile($"action/run-v1/code/{s.Name}.py", s.Code)),
        ];
        return [.. ManifestCompilation.CompileIntegration(new IntegrationFolder("t", "t", files)).Diagnostics
            .OrderBy(d => d.FilePath, StringComparer.Ordinal).ThenBy(d => d.Span.Start)
            .Select(d => $"{d} [to {d.End.Line},{d.End.Column}]".Replace(StepFolder, "", StringComparison.Ordinal))];
    }

    private static List<string> Check(params (string Name, string Code)[] steps) => Check("\"baseUrl\": \"x\"", steps);

    private const string Preloaded = "preloaded globals: http, json, logging, datetime, uuid, urlparse, b64";

    [Fact]
    public void Each_diagnostic_spans_what_it_names()
    {
        const string Code = """
            import os, sys  ;x = 1
            loader = __import__
            def main(storage, extra):
                a = storage.__class__
                b = _mc_guard
                c = getattr(storage, "f_code")
                d = json.loads()
                e = send_to_parser("run-v1")
                f = logging.info("m", extr=1)
                g = http.gett
                h = variables["bas"]
                i = variables.get("bse")
                return (1, 2)  # a tuple
            """;

        Assert.Equal(
        [
            $"a.py(1,1): error MC7103: The sandbox blocks 'import os, sys'; {Preloaded} [to 1,15]",
            $"a.py(2,10): error MC7103: The sandbox blocks '__import__'; {Preloaded} [to 2,20]",
            "a.py(3,5): error MC7102: main must take exactly one positional parameter (storage); found 2 parameters [to 3,9]",
            "a.py(4,17): error MC7108: attribute '__class__' is not accessible in the step sandbox [to 4,26]",
            "a.py(5,9): error MC7108: name '_mc_guard' is not accessible in the step sandbox [to 5,18]",
            "a.py(6,26): error MC7108: attribute 'f_code' is not accessible in the step sandbox [to 6,34]",
            "a.py(7,9): error MC7109: json.loads(s, *, cls=..., object_hook=..., parse_float=..., parse_int=..., parse_constant=..., object_pairs_hook=...): missing argument 's' [to 7,19]",
            "a.py(8,9): error MC7109: send_to_parser(action, data): missing argument 'data' [to 8,23]",
            "a.py(8,24): warning MC7005: send_to_parser('run-v1', ...) sends records to an action that skips field mapping (skipParser: true) or has none [to 8,32]",
            "a.py(9,27): warning MC7110: logging.info(msg, *args, **kwargs) ignores keyword 'extr' [to 9,31]",
            "a.py(10,14): error MC7111: 'http' has no attribute 'gett' in the step sandbox; it has: request, HTTPError, HTTPResponse [to 10,18]",
            "a.py(11,19): error MC7112: 'bas' is not a schema.json variable, so variables['bas'] raises KeyError; variables: baseUrl [to 11,24]",
            "a.py(12,23): warning MC7113: 'bse' is not a schema.json variable, so variables.get('bse') is always None; variables: baseUrl [to 12,28]",
            "a.py(13,5): warning MC7116: main returns a tuple, not a dict: only a dict's keys are merged into storage, and only a dict with a truthy 'error' key fails the run; this value is passed on as the step's result [to 13,18]",
        ],
            Check(("a", Code)));
    }

    [Fact]
    public void A_step_without_main_is_reported_at_its_start()
    {
        Assert.Equal(
            ["a.py(1,1): error MC7101: The step does not define 'def main(storage):' at the top level [to 1,1]"],
            Check(("a", "def run(storage):\n    return {}\n")));
    }

    [Fact]
    public void Keys_written_by_literal_dicts_stores_and_updates_are_integration_variables()
    {
        const string Writes = """
            def main(storage):
                modify_tokens({"a": 1, "apiKey": "x", **integration_variables})
                return {}
            """;
        const string Stores = """
            def main(storage):
                t = {"b": 1}
                t["c"] = 2
                t.update({"d": 3})
                print(t["x"], storage.t["y"])
                storage.t["z"] = 4
                t["k"]["sub"] = 5
                modify_tokens(t)
                return {"v": [integration_variables[k] for k in ("a", "b", "c", "d", "apiKey", "x", "y", "z", "k", "sub")]}
            """;
        const string Reads = """
            def main(storage):
                return {"a": integration_variables["a"], "d": integration_variables["d"], "z": integration_variables["z"], "g": integration_variables.get("g")}
            """;

        Assert.Equal(
        [
            "reads.py(2,106): error MC7114: 'z' is not an integration variable (did you mean 'a'?), so integration_variables['z'] raises KeyError; known: a, apiKey, b, c, d [to 2,109]",
            "reads.py(2,143): info MC7115: 'g' is not a declared integration variable (did you mean 'a'?); known: a, apiKey, b, c, d [to 2,146]",
        ],
            Check(("writes", Writes), ("stores", Stores), ("reads", Reads)));
    }

    /// <summary>One step writes tokens whose keys cannot be seen; an unknown key read by another step is then only an info.</summary>
    [Theory]
    [InlineData("modify_tokens()")]
    [InlineData("modify_tokens(storage, storage)")]
    [InlineData("modify_tokens(storage.tokens)")]
    [InlineData("modify_tokens({\"a\": 1, storage: 2})", " (did you mean 'a'?)", "a, apiKey")] // the literal keys are still known
    [InlineData("modify_tokens({\"a\": 1, **storage})", " (did you mean 'a'?)", "a, apiKey")]
    [InlineData("t = {}\n    t[storage] = 1\n    modify_tokens(t)")]
    [InlineData("t = {storage: 1}\n    modify_tokens(t)")]
    [InlineData("t = {}\n    t.update(storage)\n    modify_tokens(t)")]
    [InlineData("t = {}\n    t.update({\"a\": 1}, b=2)\n    modify_tokens(t)")]
    [InlineData("t = {}\n    t.update({storage: 1})\n    modify_tokens(t)")]
    public void Writes_whose_keys_cannot_be_seen_make_an_unknown_key_an_info(string writes, string suggestion = "", string known = "apiKey")
    {
        var writer = $"def main(storage):\n    {writes}\n    return {{}}\n";
        const string Reader = "def main(storage):\n    return {\"e\": integration_variables[\"e\"], \"a\": integration_variables[\"apiKey\"]}\n";

        var found = Check(("writer", writer), ("reader", Reader)).Where(d => !d.StartsWith("writer.py", StringComparison.Ordinal)).ToList();

        Assert.Equal([$"reader.py(2,40): info MC7115: 'e' is not a declared integration variable{suggestion}; known: {known} [to 2,43]"], found);
    }

    [Fact]
    public void Variables_are_listed_in_order_or_as_none()
    {
        const string Code = "def main(storage):\n    return {\"v\": variables[\"alpah\"], \"i\": integration_variables[\"x\"]}\n";

        Assert.Equal(
        [
            "a.py(2,28): error MC7112: 'alpah' is not a schema.json variable (did you mean 'alpha'?), so variables['alpah'] raises KeyError; variables: alpha, zeta [to 2,35]",
            "a.py(2,65): error MC7114: 'x' is not an integration variable, so integration_variables['x'] raises KeyError; known: apiKey [to 2,68]",
        ],
            Check("\"zeta\": 1, \"alpha\": 2", ("a", Code)));
        Assert.Equal(
            ["a.py(2,28): error MC7112: 'alpah' is not a schema.json variable, so variables['alpah'] raises KeyError; variables: none [to 2,35]"],
            Check("", ("a", Code)).Where(d => d.Contains("MC7112", StringComparison.Ordinal)));
    }
}
