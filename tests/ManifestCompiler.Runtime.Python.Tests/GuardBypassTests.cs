namespace ManifestCompiler.Runtime.Python.Tests;

/// <summary>
/// The in-process guard bypass classes of issue 14, each as the attack that got through before: positional
/// <c>__match_args__</c> in class patterns, <c>super()</c> and <c>str.format</c> attribute walks, a class factory
/// from <c>type(type(1))</c>, a binding that shadows a guard name, and shift-built big integers.
/// </summary>
public sealed class GuardBypassTests(SharedPool shared) : IClassFixture<SharedPool>
{
    private readonly PythonWorkerPool pool = shared.Pool;

    private async Task<PythonStepResult> RunAsync(string source, string tenant = "bypass") =>
        await pool.RunAsync(Pools.Step(source, tenant), new RecordingHandler());

    private async Task AssertViolationAsync(string source, string message)
    {
        var result = await RunAsync(source);
        Assert.False(result.Succeeded, "the attack got through: " + result.ReturnValue?.ToJsonString());
        Assert.Equal(StepErrorKind.SandboxViolation, result.Error!.Kind);
        Assert.Contains(message, result.Error.Message);
    }

    public static TheoryData<string, string> MatchArgs => new()
    {
        // a capture pattern binds __match_args__ in a class body, then a positional class pattern reads it
        { "class Box(Exception):\n    match ('__traceback__',):\n        case __match_args__:\n            pass\n\ndef main(storage):\n    try:\n        raise Box()\n    except Box as e:\n        match e:\n            case Box(tb):\n                return {'leaked': type(tb).__name__}\n", "name '__match_args__' is not accessible" },
        // the same through 'except ... as'
        { "class Box(Exception):\n    try:\n        raise ValueError()\n    except ValueError as __match_args__:\n        pass\n\ndef main(storage):\n    return {}\n", "name '__match_args__' is not accessible" },
        // a for-target inside a class body
        { "class Box:\n    for __match_args__ in [('__class__',)]:\n        pass\n\ndef main(storage):\n    return {}\n", "name '__match_args__' is not accessible" },
    };

    [Theory]
    [MemberData(nameof(MatchArgs))]
    public Task Positional_match_args_cannot_name_forbidden_attributes(string source, string message) => AssertViolationAsync(source, message);

    [Theory]
    [InlineData("class S(str):\n    pass\n\ndef main(storage):\n    f = super(S, S('x{0.__class__.__mro__}')).format\n    return {'leaked': f(1)}\n")]
    [InlineData("class S(str):\n    def leak(self):\n        return super().format(1)\n\ndef main(storage):\n    return {'leaked': S('{0.__class__}').leak()}\n")]
    [InlineData("class S(str):\n    pass\n\ndef main(storage):\n    f = getattr(super(S, S('{a.__class__}')), 'format_map')\n    return {'leaked': f({'a': 1})}\n")]
    [InlineData("class S(str):\n    pass\n\ndef main(storage):\n    f = super(S, S('{a.__class__}')).format_map\n    return {'leaked': f({'a': 1})}\n")]
    [InlineData("class S(str):\n    pass\n\ndef main(storage):\n    f = getattr(super(S, S), 'format')\n    return {'leaked': f('{0.__class__}', 1)}\n")]
    public Task Super_cannot_hand_out_the_unguarded_str_format(string source) => AssertViolationAsync(source, "attribute '__class__' is not accessible");

    [Theory]
    [InlineData("def main(storage):\n    T = type(type(1))\n    X = T('X', (Exception,), {'__match_args__': ('__traceback__',)})\n    return {'made': X.__name__}\n", "type() with three arguments")]
    [InlineData("def main(storage):\n    class Meta(type(type(1))):\n        pass\n    return {'made': Meta.__name__}\n", "metaclasses are not available")]
    [InlineData("def main(storage):\n    return {'made': type(type(1))('Y', (), {}).__name__}\n", "type() with three arguments")]
    public Task A_class_factory_cannot_be_built_from_type_of_type(string source, string message) => AssertViolationAsync(source, message);

    [Fact]
    public async Task The_sandbox_type_is_its_own_type()
    {
        var result = await RunAsync("def main(storage):\n    class A:\n        pass\n    return {'same': type(type(1)) is type, 'cls': type(A) is type, 'int': type(1) is int, 'name': type(A()).__name__}\n");
        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal("{\"same\":true,\"cls\":true,\"int\":true,\"name\":\"A\"}", result.ReturnValue!.ToJsonString());
    }

    public static TheoryData<string> Shadowing => new()
    {
        "def _mc_write(obj):\n    return obj\n\ndef main(storage):\n    uuid.UUID.hex = 'tampered'\n    return {}\n",
        "def _mc_attr(obj, name):\n    return obj\n\ndef main(storage):\n    return {'leaked': http._mc_members}\n",
        "def _mc_pow(a, b):\n    return 1\n\ndef main(storage):\n    return {}\n",
        "class _mc_write:\n    pass\n\ndef main(storage):\n    return {}\n",
        "def main(storage, _mc_write=lambda o: o):\n    uuid.UUID.hex = 'tampered'\n    return {}\n",
        "def main(storage):\n    f = lambda _mc_attr: 1\n    return {}\n",
        "def main(storage):\n    try:\n        raise ValueError()\n    except ValueError as _mc_pow:\n        pass\n    return {}\n",
        "def main(storage):\n    match 1:\n        case _mc_write:\n            pass\n    return {}\n",
        "def main(storage):\n    global _mc_attr\n    return {}\n",
        "def main(storage):\n    match {}:\n        case {**_mc_attr}:\n            pass\n    return {}\n",
        "def main(storage):\n    match [1]:\n        case [*_mc_shift]:\n            pass\n    return {}\n",
    };

    [Theory]
    [MemberData(nameof(Shadowing))]
    public Task No_binding_may_shadow_a_guard(string source) => AssertViolationAsync(source, "is not accessible in the step sandbox");

    [Theory]
    [InlineData("def main(storage):\n    return {'n': (1 << 40_000_000).bit_length()}\n")]
    [InlineData("def main(storage):\n    n = 1\n    n <<= 40_000_000\n    return {'n': n.bit_length()}\n")]
    [InlineData("def main(storage):\n    n = 10\n    n **= 100_000_000\n    return {'n': n.bit_length()}\n")]
    [InlineData("def main(storage):\n    return {'n': [x << 40_000_000 for x in [3]][0].bit_length()}\n")]
    public async Task Shift_and_augmented_big_integers_fail_fast_as_a_resource_limit(string source)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await RunAsync(source);
        Assert.Equal(StepErrorKind.ResourceLimit, result.Error?.Kind);
        Assert.Contains("integer size limit", result.Error!.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Ordinary_shifts_augmented_powers_and_method_dunders_still_work()
    {
        var source = """
            class Money:
                def __init__(self, cents):
                    self.cents = cents
                def __repr__(self):
                    return f"Money({self.cents})"
                def __eq__(self, other):
                    return isinstance(other, Money) and other.cents == self.cents
                def __hash__(self):
                    return hash(self.cents)

            class Counter:
                def __init__(self):
                    self.n = 2

            def main(storage):
                c = Counter()
                c.n **= 3
                c.n <<= 2
                values = [1, 2]
                values[0] <<= 4
                k = 3
                k **= 2
                return {"shift": 1 << 62, "c": c.n, "values": values, "k": k, "neg": -1 << 3,
                        "repr": repr(Money(5)), "eq": Money(1) == Money(1), "fmt": "{0.cents}".format(Money(7))}
            """;
        var result = await RunAsync(source);
        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal("{\"shift\":4611686018427387904,\"c\":32,\"values\":[16,2],\"k\":9,\"neg\":-8,\"repr\":\"Money(5)\",\"eq\":true,\"fmt\":\"7\"}", result.ReturnValue!.ToJsonString());
    }
}
