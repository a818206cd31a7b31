using System.Globalization;
using System.Text;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Mapping;

namespace ManifestCompiler.Syntax.Tests.Mapping;

/// <summary>
/// Which JSON values a field mapping's <c>dataType</c> accepts and the value it gives (<see cref="FieldConversions"/>),
/// through both twins: the DOM mapper's (JsonElement) and the streaming mapper's (Utf8JsonReader), which must agree.
/// Refused is "-".
/// </summary>
public class FieldConversionsTests
{
    private static string Invariant(IFormattable value, string? format = null) => value.ToString(format, CultureInfo.InvariantCulture);

    private static (string Dom, string Streaming) Convert(string json, string dataType)
    {
        using var document = JsonDocument.Parse(json);
        var element = document.RootElement;
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        string dom, streaming;
        switch (dataType)
        {
            case "string":
                dom = FieldConversions.TryString(element, out var s1) ? s1! : "-";
                streaming = FieldConversions.TryString(ref reader, out var s2) ? s2! : "-";
                break;
            case "number":
                dom = FieldConversions.TryNumber(element, out var n1) ? Invariant(n1) : "-";
                streaming = FieldConversions.TryNumber(ref reader, out var n2) ? Invariant(n2) : "-";
                break;
            case "integer":
                dom = FieldConversions.TryInteger(element, out var i1) ? Invariant(i1) : "-";
                streaming = FieldConversions.TryInteger(ref reader, out var i2) ? Invariant(i2) : "-";
                break;
            case "boolean":
                dom = FieldConversions.TryBoolean(element, out var b1) ? b1.ToString() : "-";
                streaming = FieldConversions.TryBoolean(ref reader, out var b2) ? b2.ToString() : "-";
                break;
            case "date":
                dom = FieldConversions.TryDate(element, out var d1) ? Invariant(d1, "yyyy-MM-dd") : "-";
                streaming = FieldConversions.TryDate(ref reader, out var d2) ? Invariant(d2, "yyyy-MM-dd") : "-";
                break;
            case "datetime":
                dom = FieldConversions.TryDateTime(element, out var t1) ? Invariant(t1, "O") : "-";
                streaming = FieldConversions.TryDateTime(ref reader, out var t2) ? Invariant(t2, "O") : "-";
                break;
            case "object":
                dom = FieldConversions.TryObject(element, out var o1) ? o1.GetRawText() : "-";
                streaming = FieldConversions.TryObject(ref reader, out var o2) ? o2.GetRawText() : "-";
                break;
            default:
                dom = FieldConversions.TryArray(element, out var a1) ? string.Join(" ", a1.Select(e => e.GetRawText())) : "-";
                streaming = FieldConversions.TryArray(ref reader, out var a2) ? string.Join(" ", a2.Select(e => e.GetRawText())) : "-";
                break;
        }
        return (dom, streaming);
    }

    [Theory]
    [InlineData("\"a\"", "string", "a")]
    [InlineData("\"\\u00e9\"", "string", "é")]
    [InlineData("\"\"", "string", "")]
    [InlineData("1", "string", "-")]
    [InlineData("true", "string", "-")]
    [InlineData("1.10", "number", "1.10")]
    [InlineData("-0.5", "number", "-0.5")]
    [InlineData("1e2", "number", "100")]
    [InlineData("1e30", "number", "-")]
    [InlineData("\"1\"", "number", "-")]
    [InlineData("3", "integer", "3")]
    [InlineData("3.0", "integer", "3")]
    [InlineData("-3.000", "integer", "-3")]
    [InlineData("1e2", "integer", "100")]
    [InlineData("3.5", "integer", "-")]
    [InlineData("9223372036854775807", "integer", "9223372036854775807")]
    [InlineData("-9223372036854775808", "integer", "-9223372036854775808")]
    [InlineData("9223372036854775807.0", "integer", "9223372036854775807")]
    [InlineData("-9223372036854775808.0", "integer", "-9223372036854775808")]
    [InlineData("9223372036854775808", "integer", "-")]
    [InlineData("9223372036854775808.0", "integer", "-")]
    [InlineData("-9223372036854775809.0", "integer", "-")]
    [InlineData("1e30", "integer", "-")]
    [InlineData("\"3\"", "integer", "-")]
    [InlineData("true", "boolean", "True")]
    [InlineData("false", "boolean", "False")]
    [InlineData("1", "boolean", "-")]
    [InlineData("\"true\"", "boolean", "-")]
    [InlineData("{\"a\": [1]}", "object", "{\"a\": [1]}")]
    [InlineData("[1]", "object", "-")]
    [InlineData("[1, \"a\", {}]", "array", "1 \"a\" {}")]
    [InlineData("[]", "array", "")]
    [InlineData("{}", "array", "-")]
    public void Each_data_type_accepts_exactly_its_json_kind(string json, string dataType, string expected)
    {
        var (dom, streaming) = Convert(json, dataType);
        Assert.Equal(expected, dom);
        Assert.Equal(expected, streaming);
    }

    [Theory]
    [InlineData("2024-02-29", "2024-02-29")]
    [InlineData("0001-01-01", "0001-01-01")]
    [InlineData("9999-12-31", "9999-12-31")]
    [InlineData("2024-12-31", "2024-12-31")]
    [InlineData("2024-01-31", "2024-01-31")]
    [InlineData("2024-04-30", "2024-04-30")]
    [InlineData("2024\\u002d01-05", "2024-01-05")]
    [InlineData("2023-02-29", "-")]
    [InlineData("2024-04-31", "-")]
    [InlineData("2024-13-01", "-")]
    [InlineData("2024-00-10", "-")]
    [InlineData("2024-01-00", "-")]
    [InlineData("2024-01-32", "-")]
    [InlineData("0000-01-01", "-")]
    [InlineData("2024-1-01", "-")]
    [InlineData("2024/01/01", "-")]
    [InlineData("2024-01-0a", "-")]
    [InlineData("2024-0a-01", "-")]
    [InlineData("202a-01-01", "-")]
    [InlineData(" 2024-01-01", "-")]
    [InlineData("2024-01-01T00:00:00Z", "-")]
    public void A_date_is_an_rfc3339_full_date(string text, string expected)
    {
        var (dom, streaming) = Convert("\"" + text + "\"", "date");
        Assert.Equal(expected, dom);
        Assert.Equal(expected, streaming);
        Assert.Equal(("-", "-"), Convert("20240101", "date"));
    }

    [Theory]
    [InlineData("2024-01-31T10:20:30Z", "2024-01-31T10:20:30.0000000+00:00")]
    [InlineData("2024-01-31T23:59:59Z", "2024-01-31T23:59:59.0000000+00:00")]
    [InlineData("2024-01-31T10:20:30.1Z", "2024-01-31T10:20:30.1000000+00:00")]
    [InlineData("2024-01-31T10:20:30.1234567Z", "2024-01-31T10:20:30.1234567+00:00")]
    [InlineData("2024-01-31T10:20:30.0000001Z", "2024-01-31T10:20:30.0000001+00:00")]
    [InlineData("2024-01-31T10:20:30+05:30", "2024-01-31T10:20:30.0000000+05:30")]
    [InlineData("2024-01-31T10:20:30-08:00", "2024-01-31T10:20:30.0000000-08:00")]
    [InlineData("2024-01-31T10:20:30+13:59", "2024-01-31T10:20:30.0000000+13:59")]
    [InlineData("2024-01-31T10:20:30+14:00", "2024-01-31T10:20:30.0000000+14:00")]
    [InlineData("2024-01-31T10:20:30-00:00", "2024-01-31T10:20:30.0000000+00:00")]
    [InlineData("2024-01-31T10:20:30.5+01:00", "2024-01-31T10:20:30.5000000+01:00")]
    [InlineData("0002-01-01T00:00:00Z", "0002-01-01T00:00:00.0000000+00:00")]
    [InlineData("9998-12-31T23:59:59Z", "9998-12-31T23:59:59.0000000+00:00")]
    [InlineData("2024-01-31T10:20:30", "2024-01-31T10:20:30.0000000+00:00")]
    [InlineData("2024-01-31 10:20:30Z", "2024-01-31T10:20:30.0000000+00:00")]
    [InlineData("2024-01-31T10:20:30\\u002b01:00", "2024-01-31T10:20:30.0000000+01:00")]
    [InlineData("2024-01-31T24:00:00Z", "-")]
    [InlineData("2024-01-31T10:60:00Z", "-")]
    [InlineData("2024-01-31T10:20:60Z", "-")]
    [InlineData("2024-02-30T10:20:30Z", "-")]
    [InlineData("2024-01-31T10:20:30+15:00", "-")]
    [InlineData("2024-01-31T10:20:30.Z", "-")]
    [InlineData("2024-01-31T10:20:30ZZ", "-")]
    [InlineData("not a time", "-")]
    [InlineData("2024-01-31T10:20:30.12345678Z", "2024-01-31T10:20:30.1234568+00:00")]
    [InlineData("2024-01-31T10:20:30+14:30", "-")]
    [InlineData("2024-01-31T10:20:30+13:60", "-")]
    [InlineData("2024-01-31T10:20:30+05x30", "-")]
    [InlineData("2024-01-31T10:20:30*05:30", "-")]
    [InlineData("2024-01-31T10:20:30Zx", "-")]
    [InlineData("0001-01-01T00:00:00+01:00", "-")]
    [InlineData("9999-12-31T23:00:00-01:00", "-")]
    [InlineData("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.0000000+00:00")]
    [InlineData("9999-12-31T23:59:59Z", "9999-12-31T23:59:59.0000000+00:00")]
    public void A_date_time_is_an_iso8601_string_read_as_utc_without_an_offset(string text, string expected)
    {
        var (dom, streaming) = Convert("\"" + text + "\"", "datetime");
        Assert.Equal(expected, dom);
        Assert.Equal(expected, streaming);
        Assert.Equal(("-", "-"), Convert("1706696430", "datetime"));
    }

    /// <summary>
    /// The streaming mapper reads the usual date and date-time forms from their UTF-8 bytes without making a string
    /// (issue 17: a record's fields allocate only what the record keeps). These are the edges of that form: each field
    /// at its least and greatest, 1 and 7 fraction digits, <c>Z</c> and both offset signs. A form outside it is still
    /// read (by the string parse), at the cost of a string: the escaped one shows the probe sees that cost.
    /// </summary>
    [Theory]
    [InlineData("date", "0001-01-01", true)]
    [InlineData("date", "9999-12-31", true)]
    [InlineData("date", "2024-02-29", true)]
    [InlineData("date", "2024-04-30", true)]
    [InlineData("date", "2024-10-19", true)]
    [InlineData("datetime", "2024-01-31T10:20:30Z", true)]
    [InlineData("datetime", "0002-01-01T00:00:00Z", true)]
    [InlineData("datetime", "9998-12-31T23:59:59Z", true)]
    [InlineData("datetime", "2024-12-31T23:59:59.9999999+13:59", true)]
    [InlineData("datetime", "2024-06-15T12:30:45.1-08:00", true)]
    [InlineData("datetime", "2024-06-15T12:30:45.0000001Z", true)]
    [InlineData("datetime", "2024-06-15T12:30:45.9+00:00", true)]
    [InlineData("date", "2024\\u002d01-05", false)]
    public void The_streaming_mapper_reads_the_usual_dates_and_date_times_without_allocating(string dataType, string text, bool free)
    {
        var json = Encoding.UTF8.GetBytes("\"" + text + "\"");
        var expected = Convert("\"" + text + "\"", dataType).Dom;
        Assert.NotEqual("-", expected);
        Read(json, dataType); // JIT and first-use statics before measuring
        var before = GC.GetAllocatedBytesForCurrentThread();
        var read = Read(json, dataType);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (free)
        {
            Assert.Equal(0, allocated);
        }
        else
        {
            Assert.True(allocated > 0, $"{text} took the string parse");
        }
        Assert.Equal(expected, dataType == "date" ? Invariant(read.Date, "yyyy-MM-dd") : Invariant(read.DateTime, "O"));
    }

    private static (DateOnly Date, DateTimeOffset DateTime) Read(byte[] json, string dataType)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        DateOnly date = default;
        DateTimeOffset dateTime = default;
        var ok = dataType == "date" ? FieldConversions.TryDate(ref reader, out date) : FieldConversions.TryDateTime(ref reader, out dateTime);
        Assert.True(ok);
        return (date, dateTime);
    }
}
