using System.Text.Json;
using ManifestCompiler.Syntax.Text;
using ManifestCompiler.Runtime.Support.Values;

namespace ManifestCompiler.Syntax.JsonPath;

/// <summary>Interprets checked queries over System.Text.Json values (RFC 9535 §2.3–§2.6).</summary>
internal static class JsonPathEvaluator
{
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
        // Stryker disable once Assignment: the scratch pool only saves allocations; an empty or unbounded pool selects the same nodes (docs/mutation-testing.md).
        var pool = _scratch ??= new Stack<List<JsonPathNode>>();
        return pool.Count > 0 ? pool.Pop() : new List<JsonPathNode>();
    }

    private static void Return(List<JsonPathNode> list)
    {
        list.Clear();
        // Stryker disable once Equality,Boolean: the scratch pool only saves allocations; an empty or unbounded pool selects the same nodes (docs/mutation-testing.md).
        if (list.Capacity <= 4096)
        {
            // Stryker disable once Assignment: the scratch pool only saves allocations; an empty or unbounded pool selects the same nodes (docs/mutation-testing.md).
            (_scratch ??= new Stack<List<JsonPathNode>>()).Push(list);
        }
    }

    private static void Select(QuerySyntax query, JsonElement current, JsonElement root, bool trackPaths, List<JsonPathNode> output)
    {
        var start = new JsonPathNode(query.IsRelative ? current : root, NormalizedPath.Root);
        if (query.Segments.IsEmpty)
        {
            output.Add(start);
            // Stryker disable once Statement: with no segments the loop below adds nothing, so returning here only skips renting lists (docs/mutation-testing.md).
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
                    // Stryker disable once Statement: an empty node list selects nothing from here on; stopping early saves the remaining segments (docs/mutation-testing.md).
                    return;
                }
                (nodes, next) = (next, nodes);
                next.Clear();
            }
        }
        finally
        {
            // Stryker disable once Statement: the scratch pool only saves allocations; an empty or unbounded pool selects the same nodes (docs/mutation-testing.md).
            Return(nodes);
            // Stryker disable once Statement: the scratch pool only saves allocations; an empty or unbounded pool selects the same nodes (docs/mutation-testing.md).
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
                    if (JsonPathRuntime.TryGetMember(value, name.Name, name.Utf8Name, out var member))
                    {
                        output.Add(new JsonPathNode(member, trackPaths ? parent.Get().Member(name.Name) : NormalizedPath.Root));
                    }
                    break;
                case WildcardSelectorSyntax:
                    AddChildren(value, parent, trackPaths, output);
                    break;
                case IndexSelectorSyntax index:
                    if (JsonPathRuntime.TryGetElement(value, index.Index, out var element, out var position))
                    {
                        output.Add(new JsonPathNode(element, trackPaths ? parent.Get().Element(position) : NormalizedPath.Root));
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
        var step = slice.Step ?? 1;
        if (!JsonPathRuntime.SliceBounds(slice.Start, slice.End, step, array.GetArrayLength(), out var lower, out var upper))
        {
            // Stryker disable once Statement: SliceBounds returns false only for step 0 or lower >= upper, where both loops below select nothing (docs/mutation-testing.md).
            return;
        }
        if (step > 0)
        {
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
                return JsonPathRuntime.Compare(ValueOf(comparison.Left, current, root), comparison.Operator, ValueOf(comparison.Right, current, root));
            case QueryExpressionSyntax query:
                return Exists(query.Query, current, root);
            case FunctionCallSyntax call:
                return Call(call, current, root).IsTrue;
            default:
                // Stryker disable once Boolean: the checker admits only the expressions above as filter tests (docs/mutation-testing.md).
                return false;
        }
    }

    private static bool Exists(QuerySyntax query, JsonElement current, JsonElement root)
    {
        // Stryker disable once Block: the singular fast path finds what Select finds, without node lists (docs/mutation-testing.md).
        if (query.IsSingular)
        {
            return TrySelectSingular(query, current, root, out _);
        }
        var nodes = Rent();
        // Stryker disable once Boolean: the paths of nodes that only prove existence are never read (docs/mutation-testing.md).
        Select(query, current, root, trackPaths: false, nodes);
        var exists = nodes.Count > 0;
        // Stryker disable once Statement: the scratch pool only saves allocations; an empty or unbounded pool selects the same nodes (docs/mutation-testing.md).
        Return(nodes);
        return exists;
    }

    /// <summary>The fast path for singular queries: walk names and indexes without building node lists.</summary>
    private static bool TrySelectSingular(QuerySyntax query, JsonElement current, JsonElement root, out JsonElement value)
    {
        value = query.IsRelative ? current : root;
        foreach (var segment in query.Segments)
        {
            // Stryker disable once Boolean: a singular query holds only name and index selectors, so the default arm never runs (docs/mutation-testing.md).
            var found = segment.Selectors[0] switch
            {
                NameSelectorSyntax name => JsonPathRuntime.TryGetMember(value, name.Name, name.Utf8Name, out value),
                IndexSelectorSyntax index => JsonPathRuntime.TryGetElement(value, index.Index, out value, out _),
                _ => false,
            };
            if (!found)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A comparable or a ValueType argument.</summary>
    private static JsonPathValue ValueOf(FilterExpressionSyntax expression, JsonElement current, JsonElement root) => expression switch
    {
        LiteralExpressionSyntax literal => JsonPathValue.Of(literal.Value),
        QueryExpressionSyntax query => TrySelectSingular(query.Query, current, root, out var value) ? JsonPathValue.Of(value) : JsonPathValue.Nothing,
        FunctionCallSyntax call => Call(call, current, root),
        _ => JsonPathValue.Nothing,
    };

    private static List<JsonPathNode> NodesOf(FilterExpressionSyntax expression, JsonElement current, JsonElement root)
    {
        if (expression is QueryExpressionSyntax query)
        {
            var nodes = new List<JsonPathNode>();
            // Stryker disable once Boolean: a function argument's node paths are never read (docs/mutation-testing.md).
            Select(query.Query, current, root, trackPaths: false, nodes);
            return nodes;
        }
        var result = expression is FunctionCallSyntax call ? Call(call, current, root) : JsonPathValue.Nothing;
        // Stryker disable once NullCoalescing: no RFC 9535 function returns NodesType, so a call never gets here with nodes (docs/mutation-testing.md).
        return result.Nodes ?? [];
    }

    private static JsonPathValue Call(FunctionCallSyntax call, JsonElement current, JsonElement root) => call.Name switch
    {
        "length" => JsonPathRuntime.Length(ValueOf(call.Arguments[0], current, root)),
        "count" => JsonPathRuntime.Count(NodesOf(call.Arguments[0], current, root)),
        "value" => JsonPathRuntime.Value(NodesOf(call.Arguments[0], current, root)),
        "match" or "search" => JsonPathRuntime.Match(ValueOf(call.Arguments[0], current, root), ValueOf(call.Arguments[1], current, root), anchored: call.Name == "match"),
        _ => JsonPathValue.Nothing,
    };
}
