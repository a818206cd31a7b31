using System.Globalization;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ManifestCompiler.Conformance;
using ManifestCompiler.Emit;
using ManifestCompiler.IR;
using ManifestCompiler.Runtime.Support.Mapping;
using ManifestCompiler.Syntax.JsonPath;
using ManifestCompiler.Workspace;
using Newtonsoft.Json.Linq;

namespace ManifestCompiler.Benchmarks;

/// <summary>
/// Field mapping of 100,000 QuickBooks-invoice-shaped records (UTF-8 JSON, one document each) with the QuickBooks
/// sample's invoices-post-v1 mapping (14 fields: singular paths, a negative index, a filter, dates, numbers):
/// (a) the generated mapper, (b) the JSONPath interpreter per field, (c) Newtonsoft.Json SelectToken per field,
/// (d) hand-written System.Text.Json code, (e) only parsing the documents, (f) one Utf8JsonReader pass reading every
/// token (the floor), (f') that pass plus the allocations a record holds (the floor for producing records). (a) is
/// the streaming mapper the generator chooses for this mapping, (a') the DOM mapper of the
/// same class. Every variant reads each document.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
[MemoryDiagnoser]
public class MappingBenchmarks
{
    private const int RecordCount = 100_000;
    private byte[][] _records = [];
    private string[] _texts = [];
    private Func<byte[][], int> _generated = null!;
    private Func<byte[][], int> _streaming = null!;
    private object? _kept;
    private (string Name, JsonPathQuery Query, FieldDataType Kind, bool Required)[] _fields = [];
    private (string Name, string Path, FieldDataType Kind, bool Required, bool Many)[] _newtonsoftFields = [];

    [GlobalSetup]
    public void Setup()
    {
        var folder = ManifestWorkspace.ReadIntegration(Path.Combine(Documents.RepositoryRoot, "samples", "bossi", "quickbooks"));
        var action = ManifestCompilation.CompileIntegration(folder).Value!.Actions.Single(a => a.Name == "invoices-post-v1");
        var mapping = action.Mapping!;

        // (a) the generated mapper, compiled in-process with a loop over the documents in the same assembly
        const string loop = """
            namespace Bench
            {
                public static class Loop
                {
                    public static int MapAllStreaming(byte[][] records)
                    {
                        var mapped = 0;
                        foreach (var bytes in records)
                        {
                            if (InvoicesPostV1Mapper.Map(new global::System.ReadOnlySpan<byte>(bytes)).Succeeded)
                            {
                                mapped++;
                            }
                        }
                        return mapped;
                    }

                    public static int MapAll(byte[][] records)
                    {
                        var mapped = 0;
                        foreach (var bytes in records)
                        {
                            using var document = global::System.Text.Json.JsonDocument.Parse(bytes);
                            if (InvoicesPostV1Mapper.Map(document.RootElement).Succeeded)
                            {
                                mapped++;
                            }
                        }
                        return mapped;
                    }
                }
            }
            """;
        var (assembly, problems) = InMemoryCompiler.Compile("MappingBenchmark", [FieldMappingEmitter.Emit("Bench", action.Name, mapping), loop]);
        if (assembly is null)
        {
            throw new InvalidOperationException(string.Join("\n", problems));
        }
        _generated = assembly.GetType("Bench.Loop")!.GetMethod("MapAll")!.CreateDelegate<Func<byte[][], int>>();
        _streaming = assembly.GetType("Bench.Loop")!.GetMethod("MapAllStreaming")!.CreateDelegate<Func<byte[][], int>>();

        _fields = mapping.Fields.Select(f => (f.Name, f.EquivalentName, f.DataType, f.Required)).ToArray();
        // Newtonsoft's dialect: [-1:] for the last element, ?( ) around filters.
        _newtonsoftFields = mapping.Fields.Select(f => (f.Name,
            System.Text.RegularExpressions.Regex.Replace(f.EquivalentName.Source.Replace("[-1]", "[-1:]", StringComparison.Ordinal), @"\[\?(.*?)\]", "[?($1)]"),
            f.DataType, f.Required, f.DataType == FieldDataType.Array)).ToArray();

        var random = new Random(42);
        _texts = Enumerable.Range(0, RecordCount).Select(i => Invoice(random, i)).ToArray();
        _records = _texts.Select(Encoding.UTF8.GetBytes).ToArray();
        var expected = HandWritten();
        if (Streaming() != expected || ReaderFloor() != RecordCount || ReaderFloorWithRecord() != RecordCount || Generated() != expected || Interpreted() != expected || Newtonsoft() != expected || expected != RecordCount)
        {
            throw new InvalidOperationException($"the variants disagree: generated {Generated()}, interpreted {Interpreted()}, hand-written {expected} of {RecordCount}");
        }
        if (_kept is not HandWrittenInvoiceMapper.Invoice { LineDescriptions.Length: > 0 })
        {
            throw new InvalidOperationException("the floor with records made no record with descriptions");
        }
    }

    [Benchmark(Description = "(a) generated mapper (streaming)")]
    public int Streaming() => _streaming(_records);

    [Benchmark(Description = "(a') generated mapper (DOM)")]
    public int Generated() => _generated(_records);

    /// <summary>The physical floor: one Utf8JsonReader pass over the same bytes reading every token, nothing else.</summary>
    [Benchmark(Description = "(f) Utf8JsonReader pass, every token")]
    public int ReaderFloor()
    {
        var count = 0;
        foreach (var bytes in _records)
        {
            var reader = new Utf8JsonReader(bytes);
            while (reader.Read())
            {
            }
            count += reader.BytesConsumed == bytes.Length ? 1 : 0;
        }
        return count;
    }

    /// <summary>
    /// The floor for a mapper that produces records: (f)'s one pass reading every token, plus what an invoices-post-v1
    /// record holds, made as the generated mapper makes it: its five strings, its dates, date-time and numbers
    /// (<see cref="FieldConversions"/>' reader overloads, which the mapper calls), the kept JSON values (<c>BillAddr</c>
    /// and each line's <c>Description</c>, each its own document, as <c>JsonElement.ParseValue</c> makes them) and the
    /// record. No query logic: the members are known by name at their depth (every line with a description is a
    /// sales line in these documents, so the filter would keep them all).
    /// </summary>
    [Benchmark(Description = "(f') Utf8JsonReader pass + the record's allocations")]
    public int ReaderFloorWithRecord()
    {
        var count = 0;
        foreach (var bytes in _records)
        {
            var reader = new Utf8JsonReader(bytes);
            string? id = null, docNumber = null, customerId = null, customerName = null, currency = null;
            DateOnly txnDate = default, dueDate = default;
            decimal total = default, balance = default;
            long lineNum = default;
            long? lineCount = null;
            bool emailed = default;
            DateTimeOffset updated = default;
            JsonElement billing = default;
            List<JsonElement>? descriptions = null;
            var hasTxnDate = false;
            var hasTotal = false;
            ReadOnlySpan<byte> parent = default;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.StartObject && reader.CurrentDepth == 2 && parent.SequenceEqual("Line"u8))
                {
                    lineCount = null;
                    continue;
                }
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }
                var depth = reader.CurrentDepth;
                var name = reader.ValueSpan;
                reader.Read();
                if (depth == 1)
                {
                    parent = name;
                    _ = name.Length switch
                    {
                        2 when name.SequenceEqual("Id"u8) => FieldConversions.TryString(ref reader, out id),
                        9 when name.SequenceEqual("DocNumber"u8) => FieldConversions.TryString(ref reader, out docNumber),
                        7 when name.SequenceEqual("TxnDate"u8) => hasTxnDate = FieldConversions.TryDate(ref reader, out txnDate),
                        7 when name.SequenceEqual("DueDate"u8) => FieldConversions.TryDate(ref reader, out dueDate),
                        8 when name.SequenceEqual("TotalAmt"u8) => hasTotal = FieldConversions.TryNumber(ref reader, out total),
                        7 when name.SequenceEqual("Balance"u8) => FieldConversions.TryNumber(ref reader, out balance),
                        11 when name.SequenceEqual("EmailStatus"u8) => FieldConversions.TryBoolean(ref reader, out emailed),
                        8 when name.SequenceEqual("BillAddr"u8) => FieldConversions.TryObject(ref reader, out billing),
                        _ => false,
                    };
                }
                else if (depth == 2 && parent.SequenceEqual("CustomerRef"u8))
                {
                    _ = name.SequenceEqual("value"u8) ? FieldConversions.TryString(ref reader, out customerId) : name.SequenceEqual("name"u8) && FieldConversions.TryString(ref reader, out customerName);
                }
                else if (depth == 2 && parent.SequenceEqual("CurrencyRef"u8) && name.SequenceEqual("value"u8))
                {
                    _ = FieldConversions.TryString(ref reader, out currency);
                }
                else if (depth == 2 && parent.SequenceEqual("MetaData"u8) && name.SequenceEqual("LastUpdatedTime"u8))
                {
                    _ = FieldConversions.TryDateTime(ref reader, out updated);
                }
                else if (depth == 3 && parent.SequenceEqual("Line"u8))
                {
                    if (name.SequenceEqual("Description"u8))
                    {
                        (descriptions ??= []).Add(JsonElement.ParseValue(ref reader));
                    }
                    else if (name.SequenceEqual("LineNum"u8) && FieldConversions.TryInteger(ref reader, out lineNum))
                    {
                        lineCount = lineNum;
                    }
                }
            }
            if (id is not null && hasTxnDate && hasTotal && customerId is not null)
            {
                // Kept in a field, as a sink keeps it: a record nobody reads could be allocated on the stack.
                _kept = new HandWrittenInvoiceMapper.Invoice(id, docNumber, txnDate, dueDate, total, balance, customerId, customerName, currency, lineCount,
                    descriptions?.ToArray(), emailed, updated, billing);
                count++;
            }
        }
        return count;
    }

    [Benchmark(Description = "(b) JSONPath interpreter")]
    public int Interpreted()
    {
        var mapped = 0;
        var values = new object?[_fields.Length];
        foreach (var bytes in _records)
        {
            using var document = JsonDocument.Parse(bytes);
            if (FieldMappingInterpreter.Map(document.RootElement, _fields, values))
            {
                mapped++;
            }
        }
        return mapped;
    }

    [Benchmark(Description = "(c) Newtonsoft SelectToken")]
    public int Newtonsoft()
    {
        var mapped = 0;
        var values = new object?[_newtonsoftFields.Length];
        foreach (var text in _texts)
        {
            var record = JObject.Parse(text);
            var ok = true;
            for (var i = 0; i < _newtonsoftFields.Length; i++)
            {
                var (_, path, kind, required, many) = _newtonsoftFields[i];
                if (many)
                {
                    var tokens = record.SelectTokens(path).ToArray();
                    values[i] = tokens.Length > 0 ? tokens : null;
                }
                else
                {
                    var token = record.SelectToken(path);
                    values[i] = token is null || token.Type == JTokenType.Null ? null : FieldMappingInterpreter.Convert(token, kind);
                    ok &= token is null || token.Type == JTokenType.Null || values[i] is not null;
                }
                ok &= !required || values[i] is not null;
            }
            if (ok)
            {
                mapped++;
            }
        }
        return mapped;
    }

    [Benchmark(Baseline = true, Description = "(d) hand-written System.Text.Json")]
    public int HandWritten()
    {
        var mapped = 0;
        foreach (var bytes in _records)
        {
            using var document = JsonDocument.Parse(bytes);
            if (HandWrittenInvoiceMapper.Map(document.RootElement) is not null)
            {
                mapped++;
            }
        }
        return mapped;
    }

    [Benchmark(Description = "(e) parse only")]
    public int ParseOnly()
    {
        var count = 0;
        foreach (var bytes in _records)
        {
            using var document = JsonDocument.Parse(bytes);
            count += document.RootElement.ValueKind == JsonValueKind.Object ? 1 : 0;
        }
        return count;
    }

    /// <summary>A QuickBooks Online invoice as its API returns it (fields the mapping reads, and others it does not).</summary>
    internal static string Invoice(Random random, int i)
    {
        var lines = new StringBuilder();
        var count = random.Next(1, 5);
        for (var l = 1; l <= count; l++)
        {
            lines.Append(CultureInfo.InvariantCulture, $"{{\"Id\":\"{l}\",\"LineNum\":{l},\"Description\":\"Item {random.Next(1000)}\",\"Amount\":{random.Next(1, 999)}.{random.Next(10, 99)},\"DetailType\":\"SalesItemLineDetail\",\"SalesItemLineDetail\":{{\"ItemRef\":{{\"value\":\"{random.Next(1, 40)}\",\"name\":\"Services\"}},\"UnitPrice\":{random.Next(1, 200)},\"Qty\":{random.Next(1, 9)},\"TaxCodeRef\":{{\"value\":\"NON\"}}}}}},");
        }
        lines.Append(CultureInfo.InvariantCulture, $"{{\"Amount\":{random.Next(1, 9999)}.00,\"DetailType\":\"SubTotalLineDetail\",\"SubTotalLineDetail\":{{}}}}");
        var day = new DateOnly(2024, 1, 1).AddDays(random.Next(365));
        return $$"""
            {"AllowIPNPayment":false,"AllowOnlinePayment":false,"AllowOnlineCreditCardPayment":false,"AllowOnlineACHPayment":false,"domain":"QBO","sparse":false,"Id":"{{i}}","SyncToken":"0","MetaData":{"CreateTime":"{{day:yyyy-MM-dd}}T10:42:28-08:00","LastUpdatedTime":"{{day:yyyy-MM-dd}}T10:42:28-08:00"},"CustomField":[{"DefinitionId":"1","Name":"Crew #","Type":"StringType"}],"DocNumber":"{{1000 + i}}","TxnDate":"{{day:yyyy-MM-dd}}","CurrencyRef":{"value":"USD","name":"United States Dollar"},"LinkedTxn":[],"Line":[{{lines}}],"TxnTaxDetail":{"TotalTax":0},"CustomerRef":{"value":"{{random.Next(1, 60)}}","name":"Customer {{random.Next(100)}}"},"CustomerMemo":{"value":"Thank you for your business and have a great day!"},"BillAddr":{"Id":"{{random.Next(100)}}","Line1":"{{random.Next(1, 999)}} Main St","City":"Bayshore","CountrySubDivisionCode":"CA","PostalCode":"94326"},"ShipAddr":{"Id":"{{random.Next(100)}}","Line1":"{{random.Next(1, 999)}} Main St","City":"Bayshore","CountrySubDivisionCode":"CA","PostalCode":"94326"},"FreeFormAddress":true,"SalesTermRef":{"value":"3"},"DueDate":"{{day.AddDays(30):yyyy-MM-dd}}","TotalAmt":{{random.Next(1, 99999)}}.{{random.Next(10, 99)}},"ApplyTaxAfterDiscount":false,"PrintStatus":"NeedToPrint","EmailStatus":"{{(random.Next(2) == 0 ? "NotSet" : "EmailSent")}}","Balance":{{random.Next(0, 999)}}.00}
            """.Replace("\"EmailStatus\":\"NotSet\"", "\"EmailStatus\":false", StringComparison.Ordinal).Replace("\"EmailStatus\":\"EmailSent\"", "\"EmailStatus\":true", StringComparison.Ordinal);
    }
}

/// <summary>The per-field interpretation a mapper without code generation does: evaluate each query, convert.</summary>
internal static class FieldMappingInterpreter
{
    public static bool Map(JsonElement record, (string Name, JsonPathQuery Query, FieldDataType Kind, bool Required)[] fields, object?[] values)
    {
        var ok = true;
        for (var i = 0; i < fields.Length; i++)
        {
            var (_, query, kind, required) = fields[i];
            var nodes = query.Evaluate(record);
            object? value = null;
            if (kind == FieldDataType.Array && !query.IsSingular)
            {
                value = nodes.Count > 0 ? nodes.Select(n => n.Value.Clone()).ToArray() : null;
            }
            else if (nodes.Count > 0 && nodes[0].Value.ValueKind != JsonValueKind.Null)
            {
                value = Convert(nodes[0].Value, kind);
                ok &= value is not null;
            }
            ok &= !required || value is not null;
            values[i] = value;
        }
        return ok;
    }

    private static object? Convert(JsonElement value, FieldDataType kind) => kind switch
    {
        FieldDataType.String => FieldConversions.TryString(value, out var s) ? s : null,
        FieldDataType.Number => FieldConversions.TryNumber(value, out var d) ? d : null,
        FieldDataType.Integer => FieldConversions.TryInteger(value, out var l) ? l : null,
        FieldDataType.Boolean => FieldConversions.TryBoolean(value, out var b) ? b : null,
        FieldDataType.Date => FieldConversions.TryDate(value, out var date) ? date : null,
        FieldDataType.DateTime => FieldConversions.TryDateTime(value, out var dt) ? dt : null,
        FieldDataType.Object => FieldConversions.TryObject(value, out var o) ? o : null,
        _ => FieldConversions.TryArray(value, out var a) ? a : null,
    };

    public static object? Convert(JToken token, FieldDataType kind) => kind switch
    {
        FieldDataType.String => token.Type == JTokenType.String ? (string?)token : null,
        FieldDataType.Number => token.Type is JTokenType.Integer or JTokenType.Float ? (decimal)token : null,
        FieldDataType.Integer => token.Type == JTokenType.Integer ? (long)token : null,
        FieldDataType.Boolean => token.Type == JTokenType.Boolean ? (bool)token : null,
        FieldDataType.Date => token.Type is JTokenType.String or JTokenType.Date ? DateOnly.TryParseExact(token.Type == JTokenType.Date ? ((DateTime)token).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : (string?)token, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null : null,
        FieldDataType.DateTime => token.Type == JTokenType.Date ? new DateTimeOffset((DateTime)token) : token.Type == JTokenType.String && DateTimeOffset.TryParse((string?)token, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dt) ? dt : null,
        FieldDataType.Object => token as JObject,
        _ => token as JArray,
    };
}

/// <summary>What a developer would write by hand for invoices-post-v1 with System.Text.Json: the same fields,
/// types and required checks as the mapping.</summary>
internal static class HandWrittenInvoiceMapper
{
    public sealed record Invoice(string Id, string? DocNumber, DateOnly TxnDate, DateOnly? DueDate, decimal TotalAmount, decimal? Balance,
        string CustomerId, string? CustomerName, string? Currency, long? LineCount, JsonElement[]? LineDescriptions, bool? Emailed,
        DateTimeOffset? UpdatedAt, JsonElement? BillingAddress);

    public static Invoice? Map(JsonElement r)
    {
        var id = r.TryGetProperty("Id"u8, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var docNumber = r.TryGetProperty("DocNumber"u8, out v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        DateOnly? txnDate = r.TryGetProperty("TxnDate"u8, out v) && v.ValueKind == JsonValueKind.String && DateOnly.TryParseExact(v.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d1) ? d1 : null;
        DateOnly? dueDate = r.TryGetProperty("DueDate"u8, out v) && v.ValueKind == JsonValueKind.String && DateOnly.TryParseExact(v.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d2) ? d2 : null;
        decimal? total = r.TryGetProperty("TotalAmt"u8, out v) && v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var t) ? t : null;
        decimal? balance = r.TryGetProperty("Balance"u8, out v) && v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var b) ? b : null;
        string? customerId = null, customerName = null, currency = null;
        if (r.TryGetProperty("CustomerRef"u8, out var customer) && customer.ValueKind == JsonValueKind.Object)
        {
            customerId = customer.TryGetProperty("value"u8, out v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            customerName = customer.TryGetProperty("name"u8, out v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        }
        if (r.TryGetProperty("CurrencyRef"u8, out var currencyRef) && currencyRef.ValueKind == JsonValueKind.Object)
        {
            currency = currencyRef.TryGetProperty("value"u8, out v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        }
        long? lineCount = null;
        List<JsonElement>? descriptions = null;
        if (r.TryGetProperty("Line"u8, out var lines) && lines.ValueKind == JsonValueKind.Array)
        {
            var n = lines.GetArrayLength();
            if (n > 0 && lines[n - 1].ValueKind == JsonValueKind.Object && lines[n - 1].TryGetProperty("LineNum"u8, out v) && v.TryGetInt64(out var num))
            {
                lineCount = num;
            }
            foreach (var line in lines.EnumerateArray())
            {
                if (line.ValueKind == JsonValueKind.Object && line.TryGetProperty("DetailType"u8, out v) && v.ValueEquals("SalesItemLineDetail"u8)
                    && line.TryGetProperty("Description"u8, out var description))
                {
                    (descriptions ??= []).Add(description.Clone());
                }
            }
        }
        bool? emailed = r.TryGetProperty("EmailStatus"u8, out v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
        DateTimeOffset? updated = null;
        if (r.TryGetProperty("MetaData"u8, out var meta) && meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("LastUpdatedTime"u8, out v)
            && v.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var u))
        {
            updated = u;
        }
        JsonElement? billing = r.TryGetProperty("BillAddr"u8, out v) && v.ValueKind == JsonValueKind.Object ? v.Clone() : null;
        if (id is null || txnDate is null || total is null || customerId is null)
        {
            return null;
        }
        return new Invoice(id, docNumber, txnDate.Value, dueDate, total.Value, balance, customerId, customerName, currency, lineCount,
            descriptions?.ToArray(), emailed, updated, billing);
    }
}
