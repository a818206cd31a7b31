using System.Text.Json;
using ManifestCompiler.Runtime.Support.Json;
using ManifestCompiler.Runtime.Support.Python;

namespace ManifestCompiler.Runtime.Support.Values;

/// <summary>
/// CPython 3.11's <c>str()</c>, <c>repr()</c> and truthiness of the values <c>json.loads</c> produces, for text built
/// from JSON values (Django templates, ChiefOnboarding forms). An adaptor: the value is read as the Python value
/// <see cref="PyValue.FromJson(JsonElement, bool)"/> makes of it (lazily, so only what is printed or tested is
/// converted) and formatted by <see cref="PyFormat"/>/<see cref="PyOps"/>, the one implementation.
/// </summary>
public static class JsonPythonFormat
{
    public static string Str(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? JsonStrings.GetString(value) : PyFormat.Repr(PyValue.FromJson(value, lazily: true));

    public static string Repr(JsonElement value) => PyFormat.Repr(PyValue.FromJson(value, lazily: true));

    /// <summary>Python's truthiness: empty strings, containers, zero, None and False are false.</summary>
    public static bool IsTruthy(JsonElement value) => PyOps.IsTruthy(PyValue.FromJson(value, lazily: true));

    /// <summary><c>len()</c> of a JSON object as <c>json.loads</c> reads it (duplicate keys count once).</summary>
    public static int DictLength(JsonElement obj) => ((PyDict)PyValue.FromJson(obj, lazily: true)).Count;
}
