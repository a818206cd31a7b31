using System.Text.Json;
using ManifestCompiler.Syntax.Text;
using ManifestCompiler.Syntax.Values;

namespace ManifestCompiler.Syntax.JsonPath;

/// <summary>A node selected by a query: its value and where it sits in the document.</summary>
public readonly record struct JsonPathNode(JsonElement Value, NormalizedPath Path);

/// <summary>Interprets checked queries over System.Text.Json values (RFC 9535 §2.3–§2.6).</summary>
internal static class JsonPathEvaluator
{
    /// <summary>A value inside a filter: nothing, a JSON value, a computed number, a logical result, or nodes.</summary>
    private readonly struct FilterValue
    {
        public static readonly FilterValue Nothing = default;

        private FilterValue(FilterValueKind kind, JsonElement json = default, double number = 0, bool logical = false, List<JsonPathNode>? nodes = null)
        {
            Kind = kind;
            Json = json;
            Number = number;
            Logical = logical;
            Nodes = nodes;
        }

        public FilterValueKind Kind { get; }
        public JsonElement Json { get; }
        public double Number { get; }
        public bool Logical { get; }
        public List<JsonPathNode>? Nodes { get; }

        public static FilterValue Of(JsonElement json) => new(FilterValueKind.Json, json);
        public static FilterValue OfNumber(double number) => new(FilterValueKind.Number, number: number);
        public static FilterValue OfLogical(bool value) => new(FilterValueKind.Logical, logical: value);
        public static FilterValue OfNodes(List<JsonPathNode> nodes) => new(FilterValueKind.Nodes, nodes: nodes);
    }

    private enum FilterValueKind
    {
        Nothing,
        Json,
        Number,
        Logical,
        Nodes,
    }

    public static List<JsonPathNode> Evaluate(QuerySyntax query, JsonElement root)
    {
        var result = new List<JsonPathNode>();
        Select(query, root, root, trackPaths: true, result);
        return result;
    }

    /// <summary>Scratch node lists, reused per thread; nested selections (filters) rent their own.</summary>
    [ThreadStatic]
    private static Stack<List<JsonPathNode>>? _scratch;

    private static List<JsonPathNode> Rent()
    {
        var pool = _scratch ??= new Stack<List<JsonPathNode>>();
        return pool.Count > 0 ? pool.Pop() : new List<JsonPathNode>();
    }

    private static void Return(List<JsonPathNode> list)
    {
        list.Clear();
        if (list.Capacity <= 4096)
        {
            (_scratch ??= new Stack<List<JsonPathNode>>()).Push(list);
        }
    }

    private static void Select(QuerySyntax query, JsonElement current, JsonElement root, bool trackPaths, List<JsonPathNode> output)
    {
        var start = new JsonPathNode(query.IsRelative ? current : root, NormalizedPath.Root);
        if (query.Segments.IsEmpty)
        {
            output.Add(start);
            return;
        }
        var nodes = Rent();
        var next = Rent();
        nodes.Add(start);
        try
        {
            for (var i = 0; i < query.Segments.Length; i++)
            {
                var segment = query.Segments[i];
                var target = i == query.Segments.Length - 1 ? output : next;
                foreach (var node in nodes)
                {
                    if (segment.IsDescendant)
                    {
                        var stack = trackPaths ? new DescentStack(node.Path) : null;
                        SelectDescendants(segment, node.Value, new PathSource(stack, 0), root, trackPaths, target, stack, 0);
                    }
                    else
                    {
                        SelectChildren(segment, node.Value, new PathSource(node.Path), root, trackPaths, target);
                    }
                }
                if (target.Count == 0)
                {
                    return;
                }
                (nodes, next) = (next, nodes);
                next.Clear();
            }
        }
        finally
        {
            Return(nodes);
            Return(next);
        }
    }

    /// <summary>
    /// A node's path as it is needed: already built, or a level of a descent that builds it (and its ancestors)
    /// only when something below is selected. A descendant walk visits every node, and most are never selected.
    /// </summary>
    private readonly struct PathSource
    {
        private readonly NormalizedPath? _path;
        private readonly DescentStack? _stack;
        private readonly int _depth;

        public PathSource(NormalizedPath path) => _path = path;

        public PathSource(DescentStack? stack, int depth)
        {
            _stack = stack;
            _depth = depth;
        }

        public NormalizedPath Get() => _path ?? _stack?.PathAt(_depth) ?? NormalizedPath.Root;
    }

    /// <summary>The steps from a descent's start to the node being visited, with their paths built on demand.</summary>
    private sealed class DescentStack(NormalizedPath start)
    {
        private struct Step
        {
            public bool IsMember;
            public JsonProperty Property;
            public int Index;
            public NormalizedPath? Path;
        }

        private Step[] _steps = new Step[8];

        public void SetMember(int depth, JsonProperty property) => Set(depth) = new Step { IsMember = true, Property = property };

        public void SetElement(int depth, int index) => Set(depth) = new Step { Index = index };

        private ref Step Set(int depth)
        {
            if (depth >= _steps.Length)
            {
                Array.Resize(ref _steps, _steps.Length * 2);
            }
            return ref _steps[depth];
        }

        /// <summary>The path of the node at <paramref name="depth"/> (0 is the descent's start).</summary>
        public NormalizedPath PathAt(int depth)
        {
            if (depth == 0)
            {
                return start;
            }
            ref var step = ref _steps[depth - 1];
            if (step.Path is null)
            {
                var parent = PathAt(depth - 1);
                step.Path = step.IsMember ? parent.Member(step.Property) : parent.Element(step.Index);
            }
            return step.Path;
        }
    }

    /// <summary>The node, then its descendants in document order, each with the segment's selectors applied.</summary>
    private static void SelectDescendants(SegmentSyntax segment, JsonElement value, PathSource path, JsonElement root, bool trackPaths, List<JsonPathNode> output, DescentStack? stack, int depth)
    {
        SelectChildren(segment, value, path, root, trackPaths, output);
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    stack?.SetMember(depth, property);
                    SelectDescendants(segment, property.Value, new PathSource(stack, depth + 1), root, trackPaths, output, stack, depth + 1);
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    stack?.SetElement(depth, index);
                    SelectDescendants(segment, item, new PathSource(stack, depth + 1), root, trackPaths, output, stack, depth + 1);
                    index++;
                }
                break;
        }
    }

    private static void SelectChildren(SegmentSyntax segment, JsonElement value, PathSource parent, JsonElement root, bool trackPaths, List<JsonPathNode> output)
    {
        foreach (var selector in segment.Selectors)
        {
            switch (selector)
            {
                case NameSelectorSyntax name:
                    if (value.ValueKind == JsonValueKind.Object
                        && JsonMembers.TryGet(value, name.Name, name.Utf8Name, out var member))
                    {
                        output.Add(new JsonPathNode(member, trackPaths ? parent.Get().Member(name.Name) : NormalizedPath.Root));
                    }
                    break;
                case WildcardSelectorSyntax:
                    AddChildren(value, parent, trackPaths, output);
                    break;
                case IndexSelectorSyntax index:
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        var length = value.GetArrayLength();
                        var i = index.Index < 0 ? length + index.Index : index.Index;
                        if (i >= 0 && i < length)
                        {
                            output.Add(new JsonPathNode(value[(int)i], trackPaths ? parent.Get().Element((int)i) : NormalizedPath.Root));
                        }
                    }
                    break;
                case SliceSelectorSyntax slice:
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        SelectSlice(slice, value, parent, trackPaths, output);
                    }
                    break;
                case FilterSelectorSyntax filter:
                    SelectFiltered(filter, value, parent, root, trackPaths, output);
                    break;
            }
        }
    }

    private static void AddChildren(JsonElement value, PathSource parent, bool trackPaths, List<JsonPathNode> output)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    output.Add(new JsonPathNode(property.Value, trackPaths ? parent.Get().Member(property) : NormalizedPath.Root));
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    output.Add(new JsonPathNode(item, trackPaths ? parent.Get().Element(index) : NormalizedPath.Root));
                    index++;
                }
                break;
        }
    }

    /// <summary>RFC 9535 §2.3.4.2.2, in 64-bit arithmetic (operands are within ±(2^53−1)).</summary>
    private static void SelectSlice(SliceSelectorSyntax slice, JsonElement array, PathSource parent, bool trackPaths, List<JsonPathNode> output)
    {
        long length = array.GetArrayLength();
        var step = slice.Step ?? 1;
        if (step == 0)
        {
            return;
        }
        var start = slice.Start ?? (step > 0 ? 0 : length - 1);
        var end = slice.End ?? (step > 0 ? length : -length - 1);
        var normalizedStart = start >= 0 ? start : length + start;
        var normalizedEnd = end >= 0 ? end : length + end;
        if (step > 0)
        {
            var lower = Math.Min(Math.Max(normalizedStart, 0), length);
            var upper = Math.Min(Math.Max(normalizedEnd, 0), length);
            // One pass: JsonElement's array indexer walks from the start when the items are containers.
            var index = 0L;
            foreach (var item in array.EnumerateArray())
            {
                if (index >= upper)
                {
                    break;
                }
                if (index >= lower && (index - lower) % step == 0)
                {
                    output.Add(new JsonPathNode(item, trackPaths ? parent.Get().Element((int)index) : NormalizedPath.Root));
                }
                index++;
            }
        }
        else
        {
            var upper = Math.Min(Math.Max(normalizedStart, -1), length - 1);
            var lower = Math.Min(Math.Max(normalizedEnd, -1), length - 1);
            if (lower >= upper)
            {
                return;
            }
            var items = array.EnumerateArray().ToArray();
            for (var i = upper; lower < i; i += step)
            {
                output.Add(new JsonPathNode(items[i], trackPaths ? parent.Get().Element((int)i) : NormalizedPath.Root));
            }
        }
    }

    private static void SelectFiltered(FilterSelectorSyntax filter, JsonElement value, PathSource parent, JsonElement root, bool trackPaths, List<JsonPathNode> output)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    if (IsTrue(filter.Expression, property.Value, root))
                    {
                        output.Add(new JsonPathNode(property.Value, trackPaths ? parent.Get().Member(property) : NormalizedPath.Root));
                    }
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (IsTrue(filter.Expression, item, root))
                    {
                        output.Add(new JsonPathNode(item, trackPaths ? parent.Get().Element(index) : NormalizedPath.Root));
                    }
                    index++;
                }
                break;
        }
    }

    private static bool IsTrue(FilterExpressionSyntax expression, JsonElement current, JsonElement root)
    {
        switch (expression)
        {
            case OrExpressionSyntax or:
                foreach (var operand in or.Operands)
                {
                    if (IsTrue(operand, current, root))
                    {
                        return true;
                    }
                }
                return false;
            case AndExpressionSyntax and:
                foreach (var operand in and.Operands)
                {
                    if (!IsTrue(operand, current, root))
                    {
                        return false;
                    }
                }
                return true;
            case NotExpressionSyntax not:
                return !IsTrue(not.Operand, current, root);
            case ParenthesizedExpressionSyntax paren:
                return IsTrue(paren.Inner, current, root);
            case ComparisonExpressionSyntax comparison:
                return Compare(ValueOf(comparison.Left, current, root), comparison.Operator, ValueOf(comparison.Right, current, root));
            case QueryExpressionSyntax query:
                return Exists(query.Query, current, root);
            case FunctionCallSyntax call:
                var result = Call(call, current, root);
                return result.Kind == FilterValueKind.Logical ? result.Logical : result.Kind == FilterValueKind.Nodes && result.Nodes!.Count > 0;
            default:
                return false;
        }
    }

    private static bool Exists(QuerySyntax query, JsonElement current, JsonElement root)
    {
        if (query.IsSingular)
        {
            return TrySelectSingular(query, current, root, out _);
        }
        var nodes = Rent();
        Select(query, current, root, trackPaths: false, nodes);
        var exists = nodes.Count > 0;
        Return(nodes);
        return exists;
    }

    /// <summary>The fast path for singular queries: walk names and indexes without building node lists.</summary>
    private static bool TrySelectSingular(QuerySyntax query, JsonElement current, JsonElement root, out JsonElement value)
    {
        value = query.IsRelative ? current : root;
        foreach (var segment in query.Segments)
        {
            switch (segment.Selectors[0])
            {
                case NameSelectorSyntax name:
                    if (value.ValueKind != JsonValueKind.Object
                        || !JsonMembers.TryGet(value, name.Name, name.Utf8Name, out value))
                    {
                        return false;
                    }
                    break;
                case IndexSelectorSyntax index:
                    if (value.ValueKind != JsonValueKind.Array)
                    {
                        return false;
                    }
                    var length = value.GetArrayLength();
                    var i = index.Index < 0 ? length + index.Index : index.Index;
                    if (i < 0 || i >= length)
                    {
                        return false;
                    }
                    value = value[(int)i];
                    break;
                default:
                    return false;
            }
        }
        return true;
    }

    /// <summary>A comparable or a ValueType argument.</summary>
    private static FilterValue ValueOf(FilterExpressionSyntax expression, JsonElement current, JsonElement root) => expression switch
    {
        LiteralExpressionSyntax literal => FilterValue.Of(literal.Value),
        QueryExpressionSyntax query => TrySelectSingular(query.Query, current, root, out var value) ? FilterValue.Of(value) : FilterValue.Nothing,
        FunctionCallSyntax call => Call(call, current, root),
        _ => FilterValue.Nothing,
    };

    private static List<JsonPathNode> NodesOf(FilterExpressionSyntax expression, JsonElement current, JsonElement root)
    {
        if (expression is QueryExpressionSyntax query)
        {
            var nodes = new List<JsonPathNode>();
            Select(query.Query, current, root, trackPaths: false, nodes);
            return nodes;
        }
        var result = expression is FunctionCallSyntax call ? Call(call, current, root) : FilterValue.Nothing;
        return result.Nodes ?? [];
    }

    private static FilterValue Call(FunctionCallSyntax call, JsonElement current, JsonElement root)
    {
        switch (call.Name)
        {
            case "length":
                var argument = ValueOf(call.Arguments[0], current, root);
                if (argument.Kind != FilterValueKind.Json)
                {
                    return FilterValue.Nothing;
                }
                return argument.Json.ValueKind switch
                {
                    JsonValueKind.String => FilterValue.OfNumber(CodePoints.Count(JsonStrings.GetString(argument.Json))),
                    JsonValueKind.Array => FilterValue.OfNumber(argument.Json.GetArrayLength()),
                    JsonValueKind.Object => FilterValue.OfNumber(argument.Json.EnumerateObject().Count()),
                    _ => FilterValue.Nothing,
                };
            case "count":
                return FilterValue.OfNumber(NodesOf(call.Arguments[0], current, root).Count);
            case "value":
                var nodes = NodesOf(call.Arguments[0], current, root);
                return nodes.Count == 1 ? FilterValue.Of(nodes[0].Value) : FilterValue.Nothing;
            case "match":
            case "search":
                var text = ValueOf(call.Arguments[0], current, root);
                var pattern = ValueOf(call.Arguments[1], current, root);
                if (text is not { Kind: FilterValueKind.Json, Json.ValueKind: JsonValueKind.String }
                    || pattern is not { Kind: FilterValueKind.Json, Json.ValueKind: JsonValueKind.String })
                {
                    return FilterValue.OfLogical(false);
                }
                var regex = IRegexp.Compile(JsonStrings.GetString(pattern.Json), anchored: call.Name == "match");
                try
                {
                    return FilterValue.OfLogical(regex is not null && regex.IsMatch(JsonStrings.GetString(text.Json)));
                }
                catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
                {
                    return FilterValue.OfLogical(false);
                }
            default:
                return FilterValue.Nothing;
        }
    }

    // --- comparisons (§2.3.5.2.2) ---------------------------------------------------------------

    private static bool Compare(FilterValue left, ComparisonOperator op, FilterValue right) => op switch
    {
        ComparisonOperator.Equal => AreEqual(left, right),
        ComparisonOperator.NotEqual => !AreEqual(left, right),
        ComparisonOperator.Less => IsLess(left, right),
        ComparisonOperator.LessOrEqual => IsLess(left, right) || AreEqual(left, right),
        ComparisonOperator.Greater => IsLess(right, left),
        _ => IsLess(right, left) || AreEqual(left, right),
    };

    private static bool AreEqual(FilterValue left, FilterValue right)
    {
        if (left.Kind == FilterValueKind.Nothing || right.Kind == FilterValueKind.Nothing)
        {
            return left.Kind == right.Kind;
        }
        if (TryNumber(left, out var a) && TryNumber(right, out var b))
        {
            return a == b;
        }
        if (left.Kind != FilterValueKind.Json || right.Kind != FilterValueKind.Json)
        {
            return false;
        }
        return JsonEquals(left.Json, right.Json);
    }

    private static bool IsLess(FilterValue left, FilterValue right)
    {
        if (TryNumber(left, out var a) && TryNumber(right, out var b))
        {
            return a < b;
        }
        if (left is { Kind: FilterValueKind.Json, Json.ValueKind: JsonValueKind.String } && right is { Kind: FilterValueKind.Json, Json.ValueKind: JsonValueKind.String })
        {
            return CodePoints.Compare(JsonStrings.GetString(left.Json), JsonStrings.GetString(right.Json)) < 0;
        }
        return false;
    }

    private static bool TryNumber(FilterValue value, out double number)
    {
        if (value.Kind == FilterValueKind.Number)
        {
            number = value.Number;
            return true;
        }
        if (value is { Kind: FilterValueKind.Json, Json.ValueKind: JsonValueKind.Number })
        {
            number = ToDouble(value.Json);
            return true;
        }
        number = 0;
        return false;
    }

    private static double ToDouble(JsonElement number) => number.TryGetDouble(out var d) ? d : PythonFormat.ParseFloat(number);

    internal static bool JsonEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }
        switch (a.ValueKind)
        {
            case JsonValueKind.Number:
                return ToDouble(a) == ToDouble(b);
            case JsonValueKind.String:
                return JsonStrings.ValueEquals(a, JsonStrings.GetString(b));
            case JsonValueKind.Array:
                if (a.GetArrayLength() != b.GetArrayLength())
                {
                    return false;
                }
                using (var left = a.EnumerateArray())
                using (var right = b.EnumerateArray())
                {
                    while (left.MoveNext() && right.MoveNext())
                    {
                        if (!JsonEquals(left.Current, right.Current))
                        {
                            return false;
                        }
                    }
                }
                return true;
            case JsonValueKind.Object:
                var count = 0;
                foreach (var property in a.EnumerateObject())
                {
                    count++;
                    if (!JsonMembers.TryGet(b, JsonStrings.GetName(property), out var other) || !JsonEquals(property.Value, other))
                    {
                        return false;
                    }
                }
                return count == b.EnumerateObject().Count();
            default:
                return true; // true, false, null: same kind, same value
        }
    }
}
