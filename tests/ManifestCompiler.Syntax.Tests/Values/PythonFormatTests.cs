using System.Text.Json;
using ManifestCompiler.Runtime.Support.Python;
using ManifestCompiler.Runtime.Support.Values;

namespace ManifestCompiler.Syntax.Tests.Values;

public class PythonFormatTests
{
    // Expected values are CPython 3.11's repr().
    [Theory]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(123.0, "123.0")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(0.1, "0.1")]
    [InlineData(1.0 / 3, "0.3333333333333333")]
    [InlineData(1.5e300, "1.5e+300")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(123456789012345678.0, "1.2345678901234568e+17")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(-0.00012, "-0.00012")]
    [InlineData(1e22, "1e+22")]
    [InlineData(12345678901234567.0, "1.2345678901234568e+16")]
    [InlineData(-1e-300, "-1e-300")]
    [InlineData(0.001, "0.001")]
    [InlineData(-123456.789, "-123456.789")]
    public void Float_repr_matches_cpython(double value, string expected) => Assert.Equal(expected, PyFormat.FloatRepr(value));

    [Theory]
    [InlineData("\"it's\"", "\"it's\"")]
    [InlineData("\"say \\\"hi\\\"\"", "'say \"hi\"'")]
    [InlineData("\"both ' and \\\"\"", "'both \\' and \"'")]
    [InlineData("\"tab\\tnew\\nline\\\\\"", "'tab\\tnew\\nline\\\\'")]
    [InlineData("\"\\u0001\\u00ff\\u200b\"", "'\\x01ÿ\\u200b'")]
    [InlineData("[1, 2.0, true, null, {\"a\": []}]", "[1, 2.0, True, None, {'a': []}]")]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567890")]
    [InlineData("1E2", "100.0")]
    public void Repr_matches_cpython(string json, string expected) =>
        Assert.Equal(expected, JsonPythonFormat.Repr(JsonDocument.Parse(json).RootElement));
}
