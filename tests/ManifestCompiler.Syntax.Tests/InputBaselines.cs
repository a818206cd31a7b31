using System.Text;
using System.Text.Json;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Syntax.Tests;

/// <summary>
/// Golden files that list inputs, each followed by what the toolchain shows a user for it. An input line is
/// <c>&gt; "json string"</c>; the lines after it that start with two spaces are the output, regenerated on every run
/// (MC_UPDATE_BASELINES=1 rewrites them and keeps the inputs, comments and blank lines; a reviewer reads the diff).
/// </summary>
internal static class InputBaselines
{
    /// <summary>The readable JSON a baseline line quotes text with: only JSON's required escapes.</summary>
    public static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Regenerates the output lines of <paramref name="relative"/> with <paramref name="report"/> (one line each, without the indent) and compares.</summary>
    public static void AssertMatches(string relative, Func<string, IEnumerable<string>> report)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, relative));
        var actual = new StringBuilder();
        var inputs = 0;
        foreach (var line in lines)
        {
            if (line.StartsWith("  ", StringComparison.Ordinal))
            {
                continue; // an output line: regenerated below
            }
            actual.Append(line).Append('\n');
            if (!line.StartsWith("> ", StringComparison.Ordinal))
            {
                continue; // a comment or a blank line
            }
            var source = JsonSerializer.Deserialize<string>(line[2..]) ?? throw new InvalidDataException($"{relative}: '{line}' is not a JSON string");
            inputs++;
            foreach (var reported in report(source))
            {
                actual.Append("  ").Append(reported).Append('\n');
            }
        }

        Assert.True(inputs > 0, $"{relative} lists no input");
        RepositoryPaths.AssertMatchesBaseline(relative, actual.ToString());
    }

    /// <summary>The text a span covers in <paramref name="source"/>, quoted; a span outside it says so.</summary>
    public static string Quoted(string source, int start, int length) =>
        start >= 0 && length >= 0 && start + length <= source.Length
            ? JsonSerializer.Serialize(source.Substring(start, length), Readable)
            : "<outside the input>";
}
