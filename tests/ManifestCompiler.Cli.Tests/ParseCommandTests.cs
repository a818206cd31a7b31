using ManifestCompiler.Testing;

namespace ManifestCompiler.Cli.Tests;

public class ParseCommandTests
{
    [Fact]
    public void Samples_parse_cleanly_and_print_as_their_baseline()
    {
        var samples = Path.Combine(RepositoryPaths.Root, "samples");
        var result = MfcRunner.Run(null, "parse", samples);

        Assert.Equal(0, result.ExitCode);
        var output = result.Output.Replace(RepositoryPaths.Root.Replace('\\', '/') + "/", "", StringComparison.Ordinal);
        Assert.Contains("0 error(s), 0 warning(s)", output, StringComparison.Ordinal);
        RepositoryPaths.AssertMatchesBaseline("samples/parse.expected.txt", output);
    }

    [Fact]
    public void Errors_are_reported_at_their_file_position_and_fail_the_run()
    {
        var folder = Directory.CreateTempSubdirectory();
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "m.json"), "{\n  \"url\": \"https://x/{{ a b }}\",\n  \"equivalentName\": \"$.a[\"\n}");
            var result = MfcRunner.Run(null, "parse", "--quiet", folder.FullName);

            Assert.Equal(1, result.ExitCode);
            var file = Path.Combine(folder.FullName, "m.json").Replace('\\', '/');
            Assert.Contains($"{file}(2,26): error MC1003: Invalid placeholder: expected '|' or '}}}}', found 'b'", result.Output, StringComparison.Ordinal);
            Assert.Contains($"{file}(3,26): error MC3001:", result.Output, StringComparison.Ordinal);
            Assert.Contains("2 error(s)", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_missing_path_is_an_error()
    {
        var result = MfcRunner.Run(null, "parse", Path.Combine(Path.GetTempPath(), "no-such-folder-mfc"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no such file or directory", result.Output, StringComparison.Ordinal);
    }
}
