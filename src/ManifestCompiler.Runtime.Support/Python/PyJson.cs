using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ManifestCompiler.Runtime.Support.Python;

/// <summary>
/// A Python value as JSON, the way <c>json.dumps</c> would write it: tuples and dict views as arrays, non-string
/// dict keys as <c>json.dumps</c> names them (<see cref="KeyText"/>); NaN and infinities (which JSON cannot hold) as their Python names in strings.
/// </summary>
public static class PyJson
{
    public static string Serialize(PyValue value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, value);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void Write(Utf8JsonWriter writer, PyValue value)
    {
        switch (value)
        {
            case PyNone:
                writer.WriteNullValue();
                break;
            case PyBool b:
                writer.WriteBooleanValue(b.Value);
                break;
            case PyInt i:
                writer.WriteRawValue(i.Value.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
                break;
            case PyFloat f when double.IsFinite(f.Value):
                writer.WriteRawValue(PyFormat.Repr(f), skipInputValidation: true);
                break;
            case PyStr s:
                writer.WriteStringValue(s.Value);
                break;
            case PyDict d:
                writer.WriteStartObject();
                foreach (var (key, item) in d.Entries)
                {
                    writer.WritePropertyName(KeyText(key));
                    Write(writer, item);
                }
                writer.WriteEndObject();
                break;
            case PyList or PyTuple or PyDictView:
                writer.WriteStartArray();
                foreach (var item in PyBuiltins.Iterate(value))
                {
                    Write(writer, item);
                }
                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(PyFormat.Str(value));
                break;
        }
    }

    /// <summary>A dict key as <c>json.dumps</c> writes it: its own names for booleans, None and non-finite floats
    /// (<c>{True: 1}</c> is <c>{"true": 1}</c>, not str()'s "True"), else <c>str()</c>.</summary>
    private static string KeyText(PyValue key) => key switch
    {
        PyStr s => s.Value,
        PyBool b => b.Value ? "true" : "false",
        PyNone => "null",
        PyFloat f when double.IsNaN(f.Value) => "NaN",
        PyFloat f when double.IsInfinity(f.Value) => f.Value > 0 ? "Infinity" : "-Infinity",
        _ => PyFormat.Str(key),
    };

    /// <summary>
    /// The value <c>json.loads(json.dumps(value))</c> gives back, built directly: tuples and dict views become lists,
    /// dict keys strings as <c>json.dumps</c> writes them (the last of equal ones wins, at the first one's place), NaN and infinities their
    /// names as strings. Scalars
    /// in that form are returned as they are; containers are copied.
    /// </summary>
    public static PyValue ToJsonForm(PyValue value)
    {
        switch (value)
        {
            case PyNone or PyBool or PyInt or PyStr:
                return value;
            case PyFloat f:
                return double.IsFinite(f.Value) ? f : PyStr.Of(PyFormat.Str(f));
            case PyDict d:
                var dict = new PyDict();
                foreach (var (key, item) in d.Entries)
                {
                    dict.Set(key as PyStr ?? PyStr.Of(KeyText(key)), ToJsonForm(item));
                }
                return dict;
            case PyList or PyTuple or PyDictView:
                return new PyList(PyBuiltins.Iterate(value).Select(ToJsonForm).ToList());
            default:
                return PyStr.Of(PyFormat.Str(value));
        }
    }
}
