using ManifestCompiler.IR;
using ManifestCompiler.Syntax.JsonPath;

namespace ManifestCompiler.Emit;

/// <summary>
/// An action's field mapping (<c>action/&lt;name&gt;/schema.json</c>) as a record type with one typed property per
/// field and a compiled mapper from <c>JsonElement</c>: each singular <c>equivalentName</c> is a chain of member and
/// element lookups inline, other queries the compiled node selection of <see cref="JsonPathEmitter"/>. A required
/// field that is missing, and a value of the wrong JSON kind, are mapping errors naming the field and its query.
/// <para>From UTF-8 bytes the mapper reads each document once over <c>Utf8JsonReader</c> when one forward pass can
/// decide every query (<see cref="StreamingMapperEmitter"/>); otherwise it parses a <c>JsonDocument</c> and maps it
/// as above. The class's summary says which.</para>
/// </summary>
public static class FieldMappingEmitter
{
    private const string Element = JsonPathEmitter.Element;
    private const string Conversions = "global::ManifestCompiler.Runtime.Support.Mapping.FieldConversions";
    private const string Error = "global::ManifestCompiler.Runtime.Support.Mapping.MappingError";
    private const string Plans = "global::ManifestCompiler.Runtime.Support.Plans";
    private const string ErrorList = "global::System.Collections.Generic.List<" + Error + ">";

    /// <summary>The C# type of a field, and how to convert a JSON value into it.</summary>
    internal sealed record FieldType(string Type, bool IsValueType, string Conversion, string Expected);

    internal static FieldType TypeOf(FieldDataType type) => type switch
    {
        FieldDataType.String => new("string", false, "TryString", "a string"),
        FieldDataType.Number => new("decimal", true, "TryNumber", "a number"),
        FieldDataType.Integer => new("long", true, "TryInteger", "an integer"),
        FieldDataType.Boolean => new("bool", true, "TryBoolean", "a boolean"),
        FieldDataType.Date => new("global::System.DateOnly", true, "TryDate", "a date (yyyy-MM-dd)"),
        FieldDataType.DateTime => new("global::System.DateTimeOffset", true, "TryDateTime", "a date-time (ISO 8601)"),
        FieldDataType.Object => new(Element, true, "TryObject", "an object"),
        _ => new(Element + "[]", false, "TryArray", "an array"),
    };

    /// <summary>Names of the record and mapper generated for an action.</summary>
    public static (string Record, string Mapper) TypeNames(string action) => (Naming.Pascal(action) + "Record", Naming.Pascal(action) + "Mapper");

    /// <summary>The record and mapper of one action's mapping. The IR must be free of errors (every query valid).</summary>
    public static string Emit(string @namespace, string action, FieldMappingIR mapping)
    {
        var (recordName, mapperName) = TypeNames(action);
        var fields = mapping.Fields.ToArray();
        var properties = Naming.Distinct(fields.Select(f => f.Name), ["EqualityContract"]);
        var members = new JsonPathEmitter.ClassMembers();
        var queries = new JsonPathEmitter.QueryEmitter("F", members);

        var body = new SourceWriter();
        body.Open($"public static global::ManifestCompiler.Runtime.Support.Mapping.MappingResult<{recordName}> Map({Element} record)");
        body.Line($"{ErrorList}? errors = null;");
        for (var i = 0; i < fields.Length; i++)
        {
            EmitField(body, fields[i], i, queries, members);
        }
        body.Open("if (errors is not null)");
        body.Line($"return new global::ManifestCompiler.Runtime.Support.Mapping.MappingResult<{recordName}>(errors);");
        body.Close();
        var arguments = fields.Select((f, i) => !f.Required ? $"f{i}" : TypeOf(f.DataType).IsValueType ? $"f{i}.GetValueOrDefault()" : $"f{i}!");
        body.Line($"return new global::ManifestCompiler.Runtime.Support.Mapping.MappingResult<{recordName}>(new {recordName}({string.Join(", ", arguments)}));");
        body.Close();

        // From UTF-8 bytes: one forward pass over Utf8JsonReader when every query allows it, else a JsonDocument.
        var streaming = StreamingMapperEmitter.TryEmit(recordName, fields, members, out var reason);
        if (streaming is null)
        {
            body.Line();
            body.Line($"/// <summary>Maps one UTF-8 JSON document through the DOM mapper (one pass cannot decide: {System.Security.SecurityElement.Escape(Comment(reason))}).</summary>");
            body.Open($"public static global::ManifestCompiler.Runtime.Support.Mapping.MappingResult<{recordName}> Map(global::System.ReadOnlySpan<byte> utf8Json)");
            body.Line("using var document = global::ManifestCompiler.Runtime.Support.Json.DataJson.ParseDocument(utf8Json.ToArray());");
            body.Line("return Map(document.RootElement);");
            body.Close();
        }
        else
        {
            body.Line();
            body.Append(streaming);
        }

        var w = new SourceWriter();
        w.FileHeader();
        w.Open($"namespace {@namespace}");
        w.Line($"/// <summary>A record of <c>{System.Security.SecurityElement.Escape(action)}</c> after field mapping.</summary>");
        w.Line($"public sealed record {recordName}(");
        for (var i = 0; i < fields.Length; i++)
        {
            var type = TypeOf(fields[i].DataType);
            w.Line($"    {type.Type}{(fields[i].Required ? "" : "?")} {properties[i]}{(i + 1 < fields.Length ? "," : ");")}");
        }
        if (fields.Length == 0)
        {
            w.Line(");");
        }
        w.Line();
        w.Line($"/// <summary>Maps one JSON record to <see cref=\"{recordName}\"/>, reporting every field that cannot be mapped.");
        w.Line(streaming is null
            ? "/// From UTF-8 bytes through a JsonDocument (the DOM mapper).</summary>"
            : "/// From UTF-8 bytes in one forward pass over Utf8JsonReader, without a DOM (the streaming mapper).</summary>");
        w.Open($"public sealed class {mapperName} : {Plans}.IRecordMapper");
        foreach (var field in members.Fields)
        {
            w.Line(field);
        }
        if (members.Fields.Count > 0)
        {
            w.Line();
        }
        w.Line($"public static readonly {mapperName} Instance = new();");
        w.Line();
        w.Line($"public global::System.Type RecordType => typeof({recordName});");
        w.Line();
        w.Value($"public global::System.Collections.Generic.IReadOnlyList<{Plans}.FieldPlan> Fields {{ get; }} = ", CSharpValue.Array(Plans + ".FieldPlan", fields.Select(field => CSharpValue.New(Plans + ".FieldPlan",
            ("Name", CSharpLiterals.String(field.Name)),
            ("DataType", CSharpLiterals.String(field.DataType.ToString())),
            ("Required", CSharpLiterals.Bool(field.Required)),
            ("EquivalentName", CSharpLiterals.String(field.EquivalentName.Source))))), ";");
        w.Line();
        w.Open($"global::ManifestCompiler.Runtime.Support.Mapping.MappingResult<object> {Plans}.IRecordMapper.Map({Element} record)");
        w.Line("var result = Map(record);");
        w.Line("return result.Record is { } mapped ? new global::ManifestCompiler.Runtime.Support.Mapping.MappingResult<object>(mapped) : new global::ManifestCompiler.Runtime.Support.Mapping.MappingResult<object>(result.Errors);");
        w.Close();
        w.Line();
        w.Open($"global::ManifestCompiler.Runtime.Support.Mapping.MappingResult<object> {Plans}.IRecordMapper.Map(global::System.ReadOnlySpan<byte> utf8Json)");
        w.Line("var result = Map(utf8Json);");
        w.Line("return result.Record is { } mapped ? new global::ManifestCompiler.Runtime.Support.Mapping.MappingResult<object>(mapped) : new global::ManifestCompiler.Runtime.Support.Mapping.MappingResult<object>(result.Errors);");
        w.Close();
        w.Line();
        w.Append(body);
        foreach (var method in members.Methods)
        {
            w.Line();
            w.Append(method);
        }
        w.Close();
        w.Close();
        return w.ToString();
    }

    private static void EmitField(SourceWriter w, FieldMappingEntryIR field, int index, JsonPathEmitter.QueryEmitter queries, JsonPathEmitter.ClassMembers members)
    {
        var type = TypeOf(field.DataType);
        var query = field.EquivalentName;
        var name = CSharpLiterals.String(field.Name);
        var path = CSharpLiterals.String(query.Source);
        var local = $"f{index}";
        var value = $"v{index}";
        w.Line();
        w.Line($"// {field.Name}: {Comment(query.Source)} ({field.DataType}{(field.Required ? ", required" : "")})");
        w.Line($"{type.Type}? {local} = null;");

        string found;
        if (query.IsSingular)
        {
            // Straight-line lookups: no node list, no paths.
            var steps = new List<string>();
            var first = true;
            foreach (var segment in query.Syntax.Segments)
            {
                var from = first ? "record" : value;
                var into = first ? $"out var {value}" : $"out {value}";
                steps.Add(members.Step(segment.Selectors[0], from, into));
                first = false;
            }
            if (steps.Count == 0)
            {
                w.Line($"var {value} = record;");
                steps.Add("true");
            }
            found = $"{string.Join(" && ", steps)} && {value}.ValueKind != global::System.Text.Json.JsonValueKind.Null";
        }
        else
        {
            var nodes = queries.EmitNodes(query.Syntax);
            var list = $"n{index}";
            w.Line($"var {list} = {nodes}(record, record);");
            if (field.DataType == FieldDataType.Array)
            {
                // Every selected node is one element.
                w.Open($"if ({list}.Count > 0)");
                w.Line($"var elements = new {Element}[{list}.Count];");
                w.Open($"for (var i = 0; i < {list}.Count; i++)");
                w.Line($"elements[i] = {list}[i].Value.Clone();");
                w.Close();
                w.Line($"{local} = elements;");
                w.Close();
                if (field.Required)
                {
                    w.Open("else");
                    w.Line($"(errors ??= new {ErrorList}()).Add({Error}.Missing({name}, {path}));");
                    w.Close();
                }
                return;
            }
            // Not an array field: the first node (MC7007 warns about this at compile time).
            w.Line($"var {value} = {list}.Count > 0 ? {list}[0].Value : default;");
            found = $"{list}.Count > 0 && {value}.ValueKind != global::System.Text.Json.JsonValueKind.Null";
        }

        w.Open($"if ({found})");
        w.Open($"if ({Conversions}.{type.Conversion}({value}, out var converted))");
        w.Line($"{local} = converted;");
        w.Close();
        w.Open("else");
        w.Line($"(errors ??= new {ErrorList}()).Add({Error}.WrongType({name}, {path}, {CSharpLiterals.String(type.Expected)}, {value}));");
        w.Close();
        w.Close();
        if (field.Required)
        {
            w.Open("else");
            w.Line($"(errors ??= new {ErrorList}()).Add({Error}.Missing({name}, {path}));");
            w.Close();
        }
    }

    /// <summary>A query in a line comment: no line breaks.</summary>
    private static string Comment(string text) => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
