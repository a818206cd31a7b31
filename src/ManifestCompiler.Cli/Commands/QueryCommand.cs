using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using ManifestCompiler.Syntax.JsonPath;

namespace ManifestCompiler.Cli.Commands;

/// <summary><c>mfc query '&lt;jsonpath&gt;' [file]</c>: the node list as a JSON array of {path, value}.</summary>
internal static class QueryCommand
{
    public static Command Create(TextWriter output, TextWriter error, TextReader input)
    {
        var queryArgument = new Argument<string>("query") { Description = "An RFC 9535 JSONPath query, such as '$.items[?@.price < 10]'." };
        var fileArgument = new Argument<FileInfo?>("file") { Description = "The JSON document; standard input when omitted.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("query", "Evaluate a JSONPath query over a JSON document and print the selected nodes.")
        {
            queryArgument,
            fileArgument,
        };
        command.SetAction(parseResult => Execute(parseResult.GetValue(queryArgument)!, parseResult.GetValue(fileArgument), output, error, input));
        return command;
    }

    private static int Execute(string queryText, FileInfo? file, TextWriter output, TextWriter error, TextReader input)
    {
        var parsed = JsonPath.Parse(queryText);
        foreach (var diagnostic in parsed.Diagnostics)
        {
            error.WriteLine(diagnostic.Format(queryText, queryText));
        }
        if (parsed.Value is null)
        {
            return 1;
        }

        JsonDocument document;
        if (file is null ? !JsonInput.TryLoad(input.ReadToEnd(), "<stdin>", 1024, error, out document) : !JsonInput.TryLoadFile(file, 1024, error, out document))
        {
            return 1;
        }

        using (document)
        {
            var nodes = parsed.Value.Evaluate(document.RootElement);
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                writer.WriteStartArray();
                foreach (var node in nodes)
                {
                    writer.WriteStartObject();
                    writer.WriteString("path", node.Path.ToString());
                    writer.WritePropertyName("value");
                    // The value's own text from the document: exact (numbers keep their digits), and safe for strings
                    // with an escaped lone surrogate, which JsonElement.WriteTo cannot re-encode.
                    writer.WriteRawValue(node.Value.GetRawText(), skipInputValidation: true);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
            output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        }
        return 0;
    }
}
