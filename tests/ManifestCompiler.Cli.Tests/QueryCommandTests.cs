using System.Text.Json;

namespace ManifestCompiler.Cli.Tests;

public class QueryCommandTests
{
    private const string Document = """{"items": [{"id": 1, "price": 5}, {"id": 2, "price": 50}], "name": "ü"}""";

    [Fact]
    public void Prints_the_node_list_as_path_value_pairs()
    {
        var result = MfcRunner.Run(Document, "query", "$.items[?@.price < 10].id");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var node = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal("$['items'][0]['id']", node.GetProperty("path").GetString());
        Assert.Equal(1, node.GetProperty("value").GetInt32());
    }

    [Fact]
    public void Reads_the_document_from_a_file()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, Document);
        try
        {
            var result = MfcRunner.Run(null, "query", "$.name", file);

            Assert.Equal(0, result.ExitCode);
            Assert.Equal("[\n  {\n    \"path\": \"$['name']\",\n    \"value\": \"ü\"\n  }\n]\n", result.Output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void An_empty_result_is_an_empty_array()
    {
        var result = MfcRunner.Run(Document, "query", "$.nothing");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("[]\n", result.Output);
    }

    [Fact]
    public void An_invalid_query_prints_the_diagnostic_and_exits_1()
    {
        var result = MfcRunner.Run(Document, "query", "$.items[?@.price = 1]");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Equal("$.items[?@.price = 1](1,18): error MC3001: Invalid JSONPath: expected ']', found '='\n", result.Error);
    }

    [Fact]
    public void An_ill_typed_query_is_rejected_before_reading_input()
    {
        var result = MfcRunner.Run(Document, "query", "$[?length(@.*) == 1]");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("$[?length(@.*) == 1](1,11): error MC3006:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_json_input_is_reported_with_its_position()
    {
        var result = MfcRunner.Run("{\n  \"a\": 1,\n}", "query", "$.a");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("<stdin>(3,1): error MC0001: Invalid JSON:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_an_error_not_a_crash()
    {
        var result = MfcRunner.Run(null, "query", "$", Path.Combine(Path.GetTempPath(), "no-such-file.json"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_print_as_written_even_with_a_lone_surrogate_escape()
    {
        var result = MfcRunner.Run("{\"k\\ud800\": \"a\\ud800b\", \"n\": 1.50}", "query", "$.*");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("\"path\": \"$['k\\\\ud800']\"", result.Output, StringComparison.Ordinal);
        Assert.Contains("\"value\": \"a\\ud800b\"", result.Output, StringComparison.Ordinal);
        Assert.Contains("\"value\": 1.50", result.Output, StringComparison.Ordinal);
    }
}
