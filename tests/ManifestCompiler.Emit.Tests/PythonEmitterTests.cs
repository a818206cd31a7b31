using System.Text.Json;
using ManifestCompiler.Conformance;
using ManifestCompiler.Runtime.Support.Python;
using ManifestCompiler.Syntax.Python;

namespace ManifestCompiler.Emit.Tests;

public class PythonEmitterTests
{
    // Evaluation order, short-circuits and constant identity: where a compiled engine is most likely to drift.
    private static readonly string[] Expressions =
    [
        "False and body['missing']",
        "body['missing'] if 0 else 'else'",
        "1 < 0 < body['missing']",
        "0 < 1 < body['n'] <= 3",
        "[body['missing'], 1 / 0]",
        "{body['list']: 1 / 0}",
        "{1 / 0: body['missing']}",
        "'{{name}}' + ' and ' + '{{unknown}}'",
        "{{n}} * 2 or 'zero'",
        "f'{body[\"n\"]!r}-{body[\"list\"]}'",
        "300 is 300",
        "str(body['n']) is str(body['n'])",
        "body['list'][::-1][0:2]",
        "'a,b'.split(',', maxsplit=1)",
        "round(2.675, 2) == 2.67",
        // A hole's text compared with literals on the document (PyScope.HoleTextIs): a string, a number's str(), an
        // unresolved hole's own text, a header.
        "'{{name}}' == 'Ada'",
        "'{{name}}' != 'Ada'",
        "'{{name}}' in ('Grace', 'Ada')",
        "'{{name}}' not in ['Grace', 'Ada']",
        "'{{name}}' in ()",
        "'{{n}}' == '2'",
        "'{{unknown}}' in ('{{unknown}}',)",
        "'{{X-Event}}' == 'created'",
        "'{{name}}' == 'Ada' == '{{name}}'",
        // f-string fields appended without a string of their own (PyRuntime.AppendField): str, float, int, repr.
        "f'{body[\"name\"]}: {round(body[\"n\"] / 3, 2)} {body[\"n\"]} {body[\"name\"].upper()!r} {1e22}'",
    ];

    [Fact]
    public void Generated_code_agrees_with_the_interpreter_on_order_and_short_circuits()
    {
        var parsed = Expressions.Select(e => PythonExpression.Parse(e)).ToList();
        Assert.All(parsed, p => Assert.NotNull(p.Value));
        var source = PythonEmitter.EmitClass("Tests.Generated", "Expressions", parsed.Select((p, i) => ("E" + i, p.Value!.Syntax)).ToList());
        var (assembly, problems) = InMemoryCompiler.Compile("PythonEmitterTests", [source]);
        Assert.True(assembly is not null, string.Join("\n", problems));
        var all = (Func<PyScope, PyValue>[])assembly!.GetType("Tests.Generated.Expressions")!.GetField("All")!.GetValue(null)!;

        using var body = JsonDocument.Parse("""{"n": 2, "list": [1, 2, 3], "name": "Ada"}""");
        using var headers = JsonDocument.Parse("""{"X-Event": "created"}""");
        for (var i = 0; i < Expressions.Length; i++)
        {
            var expected = parsed[i].Value!.Evaluate(body.RootElement, headers.RootElement, withRepr: true);
            var actual = PyRuntime.Run(all[i], new PyScope(body.RootElement, headers.RootElement));
            var expectedText = expected.Error?.ExceptionClass ?? expected.Repr;
            var actualText = actual.ExceptionClass ?? PyFormat.Repr(actual.Value!);
            Assert.True(expectedText == actualText, $"{Expressions[i]}: interpreter {expectedText}, generated {actualText}");
        }
    }

    [Fact]
    public void A_hole_compared_with_string_literals_is_tested_on_the_document()
    {
        var parsed = PythonExpression.Parse("'{{type}}' in ('customer.created', 'customer.updated')").Value!;
        var source = PythonEmitter.EmitClass("Tests.Generated", "Holes", [("E", parsed.Syntax)]);
        Assert.Contains("scope.HoleTextIs(\"type\", \"{{type}}\", \"customer.created\") || scope.HoleTextIs(\"type\", \"{{type}}\", \"customer.updated\")", source);
        Assert.DoesNotContain("PyRuntime.Tuple", source);
    }

    [Fact]
    public void Equal_constants_of_one_expression_are_one_field()
    {
        var parsed = PythonExpression.Parse("'x' + 'x' + 'y'").Value!;
        var source = PythonEmitter.EmitClass("Tests.Generated", "Constants", [("E", parsed.Syntax)]);
        Assert.Equal(2, source.Split('\n').Count(l => l.Contains("private static readonly")));
    }

    [Theory]
    [InlineData("pyexpr-holes-compiled", 20)]
    public void Conformance_through_generated_code(string suite, int expectedCases) => PassesEveryCase(suite, expectedCases);

    /// <summary>The generated suite takes a minute; mutation runs leave it out (docs/mutation-testing.md).</summary>
    [Theory]
    [Trait("Category", "Slow")]
    [InlineData("pyexpr-generated-compiled", 2978)]
    public void Generated_conformance_through_generated_code(string suite, int expectedCases) => PassesEveryCase(suite, expectedCases);

    private static void PassesEveryCase(string suite, int expectedCases)
    {
        var result = ConformanceRunner.Run(suite, ConformanceRunner.ResolveDirectory());
        Console.WriteLine(result.Summary);
        Assert.True(result.Succeeded, result.Summary + "\n" + string.Join("\n", result.Failures.Take(10).Select(f => $"{f.Case}: {f.Input} expected {f.Expected}, got {f.Actual}")));
        // The 22 generated cases the checker rejects before evaluation are the parser's, counted by pyexpr-generated.
        Assert.Equal(expectedCases, result.Total);
    }
}
