using System.Globalization;
using System.Text;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Json;
using ManifestCompiler.Runtime.Support.Python;
using ManifestCompiler.Runtime.Support.Text;
using ManifestCompiler.Runtime.Support.Values;

namespace ManifestCompiler.Runtime.Support.Templates;

/// <summary>Looks up a template's root variable; the rest of a path is walked inside the value.</summary>
public delegate bool TemplateVariableResolver(string name, out JsonElement value);

/// <summary>
/// A placeholder's value between filters: missing, a JSON value, a Python value (a webhook memory value, in its JSON
/// form: <see cref="PyJson.ToJsonForm"/>), or text a filter produced.
/// </summary>
public readonly record struct TemplateValue(JsonElement? Json, string? Text, bool IsSafe)
{
    public static readonly TemplateValue Missing = new(null, null, false);

    public static TemplateValue Of(JsonElement json) => new(json, null, false);

    public static TemplateValue Of(PyValue value) => new(null, null, false) { Python = value };

    public static TemplateValue OfText(string text, bool safe = false) => new(null, text, safe);

    public PyValue? Python { get; init; }

    public bool IsFound => Json is not null || Text is not null || Python is not null;

    public bool IsTruthy => Text is not null ? Text.Length > 0 : Json is { } j ? JsonPythonFormat.IsTruthy(j) : Python is { } p && PyOps.IsTruthy(p);

    /// <summary>Django's rendering of the value: Python's <c>str()</c> of JSON values, "" for a missing one.</summary>
    public string ToText() => Text ?? (Json is { } j ? JsonPythonFormat.Str(j) : Python is { } p ? PyFormat.Str(p) : string.Empty);

    public TemplateValue Map(Func<string, string> transform) => new(null, transform(ToText()), IsSafe);
}

/// <summary>
/// Django's semantics for the template subset (grammars/template.ebnf): variable lookup and the filters. The
/// renderer in Syntax and compiled templates both call these, so the two engines cannot drift.
/// </summary>
public static class TemplateRuntime
{
    /// <summary>The value at <paramref name="path"/> (root first), or <see cref="TemplateValue.Missing"/>.</summary>
    public static TemplateValue Lookup(TemplateVariableResolver variables, params string[] path) =>
        TryResolve(variables, path, out var value) ? TemplateValue.Of(value) : TemplateValue.Missing;

    /// <summary>Walks a path's segments after the root: a dict key first, then a non-negative list index.</summary>
    public static bool TryResolve(TemplateVariableResolver variables, IReadOnlyList<string> path, out JsonElement value)
    {
        if (!variables(path[0], out value))
        {
            return false;
        }
        for (var i = 1; i < path.Count; i++)
        {
            if (!TryStep(value, path[i], out value))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>One segment: a member of an object, else (all digits) an element of an array.</summary>
    public static bool TryStep(JsonElement value, string segment, out JsonElement result)
    {
        if (value.ValueKind == JsonValueKind.Object && JsonMembers.TryGet(value, segment, out result))
        {
            return true;
        }
        if (value.ValueKind == JsonValueKind.Array && segment.Length > 0 && segment.All(c => c is >= '0' and <= '9')
            && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && index < value.GetArrayLength())
        {
            result = value[index];
            return true;
        }
        result = default;
        return false;
    }

    /// <summary>Resolves variables from the members of a JSON object (the usual shape of a render context).</summary>
    public static TemplateVariableResolver FromObject(JsonElement context) =>
        (string name, out JsonElement value) =>
        {
            value = default;
            return context.ValueKind == JsonValueKind.Object && JsonMembers.TryGet(context, name, out value);
        };

    /// <summary>Appends a placeholder's final value, HTML-escaped unless it is safe or escaping is off.</summary>
    public static void Append(StringBuilder output, TemplateValue value, bool htmlEscape)
    {
        if (value.Text is null && value.Json is { ValueKind: JsonValueKind.String } json && !(htmlEscape && !value.IsSafe))
        {
            // str() of a string is the string: copied from the document, no string made (issue 17).
            JsonStrings.AppendTo(output, json);
            return;
        }
        output.Append(Text(value, htmlEscape));
    }

    /// <summary>
    /// Writes a placeholder's final value as a JSON string (a JSON template's string that is one placeholder), as
    /// <see cref="Text"/> would give it: a document string without escapes, or a Python str or float, goes into the
    /// writer without a string of its own (issue 17: a webhook payload allocates only itself).
    /// </summary>
    public static void WriteText(Utf8JsonWriter writer, TemplateValue value, bool htmlEscape)
    {
        if (value.Text is null && !(htmlEscape && !value.IsSafe))
        {
            if (value.Json is { ValueKind: JsonValueKind.String } json && JsonStrings.TryGetUnescapedUtf8(json, out var utf8))
            {
                writer.WriteStringValue(utf8);
                return;
            }
            switch (value.Json is null ? value.Python : null)
            {
                case PyStr s:
                    writer.WriteStringValue(s.Value);
                    return;
                case PyFloat f:
                    Span<char> text = stackalloc char[PyFormat.MaxFloatReprLength];
                    writer.WriteStringValue(text[..PyFormat.FormatFloatRepr(f.Value, text)]);
                    return;
            }
        }
        writer.WriteStringValue(Text(value, htmlEscape));
    }

    /// <summary>A placeholder's final value as text, HTML-escaped unless it is safe or escaping is off (a template that is one placeholder).</summary>
    public static string Text(TemplateValue value, bool htmlEscape)
    {
        var text = value.ToText();
        return htmlEscape && !value.IsSafe ? HtmlEscape(text) : text;
    }

    // --- filters, in the order of TemplateFilters.Known ---------------------------------------------

    public static TemplateValue Default(TemplateValue value, TemplateValue argument) => value.IsTruthy ? value : argument;

    public static TemplateValue DefaultIfNone(TemplateValue value, TemplateValue argument) =>
        value.Json is { ValueKind: JsonValueKind.Null } || value.Python is PyNone ? argument : value;

    // Django's upper, lower and capfirst are Python's str.upper() and str.lower() (capfirst: value[0].upper() +
    // value[1:]), with their full case mappings ("ß" is "SS", a final sigma is "ς") and code points, not UTF-16 units.
    public static TemplateValue Upper(TemplateValue value) => value.Map(PyUpper);

    public static TemplateValue Lower(TemplateValue value) => value.Map(static s => PyStrCall(s, "lower"));

    public static TemplateValue Title(TemplateValue value) => value.Map(TitleCase);

    public static TemplateValue Capfirst(TemplateValue value) => value.Map(static s =>
    {
        if (s.Length == 0)
        {
            return s;
        }
        var size = s.Length > 1 && char.IsSurrogatePair(s[0], s[1]) ? 2 : 1;
        return PyUpper(s[..size]) + s[size..];
    });

    private static string PyUpper(string text) => PyStrCall(text, "upper");

    private static string PyStrCall(string text, string method) => ((PyStr)PyStrMethods.Call(text, method, [], [])).Value;

    public static TemplateValue Length(TemplateValue value)
    {
        int length;
        if (value.Text is { } text)
        {
            length = CodePoints.Count(text);
        }
        else
        {
            length = value.Json switch
            {
                { ValueKind: JsonValueKind.String } s => CodePoints.Count(JsonStrings.GetString(s)),
                { ValueKind: JsonValueKind.Array } a => a.GetArrayLength(),
                { ValueKind: JsonValueKind.Object } o => JsonPythonFormat.DictLength(o),
                _ => value.Python switch
                {
                    PyStr s => CodePoints.Count(s.Value),
                    PyList l => l.Items.Count,
                    PyDict d => d.Count,
                    _ => 0,
                },
            };
        }
        return TemplateValue.OfText(length.ToString(CultureInfo.InvariantCulture));
    }

    public static TemplateValue First(TemplateValue value) => FirstOrLast(value, first: true);

    public static TemplateValue Last(TemplateValue value) => FirstOrLast(value, first: false);

    /// <summary>
    /// Django's <c>join</c>: <c>separator.join(value)</c>, so a list joins its items and a string its characters. Any
    /// other value stays as it is, objects included (Django would join a dict's keys; not supported here).
    /// </summary>
    public static TemplateValue Join(TemplateValue value, TemplateValue separator) =>
        value.Json is { ValueKind: JsonValueKind.Array } array
            ? TemplateValue.OfText(string.Join(separator.ToText(), array.EnumerateArray().Select(JsonPythonFormat.Str)))
            : value.Python is PyList list
                ? TemplateValue.OfText(string.Join(separator.ToText(), list.Items.Select(PyFormat.Str)))
                : value.Text is not null || value.Json is { ValueKind: JsonValueKind.String } || value.Python is PyStr
                    ? TemplateValue.OfText(string.Join(separator.ToText(), CodePoints.Of(value.ToText()).Select(cp => CodePoints.ToText(cp))))
                    : value;

    /// <summary>Django's <c>urlencode</c>: percent-encodes UTF-8 bytes except unreserved characters and <paramref name="safe"/> ("/" when absent).</summary>
    public static TemplateValue UrlEncode(TemplateValue value, TemplateValue? safe = null)
    {
        var safeText = safe is { } s ? s.ToText() : "/";
        return value.Map(text => UrlEncode(text, safeText));
    }

    public static TemplateValue Safe(TemplateValue value) => value with { IsSafe = true };

    private static TemplateValue FirstOrLast(TemplateValue value, bool first)
    {
        if (value.Json is { ValueKind: JsonValueKind.Array } array)
        {
            var length = array.GetArrayLength();
            return length == 0 ? TemplateValue.OfText(string.Empty) : TemplateValue.Of(array[first ? 0 : length - 1]);
        }
        if (value.Python is PyList list)
        {
            return list.Items.Count == 0 ? TemplateValue.OfText(string.Empty) : TemplateValue.Of(list.Items[first ? 0 : list.Items.Count - 1]);
        }
        var text = value.ToText();
        if (text.Length == 0)
        {
            return TemplateValue.OfText(string.Empty);
        }
        // Python indexes strings by code point: a surrogate pair is one character, a combining mark another.
        var pair = first
            ? text.Length > 1 && char.IsSurrogatePair(text[0], text[1])
            : text.Length > 1 && char.IsSurrogatePair(text[^2], text[^1]);
        var size = pair ? 2 : 1;
        return TemplateValue.OfText(first ? text[..size] : text[^size..]);
    }

    private static string TitleCase(string text)
    {
        // Django's title filter: Python's str.title, then it lowers a capital after "x'"
        // (re.sub("([a-z])'([A-Z])", ...): "They're") and after a digit (re.sub(r"\d([A-Z])", ...): "1st"; \d is any
        // Unicode decimal digit), each pass over matches that do not overlap.
        var cps = CodePoints.Of(PyStrMethods.Title(text));
        for (var i = 2; i < cps.Length; i++)
        {
            if (cps[i - 2] is >= 'a' and <= 'z' && cps[i - 1] == '\'' && cps[i] is >= 'A' and <= 'Z')
            {
                cps[i] += 'a' - 'A';
                i += 2;
            }
        }
        for (var i = 1; i < cps.Length; i++)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(cps[i - 1]) == UnicodeCategory.DecimalDigitNumber && cps[i] is >= 'A' and <= 'Z')
            {
                cps[i] += 'a' - 'A';
                i++;
            }
        }
        return CodePoints.ToText(cps);
    }

    private static string UrlEncode(string text, string safe)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (b < 0x80 && (char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '~' || safe.Contains(c)))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }

    public static string HtmlEscape(string text)
    {
        if (text.AsSpan().IndexOfAny("<>&'\"") < 0)
        {
            return text;
        }
        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            switch (c)
            {
                case '<':
                    builder.Append("&lt;");
                    break;
                case '>':
                    builder.Append("&gt;");
                    break;
                case '&':
                    builder.Append("&amp;");
                    break;
                case '\'':
                    builder.Append("&#x27;");
                    break;
                case '"':
                    builder.Append("&quot;");
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }
        return builder.ToString();
    }
}
