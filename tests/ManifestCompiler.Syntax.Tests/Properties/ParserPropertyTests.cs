using System.Collections.Immutable;
using CsCheck;
using ManifestCompiler.Syntax.Diagnostics;
using ManifestCompiler.Syntax.DotPaths;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Syntax.Templates;
using Xunit.Abstractions;

namespace ManifestCompiler.Syntax.Tests.Properties;

/// <summary>
/// For each parser, 100,000 inputs (random over the language's alphabet, built from the grammar, and mutated
/// real inputs): no exception, no hang (the test's timeout), and every failure is an error diagnostic located
/// inside the input. Successful parses are also evaluated, which must not throw either.
/// </summary>
[Trait("Category", "Slow")] // 100,000 inputs per property; mutation runs leave them out (docs/mutation-testing.md)
public class ParserPropertyTests(ITestOutputHelper output)
{
    private const int Iterations = 100_000;
    private const int TimeoutMs = 300_000;

    private static Gen<string> Inputs(Func<Random, string> random, Func<Random, string> grammar, Func<Random, string> mutated) =>
        Gen.Int.Select(Gen.Int[0, 2]).Select(t =>
        {
            var rng = new Random(t.Item1);
            return t.Item2 switch
            {
                0 => random(rng),
                1 => grammar(rng),
                _ => mutated(rng),
            };
        });

    private static void AssertWellFormed(string input, ImmutableArray<Diagnostic> diagnostics, bool hasValue)
    {
        if (!hasValue && !diagnostics.Any(d => d.IsError))
        {
            throw new Exception($"no value and no error diagnostic for {Show(input)}");
        }
        foreach (var diagnostic in diagnostics)
        {
            if (diagnostic.Span.Start < 0 || diagnostic.Span.Length < 0 || diagnostic.Span.End > input.Length)
            {
                throw new Exception($"diagnostic {diagnostic} lies outside {Show(input)} (length {input.Length})");
            }
            if (string.IsNullOrWhiteSpace(diagnostic.Message))
            {
                throw new Exception($"empty message for {Show(input)}");
            }
        }
    }

    private static string Show(string input) => System.Text.Json.JsonSerializer.Serialize(input);

    /// <summary>Samples <see cref="Iterations"/> inputs; <paramref name="check"/> throws on a violation and says whether the input was accepted.</summary>
    private async Task SampleAsync(string language, Gen<string> inputs, Func<string, bool> check)
    {
        var count = 0;
        var accepted = 0;
        await Task.Run(() => inputs.Sample(input =>
        {
            Interlocked.Increment(ref count);
            if (check(input))
            {
                Interlocked.Increment(ref accepted);
            }
        }, iter: Iterations, print: Show));

        output.WriteLine($"{count} {language} inputs ({accepted} accepted), 0 failures");
        Assert.True(count >= Iterations);
    }

    [Fact(Timeout = TimeoutMs)]
    public Task JsonPath_parser_never_throws_and_locates_every_error()
    {
        var corpus = InputGenerators.JsonPathCorpus;
        var inputs = Inputs(
            r => InputGenerators.RandomString(r, InputGenerators.JsonPathAlphabet, 30),
            r => InputGenerators.GrammarJsonPath(r),
            r => InputGenerators.Mutate(r, InputGenerators.Pick(r, corpus), InputGenerators.JsonPathAlphabet));

        return SampleAsync("JSONPath", inputs, input =>
        {
            var result = Syntax.JsonPath.JsonPath.Parse(input);
            AssertWellFormed(input, result.Diagnostics, result.Value is not null);
            result.Value?.Evaluate(InputGenerators.SampleDocument);
            return result.Value is not null;
        });
    }

    [Fact(Timeout = TimeoutMs)]
    public Task Template_parser_never_throws_and_locates_every_error()
    {
        var corpus = InputGenerators.TemplateCorpus;
        Assert.NotEmpty(corpus);
        var inputs = Inputs(
            r => InputGenerators.RandomString(r, InputGenerators.TemplateAlphabet, 40),
            r => InputGenerators.GrammarTemplate(r),
            r => InputGenerators.Mutate(r, InputGenerators.Pick(r, corpus), InputGenerators.TemplateAlphabet));
        var variables = TemplateRenderer.FromObject(InputGenerators.SampleDocument);

        return SampleAsync("template", inputs, input =>
        {
            var result = TemplateParser.Parse(input);
            AssertWellFormed(input, result.Diagnostics, result.Value is not null);
            if (result.Value is null)
            {
                throw new Exception($"the template structure grammar must accept {Show(input)}");
            }
            var rendered = TemplateRenderer.Render(result.Value, variables, new TemplateRenderOptions(UnknownVariableBehavior.KeepText, HtmlEscape: true));
            if (rendered.Success == result.HasErrors)
            {
                throw new Exception($"render success must match parse success for {Show(input)}");
            }
            return !result.HasErrors;
        });
    }

    [Fact(Timeout = TimeoutMs)]
    public Task DotPath_parser_never_throws_and_locates_every_error()
    {
        var corpus = InputGenerators.StringCorpus;
        var inputs = Inputs(
            r => InputGenerators.RandomString(r, InputGenerators.DotPathAlphabet, 24),
            r => InputGenerators.GrammarDotPath(r),
            r => InputGenerators.Mutate(r, InputGenerators.Pick(r, corpus), InputGenerators.DotPathAlphabet));

        // "accepted" here: the path resolved on the sample document.
        return SampleAsync("dot-path", inputs, input =>
        {
            var result = DotPath.Parse(input);
            AssertWellFormed(input, result.Diagnostics, result.Value is not null);
            if (result.Value is null)
            {
                throw new Exception($"every string is a dot path, but {Show(input)} was rejected");
            }
            if (string.Concat(result.Value.Segments.Select(s => s.Key)).Length + Math.Max(0, result.Value.Segments.Length - 1) != input.Length)
            {
                throw new Exception($"segments of {Show(input)} do not cover it");
            }
            return DotPath.TryEvaluate(result.Value, InputGenerators.SampleDocument, out _, out _);
        });
    }

    [Fact(Timeout = TimeoutMs)]
    public Task Python_expression_parser_never_throws_and_locates_every_error()
    {
        var corpus = InputGenerators.PythonCorpus;
        var inputs = Inputs(
            r => InputGenerators.RandomString(r, InputGenerators.PythonAlphabet, 30),
            r => InputGenerators.GrammarPython(r),
            r => InputGenerators.Mutate(r, InputGenerators.Pick(r, corpus), InputGenerators.PythonAlphabet));

        return SampleAsync("Python expression", inputs, input =>
        {
            var result = PythonExpression.Parse(input);
            AssertWellFormed(input, result.Diagnostics, result.Value is not null);
            // Accepted expressions are evaluated too: an evaluation error is a result, never an exception.
            result.Value?.Evaluate(InputGenerators.SampleDocument, InputGenerators.SampleHeaders, withRepr: true);
            return result.Value is not null;
        });
    }
}
