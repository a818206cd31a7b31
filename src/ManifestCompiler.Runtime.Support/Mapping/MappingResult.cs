using System.Text.Json;

namespace ManifestCompiler.Runtime.Support.Mapping;

/// <summary>Why one field of one record could not be mapped: the field, the query that finds it, and what was wrong.</summary>
public sealed record MappingError(string Field, string Path, string Message)
{
    public static MappingError Missing(string field, string path) =>
        new(field, path, $"required field '{field}' is missing: {path} selected nothing (or null)");

    public static MappingError WrongType(string field, string path, string expected, JsonElement found) =>
        new(field, path, $"field '{field}' expects {expected} but {path} is {Describe(found)}");

    private static string Describe(JsonElement value)
    {
        var text = value.GetRawText();
        var shown = text.Length > 40 ? text[..40] + "..." : text;
        return value.ValueKind switch
        {
            JsonValueKind.String => "the string " + shown,
            JsonValueKind.Number => "the number " + shown,
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Array => "an array",
            JsonValueKind.Object => "an object",
            _ => "null",
        };
    }

    public override string ToString() => Message;
}

/// <summary>A mapped record, or every error that kept it from mapping (never silently dropped).</summary>
public readonly struct MappingResult<T>
    where T : class
{
    public MappingResult(T record)
    {
        Record = record;
        Errors = [];
    }

    public MappingResult(IReadOnlyList<MappingError> errors)
    {
        Record = null;
        Errors = errors;
    }

    public T? Record { get; }

    public IReadOnlyList<MappingError> Errors { get; }

    public bool Succeeded => Record is not null;
}
