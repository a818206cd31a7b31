using ManifestCompiler.Runtime.Support.Templates;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Fluid;
using HandlebarsDotNet;
using Scriban;
using Scriban.Runtime;
using ManifestCompiler.Syntax.Templates;

namespace ManifestCompiler.Benchmarks;

/// <summary>
/// Template parse/compile and render against Handlebars.Net, Fluid (Liquid) and Scriban on the same templates and
/// values. Each engine gets the model shape it is built for: ours a lookup of JSON values (how a runtime holds
/// tokens and responses), Handlebars and Fluid a dictionary of plain objects, Scriban its own ScriptObject. Fluid
/// runs with Parlot pinned to 1.5.9 (Directory.Packages.props says why). Fluid and Scriban render without HTML
/// encoding, as ours and Handlebars' triple-stash-free output here do: the setup checks all four agree.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class TemplateBenchmarks
{
    // (name, ours, Handlebars): the same text in each engine's syntax.
    public static IEnumerable<(string Name, string Ours, string Handlebars)> Cases()
    {
        yield return ("url", "https://app.asana.com/api/1.0/workspaces/{{ORG}}/addUser", "https://app.asana.com/api/1.0/workspaces/{{ORG}}/addUser");
        yield return ("header", "{{ oauth.token_type }} {{ oauth.access_token }}", "{{oauth.token_type}} {{oauth.access_token}}");
        const string body = "{\"data\": {\"user\": \"{{ email }}\", \"name\": \"{{ first_name }} {{ last_name }}\", \"team\": \"{{ TEAM_ID }}\", \"org\": \"{{ ORG }}\", \"note\": \"Welcome aboard, see you on the first day of work.\"}}";
        yield return ("body", body, body.Replace("{{ ", "{{", StringComparison.Ordinal).Replace(" }}", "}}", StringComparison.Ordinal));
        const string constant = "https://admin.googleapis.com/admin/directory/v1/users?customer=my_customer&maxResults=500";
        yield return ("constant", constant, constant);
    }

    public static IEnumerable<string> CaseNames => Cases().Select(c => c.Name);

    [ParamsSource(nameof(CaseNames))]
    public string Case { get; set; } = "url";

    private string _ours = "", _handlebars = "";
    private TemplateSyntax _oursParsed = null!;
    private HandlebarsTemplate<object, object> _handlebarsCompiled = null!;
    private TemplateVariableResolver _variables = null!;
    private Dictionary<string, object> _model = null!;
    private static readonly FluidParser FluidParser = new();
    private IFluidTemplate _fluidParsed = null!;
    private Template _scribanParsed = null!;
    private ScriptObject _scribanModel = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_, _ours, _handlebars) = Cases().Single(c => c.Name == Case);
        _oursParsed = TemplateParser.Parse(_ours).Value!;
        _handlebarsCompiled = Handlebars.Compile(_handlebars);

        var values = new Dictionary<string, string>
        {
            ["ORG"] = "1204", ["email"] = "ada@example.com", ["first_name"] = "Ada", ["last_name"] = "Lovelace", ["TEAM_ID"] = "t-77",
        };
        var oauth = new Dictionary<string, string> { ["token_type"] = "Bearer", ["access_token"] = "ya29.a0AfH6SMBx" };
        var json = new Dictionary<string, JsonElement>(values.ToDictionary(kv => kv.Key, kv => JsonSerializer.SerializeToElement(kv.Value)))
        {
            ["oauth"] = JsonSerializer.SerializeToElement(oauth),
        };
        _variables = json.TryGetValue;
        _model = values.ToDictionary(kv => kv.Key, kv => (object)kv.Value);
        _model["oauth"] = oauth.ToDictionary(kv => kv.Key, kv => (object)kv.Value);

        // Liquid and Scriban spell these templates as ours does.
        _fluidParsed = FluidParser.TryParse(_ours, out var fluid, out var fluidError) ? fluid : throw new InvalidOperationException(fluidError);
        _scribanParsed = Template.Parse(_ours);
        if (_scribanParsed.HasErrors)
        {
            throw new InvalidOperationException(string.Join("; ", _scribanParsed.Messages));
        }
        _scribanModel = [];
        foreach (var (name, value) in values)
        {
            _scribanModel[name] = value;
        }
        var scribanOauth = new ScriptObject();
        foreach (var (name, value) in oauth)
        {
            scribanOauth[name] = value;
        }
        _scribanModel["oauth"] = scribanOauth;

        var expected = TemplateRenderer.Render(_oursParsed, _variables).Text;
        foreach (var (engine, text) in new[] { ("Handlebars", Handlebars_Render()), ("Fluid", Fluid_Render()), ("Scriban", Scriban_Render()) })
        {
            if (expected != text)
            {
                throw new InvalidOperationException($"{Case}: {engine} disagrees: '{expected}' / '{text}'");
            }
        }
    }

    [BenchmarkCategory("Render"), Benchmark(Baseline = true)]
    public string Handlebars_Render() => _handlebarsCompiled(_model);

    [BenchmarkCategory("Render"), Benchmark]
    public string Fluid_Render() => _fluidParsed.Render(new Fluid.TemplateContext(_model), NullEncoder.Default);

    [BenchmarkCategory("Render"), Benchmark]
    public string Scriban_Render()
    {
        var context = new Scriban.TemplateContext();
        context.PushGlobal(_scribanModel);
        return _scribanParsed.Render(context);
    }

    [BenchmarkCategory("Render"), Benchmark]
    public string? Ours_Render() => TemplateRenderer.Render(_oursParsed, _variables).Text;

    [BenchmarkCategory("Parse"), Benchmark(Baseline = true)]
    public object Handlebars_Compile() => Handlebars.Compile(_handlebars);

    [BenchmarkCategory("Parse"), Benchmark]
    public object Fluid_Parse() => FluidParser.Parse(_ours);

    [BenchmarkCategory("Parse"), Benchmark]
    public object Scriban_Parse() => Template.Parse(_ours);

    [BenchmarkCategory("Parse"), Benchmark]
    public object? Ours_Parse() => TemplateParser.Parse(_ours).Value;
}
