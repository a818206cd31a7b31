using System.Text.Json;
using ManifestCompiler.Syntax.JsonPath;
using Support = ManifestCompiler.Runtime.Support.JsonPath;
using JsonStrings = ManifestCompiler.Runtime.Support.Json.JsonStrings;

namespace ManifestCompiler.Emit;

/// <summary>
/// Compiles RFC 9535 queries to C#: each segment becomes a method that applies its selectors as straight-line code
/// and hands each selected node to the next segment's method; singular queries inside filters become a chain of
/// member and element steps; filters become boolean methods. The value semantics (comparisons, functions, slice
/// bounds, member lookup) are calls into <c>ManifestCompiler.Runtime.Support.JsonPath.JsonPathRuntime</c>, the same
/// code the interpreter runs. No interpreter, no reflection, no LINQ in the generated code's hot paths.
/// </summary>
public static class JsonPathEmitter
{
    internal const string Element = "global::System.Text.Json.JsonElement";
    internal const string ValueKind = "global::System.Text.Json.JsonValueKind";
    internal const string Node = "global::ManifestCompiler.Runtime.Support.JsonPath.JsonPathNode";
    internal const string Path = "global::ManifestCompiler.Runtime.Support.JsonPath.NormalizedPath";
    internal const string Runtime = "global::ManifestCompiler.Runtime.Support.JsonPath.JsonPathRuntime";
    internal const string Value = "global::ManifestCompiler.Runtime.Support.JsonPath.JsonPathValue";
    internal const string ValueKindOfPath = "global::ManifestCompiler.Runtime.Support.JsonPath.JsonPathValueKind";
    internal const string Comparison = "global::ManifestCompiler.Runtime.Support.JsonPath.JsonPathComparison";
    internal const string NodeList = "global::System.Collections.Generic.List<" + Node + ">";

    /// <summary>
    /// A static class with one public method per query, <c>List&lt;JsonPathNode&gt; Name(JsonElement document)</c>
    /// (nodes in RFC order with normalized paths), and <c>All</c>, the methods in the order given.
    /// </summary>
    public static string EmitClass(string @namespace, string className, IReadOnlyList<(string Name, JsonPathQuery Query)> queries)
    {
        var members = new ClassMembers();
        var publicMethods = new SourceWriter();
        foreach (var (name, query) in queries)
        {
            var chain = new QueryEmitter(name, members).EmitChain(query.Syntax, paths: true);
            // The query as an escaped literal: it may hold newlines and markup characters.
            publicMethods.Line("/// <summary>" + System.Security.SecurityElement.Escape(CSharpLiterals.String(query.Source)) + "</summary>");
            publicMethods.Open($"public static {NodeList} {name}({Element} document)");
            publicMethods.Line($"var output = new {NodeList}();");
            publicMethods.Line($"{chain}(document, document, output);");
            publicMethods.Line("return output;");
            publicMethods.Close();
            publicMethods.Line();
        }

        var writer = new SourceWriter();
        writer.FileHeader();
        writer.Open($"namespace {@namespace}");
        writer.Open($"public static class {className}");
        writer.Line($"public static readonly global::System.Func<{Element}, {NodeList}>[] All =");
        writer.Line("[");
        foreach (var (name, _) in queries)
        {
            writer.Line($"    {name},");
        }
        writer.Line("];");
        writer.Line();
        foreach (var field in members.Fields)
        {
            writer.Line(field);
        }
        writer.Line();
        writer.Append(publicMethods);
        for (var i = 0; i < members.Methods.Count; i++)
        {
            if (i > 0)
            {
                writer.Line();
            }
            writer.Append(members.Methods[i]);
        }
        writer.Close();
        writer.Close();
        return writer.ToString();
    }

    /// <summary>Static fields and private methods shared by the queries of one class.</summary>
    internal sealed class ClassMembers
    {
        private readonly Dictionary<string, string> _utf8Names = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _literals = new(StringComparer.Ordinal);
        private readonly Dictionary<(string, bool), string> _regexes = new();

        public List<string> Fields { get; } = [];

        public List<SourceWriter> Methods { get; } = [];

        /// <summary>A field holding the selector's name in UTF-8 for the fast member lookup, or <c>null</c> when the
        /// name holds a lone surrogate (which UTF-8 cannot carry; the lookup then compares strings).</summary>
        public string Utf8Name(NameSelectorSyntax selector) => Utf8(selector.Name, selector.Utf8Name);

        /// <summary>A field holding a string literal in UTF-8 (the same field as a name with that text), or <c>null</c>
        /// when it holds a lone surrogate.</summary>
        public string Utf8Text(string text)
        {
            byte[]? bytes;
            try
            {
                bytes = StrictUtf8.GetBytes(text);
            }
            catch (System.Text.EncoderFallbackException)
            {
                bytes = null;
            }
            return Utf8(text, bytes);
        }

        private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        private string Utf8(string text, byte[]? bytes)
        {
            if (_utf8Names.TryGetValue(text, out var field))
            {
                return field;
            }
            if (bytes is null)
            {
                return _utf8Names[text] = "null";
            }
            field = "U" + _utf8Names.Count;
            Fields.Add($"private static readonly byte[] {field} = new byte[] {{ {string.Join(", ", bytes)} }};");
            return _utf8Names[text] = field;
        }

        /// <summary>One step of a singular query as a C# condition: the member or element of <paramref name="from"/>,
        /// into <paramref name="into"/> (an <c>out</c> argument), its array position into <paramref name="position"/>.</summary>
        public string Step(SelectorSyntax selector, string from, string into, string position = "out _") => selector switch
        {
            NameSelectorSyntax name => $"{Runtime}.TryGetMember({from}, {CSharpLiterals.String(name.Name)}, {Utf8Name(name)}, {into})",
            IndexSelectorSyntax index => $"{Runtime}.TryGetElement({from}, {CSharpLiterals.Long(index.Index)}, {into}, {position})",
            _ => throw new InvalidOperationException("a singular step is a name or an index selector"),
        };

        /// <summary>A field holding a literal of a filter as a JSON value, parsed once.</summary>
        public string Literal(JsonElement value)
        {
            var raw = value.GetRawText();
            if (_literals.TryGetValue(raw, out var field))
            {
                return field;
            }
            field = "L" + _literals.Count;
            Fields.Add($"private static readonly {Element} {field} = global::System.Text.Json.JsonDocument.Parse({CSharpLiterals.String(raw)}).RootElement.Clone();");
            return _literals[raw] = field;
        }

        /// <summary>A field holding the regex of a literal match()/search() pattern, translated once.</summary>
        public string Regex(string pattern, bool anchored)
        {
            if (_regexes.TryGetValue((pattern, anchored), out var field))
            {
                return field;
            }
            field = "R" + _regexes.Count;
            Fields.Add($"private static readonly global::System.Text.RegularExpressions.Regex? {field} = global::ManifestCompiler.Runtime.Support.JsonPath.IRegexp.Compile({CSharpLiterals.String(pattern)}, anchored: {CSharpLiterals.Bool(anchored)});");
            return _regexes[(pattern, anchored)] = field;
        }
    }

    /// <summary>Emits the methods of one top-level query (and of the queries inside its filters).</summary>
    internal sealed class QueryEmitter(string prefix, ClassMembers members)
    {
        private int _next;

        private string NewName(string kind) => $"{prefix}_{kind}{_next++}";

        /// <summary>A method <c>void name(JsonElement current, JsonElement root, List&lt;JsonPathNode&gt; output)</c>
        /// adding the query's nodes to output (with paths, or every path <c>$</c> when they are not needed).</summary>
        public string EmitChain(QuerySyntax query, bool paths)
        {
            var name = NewName("q");
            var segments = query.Segments.Select(_ => NewName("s")).ToArray();
            var start = query.IsRelative ? "current" : "root";
            var w = new SourceWriter();
            w.Open($"private static void {name}({Element} current, {Element} root, {NodeList} output)");
            w.Line(segments.Length == 0 ? $"output.Add(new {Node}({start}, {Path}.Root));" : $"{segments[0]}({start}, {Path}.Root, root, output);");
            w.Close();
            members.Methods.Add(w);
            for (var i = 0; i < segments.Length; i++)
            {
                EmitSegment(query.Segments[i], segments[i], i + 1 < segments.Length ? segments[i + 1] : null, paths);
            }
            return name;
        }

        private void EmitSegment(SegmentSyntax segment, string name, string? next, bool paths)
        {
            string Select(string value, string path) =>
                next is null ? $"output.Add(new {Node}({value}, {(paths ? path : "path")}));" : $"{next}({value}, {(paths ? path : "path")}, root, output);";

            if (segment.IsDescendant)
            {
                // ..[sel]: the selectors on this node, then the same on every descendant, in document order.
                var here = name + "_here";
                var d = new SourceWriter();
                d.Open($"private static void {name}({Element} value, {Path} path, {Element} root, {NodeList} output)");
                d.Line($"{here}(value, path, root, output);");
                d.Open("switch (value.ValueKind)");
                d.Open($"case {ValueKind}.Object:");
                d.Open("foreach (var property in value.EnumerateObject())");
                d.Line($"{name}(property.Value, {(paths ? "path.Member(property)" : "path")}, root, output);");
                d.Close();
                d.Line("break;");
                d.Close();
                d.Open($"case {ValueKind}.Array:");
                d.Line("var index = 0;");
                d.Open("foreach (var item in value.EnumerateArray())");
                d.Line($"{name}(item, {(paths ? "path.Element(index)" : "path")}, root, output);");
                d.Line("index++;");
                d.Close();
                d.Line("break;");
                d.Close();
                d.Close();
                d.Close();
                members.Methods.Add(d);
                name = here;
            }

            var w = new SourceWriter();
            w.Open($"private static void {name}({Element} value, {Path} path, {Element} root, {NodeList} output)");
            // Each selector in its own block when there are several, so their locals do not clash.
            var blocks = segment.Selectors.Length > 1;
            foreach (var selector in segment.Selectors)
            {
                if (blocks)
                {
                    w.Block();
                }
                switch (selector)
                {
                    case NameSelectorSyntax selectorName:
                        w.Open($"if ({members.Step(selectorName, "value", "out var child")})");
                        w.Line(Select("child", $"path.Member({CSharpLiterals.String(selectorName.Name)})"));
                        w.Close();
                        break;
                    case IndexSelectorSyntax index:
                        w.Open($"if ({members.Step(index, "value", "out var child", "out var position")})");
                        w.Line(Select("child", "path.Element(position)"));
                        w.Close();
                        break;
                    case WildcardSelectorSyntax:
                        EachChild(w, test: null, Select);
                        break;
                    case SliceSelectorSyntax slice:
                        EmitSlice(w, slice, Select);
                        break;
                    case FilterSelectorSyntax filter:
                        EachChild(w, EmitFilter(filter.Expression), Select);
                        break;
                }
                if (blocks)
                {
                    w.Close();
                }
            }
            w.Close();
            members.Methods.Add(w);
        }

        /// <summary>Every member or element of the value, in document order, that passes <paramref name="test"/>.</summary>
        private static void EachChild(SourceWriter w, string? test, Func<string, string, string> select)
        {
            w.Open("switch (value.ValueKind)");
            w.Open($"case {ValueKind}.Object:");
            w.Open("foreach (var property in value.EnumerateObject())");
            Guarded(w, test is null ? null : $"{test}(property.Value, root)", select("property.Value", "path.Member(property)"));
            w.Close();
            w.Line("break;");
            w.Close();
            w.Open($"case {ValueKind}.Array:");
            w.Line("var index = 0;");
            w.Open("foreach (var item in value.EnumerateArray())");
            Guarded(w, test is null ? null : $"{test}(item, root)", select("item", "path.Element(index)"));
            w.Line("index++;");
            w.Close();
            w.Line("break;");
            w.Close();
            w.Close();
        }

        private static void Guarded(SourceWriter w, string? condition, string statement)
        {
            if (condition is null)
            {
                w.Line(statement);
                return;
            }
            w.Open($"if ({condition})");
            w.Line(statement);
            w.Close();
        }

        private static void EmitSlice(SourceWriter w, SliceSelectorSyntax slice, Func<string, string, string> select)
        {
            var step = slice.Step ?? 1;
            if (step == 0)
            {
                w.Line("// step 0 selects nothing");
                return;
            }
            w.Open($"if (value.ValueKind == {ValueKind}.Array && {Runtime}.SliceBounds({CSharpLiterals.NullableLong(slice.Start)}, {CSharpLiterals.NullableLong(slice.End)}, {CSharpLiterals.Long(step)}, value.GetArrayLength(), out var lower, out var upper))");
            if (step > 0)
            {
                // One pass: JsonElement's array indexer walks from the start when the items are containers.
                w.Line("var index = 0L;");
                w.Open("foreach (var item in value.EnumerateArray())");
                w.Open("if (index >= upper)");
                w.Line("break;");
                w.Close();
                w.Open(step == 1 ? "if (index >= lower)" : $"if (index >= lower && (index - lower) % {CSharpLiterals.Long(step)} == 0)");
                w.Line(select("item", "path.Element((int)index)"));
                w.Close();
                w.Line("index++;");
                w.Close();
            }
            else
            {
                w.Line("var items = global::System.Linq.Enumerable.ToArray(value.EnumerateArray());");
                w.Open($"for (var i = upper; lower < i; i += {CSharpLiterals.Long(step)})");
                w.Line(select("items[i]", "path.Element((int)i)"));
                w.Close();
            }
            w.Close();
        }

        // --- filters -----------------------------------------------------------------------------------

        private string EmitFilter(FilterExpressionSyntax expression)
        {
            var name = NewName("f");
            var body = Logical(expression);
            var w = new SourceWriter();
            w.Open($"private static bool {name}({Element} current, {Element} root)");
            w.Line($"return {body};");
            w.Close();
            members.Methods.Add(w);
            return name;
        }

        /// <summary>A test expression (§2.3.5.1) as a C# bool expression.</summary>
        private string Logical(FilterExpressionSyntax expression) => expression switch
        {
            OrExpressionSyntax or => "(" + string.Join(" || ", or.Operands.Select(Logical)) + ")",
            AndExpressionSyntax and => "(" + string.Join(" && ", and.Operands.Select(Logical)) + ")",
            NotExpressionSyntax not => "!" + Logical(not.Operand),
            ParenthesizedExpressionSyntax paren => Logical(paren.Inner),
            ComparisonExpressionSyntax comparison => Compare(comparison),
            QueryExpressionSyntax query => query.Query.IsSingular
                ? $"({EmitSingular(query.Query)}(current, root).Kind != {ValueKindOfPath}.Nothing)"
                : $"({EmitNodes(query.Query)}(current, root).Count > 0)",
            FunctionCallSyntax call => $"{Call(call)}.IsTrue",
            _ => "false",
        };

        /// <summary>A comparison; <c>==</c>/<c>!=</c> against a string literal takes the runtime's string fast path.</summary>
        private string Compare(ComparisonExpressionSyntax comparison)
        {
            if (comparison.Operator is Support.JsonPathComparison.Equal or Support.JsonPathComparison.NotEqual)
            {
                var (other, literal) = comparison switch
                {
                    { Right: LiteralExpressionSyntax { Value.ValueKind: JsonValueKind.String } right } => (comparison.Left, JsonStrings.GetString(right.Value)),
                    { Left: LiteralExpressionSyntax { Value.ValueKind: JsonValueKind.String } left } => (comparison.Right, JsonStrings.GetString(left.Value)),
                    _ => (null, null),
                };
                if (other is not null && literal is not null)
                {
                    var test = $"{Runtime}.EqualsString({ValueOf(other)}, {CSharpLiterals.String(literal)})";
                    return comparison.Operator == Support.JsonPathComparison.Equal ? test : "!" + test;
                }
            }
            return $"{Runtime}.Compare({ValueOf(comparison.Left)}, {Comparison}.{comparison.Operator}, {ValueOf(comparison.Right)})";
        }

        /// <summary>A comparable or ValueType argument as a C# JsonPathValue expression.</summary>
        private string ValueOf(FilterExpressionSyntax expression) => expression switch
        {
            LiteralExpressionSyntax literal => $"{Value}.Of({members.Literal(literal.Value)})",
            QueryExpressionSyntax query when query.Query.IsSingular => $"{EmitSingular(query.Query)}(current, root)",
            FunctionCallSyntax call => Call(call),
            _ => $"{Value}.Nothing",
        };

        /// <summary>A NodesType argument as a C# node-list expression.</summary>
        private string NodesOf(FilterExpressionSyntax expression) => expression switch
        {
            QueryExpressionSyntax query => $"{EmitNodes(query.Query)}(current, root)",
            FunctionCallSyntax call => $"({Call(call)}.Nodes ?? new {NodeList}())",
            _ => $"new {NodeList}()",
        };

        private string Call(FunctionCallSyntax call) => call.Name switch
        {
            "length" => $"{Runtime}.Length({ValueOf(call.Arguments[0])})",
            "count" => $"{Runtime}.Count({NodesOf(call.Arguments[0])})",
            "value" => $"{Runtime}.Value({NodesOf(call.Arguments[0])})",
            "match" or "search" when call.Arguments[1] is LiteralExpressionSyntax { Value.ValueKind: JsonValueKind.String } pattern =>
                $"{Runtime}.Match({ValueOf(call.Arguments[0])}, {members.Regex(JsonStrings.GetString(pattern.Value), call.Name == "match")})",
            "match" or "search" =>
                $"{Runtime}.Match({ValueOf(call.Arguments[0])}, {ValueOf(call.Arguments[1])}, anchored: {CSharpLiterals.Bool(call.Name == "match")})",
            _ => $"{Value}.Nothing",
        };

        /// <summary>A singular query as straight-line member and element steps:
        /// <c>JsonPathValue name(JsonElement current, JsonElement root)</c>, Nothing when a step finds nothing.</summary>
        public string EmitSingular(QuerySyntax query)
        {
            var name = NewName("v");
            var w = new SourceWriter();
            w.Open($"private static {Value} {name}({Element} current, {Element} root)");
            w.Line($"var value = {(query.IsRelative ? "current" : "root")};");
            foreach (var segment in query.Segments)
            {
                w.Open($"if (!{members.Step(segment.Selectors[0], "value", "out value")})");
                w.Line($"return {Value}.Nothing;");
                w.Close();
            }
            w.Line($"return {Value}.Of(value);");
            w.Close();
            members.Methods.Add(w);
            return name;
        }

        /// <summary>A query inside a filter as <c>List&lt;JsonPathNode&gt; name(JsonElement current, JsonElement root)</c>,
        /// without paths (only the values or the count are used).</summary>
        public string EmitNodes(QuerySyntax query)
        {
            var chain = EmitChain(query, paths: false);
            var name = NewName("n");
            var w = new SourceWriter();
            w.Open($"private static {NodeList} {name}({Element} current, {Element} root)");
            w.Line($"var output = new {NodeList}();");
            w.Line($"{chain}(current, root, output);");
            w.Line("return output;");
            w.Close();
            members.Methods.Add(w);
            return name;
        }
    }
}
