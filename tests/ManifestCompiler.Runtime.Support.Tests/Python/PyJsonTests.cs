using System.Numerics;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Python;

namespace ManifestCompiler.Runtime.Support.Tests.Python;

/// <summary>
/// Python values as JSON: what a payload path into a memory value walks (<see cref="PyJson.ToJsonForm"/>) and the JSON a
/// host writes. Expected values are CPython 3.11's <c>json.dumps(v, separators=(',', ':'))</c> and
/// <c>repr(json.loads(json.dumps(v)))</c>; where the runtime deliberately differs (NaN and infinities as strings, dict
/// views as lists) the test says so.
/// </summary>
public sealed class PyJsonTests
{
    private static PyStr S(string value) => PyStr.Of(value);

    private static PyDict Dict(params (PyValue Key, PyValue Value)[] entries)
    {
        var dict = new PyDict();
        foreach (var (key, value) in entries)
        {
            dict.Set(key, value);
        }
        return dict;
    }

    /// <summary><c>{'s': 'a', 'i': 10**20, 'f': 0.1, 'big': 1e22, 'nz': -0.0, 't': True, 'n': None, 'l': [1, (2, 3)], 'd': {1: 'a', None: 'c', 1.5: 'd', False: 'x'}}</c></summary>
    private static PyDict Sample() => Dict(
        (S("s"), S("a")),
        (S("i"), PyInt.Of(BigInteger.Pow(10, 20))),
        (S("f"), new PyFloat(0.1)),
        (S("big"), new PyFloat(1e22)),
        (S("nz"), new PyFloat(-0.0)),
        (S("t"), PyBool.True),
        (S("n"), PyNone.Instance),
        (S("l"), new PyList([PyInt.Of(1), new PyTuple([PyInt.Of(2), PyInt.Of(3)])])),
        (S("d"), Dict((PyInt.Of(1), S("a")), (PyNone.Instance, S("c")), (new PyFloat(1.5), S("d")), (PyBool.False, S("x")))));

    [Fact]
    public void A_value_serializes_as_json_dumps_writes_it() =>
        Assert.Equal(
            """{"s":"a","i":100000000000000000000,"f":0.1,"big":1e+22,"nz":-0.0,"t":true,"n":null,"l":[1,[2,3]],"d":{"1":"a","null":"c","1.5":"d","false":"x"}}""",
            PyJson.Serialize(Sample()));

    [Fact]
    public void The_json_form_is_what_json_loads_of_json_dumps_gives_back() =>
        Assert.Equal(
            "{'s': 'a', 'i': 100000000000000000000, 'f': 0.1, 'big': 1e+22, 'nz': -0.0, 't': True, 'n': None, 'l': [1, [2, 3]], 'd': {'1': 'a', 'null': 'c', '1.5': 'd', 'false': 'x'}}",
            PyFormat.Repr(PyJson.ToJsonForm(Sample())));

    [Fact]
    public void Keys_that_become_equal_strings_keep_the_first_place_and_the_last_value()
    {
        // repr(json.loads(json.dumps({'1': 'b', 1: 'a'}))) == "{'1': 'a'}"; {1: 'a', '1': 'b', 2: 'c'} gives {'1': 'b', '2': 'c'}.
        Assert.Equal("{'1': 'a'}", PyFormat.Repr(PyJson.ToJsonForm(Dict((S("1"), S("b")), (PyInt.Of(1), S("a"))))));
        Assert.Equal("{'1': 'b', '2': 'c'}", PyFormat.Repr(PyJson.ToJsonForm(Dict((PyInt.Of(1), S("a")), (S("1"), S("b")), (PyInt.Of(2), S("c"))))));
        Assert.Equal("{'true': 't'}", PyFormat.Repr(PyJson.ToJsonForm(Dict((PyBool.True, S("t"))))));
    }

    [Fact]
    public void Non_finite_float_keys_are_json_dumps_names()
    {
        // json.dumps({float('inf'): 1, float('-inf'): 2, float('nan'): 3}) == '{"Infinity": 1, "-Infinity": 2, "NaN": 3}'
        var dict = Dict((new PyFloat(double.PositiveInfinity), PyInt.Of(1)), (new PyFloat(double.NegativeInfinity), PyInt.Of(2)), (new PyFloat(double.NaN), PyInt.Of(3)));
        Assert.Equal("""{"Infinity":1,"-Infinity":2,"NaN":3}""", PyJson.Serialize(dict));
        Assert.Equal("{'Infinity': 1, '-Infinity': 2, 'NaN': 3}", PyFormat.Repr(PyJson.ToJsonForm(dict)));
    }

    [Fact]
    public void Non_finite_float_values_become_their_python_names_as_strings()
    {
        // Deliberately not json.dumps's bare NaN/Infinity, which are not JSON (RFC 8259).
        var list = new PyList([new PyFloat(double.NaN), new PyFloat(double.PositiveInfinity), new PyFloat(double.NegativeInfinity)]);
        Assert.Equal("""["nan","inf","-inf"]""", PyJson.Serialize(list));
        Assert.Equal("['nan', 'inf', '-inf']", PyFormat.Repr(PyJson.ToJsonForm(list)));
    }

    [Fact]
    public void Dict_views_are_lists_and_containers_are_copies()
    {
        var inner = new PyList([PyInt.Of(1)]);
        var dict = Dict((S("a"), inner), (S("b"), PyInt.Of(2)));
        var keys = new PyDictView(dict, PyDictViewKind.Keys);
        Assert.Equal("""["a","b"]""", PyJson.Serialize(keys));
        Assert.Equal("['a', 'b']", PyFormat.Repr(PyJson.ToJsonForm(keys)));
        var form = (PyDict)PyJson.ToJsonForm(dict);
        Assert.NotSame(dict, form);
        Assert.True(form.TryGet(S("a"), out var copied));
        Assert.NotSame(inner, copied);
        Assert.Equal("[1]", PyFormat.Repr(copied));
    }

    [Fact]
    public void Strings_keep_every_character()
    {
        const string text = "é'<>&\"\\\n\u0001😀";
        var json = PyJson.Serialize(new PyList([S(text)]));
        Assert.Equal(text, JsonDocument.Parse(json).RootElement[0].GetString());
        Assert.Equal(PyFormat.Repr(S(text)), PyFormat.Repr(PyJson.ToJsonForm(S(text))));
    }

    [Fact]
    public void Scalars_serialize_alone()
    {
        Assert.Equal("null", PyJson.Serialize(PyNone.Instance));
        Assert.Equal("false", PyJson.Serialize(PyBool.False));
        Assert.Equal("-7", PyJson.Serialize(PyInt.Of(-7)));
        Assert.Equal("1e-07", PyJson.Serialize(new PyFloat(1e-7)));
        Assert.Equal("\"x\"", PyJson.Serialize(S("x")));
        Assert.Equal("[]", PyJson.Serialize(new PyTuple([])));
        Assert.Equal("{}", PyJson.Serialize(new PyDict()));
    }
}
