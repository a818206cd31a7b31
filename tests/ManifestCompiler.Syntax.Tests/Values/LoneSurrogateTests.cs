using System.Text.Json;
using ManifestCompiler.Syntax.DotPaths;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Syntax.Templates;

namespace ManifestCompiler.Syntax.Tests.Values;

/// <summary>
/// JSON may escape half a surrogate pair. CPython reads it; System.Text.Json's GetString, JsonProperty.Name and
/// TryGetProperty throw on it. Untrusted documents with such strings must work everywhere, not crash.
/// </summary>
public class LoneSurrogateTests
{
    private static readonly JsonElement Document = JsonDocument.Parse("""{"k\ud800": "a\ud800b", "v": "a\ud800b", "n": {"x\udc00": 1}}""").RootElement;

    [Fact]
    public void Templates_render_them()
    {
        var template = TemplateParser.Parse("{{ v }}|{{ n }}").Value!;
        var result = TemplateRenderer.Render(template, TemplateRenderer.FromObject(Document));

        Assert.Equal("a\ud800b|{'x\\udc00': 1}", result.Text);
    }

    [Fact]
    public void JsonPath_selects_and_compares_them()
    {
        var all = Syntax.JsonPath.JsonPath.Parse("$.*").Value!.Evaluate(Document);
        Assert.Equal(["$['k\\ud800']", "$['v']", "$['n']"], all.Select(n => n.Path.ToString()));

        Assert.Equal(2, Syntax.JsonPath.JsonPath.Parse("$[?length(@) == 3]").Value!.Evaluate(Document).Count);
        Assert.Equal(2, Syntax.JsonPath.JsonPath.Parse("$[?@ == $.v]").Value!.Evaluate(Document).Count);
    }

    [Fact]
    public void Dot_paths_find_them()
    {
        Assert.True(DotPath.TryEvaluate(DotPath.Parse("n.x\udc00").Value!, Document, out var value, out _));
        Assert.Equal(1, value.GetInt32());
    }

    [Fact]
    public void Python_expressions_read_them()
    {
        var result = PythonExpression.Parse("body['k\\ud800'] + '{{k\ud800}}'").Value!.Evaluate(Document, default, withRepr: true);

        Assert.True(result.Success, result.Error?.ToString());
        Assert.Equal("'a\\ud800ba\\ud800b'", result.Repr);
    }
}
