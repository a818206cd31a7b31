using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using ManifestCompiler.Conformance;
using ManifestCompiler.IR;
using ManifestCompiler.Runtime.Support.Json;
using ManifestCompiler.Runtime.Support.Mapping;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Syntax.JsonPath;

namespace ManifestCompiler.Emit.Tests;

/// <summary>
/// The streaming mapper (one pass over Utf8JsonReader) against the DOM mapper (JsonDocument) of the same generated
/// class: on random invoice-shaped documents — missing fields, wrong types, nulls, duplicate members, escaped and
/// lone-surrogate names, deep nesting, broken JSON — both give the same record, the same errors, or the same failure.
/// </summary>
public sealed class StreamingMapperTests
{
    private const string Namespace = "ManifestCompiler.Emit.Tests.Streaming";

    /// <summary>Every form the streaming mapper takes: names, indexes (negative too), filters and a wildcard, a
    /// value that is both converted and stepped into, every data type.</summary>
    private static readonly (string Name, FieldDataType Type, bool Required, string Query)[] Forms =
    [
        ("id", FieldDataType.String, true, "$.Id"),
        ("total", FieldDataType.Number, false, "$.TotalAmt"),
        ("last", FieldDataType.Integer, true, "$.Line[-1].LineNum"),
        ("secondLast", FieldDataType.Integer, false, "$.Line[-2].LineNum"),
        ("firstDescription", FieldDataType.String, false, "$.Line[0].Description"),
        ("customer", FieldDataType.String, false, "$.CustomerRef.value"),
        ("deep", FieldDataType.String, false, "$.a.b[1].c"),
        ("emailed", FieldDataType.Boolean, false, "$.EmailStatus"),
        ("txnDate", FieldDataType.Date, false, "$.TxnDate"),
        ("updated", FieldDataType.DateTime, false, "$.MetaData.LastUpdatedTime"),
        ("billing", FieldDataType.Object, false, "$.BillAddr"),
        ("billingLine", FieldDataType.String, false, "$.BillAddr.Line1"),
        ("lines", FieldDataType.Array, false, "$.Line"),
        ("descriptions", FieldDataType.Array, true, "$.Line[?@.DetailType == 'SalesItemLineDetail'].Description"),
        ("amounts", FieldDataType.Array, false, "$.Line[*].Amount"),
        ("bigOrUnnumbered", FieldDataType.Array, false, "$.Line[?@.Amount > 100 || !@.LineNum].LineNum"),
        ("firstSale", FieldDataType.String, false, "$.Line[?@.DetailType != 'SubTotalLineDetail' && @.Description].Description"),
        ("numberOne", FieldDataType.Array, false, "$.Line[?@.LineNum == 1].Id"),
        ("qtyAtLeastNumber", FieldDataType.Array, false, "$.Line[?@.Qty >= @.LineNum && @.Qty != null]"),
        ("metaDay", FieldDataType.String, false, "$.MetaData[?@ == '2024-01-05']"),
        ("firstNested", FieldDataType.Integer, false, "$.Line[?@.SalesItemLineDetail.Qty > 2].SalesItemLineDetail.Qty"),
        ("whole", FieldDataType.Object, false, "$"),
        ("rootIndex", FieldDataType.String, false, "$[0]"),
    ];

    private static readonly Lazy<(IRecordMapper QuickBooks, IRecordMapper Forms, string FormsSource, string QuickBooksSource)> Mappers = new(() =>
    {
        var quickBooks = FieldMappingEmitterTests.EmitQuickBooksInvoiceMapper();
        var forms = FieldMappingEmitter.Emit(Namespace, "forms", Mapping(Forms));
        var (assembly, problems) = InMemoryCompiler.Compile("StreamingMappers", [quickBooks, forms]);
        Assert.True(assembly is not null, string.Join("\n", problems));
        IRecordMapper Instance(string type) => (IRecordMapper)assembly!.GetType(type)!.GetField("Instance")!.GetValue(null)!;
        return (Instance("ManifestCompiler.Emit.Tests.Mappers.InvoicesPostV1Mapper"), Instance(Namespace + ".FormsMapper"), forms, quickBooks);
    });

    private static FieldMappingIR Mapping(IEnumerable<(string Name, FieldDataType Type, bool Required, string Query)> fields) =>
        new(null, new EquatableArray<FieldMappingEntryIR>([.. fields.Select(f => new FieldMappingEntryIR(f.Name, f.Type, f.Required, JsonPath.Parse(f.Query).Value!))]));

    [Fact]
    public void The_generator_streams_the_mappings_one_pass_decides_and_keeps_the_DOM_for_the_others()
    {
        Assert.Contains("Utf8JsonReader", Mappers.Value.QuickBooksSource, StringComparison.Ordinal);
        Assert.Contains("without a DOM (the streaming mapper)", Mappers.Value.FormsSource, StringComparison.Ordinal);
        foreach (var query in new[] { "$..Id", "$.Line[1:3].Id", "$.Line[?length(@.Id) > 1].Id", "$.Line[?@.a][?@.b]", "$['a','b']", "$.Line[-65].Id", "$.Line[?$.x].Id" })
        {
            var source = FieldMappingEmitter.Emit(Namespace, "dom", Mapping([("f", FieldDataType.Array, false, query)]));
            Assert.Contains("through the DOM mapper (one pass cannot decide", source, StringComparison.Ordinal);
            Assert.DoesNotContain("Utf8JsonReader", source, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_later_duplicate_member_replaces_what_an_earlier_one_gave()
    {
        var (_, mapper, _, _) = Mappers.Value;
        var errors = Outcome(mapper, """{"Id":"a","Line":[{"LineNum":1}],"Id":5,"Line":[{"Description":"x"}],"BillAddr":{"Line1":"one"},"BillAddr":7}""");
        Assert.Equal(
            "errors: id $.Id field 'id' expects a string but $.Id is the number 5 | last $.Line[-1].LineNum required field 'last' is missing: $.Line[-1].LineNum selected nothing (or null) | "
            + "billing $.BillAddr field 'billing' expects an object but $.BillAddr is the number 7 | descriptions $.Line[?@.DetailType == 'SalesItemLineDetail'].Description required field 'descriptions' is missing: $.Line[?@.DetailType == 'SalesItemLineDetail'].Description selected nothing (or null)",
            errors);
    }

    [Fact]
    public void A_record_deeper_than_the_readers_default_64_levels_maps_alike_through_both_mappers_up_to_the_runtimes_limit()
    {
        var (quickBooks, forms, _, _) = Mappers.Value;
        static string Nest(string open, string close, int depth, string inner) =>
            string.Concat(Enumerable.Repeat(open, depth)) + inner + string.Concat(Enumerable.Repeat(close, depth));
        var deepObject = Nest("{\"a\":", "}", 150, "1");
        var deepArray = Nest("[", "]", 150, "2");
        // A kept object, a captured filter result, an unread member and a wrong-type value, each 150 levels deep.
        var mapped = $$$"""{"Id":"201","TxnDate":"2024-01-31","TotalAmt":5,"CustomerRef":{"value":"7"},"Unread":{{{deepObject}}},"BillAddr":{{{deepObject}}},"Line":[{"DetailType":"SalesItemLineDetail","Description":{{{deepArray}}},"LineNum":1}]}""";
        var failing = $$$"""{"Id":"202","TxnDate":"2024-01-31","TotalAmt":{{{deepArray}}},"CustomerRef":{"value":"7"}}""";
        foreach (var mapper in new[] { quickBooks, forms })
        {
            Outcome(mapper, mapped);
            Outcome(mapper, failing);
        }
        var record = Outcome(quickBooks, mapped);
        Assert.StartsWith("record: ", record, StringComparison.Ordinal);
        Assert.Contains(deepArray, record, StringComparison.Ordinal);
        Assert.Contains("field 'totalAmount' expects a number but $.TotalAmt is an array", Outcome(quickBooks, failing), StringComparison.Ordinal);
        // At DataJson.MaxDepth both read the document; one level more, both refuse it alike.
        Assert.StartsWith("errors: ", Outcome(quickBooks, """{"Id":"1","a":""" + Nest("[", "]", DataJson.MaxDepth - 1, "0") + "}"), StringComparison.Ordinal);
        Assert.Equal("throws JsonException", Outcome(quickBooks, """{"Id":"1","a":""" + Nest("[", "]", DataJson.MaxDepth, "0") + "}"));
    }

    [Fact(Timeout = 600_000)]
    [Trait("Category", "Slow")]
    public async Task Random_invoice_documents_map_alike_through_both_mappers()
    {
        var (quickBooks, forms, _, _) = Mappers.Value;
        var cases = 0;
        var mapped = 0;
        var failed = 0;
        await Task.Run(() => Gen.Int.Select(seed => Document(new Random(seed))).Sample(json =>
        {
            foreach (var mapper in new[] { quickBooks, forms })
            {
                var outcome = Outcome(mapper, json);
                Interlocked.Increment(ref cases);
                if (outcome.StartsWith("record", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref mapped);
                }
                else if (outcome.StartsWith("errors", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }, iter: 6_000));
        Assert.True(cases >= 12_000, $"{cases} cases");
        // The generator must reach both outcomes often, or the comparison proves little.
        Assert.True(mapped > cases / 20 && failed > cases / 20, $"{mapped} mapped, {failed} with errors of {cases}");
    }

    /// <summary>The date and date-time conversions read the usual forms from the UTF-8 bytes (issue 17); on random
    /// date-shaped strings (every component at and past its bounds, fractions, offsets, mutations) both conversions
    /// of both mappers agree with the string parse the DOM mapper always did, value and offset alike.</summary>
    [Fact]
    public void Dates_and_date_times_read_from_UTF8_bytes_as_the_string_parse_reads_them()
    {
        string[] fixedSamples =
        [
            "2024-01-05", "2024-02-29", "2023-02-29", "0001-01-01", "9999-12-31", "0000-01-01", "2024-13-01", "2024-00-10", "2024-01-00", "2024-1-05",
            "2024-01-05T10:42:28-08:00", "2024-01-05T10:42:28Z", "2024-01-05T10:42:28.5Z", "2024-01-05T10:42:28.1234567+05:30", "2024-01-05T10:42:28.12345678Z",
            "2024-01-05T24:00:00Z", "2024-01-05T23:59:60Z", "2024-01-05T10:42:28+14:00", "2024-01-05T10:42:28+13:59", "2024-01-05T10:42:28-00:00",
            "0001-01-01T00:00:00Z", "0002-01-01T00:00:00+13:00", "9998-12-31T23:59:59-13:00", "9999-12-31T23:59:59-01:00", "2024-01-05t10:42:28z",
            "2024-01-05T10:42:28.Z", "2024-01-05T10:42:28+0800", "2024-01-05T10:42:28", "2024-01-05 10:42:28Z", "2024-01-05T10:42Z", "2024-01-05T10:42:28.9999999Z",
        ];
        foreach (var text in fixedSamples)
        {
            AssertDateConversions(text);
        }
        Gen.Int.Select(seed => DateText(new Random(seed))).Sample(AssertDateConversions, iter: 60_000);
    }

    private static void AssertDateConversions(string text)
    {
        var expectedDate = DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date.ToString("O", CultureInfo.InvariantCulture) : "no";
        var expectedTime = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var time)
            ? time.ToString("O", CultureInfo.InvariantCulture) : "no";
        var json = Encoding.UTF8.GetBytes("\"" + text + "\"");
        var reader = new Utf8JsonReader(json);
        reader.Read();
        using var document = JsonDocument.Parse(json);
        var actual = (
            FieldConversions.TryDate(ref reader, out var readDate) ? readDate.ToString("O", CultureInfo.InvariantCulture) : "no",
            FieldConversions.TryDateTime(ref reader, out var readTime) ? readTime.ToString("O", CultureInfo.InvariantCulture) : "no",
            FieldConversions.TryDate(document.RootElement, out var domDate) ? domDate.ToString("O", CultureInfo.InvariantCulture) : "no",
            FieldConversions.TryDateTime(document.RootElement, out var domTime) ? domTime.ToString("O", CultureInfo.InvariantCulture) : "no");
        Assert.Equal((expectedDate, expectedTime, expectedDate, expectedTime), actual);
    }

    /// <summary>A date or date-time of RFC 3339 shape, each component drawn across and past its bounds, sometimes mutated.</summary>
    private static string DateText(Random random)
    {
        string Digits(int max, int width) => random.Next(max + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
        var text = $"{(random.Next(10) == 0 ? random.Next(2) == 0 ? "0000" : random.Next(2) == 0 ? "0001" : "9999" : Digits(9999, 4))}-{Digits(13, 2)}-{Digits(32, 2)}";
        if (random.Next(4) > 0)
        {
            text += $"T{Digits(25, 2)}:{Digits(61, 2)}:{Digits(61, 2)}";
            if (random.Next(2) == 0)
            {
                text += "." + string.Concat(Enumerable.Range(0, random.Next(0, 10)).Select(_ => (char)('0' + random.Next(10))));
            }
            text += random.Next(5) switch
            {
                0 => "Z",
                1 => "",
                _ => (random.Next(2) == 0 ? "+" : "-") + Digits(15, 2) + ":" + Digits(60, 2),
            };
        }
        if (random.Next(5) == 0)
        {
            const string alphabet = "0123456789-:T.Z+ tz";
            var at = random.Next(text.Length);
            text = random.Next(3) switch
            {
                0 => text.Remove(at, 1),
                1 => text.Insert(at, alphabet[random.Next(alphabet.Length)].ToString()),
                _ => text[..at] + alphabet[random.Next(alphabet.Length)] + text[(at + 1)..],
            };
        }
        return text;
    }

    /// <summary>Both mappers on one document: the same description of record, errors or exception, else a failure.</summary>
    private static string Outcome(IRecordMapper mapper, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        string dom;
        try
        {
            // As the runtime parses a record for the DOM mapper (DataJson: 1,024 levels, not the default 64).
            using var document = DataJson.ParseDocument(bytes);
            dom = Describe(mapper.Map(document.RootElement));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            dom = "throws " + Family(e);
        }
        string streamed;
        try
        {
            streamed = Describe(mapper.Map(bytes));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            streamed = "throws " + Family(e);
        }
        Assert.True(dom == streamed, $"document {json}\nDOM:       {dom}\nstreaming: {streamed}");
        return dom;
    }

    private static string Family(Exception e) => e is JsonException ? "JsonException" : e.GetType().Name;

    /// <summary>A record's values (JSON values by their text) or its errors, as one comparable line.</summary>
    internal static string Describe(MappingResult<object> result)
    {
        if (result.Record is not { } record)
        {
            return "errors: " + string.Join(" | ", result.Errors.Select(e => $"{e.Field} {e.Path} {e.Message}"));
        }
        return "record: " + string.Join(", ", record.GetType().GetProperties().Where(p => p.Name != "EqualityContract")
            .Select(p => p.Name + "=" + Value(p.GetValue(record))));
    }

    internal static string Describe<T>(MappingResult<T> result)
        where T : class =>
        Describe(result.Record is { } record ? new MappingResult<object>(record) : new MappingResult<object>(result.Errors));

    private static string Value(object? value) => value switch
    {
        null => "null",
        JsonElement element => element.GetRawText(),
        JsonElement[] elements => "[" + string.Join(",", elements.Select(e => e.GetRawText())) + "]",
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable and not string => throw new InvalidOperationException("unexpected collection"),
        _ => value.ToString() ?? "",
    };

    // --- random invoice-shaped documents -------------------------------------------------------------------------

    private static readonly string[] RootKeys =
    [
        "Id", "Id", "DocNumber", "TxnDate", "DueDate", "TotalAmt", "Balance", "CustomerRef", "CurrencyRef", "Line", "Line", "Line",
        "EmailStatus", "MetaData", "BillAddr", "a", "Noise", "\\u0049d", "Li\\u006ee", "\\ud800", "id", "",
    ];

    private static readonly string[] LineKeys = ["Id", "LineNum", "LineNum", "DetailType", "DetailType", "Description", "Amount", "Qty", "SalesItemLineDetail", "\\u0044escription"];

    private static readonly string[] InnerKeys = ["value", "name", "Line1", "LastUpdatedTime", "CreateTime", "b", "c", "Qty", "v\\u0061lue"];

    private static string Document(Random random)
    {
        var corrupt = random.Next(40) == 0;
        var text = random.Next(60) == 0 ? Deep(random) : random.Next(30) == 0 ? Any(random, 0, lone: !corrupt) : Invoice(random, lone: !corrupt);
        if (corrupt)
        {
            // Broken JSON: cut short, or a stray character inside.
            var at = random.Next(text.Length + 1);
            text = random.Next(2) == 0 ? text[..at] : text.Insert(at, random.Next(2) == 0 ? "}" : ",");
        }
        return text;
    }

    /// <summary>An invoice nested around 64 levels deep (the readers' default limit, which the runtime's documents
    /// exceed) or around <see cref="DataJson.MaxDepth"/> (the limit of both mappers).</summary>
    private static string Deep(Random random)
    {
        var depth = random.Next(2) == 0 ? random.Next(58, 70) : random.Next(DataJson.MaxDepth - 6, DataJson.MaxDepth + 6);
        var inner = "{\"c\":\"deep\"}";
        for (var i = 0; i < depth; i++)
        {
            inner = random.Next(2) == 0 ? $"[{inner}]" : $"{{\"b\":{inner}}}";
        }
        return $"{{\"Id\":\"x\",\"Line\":[{{\"LineNum\":1}}],\"a\":{inner}}}";
    }

    private static string Invoice(Random random, bool lone)
    {
        var members = new List<string>();
        if (random.Next(2) == 0)
        {
            // A valid core, so that records map too; the random members after it may replace any of it.
            members.Add("\"Id\":\"130\",\"TxnDate\":\"2024-01-05\",\"TotalAmt\":12.50,\"CustomerRef\":{\"value\":\"7\"},\"Line\":[{\"LineNum\":1,\"DetailType\":\"SalesItemLineDetail\",\"Description\":\"d\",\"Amount\":150}]");
        }
        var count = random.Next(0, 16);
        for (var i = 0; i < count; i++)
        {
            var key = RootKeys[random.Next(RootKeys.Length)];
            if (key == "\\ud800" && !lone)
            {
                continue;
            }
            members.Add($"\"{key}\":{RootValue(random, key, lone)}");
        }
        return "{" + string.Join(",", members) + "}";
    }

    private static string RootValue(Random random, string key, bool lone)
    {
        if (random.Next(5) == 0)
        {
            return Any(random, 1, lone);
        }
        return key switch
        {
            "Id" or "DocNumber" or "\\u0049d" or "id" => Quote(random.Next(3) == 0 ? "1\\u0030" + random.Next(100) : random.Next(1000).ToString(CultureInfo.InvariantCulture)),
            "TxnDate" or "DueDate" => Quote(Dates[random.Next(Dates.Length)]),
            "TotalAmt" or "Balance" => Numbers[random.Next(Numbers.Length)],
            "CustomerRef" or "CurrencyRef" or "MetaData" or "BillAddr" => Inner(random, lone),
            "Line" or "Li\\u006ee" => "[" + string.Join(",", Enumerable.Range(0, random.Next(0, 6)).Select(_ => Line(random, lone))) + "]",
            "EmailStatus" => random.Next(2) == 0 ? "true" : "false",
            "a" => $"{{\"b\":[{Any(random, 3, lone)},{{\"c\":{Scalar(random, lone)}}}]}}",
            _ => Any(random, 1, lone),
        };
    }

    private static string Line(Random random, bool lone)
    {
        if (random.Next(8) == 0)
        {
            return Any(random, 2, lone);
        }
        var members = new List<string>();
        var count = random.Next(0, 7);
        for (var i = 0; i < count; i++)
        {
            var key = LineKeys[random.Next(LineKeys.Length)];
            var value = random.Next(6) == 0 ? Any(random, 3, lone) : key switch
            {
                "Id" => Quote(random.Next(5).ToString(CultureInfo.InvariantCulture)),
                "LineNum" or "Qty" => Numbers[random.Next(Numbers.Length)],
                "Amount" => Numbers[random.Next(Numbers.Length)],
                "DetailType" => Quote(random.Next(3) switch { 0 => "SalesItemLineDetail", 1 => "SubTotalLineDetail", _ => "Sales\\u0049temLineDetail" }),
                "SalesItemLineDetail" => $"{{\"Qty\":{Numbers[random.Next(Numbers.Length)]}}}",
                _ => Scalar(random, lone),
            };
            members.Add($"\"{key}\":{value}");
        }
        return "{" + string.Join(",", members) + "}";
    }

    private static string Inner(Random random, bool lone)
    {
        var members = new List<string>();
        var count = random.Next(0, 5);
        for (var i = 0; i < count; i++)
        {
            var key = InnerKeys[random.Next(InnerKeys.Length)];
            members.Add($"\"{key}\":{(random.Next(3) == 0 ? Any(random, 3, lone) : key == "LastUpdatedTime" || key == "CreateTime" ? Quote(Dates[random.Next(Dates.Length)]) : Scalar(random, lone))}");
        }
        return "{" + string.Join(",", members) + "}";
    }

    private static readonly string[] Dates =
    [
        "2024-01-05", "2024-02-30", "05/01/2024", "2024-01-05T10:42:28-08:00", "2024-01-05T10:42:28Z", "2024-01-05T10:42:28", " 2024-01-05T10:42:28Z ", "2024-01-05\\u0054", "",
        "2024-02-29", "2024-01-05T10:42:28.1234567+05:30", "2024-01-05T10:42:28.12345678Z", "2024-01-05T23:59:60Z", "2024-01-05T10:42:28+14:00", "2024-01-05\\u005410:42:28Z",
    ];

    private static readonly string[] Numbers =
    [
        "0", "1", "2", "3", "-1", "3.0", "1e2", "12.50", "-0", "0.1", "150", "99999999999999999999", "9223372036854775808", "1e400", "-1E-7", "\"12\"", "null", "true",
    ];

    private static readonly string[] Strings = ["hello", "SalesItemLineDetail", "2024-01-05", "x", "\\u0041b\\u0063", "\\ud83d\\ude00", "é", "", "\\\"q\\\"", "\\n"];

    private static string Scalar(Random random, bool lone) => random.Next(10) switch
    {
        0 => "null",
        1 => "true",
        2 => "false",
        3 or 4 => Numbers[random.Next(Numbers.Length)],
        5 when lone && random.Next(4) == 0 => Quote("\\ud800x"),
        _ => Quote(Strings[random.Next(Strings.Length)]),
    };

    private static string Any(Random random, int depth, bool lone)
    {
        if (depth > 5 || random.Next(3) > 0)
        {
            return Scalar(random, lone);
        }
        if (random.Next(2) == 0)
        {
            return "[" + string.Join(",", Enumerable.Range(0, random.Next(0, 4)).Select(_ => Any(random, depth + 1, lone))) + "]";
        }
        var keys = RootKeys.Concat(LineKeys).Concat(InnerKeys).Where(k => lone || k != "\\ud800").ToArray();
        return "{" + string.Join(",", Enumerable.Range(0, random.Next(0, 4)).Select(_ => $"\"{keys[random.Next(keys.Length)]}\":{Any(random, depth + 1, lone)}")) + "}";
    }

    private static string Quote(string escaped) => "\"" + escaped + "\"";
}
