using System.Text.Json;

namespace ManifestCompiler.Cli.Commands;

/// <summary>JSON that a command reads (documents, bodies, headers), with one way of reporting what is wrong with it.</summary>
internal static class JsonInput
{
    public static bool TryLoad(string text, string origin, int maxDepth, TextWriter error, out JsonDocument document)
    {
        document = null!;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = maxDepth });
            return true;
        }
        catch (JsonException e)
        {
            error.WriteLine($"{origin}({(e.LineNumber ?? 0) + 1},{(e.BytePositionInLine ?? 0) + 1}): error MC0001: Invalid JSON: {e.Message}");
            return false;
        }
    }

    public static bool TryLoadFile(FileInfo file, int maxDepth, TextWriter error, out JsonDocument document)
    {
        document = null!;
        string text;
        try
        {
            text = File.ReadAllText(file.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{file.FullName}: error: {e.Message}");
            return false;
        }
        return TryLoad(text, file.FullName, maxDepth, error, out document);
    }
}
