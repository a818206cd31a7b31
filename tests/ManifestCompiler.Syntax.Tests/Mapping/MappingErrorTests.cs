using System.Text.Json;
using ManifestCompiler.Runtime.Support.Mapping;

namespace ManifestCompiler.Syntax.Tests.Mapping;

/// <summary>
/// The text of a mapping error, which a run's result shows for each record that did not map: the field, its query,
/// and what the query found, its JSON shown up to 40 characters.
/// </summary>
public class MappingErrorTests
{
    [Theory]
    [InlineData("\"14/11/2024\"", "the string \"14/11/2024\"")]
    [InlineData("130", "the number 130")]
    [InlineData("-1.5e3", "the number -1.5e3")]
    [InlineData("true", "a boolean")]
    [InlineData("false", "a boolean")]
    [InlineData("[1, 2]", "an array")]
    [InlineData("{\"a\": 1}", "an object")]
    [InlineData("null", "null")]
    // 40 characters of JSON are shown whole; from 41 the first 40 and "...".
    [InlineData("\"abcdefghijklmnopqrstuvwxyz0123456789AB\"", "the string \"abcdefghijklmnopqrstuvwxyz0123456789AB\"")]
    [InlineData("\"abcdefghijklmnopqrstuvwxyz0123456789ABC\"", "the string \"abcdefghijklmnopqrstuvwxyz0123456789ABC...")]
    [InlineData("1234567890123456789012345678901234567890", "the number 1234567890123456789012345678901234567890")]
    [InlineData("12345678901234567890123456789012345678901", "the number 1234567890123456789012345678901234567890...")]
    public void A_wrong_type_names_the_field_the_query_and_what_it_found(string json, string found)
    {
        using var document = JsonDocument.Parse(json);
        var error = MappingError.WrongType("txnDate", "$.TxnDate", "a date (yyyy-MM-dd)", document.RootElement);
        Assert.Equal(("txnDate", "$.TxnDate"), (error.Field, error.Path));
        Assert.Equal($"field 'txnDate' expects a date (yyyy-MM-dd) but $.TxnDate is {found}", error.Message);
        Assert.Equal(error.Message, error.ToString());
    }

    [Fact]
    public void A_missing_field_names_the_query_that_selected_nothing()
    {
        var error = MappingError.Missing("last", "$.Line[-1].LineNum");
        Assert.Equal(("last", "$.Line[-1].LineNum"), (error.Field, error.Path));
        Assert.Equal("required field 'last' is missing: $.Line[-1].LineNum selected nothing (or null)", error.ToString());
    }

    [Fact]
    public void A_result_has_its_record_or_its_errors()
    {
        var mapped = new MappingResult<string>("record");
        Assert.True(mapped.Succeeded);
        Assert.Equal("record", mapped.Record);
        Assert.Empty(mapped.Errors);

        var errors = new[] { MappingError.Missing("id", "$.id") };
        var failed = new MappingResult<string>(errors);
        Assert.False(failed.Succeeded);
        Assert.Null(failed.Record);
        Assert.Equal(errors, failed.Errors);
    }
}
