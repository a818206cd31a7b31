namespace ManifestCompiler.Cli.Tests;

public class EvalCommandTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory();

    private string File(string name, string json)
    {
        var path = Path.Combine(_folder.FullName, name);
        System.IO.File.WriteAllText(path, json);
        return path;
    }

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void Prints_the_repr_and_type()
    {
        var body = File("body.json", """{"event_type": "contact.updated", "data": {"id": 7}}""");

        var result = MfcRunner.Run(null, "eval", "'{{event_type}}' == 'contact.updated' and body['data']['id'] > 5", "--body", body);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("True\ntype: bool\n", result.Output);
    }

    [Fact]
    public void Headers_and_memory_are_available()
    {
        var headers = File("headers.json", """{"X-Event": "push"}""");
        var memory = File("memory.json", """{"cid": "42"}""");

        var result = MfcRunner.Run(null, "eval", "'{{x-event}}:' + cid", "--headers", headers, "--memory", memory);

        Assert.Equal("'push:42'\ntype: str\n", result.Output);
    }

    [Fact]
    public void A_python_error_is_reported_with_its_class_and_position()
    {
        var body = File("body.json", """{"data": {}}""");

        var result = MfcRunner.Run(null, "eval", "body['data']['id'] == 1", "--body", body);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("body['data']['id'] == 1(1,1): error KeyError: 'id'\n", result.Error);
    }

    [Fact]
    public void An_expression_outside_the_subset_is_a_diagnostic()
    {
        var result = MfcRunner.Run(null, "eval", "__import__('os').system('id')");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("__import__('os').system('id')(1,1): error MC4006:", result.Error, StringComparison.Ordinal);
    }
}
