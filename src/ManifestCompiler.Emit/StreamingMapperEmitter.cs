using System.Text.Json;
using ManifestCompiler.IR;
using ManifestCompiler.Syntax.JsonPath;
using Support = ManifestCompiler.Runtime.Support.JsonPath;
using JsonStrings = ManifestCompiler.Runtime.Support.Json.JsonStrings;

namespace ManifestCompiler.Emit;

/// <summary>
/// A field mapper over <c>Utf8JsonReader</c> that reads each document once, front to back, without a DOM, for the
/// mappings whose every query one forward pass can decide: name and index steps (a negative index through a ring of
/// the last |index| element offsets), and at most one filter or wildcard whose test reads only relative singular
/// queries of the element (existence and comparisons), followed by name and index steps. The queries share one
/// trie; each trie node is a method that dispatches on the member name or element index and skips the rest.
/// <para>It gives the records and errors of the DOM mapper (<see cref="FieldMappingEmitter"/>): the conversions are
/// <c>FieldConversions</c>' reader twins; a later duplicate member replaces what an earlier one gave (a node resets
/// the fields below it when it is entered again), as <c>TryGetProperty</c>'s last-wins lookup does; a filter's
/// operands and selected value are captured by offset and read again once the element has ended.</para>
/// </summary>
internal static class StreamingMapperEmitter
{
    /// <summary>The largest |negative index| kept in the ring (a bounded buffer on the stack).</summary>
    private const int MaxNegativeIndex = 64;

    private const string Reader = "global::System.Text.Json.Utf8JsonReader";
    private const string Token = "global::System.Text.Json.JsonTokenType";
    private const string Streaming = "global::ManifestCompiler.Runtime.Support.Mapping.StreamingMapping";
    private const string Conversions = "global::ManifestCompiler.Runtime.Support.Mapping.FieldConversions";
    private const string Error = "global::ManifestCompiler.Runtime.Support.Mapping.MappingError";
    private const string Element = JsonPathEmitter.Element;

    private abstract record Action;

    /// <summary>Convert the value into field <paramref name="Field"/>.</summary>
    private sealed record ConvertAction(int Field) : Action;

    /// <summary>Record the value's offset in slot <paramref name="Slot"/>.</summary>
    private sealed record CaptureAction(int Slot) : Action;

    /// <summary>A field whose query has a filter (or wildcard) here, with the slots its test and continuation read.</summary>
    private sealed record Branch(int Field, FilterExpressionSyntax? Test, int Continuation, Dictionary<QuerySyntax, int> Operands);

    private sealed class Node
    {
        public List<Action> Terminals { get; } = [];

        public List<(NameSelectorSyntax Selector, Node Child)> Names { get; } = [];

        public List<(long Index, Node Child)> Indexes { get; } = [];

        public List<Branch> Branches { get; } = [];

        /// <summary>The trie of the relative queries read from each child when there are branches.</summary>
        public Node? Capture { get; set; }

        public string Method { get; set; } = "";

        public bool HasChildren => Names.Count > 0 || Indexes.Count > 0;

        public Node Child(NameSelectorSyntax selector)
        {
            foreach (var (s, c) in Names)
            {
                if (s.Name == selector.Name)
                {
                    return c;
                }
            }
            var child = new Node();
            Names.Add((selector, child));
            return child;
        }

        public Node Child(long index)
        {
            foreach (var (i, c) in Indexes)
            {
                if (i == index)
                {
                    return c;
                }
            }
            var child = new Node();
            Indexes.Add((index, child));
            return child;
        }

        /// <summary>Every action and branch at this node or below (reset when the node is entered again).</summary>
        public IEnumerable<object> Below()
        {
            foreach (var t in Terminals)
            {
                yield return t;
            }
            foreach (var b in Branches)
            {
                yield return b;
            }
            foreach (var child in Names.Select(n => n.Child).Concat(Indexes.Select(i => i.Child)))
            {
                foreach (var x in child.Below())
                {
                    yield return x;
                }
            }
        }
    }

    private sealed class Plan(Node root, int slots, bool[] branchFields)
    {
        public Node Root { get; } = root;

        public int Slots { get; } = slots;

        public bool[] BranchFields { get; } = branchFields;
    }

    /// <summary>Whether one forward pass decides every query of the mapping; if not, why (shown in the generated code).</summary>
    public static bool CanStream(FieldMappingIR mapping, out string reason) => TryPlan(mapping.Fields.ToArray(), out reason) is not null;

    private static Plan? TryPlan(FieldMappingEntryIR[] fields, out string reason)
    {
        var root = new Node();
        var slots = 0;
        var branchFields = new bool[fields.Length];
        for (var f = 0; f < fields.Length; f++)
        {
            var query = fields[f].EquivalentName.Syntax;
            var source = fields[f].EquivalentName.Source;
            if (query.IsRelative)
            {
                reason = $"{source} is relative";
                return null;
            }
            var node = root;
            var k = 0;
            for (; k < query.Segments.Length; k++)
            {
                var segment = query.Segments[k];
                if (segment.IsDescendant || segment.Selectors.Length != 1)
                {
                    reason = $"{source} has a descendant segment or several selectors in one segment";
                    return null;
                }
                var selector = segment.Selectors[0];
                if (selector is FilterSelectorSyntax or WildcardSelectorSyntax)
                {
                    break;
                }
                if (!TryStep(selector, ref node, out reason, source))
                {
                    return null;
                }
            }
            if (k == query.Segments.Length)
            {
                node.Terminals.Add(new ConvertAction(f));
                continue;
            }

            // A filter or wildcard: its test and the rest of the query are read from each child of this node.
            var capture = node.Capture ??= new Node();
            var operands = new Dictionary<QuerySyntax, int>(ReferenceEqualityComparer.Instance);
            var test = query.Segments[k].Selectors[0] is FilterSelectorSyntax filter ? filter.Expression : null;
            if (test is not null && !TryOperands(test, capture, operands, ref slots, out reason, source))
            {
                return null;
            }
            var rest = capture;
            for (var j = k + 1; j < query.Segments.Length; j++)
            {
                var segment = query.Segments[j];
                if (segment.IsDescendant || segment.Selectors.Length != 1 || !TryStep(segment.Selectors[0], ref rest, out reason, source))
                {
                    reason = $"{source} selects several values after its filter";
                    return null;
                }
            }
            var continuation = slots++;
            rest.Terminals.Add(new CaptureAction(continuation));
            node.Branches.Add(new Branch(f, test, continuation, operands));
            branchFields[f] = true;
        }
        reason = "";
        return new Plan(root, slots, branchFields);
    }

    private static bool TryStep(SelectorSyntax selector, ref Node node, out string reason, string source)
    {
        switch (selector)
        {
            case NameSelectorSyntax { Utf8Name: not null } name:
                node = node.Child(name);
                reason = "";
                return true;
            case IndexSelectorSyntax index when index.Index >= -MaxNegativeIndex && index.Index <= int.MaxValue:
                node = node.Child(index.Index);
                reason = "";
                return true;
            default:
                reason = $"{source} has a selector one pass cannot decide ({selector.GetType().Name.Replace("SelectorSyntax", "", StringComparison.Ordinal).ToLowerInvariant()})";
                return false;
        }
    }

    /// <summary>The test's relative singular queries, each captured into a slot; false for anything else (functions,
    /// absolute queries, queries selecting several nodes).</summary>
    private static bool TryOperands(FilterExpressionSyntax expression, Node capture, Dictionary<QuerySyntax, int> operands, ref int slots, out string reason, string source)
    {
        reason = "";
        switch (expression)
        {
            case OrExpressionSyntax or:
                foreach (var operand in or.Operands)
                {
                    if (!TryOperands(operand, capture, operands, ref slots, out reason, source))
                    {
                        return false;
                    }
                }
                return true;
            case AndExpressionSyntax and:
                foreach (var operand in and.Operands)
                {
                    if (!TryOperands(operand, capture, operands, ref slots, out reason, source))
                    {
                        return false;
                    }
                }
                return true;
            case NotExpressionSyntax not:
                return TryOperands(not.Operand, capture, operands, ref slots, out reason, source);
            case ParenthesizedExpressionSyntax paren:
                return TryOperands(paren.Inner, capture, operands, ref slots, out reason, source);
            case ComparisonExpressionSyntax comparison:
                return TryOperands(comparison.Left, capture, operands, ref slots, out reason, source)
                    && TryOperands(comparison.Right, capture, operands, ref slots, out reason, source);
            case LiteralExpressionSyntax:
                return true;
            case QueryExpressionSyntax { Query: { IsRelative: true, IsSingular: true } query }:
                var node = capture;
                foreach (var segment in query.Segments)
                {
                    if (!TryStep(segment.Selectors[0], ref node, out reason, source))
                    {
                        return false;
                    }
                }
                var slot = slots++;
                node.Terminals.Add(new CaptureAction(slot));
                operands[query] = slot;
                return true;
            default:
                reason = $"{source} has a filter that reads more than the element's own singular values";
                return false;
        }
    }

    /// <summary>
    /// The streaming mapper's members: a state struct, <c>Map(ReadOnlySpan&lt;byte&gt;)</c> and one method per trie
    /// node, written into <paramref name="w"/>; byte and literal fields go to <paramref name="members"/>. Null when
    /// the mapping cannot stream (<paramref name="reason"/> says why).
    /// </summary>
    public static SourceWriter? TryEmit(string recordName, FieldMappingEntryIR[] fields, JsonPathEmitter.ClassMembers members, out string reason)
    {
        var plan = TryPlan(fields, out reason);
        if (plan is null)
        {
            return null;
        }
        return new Emitter(recordName, fields, members, plan).Emit();
    }

    private sealed class Emitter(string recordName, FieldMappingEntryIR[] fields, JsonPathEmitter.ClassMembers members, Plan plan)
    {
        private readonly List<SourceWriter> _methods = [];
        private int _next;

        private const string Parameters = $"ref {Reader} reader, global::System.ReadOnlySpan<byte> json, int at, ref StreamState s";

        public SourceWriter Emit()
        {
            Name(plan.Root);
            EmitNode(plan.Root, reset: false);

            var w = new SourceWriter();
            w.Line("/// <summary>What one pass has found so far: each field's value or error, and the captured offsets (-1: none).</summary>");
            w.Open("private struct StreamState");
            for (var i = 0; i < fields.Length; i++)
            {
                var type = FieldMappingEmitter.TypeOf(fields[i].DataType);
                if (plan.BranchFields[i] && fields[i].DataType == FieldDataType.Array)
                {
                    w.Line($"public global::System.Collections.Generic.List<{Element}>? L{i};");
                    continue;
                }
                w.Line($"public {type.Type}? F{i};");
                w.Line($"public {Error}? E{i};");
                if (ReadsString(fields[i]))
                {
                    w.Line($"public global::System.Exception? X{i};");
                }
                if (plan.BranchFields[i])
                {
                    w.Line($"public bool T{i};");
                }
            }
            for (var c = 0; c < plan.Slots; c++)
            {
                w.Line($"public int C{c};");
            }
            w.Close();
            w.Line();

            w.Line("/// <summary>Maps one UTF-8 JSON document in one forward pass (no DOM); invalid JSON throws <c>JsonException</c>, as parsing it does.</summary>");
            w.Open($"public static global::ManifestCompiler.Runtime.Support.Mapping.MappingResult<{recordName}> Map(global::System.ReadOnlySpan<byte> utf8Json)");
            w.Line($"var reader = {Streaming}.Start(utf8Json);");
            w.Line("var s = new StreamState();");
            w.Line($"{plan.Root.Method}(ref reader, utf8Json, 0, ref s);");
            w.Line($"{Streaming}.End(ref reader);");
            for (var i = 0; i < fields.Length; i++)
            {
                if (ReadsString(fields[i]))
                {
                    // A string the DOM mapper would have failed to read (a lone surrogate): it throws the same.
                    w.Open($"if (s.X{i} is not null)");
                    w.Line($"global::System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(s.X{i});");
                    w.Close();
                }
            }
            w.Line($"global::System.Collections.Generic.List<{Error}>? errors = null;");
            var arguments = new List<string>();
            for (var i = 0; i < fields.Length; i++)
            {
                var field = fields[i];
                var name = CSharpLiterals.String(field.Name);
                var path = CSharpLiterals.String(field.EquivalentName.Source);
                var type = FieldMappingEmitter.TypeOf(field.DataType);
                string value;
                if (plan.BranchFields[i] && field.DataType == FieldDataType.Array)
                {
                    value = $"s.L{i}?.ToArray()";
                    if (field.Required)
                    {
                        w.Open($"if (s.L{i} is null)");
                        w.Line($"(errors ??= new global::System.Collections.Generic.List<{Error}>()).Add({Error}.Missing({name}, {path}));");
                        w.Close();
                    }
                }
                else
                {
                    value = $"s.F{i}";
                    w.Open($"if (s.E{i} is not null)");
                    w.Line($"(errors ??= new global::System.Collections.Generic.List<{Error}>()).Add(s.E{i});");
                    w.Close();
                    if (field.Required)
                    {
                        w.Open($"else if (s.F{i} is null)");
                        w.Line($"(errors ??= new global::System.Collections.Generic.List<{Error}>()).Add({Error}.Missing({name}, {path}));");
                        w.Close();
                    }
                }
                arguments.Add(!field.Required ? value : type.IsValueType ? $"{value}.GetValueOrDefault()" : $"{value}!");
            }
            w.Open("if (errors is not null)");
            w.Line($"return new global::ManifestCompiler.Runtime.Support.Mapping.MappingResult<{recordName}>(errors);");
            w.Close();
            w.Line($"return new global::ManifestCompiler.Runtime.Support.Mapping.MappingResult<{recordName}>(new {recordName}({string.Join(", ", arguments)}));");
            w.Close();
            foreach (var method in _methods)
            {
                w.Line();
                w.Append(method);
            }
            return w;
        }

        private string NewName(string kind) => $"S{kind}{_next++}";

        private void Name(Node node)
        {
            node.Method = NewName("n");
            foreach (var (_, child) in node.Names)
            {
                Name(child);
            }
            foreach (var (_, child) in node.Indexes)
            {
                Name(child);
            }
            if (node.Capture is { } capture)
            {
                Name(capture);
            }
        }

        /// <summary>A node's method: entered on the value's first token, it leaves the reader on the value's last.</summary>
        /// <remarks>A node entered by a member name resets what it found below: a later duplicate member is the one the
        /// DOM's lookup finds. A node entered by an index is entered once per array, which its parent reset.</remarks>
        private void EmitNode(Node node, bool reset)
        {
            var w = new SourceWriter();
            _methods.Add(w);
            w.Open($"private static void {node.Method}({Parameters})");
            if (reset)
            {
                foreach (var item in node.Below())
                {
                    Reset(w, item);
                }
            }
            var copy = node.HasChildren || node.Branches.Count > 0 || node.Terminals.Count > 1;
            foreach (var terminal in node.Terminals)
            {
                switch (terminal)
                {
                    case CaptureAction capture:
                        w.Line($"s.C{capture.Slot} = at + (int)reader.TokenStartIndex;");
                        break;
                    case ConvertAction convert when copy:
                        w.Block();
                        w.Line("var value = reader;");
                        Convert(w, convert.Field, "value");
                        w.Close();
                        break;
                    case ConvertAction convert:
                        Convert(w, convert.Field, "reader");
                        break;
                }
            }

            var each = node.Branches.Count > 0 ? EmitEach(node) : null;
            // With branches, each child is read by the branches' capture; a child also selected by name or index is
            // then read again from its offset.
            string Enter(Node child) => each is null
                ? $"{child.Method}(ref reader, json, at, ref s);"
                : $"{{ var again = {Streaming}.At(json, offset); {child.Method}(ref again, json, offset, ref s); }}";
            // A member's number or an element's index picks the child to enter; any other value is skipped, unless
            // the branches' capture has read it already.
            void Switch(string subject, IEnumerable<(long Case, Node Child)> cases)
            {
                w.Open($"switch ({subject})");
                foreach (var (label, child) in cases)
                {
                    w.Open($"case {label}:");
                    w.Line(Enter(child));
                    w.Line("break;");
                    w.Close();
                }
                w.Open("default:");
                if (each is null)
                {
                    w.Line("reader.Skip();");
                }
                w.Line("break;");
                w.Close();
                w.Close();
            }
            if (node.Names.Count > 0 || node.Indexes.Count > 0 || each is not null)
            {
                var first = true;
                if (node.Names.Count > 0 || each is not null)
                {
                    w.Open($"if (reader.TokenType == {Token}.StartObject)");
                    w.Open($"while (reader.Read() && reader.TokenType == {Token}.PropertyName)");
                    if (node.Names.Count > 0)
                    {
                        var (pick, escaped) = EmitNamePickers(node);
                        w.Line($"var member = reader.ValueIsEscaped ? {escaped}(ref reader) : {pick}(reader.ValueSpan);");
                    }
                    w.Line("reader.Read();");
                    if (each is not null)
                    {
                        w.Line("var offset = at + (int)reader.TokenStartIndex;");
                        w.Line($"{each}(ref reader, json, at, ref s);");
                    }
                    if (node.Names.Count > 0)
                    {
                        Switch("member", node.Names.Select((name, i) => ((long)i, name.Child)));
                    }
                    w.Close();
                    w.Close();
                    first = false;
                }
                if (node.Indexes.Count > 0 || each is not null)
                {
                    var ring = node.Indexes.Where(i => i.Index < 0).Select(i => (int)-i.Index).DefaultIfEmpty(0).Max();
                    w.Open($"{(first ? "" : "else ")}if (reader.TokenType == {Token}.StartArray)");
                    if (ring > 0)
                    {
                        w.Line("// The offsets of the last elements: a negative index is decided at the array's end.");
                        w.Line($"global::System.Span<int> ring = stackalloc int[{ring}];");
                    }
                    w.Line("var index = 0;");
                    w.Open($"while (reader.Read() && reader.TokenType != {Token}.EndArray)");
                    if (ring > 0 || each is not null)
                    {
                        w.Line("var offset = at + (int)reader.TokenStartIndex;");
                    }
                    if (ring > 0)
                    {
                        w.Line($"ring[index % {ring}] = offset;");
                    }
                    if (each is not null)
                    {
                        w.Line($"{each}(ref reader, json, at, ref s);");
                    }
                    var positive = node.Indexes.Where(i => i.Index >= 0).ToList();
                    if (positive.Count > 0)
                    {
                        Switch("index", positive);
                    }
                    else if (each is null)
                    {
                        w.Line("reader.Skip();");
                    }
                    w.Line("index++;");
                    w.Close();
                    foreach (var (index, child) in node.Indexes.Where(i => i.Index < 0))
                    {
                        w.Open($"if (index >= {-index})");
                        w.Line($"var offset = ring[(index - {-index}) % {ring}];");
                        w.Line($"var element = {Streaming}.At(json, offset);");
                        w.Line($"{child.Method}(ref element, json, offset, ref s);");
                        w.Close();
                    }
                    w.Close();
                }
                w.Open("else");
                w.Line("reader.Skip();");
                w.Close();
            }
            else
            {
                w.Line("reader.Skip();");
            }
            w.Close();
            foreach (var (_, child) in node.Names)
            {
                EmitNode(child, reset: true);
            }
            foreach (var (_, child) in node.Indexes)
            {
                EmitNode(child, reset: false);
            }
        }

        /// <summary>The member-name dispatch of a node: by length, then bytes; names with escapes take the slow path.</summary>
        private (string Pick, string Escaped) EmitNamePickers(Node node)
        {
            var pick = node.Method + "_name";
            var escaped = node.Method + "_escaped";
            var utf8 = node.Names.Select(n => (Field: members.Utf8Name(n.Selector), n.Selector.Utf8Name!.Length)).ToList();

            var w = new SourceWriter();
            w.Open($"private static int {pick}(global::System.ReadOnlySpan<byte> name)");
            w.Open("switch (name.Length)");
            foreach (var group in utf8.Select((u, i) => (u.Field, u.Length, Index: i)).GroupBy(u => u.Length).OrderBy(g => g.Key))
            {
                w.Open($"case {group.Key}:");
                foreach (var (field, _, index) in group)
                {
                    w.Open($"if (global::System.MemoryExtensions.SequenceEqual(name, {field}))");
                    w.Line($"return {index};");
                    w.Close();
                }
                w.Line("break;");
                w.Close();
            }
            w.Close();
            w.Line("return -1;");
            w.Close();
            _methods.Add(w);

            var e = new SourceWriter();
            e.Open($"private static int {escaped}(ref {Reader} reader)");
            for (var i = 0; i < utf8.Count; i++)
            {
                e.Open($"if ({Streaming}.EscapedNameEquals(ref reader, {utf8[i].Field}))");
                e.Line($"return {i};");
                e.Close();
            }
            e.Line("return -1;");
            e.Close();
            _methods.Add(e);
            return (pick, escaped);
        }

        /// <summary>One child of a filtered value: capture its operands and continuation, then decide each branch.</summary>
        private string EmitEach(Node node)
        {
            var capture = node.Capture!;
            var name = node.Method + "_each";
            var w = new SourceWriter();
            _methods.Add(w);
            w.Open($"private static void {name}({Parameters})");
            w.Line($"{capture.Method}(ref reader, json, at, ref s);");
            foreach (var branch in node.Branches)
            {
                var test = branch.Test is null ? "" : Logical(branch.Test, branch.Operands) + " && ";
                w.Open($"if ({test}s.C{branch.Continuation} >= 0)");
                if (fields[branch.Field].DataType == FieldDataType.Array)
                {
                    // Every selected node is one element, null included, as the DOM mapper keeps them.
                    w.Line($"(s.L{branch.Field} ??= new global::System.Collections.Generic.List<{Element}>()).Add({Streaming}.ElementAt(json, s.C{branch.Continuation}));");
                }
                else
                {
                    // Not an array field: the first node only (MC7007 warns about this at compile time).
                    w.Open($"if (!s.T{branch.Field})");
                    w.Line($"s.T{branch.Field} = true;");
                    w.Line($"var value = {Streaming}.At(json, s.C{branch.Continuation});");
                    Convert(w, branch.Field, "value");
                    w.Close();
                }
                w.Close();
            }
            w.Close();
            // The capture trie's root resets all its slots: each child starts with nothing found.
            EmitNode(capture, reset: true);
            return name;
        }

        private void Reset(SourceWriter w, object item)
        {
            switch (item)
            {
                case CaptureAction capture:
                    w.Line($"s.C{capture.Slot} = -1;");
                    break;
                case ConvertAction convert:
                    w.Line($"s.F{convert.Field} = null;");
                    w.Line($"s.E{convert.Field} = null;");
                    if (ReadsString(fields[convert.Field]))
                    {
                        w.Line($"s.X{convert.Field} = null;");
                    }
                    break;
                case Branch branch:
                    // Its slots are reset by each child; what it selected is reset here.
                    ResetBranch(w, branch);
                    break;
            }
        }

        private void ResetBranch(SourceWriter w, Branch branch)
        {
            if (fields[branch.Field].DataType == FieldDataType.Array)
            {
                w.Line($"s.L{branch.Field} = null;");
            }
            else
            {
                w.Line($"s.F{branch.Field} = null;");
                w.Line($"s.E{branch.Field} = null;");
                w.Line($"s.T{branch.Field} = false;");
                if (ReadsString(fields[branch.Field]))
                {
                    w.Line($"s.X{branch.Field} = null;");
                }
            }
        }

        /// <summary>The field's conversion of the value under <paramref name="reader"/>; JSON null counts as absent.</summary>
        private void Convert(SourceWriter w, int index, string reader)
        {
            var field = fields[index];
            var type = FieldMappingEmitter.TypeOf(field.DataType);
            w.Open($"if ({reader}.TokenType != {Token}.Null)");
            var guarded = ReadsString(field);
            if (guarded)
            {
                // Reading the string may throw (a lone surrogate); a later duplicate may replace it, so it is kept
                // and thrown at the end only if it stands.
                w.Open("try");
            }
            w.Open($"if ({Conversions}.{type.Conversion}(ref {reader}, out var converted))");
            w.Line($"s.F{index} = converted;");
            w.Close();
            w.Open("else");
            w.Line($"s.E{index} = {Error}.WrongType({CSharpLiterals.String(field.Name)}, {CSharpLiterals.String(field.EquivalentName.Source)}, {CSharpLiterals.String(type.Expected)}, {Streaming}.Element({reader}));");
            w.Close();
            if (guarded)
            {
                w.Close();
                w.Open("catch (global::System.InvalidOperationException e)");
                w.Line($"s.X{index} = e;");
                w.Close();
            }
            w.Close();
        }

        /// <summary>Whether the field's conversion reads a string value (which can throw where the DOM's does).</summary>
        private bool ReadsString(FieldMappingEntryIR field) =>
            field.DataType is FieldDataType.String or FieldDataType.Date or FieldDataType.DateTime
            && !(plan.BranchFields[Array.IndexOf(fields, field)] && field.DataType == FieldDataType.Array);

        /// <summary>A test expression over the captured slots, with the DOM's value semantics (JsonPathRuntime).</summary>
        private string Logical(FilterExpressionSyntax expression, Dictionary<QuerySyntax, int> operands) => expression switch
        {
            OrExpressionSyntax or => "(" + string.Join(" || ", or.Operands.Select(o => Logical(o, operands))) + ")",
            AndExpressionSyntax and => "(" + string.Join(" && ", and.Operands.Select(o => Logical(o, operands))) + ")",
            NotExpressionSyntax not => "!" + Logical(not.Operand, operands),
            ParenthesizedExpressionSyntax paren => Logical(paren.Inner, operands),
            ComparisonExpressionSyntax comparison => Compare(comparison, operands),
            QueryExpressionSyntax query => $"(s.C{operands[query.Query]} >= 0)",
            // A literal is no test (the checker rejects it); the DOM emitter's reading of it.
            LiteralExpressionSyntax => "false",
            _ => throw new InvalidOperationException("the plan admits only these forms"),
        };

        private string Compare(ComparisonExpressionSyntax comparison, Dictionary<QuerySyntax, int> operands)
        {
            if (comparison.Operator is Support.JsonPathComparison.Equal or Support.JsonPathComparison.NotEqual)
            {
                var (other, literal) = comparison switch
                {
                    { Right: LiteralExpressionSyntax { Value.ValueKind: JsonValueKind.String } right } => (comparison.Left, JsonStrings.GetString(right.Value)),
                    { Left: LiteralExpressionSyntax { Value.ValueKind: JsonValueKind.String } left } => (comparison.Right, JsonStrings.GetString(left.Value)),
                    _ => (null, null),
                };
                if (other is QueryExpressionSyntax query && literal is not null)
                {
                    var test = $"{Streaming}.EqualsStringAt(json, s.C{operands[query.Query]}, {members.Utf8Text(literal)}, {CSharpLiterals.String(literal)})";
                    return comparison.Operator == Support.JsonPathComparison.Equal ? test : "!" + test;
                }
            }
            return $"{JsonPathEmitter.Runtime}.Compare({ValueOf(comparison.Left, operands)}, {JsonPathEmitter.Comparison}.{comparison.Operator}, {ValueOf(comparison.Right, operands)})";
        }

        private string ValueOf(FilterExpressionSyntax expression, Dictionary<QuerySyntax, int> operands) => expression switch
        {
            LiteralExpressionSyntax literal => $"{JsonPathEmitter.Value}.Of({members.Literal(literal.Value)})",
            QueryExpressionSyntax query => $"{Streaming}.ValueAt(json, s.C{operands[query.Query]})",
            _ => throw new InvalidOperationException("the plan admits only literals and singular queries as operands"),
        };
    }
}
