using System.Text.Json;
using ManifestCompiler.Conformance;
using ManifestCompiler.Runtime.Support.Mapping;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Testing;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Emit.Tests;

public sealed class FieldMappingEmitterTests
{
    private const string Namespace = "ManifestCompiler.Emit.Tests.Mappers";

    /// <summary>The QuickBooks sample's invoices-post-v1 mapping, through the front end and the emitter.</summary>
    internal static string EmitQuickBooksInvoiceMapper()
    {
        var folder = ManifestWorkspace.ReadIntegration(Path.Combine(RepositoryPaths.Root, "samples", "bossi", "quickbooks"), "quickbooks");
        var compiled = ManifestCompilation.CompileIntegration(folder);
        Assert.DoesNotContain(compiled.Diagnostics, d => d.IsError);
        var action = compiled.Value!.Actions.Single(a => a.Name == "invoices-post-v1");
        return FieldMappingEmitter.Emit(Namespace, action.Name, action.Mapping!);
    }

    private static IRecordMapper CompileMapper()
    {
        var (assembly, problems) = InMemoryCompiler.Compile("QuickBooksMapper", [EmitQuickBooksInvoiceMapper()]);
        Assert.True(assembly is not null, string.Join("\n", problems));
        return (IRecordMapper)assembly!.GetType(Namespace + ".InvoicesPostV1Mapper")!.GetField("Instance")!.GetValue(null)!;
    }

    /// <summary>Maps through the DOM mapper and the streaming mapper, which must agree.</summary>
    private static (object? Record, IReadOnlyList<MappingError> Errors) Map(IRecordMapper mapper, string json)
    {
        using var document = JsonDocument.Parse(json);
        var dom = mapper.Map(document.RootElement);
        var streamed = mapper.Map(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Equal(StreamingMapperTests.Describe(dom), StreamingMapperTests.Describe(streamed));
        return (streamed.Record, streamed.Errors);
    }

    // The generated text itself is checked by the generator's golden files (one per sample mapping).

    [Fact]
    public void A_complete_invoice_maps_to_a_typed_record()
    {
        var (record, errors) = Map(CompileMapper(), """
            {"Id": "130", "DocNumber": "1037", "TxnDate": "2024-11-14", "DueDate": "2024-12-14", "TotalAmt": 362.07,
             "Balance": 0, "CustomerRef": {"value": "24", "name": "Sonnenschein Family Store"}, "CurrencyRef": {"value": "USD"},
             "Line": [{"LineNum": 1, "DetailType": "SalesItemLineDetail", "Description": "Rock Fountain"},
                      {"DetailType": "SubTotalLineDetail"},
                      {"LineNum": 2, "DetailType": "SalesItemLineDetail", "Description": "Fountain Pump"}],
             "EmailStatus": true, "MetaData": {"LastUpdatedTime": "2024-11-14T10:42:28-08:00"},
             "BillAddr": {"Line1": "Russ Sonnenschein"}}
            """);
        Assert.Empty(errors);
        Assert.NotNull(record);
        var get = (string name) => record!.GetType().GetProperty(name)!.GetValue(record);
        Assert.Equal("130", get("IntegrationInvoiceId"));
        Assert.Equal(new DateOnly(2024, 11, 14), get("TxnDate"));
        Assert.Equal(362.07m, get("TotalAmount"));
        Assert.Equal(0m, get("Balance"));
        Assert.Equal("24", get("CustomerId"));
        Assert.Equal("Sonnenschein Family Store", get("CustomerName"));
        Assert.Equal(2L, get("LineCount")); // $.Line[-1].LineNum: the last line's number
        Assert.Equal(["Rock Fountain", "Fountain Pump"], ((JsonElement[])get("LineDescriptions")!).Select(e => e.GetString()!).ToArray());
        Assert.Equal(true, get("Emailed"));
        Assert.Equal(new DateTimeOffset(2024, 11, 14, 10, 42, 28, TimeSpan.FromHours(-8)), get("UpdatedAt"));
        Assert.Equal("Russ Sonnenschein", ((JsonElement)get("BillingAddress")!).GetProperty("Line1").GetString());
    }

    [Fact]
    public void Missing_and_mistyped_fields_are_errors_with_field_and_path()
    {
        var (record, errors) = Map(CompileMapper(), """
            {"Id": 130, "TxnDate": "14/11/2024", "CustomerRef": {"name": "no id"}, "TotalAmt": null, "EmailStatus": "yes"}
            """);
        Assert.Null(record);
        Assert.Equal(
        [
            ("integrationInvoiceId", "$.Id", "field 'integrationInvoiceId' expects a string but $.Id is the number 130"),
            ("txnDate", "$.TxnDate", "field 'txnDate' expects a date (yyyy-MM-dd) but $.TxnDate is the string \"14/11/2024\""),
            ("totalAmount", "$.TotalAmt", "required field 'totalAmount' is missing: $.TotalAmt selected nothing (or null)"),
            ("customerId", "$.CustomerRef.value", "required field 'customerId' is missing: $.CustomerRef.value selected nothing (or null)"),
            ("emailed", "$.EmailStatus", "field 'emailed' expects a boolean but $.EmailStatus is the string \"yes\""),
        ],
        errors.Select(e => (e.Field, e.Path, e.Message)).ToArray());
    }
}
