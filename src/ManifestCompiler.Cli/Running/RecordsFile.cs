using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime;
using Spectre.Console;

namespace ManifestCompiler.Cli.Running;

/// <summary>
/// What <c>mfc run --records</c> writes: one JSON object per line, each mapped record as
/// <c>{"action", "run", "record"}</c> and each record that did not map as <c>{"action", "run", "errors": [{"field",
/// "path", "message"}], "input"}</c>, in the order they were written. The file may hold customer data, so it is
/// created readable by its owner only.
/// </summary>
internal static class RecordsFile
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public static IEnumerable<string> Lines(InMemoryRecordSink records)
    {
        foreach (var record in records.Records)
        {
            yield return new JsonObject
            {
                ["action"] = record.Action,
                ["run"] = record.RunId,
                ["record"] = JsonSerializer.SerializeToNode(record.Record, record.Record.GetType()),
            }.ToJsonString(Compact);
        }
        foreach (var failure in records.Failures)
        {
            JsonNode? input;
            try
            {
                input = JsonNode.Parse(failure.RecordJson);
            }
            catch (JsonException)
            {
                input = failure.RecordJson; // kept as text rather than lost
            }
            yield return new JsonObject
            {
                ["action"] = failure.Action,
                ["run"] = failure.RunId,
                ["errors"] = new JsonArray([.. failure.Errors.Select(e => (JsonNode)new JsonObject { ["field"] = e.Field, ["path"] = e.Path, ["message"] = e.Message })]),
                ["input"] = input,
            }.ToJsonString(Compact);
        }
    }

    /// <summary>Writes the file; null on success, else why it could not be written.</summary>
    public static string? Write(string path, InMemoryRecordSink records)
    {
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using var stream = new FileStream(path, options);
            using var writer = new StreamWriter(stream, new UTF8Encoding(false));
            foreach (var line in Lines(records))
            {
                writer.Write(line);
                writer.Write('\n');
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }

    /// <summary>Records per action, mapped and failed, as a small table (for a terminal).</summary>
    public static void WriteTable(IAnsiConsole console, InMemoryRecordSink records)
    {
        var mapped = records.Records.GroupBy(r => r.Action).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var failed = records.Failures.GroupBy(r => r.Action).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var actions = mapped.Keys.Union(failed.Keys).Order(StringComparer.Ordinal).ToList();
        if (actions.Count == 0)
        {
            return;
        }
        var table = new Table().AddColumn("action").AddColumn(new TableColumn("mapped").RightAligned()).AddColumn(new TableColumn("failed").RightAligned());
        foreach (var action in actions)
        {
            table.AddRow(Markup.Escape(action), mapped.GetValueOrDefault(action).ToString(System.Globalization.CultureInfo.InvariantCulture), failed.GetValueOrDefault(action).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        console.Write(table);
    }
}
