using System.CommandLine;
using System.Text.Json;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Runtime.Support.Python;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Cli.Commands;

/// <summary>
/// <c>mfc eval '&lt;expr&gt;' --body body.json [--headers headers.json] [--memory memory.json]</c>: evaluates a webhook
/// condition or memory expression as the runtime will, printing the value's repr and type, or the error and where.
/// </summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var expressionArgument = new Argument<string>("expression") { Description = "A webhook condition or memory expression, such as \"'{{event_type}}' == 'contact.updated'\"." };
        var bodyOption = new Option<FileInfo?>("--body") { Description = "The request body (JSON); {} when omitted." };
        var headersOption = new Option<FileInfo?>("--headers") { Description = "The request headers (a JSON object); {} when omitted." };
        var memoryOption = new Option<FileInfo?>("--memory") { Description = "Memory values (a JSON object of name: value) the expression may use by name." };
        var command = new Command("eval", "Evaluate a webhook Python expression over a request body and headers.")
        {
            expressionArgument,
            bodyOption,
            headersOption,
            memoryOption,
        };
        command.SetAction(parseResult => Execute(
            parseResult.GetValue(expressionArgument)!, parseResult.GetValue(bodyOption), parseResult.GetValue(headersOption), parseResult.GetValue(memoryOption), output, error));
        return command;
    }

    private static int Execute(string expression, FileInfo? bodyFile, FileInfo? headersFile, FileInfo? memoryFile, TextWriter output, TextWriter error)
    {
        if (!TryRead(bodyFile, error, out var body) || !TryRead(headersFile, error, out var headers) || !TryRead(memoryFile, error, out var memory))
        {
            return 1;
        }
        if (memoryFile is not null && memory.ValueKind != JsonValueKind.Object)
        {
            error.WriteLine($"{memoryFile.FullName}: error: memory must be a JSON object of name: value");
            return 1;
        }
        var names = memoryFile is null
            ? new Dictionary<string, PyValue>()
            : memory.EnumerateObject().ToDictionary(p => p.Name, p => PyValue.FromJson(p.Value), StringComparer.Ordinal);

        var parsed = PythonExpression.Parse(expression, PythonCheckScope.Webhook.With(names.Keys));
        foreach (var diagnostic in parsed.Diagnostics)
        {
            error.WriteLine(diagnostic.Format(expression, expression));
        }
        if (parsed.Value is null)
        {
            return 1;
        }
        var result = parsed.Value.Evaluate(body, headers, names, withRepr: true);
        if (result.Error is { } failure)
        {
            var position = new LineMap(expression).GetPosition(failure.Span.Start);
            error.WriteLine($"{expression}({position.Line},{position.Column}): error {failure.ExceptionClass}: {failure.Message}");
            return 1;
        }
        output.WriteLine(result.Repr);
        output.WriteLine($"type: {result.Value!.TypeName}");
        return 0;
    }

    private static bool TryRead(FileInfo? file, TextWriter error, out JsonElement value)
    {
        value = EmptyObject;
        if (file is null)
        {
            return true;
        }
        if (!JsonInput.TryLoadFile(file, 256, error, out var document))
        {
            return false;
        }
        using (document)
        {
            value = document.RootElement.Clone();
        }
        return true;
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement;
}
