using System.Text.Json;
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

    private static void Select(QuerySyntax query, JsonElement current, JsonElement root, bool trackPaths, List<JsonPathNode> output)
    {
        var start = new JsonPathNode(query.IsRelative ? current : root, NormalizedPath.Root);
        if (query.Segments.IsEmpty)
        {
            output.Add(start);
            return;
        }
        List<JsonPathNode> nodes = [start];
        for (var i = 0; i < query.Segments.Length; i++)
        {
            var segment = query.Segments[i];
            var next = i == query.Segments.Length - 1 ? output : new List<JsonPathNode>();
            foreach (var node in nodes)
            {
                if (segment.IsDescendant)
                {
                    SelectDescendants(segment, node, root, trackPaths, next);
                }
                else
                {
                    SelectChildren(segment, node, root, trackPaths, next);
                }
            }
            nodes = next;
            if (nodes.Count == 0)
            {
                return;
            }
        }
    }

    /// <summary>The node, then its descendants in document order, each with the segment's selectors applied.</summary>
    private static void SelectDescendants(SegmentSyntax segment, JsonPathNode node, JsonElement root, bool trackPaths, List<JsonPathNode> output)
    {
        SelectChildren(segment, node, root, trackPaths, output);
        switch (node.Value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in node.Value.EnumerateObject())
                {
                    SelectDescendants(segment, new JsonPathNode(property.Value, trackPaths ? node.Path.Member(property.Name) : node.Path), root, trackPaths, output);
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in node.Value.EnumerateArray())
                {
                    SelectDescendants(segment, new JsonPathNode(item, trackPaths ? node.Path.Element(index) : node.Path), root, trackPaths, output);
                    index++;
                }
                break;
        }
    }

    private static void SelectChildren(SegmentSyntax segment, JsonPathNode node, JsonElement root, bool trackPaths, List<JsonPathNode> output)
    {
        var value = node.Value;
        foreach (var selector in segment.Selectors)
        {
            switch (selector)
            {
                case NameSelectorSyntax name:
                    if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name.Name, out var member))
                    {
                        output.Add(new JsonPathNode(member, trackPaths ? node.Path.Member(name.Name) : node.Path));
                    }
                    break;
                case WildcardSelectorSyntax:
                    AddChildren(node, trackPaths, output);
                    break;
                case IndexSelectorSyntax index:
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        var length = value.GetArrayLength();
                        var i = index.Index < 0 ? length + index.Index : index.Index;
                        if (i >= 0 && i < length)
                        {
                            output.Add(new JsonPathNode(value[(int)i], trackPaths ? node.Path.Element((int)i) : node.Path));
                        }
                    }
                    break;
                case SliceSelectorSyntax slice:
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        SelectSlice(slice, node, trackPaths, output);
                    }
                    break;
                case FilterSelectorSyntax filter:
                    SelectFiltered(filter, node, root, trackPaths, output);
                    break;
            }
        }
    }

    private static void AddChildren(JsonPathNode node, bool trackPaths, List<JsonPathNode> output)
    {
        switch (node.Value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in node.Value.EnumerateObject())
                {
                    output.Add(new JsonPathNode(property.Value, trackPaths ? node.Path.Member(property.Name) : node.Path));
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in node.Value.EnumerateArray())
                {
                    output.Add(new JsonPathNode(item, trackPaths ? node.Path.Element(index) : node.Path));
                    index++;
                }
                break;
        }
    }

    /// <summary>RFC 9535 §2.3.4.2.2, in 64-bit arithmetic (operands are within ±(2^53−1)).</summary>
    private static void SelectSlice(SliceSelectorSyntax slice, JsonPathNode node, bool trackPaths, List<JsonPathNode> output)
    {
        long length = node.Value.GetArrayLength();
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
            for (var i = lower; i < upper; i += step)
            {
                output.Add(new JsonPathNode(node.Value[(int)i], trackPaths ? node.Path.Element((int)i) : node.Path));
            }
        }
        else
        {
            var upper = Math.Min(Math.Max(normalizedStart, -1), length - 1);
            var lower = Math.Min(Math.Max(normalizedEnd, -1), length - 1);
            for (var i = upper; lower < i; i += step)
            {
                output.Add(new JsonPathNode(node.Value[(int)i], trackPaths ? node.Path.Element((int)i) : node.Path));
            }
        }
    }

    private static void SelectFiltered(FilterSelectorSyntax filter, JsonPathNode node, JsonElement root, bool trackPaths, List<JsonPathNode> output)
    {
        switch (node.Value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in node.Value.EnumerateObject())
                {
                    if (IsTrue(filter.Expression, property.Value, root))
                    {
                        output.Add(new JsonPathNode(property.Value, trackPaths ? node.Path.Member(property.Name) : node.Path));
                    }
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in node.Value.EnumerateArray())
                {
                    if (IsTrue(filter.Expression, item, root))
                    {
                        output.Add(new JsonPathNode(item, trackPaths ? node.Path.Element(index) : node.Path));
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
        var nodes = new List<JsonPathNode>();
        Select(query, current, root, trackPaths: false, nodes);
        return nodes.Count > 0;
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
                    if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name.Name, out value))
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
                    JsonValueKind.String => FilterValue.OfNumber(CodePointCount(argument.Json.GetString()!)),
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
                var regex = IRegexp.Compile(pattern.Json.GetString()!, anchored: call.Name == "match");
                try
                {
                    return FilterValue.OfLogical(regex is not null && regex.IsMatch(text.Json.GetString()!));
                }
                catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
                {
                    return FilterValue.OfLogical(false);
                }
            default:
                return FilterValue.Nothing;
        }
    }

    private static int CodePointCount(string text)
    {
        var count = text.Length;
        for (var i = 0; i + 1 < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
            {
                count--;
                i++;
            }
        }
        return count;
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
            return CompareCodePoints(left.Json.GetString()!, right.Json.GetString()!) < 0;
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
                return a.ValueEquals(b.GetString());
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
                    if (!b.TryGetProperty(property.Name, out var other) || !JsonEquals(property.Value, other))
                    {
                        return false;
                    }
                }
                return count == b.EnumerateObject().Count();
            default:
                return true; // true, false, null: same kind, same value
        }
    }

    /// <summary>Orders strings by Unicode code point (UTF-16 order differs for characters above U+FFFF).</summary>
    internal static int CompareCodePoints(string a, string b)
    {
        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            var x = a[i];
            var y = b[i];
            if (x != y)
            {
                return Fixup(x) - Fixup(y);
            }
        }
        return a.Length - b.Length;

        // Surrogates encode code points above every BMP character: move them above U+E000..U+FFFF.
        static int Fixup(char c) => c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;
    }
}
