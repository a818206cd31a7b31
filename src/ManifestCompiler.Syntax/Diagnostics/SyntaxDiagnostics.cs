namespace ManifestCompiler.Syntax.Diagnostics;

/// <summary>
/// The catalog of diagnostics the embedded languages report. Ids are stable: never reuse or renumber one.
/// MC0xxx input files, MC1xxx templates, MC2xxx dot-notation paths, MC3xxx JSONPath (RFC 9535) and I-Regexp (RFC 9485),
/// MC4xxx Python expressions (webhook conditions and memory).
/// </summary>
public static class SyntaxDiagnostics
{
    // Input files
    public static readonly DiagnosticDescriptor InvalidJson = new(
        "MC0001", "Invalid JSON", "Invalid JSON: {0}", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor JsonComment = new(
        "MC0002", "Comment in JSON", "Comments are not JSON; the reference engines reject this file", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor JsonTrailingComma = new(
        "MC0003", "Trailing comma", "Trailing comma before '{0}'; JSON allows none and the reference engines reject this file", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor JsonDuplicateKey = new(
        "MC0004", "Duplicate key", "Duplicate key '{0}': the last value is used (as json.loads does) and the earlier one is ignored", DiagnosticSeverity.Warning);

    // Templates
    public static readonly DiagnosticDescriptor UnterminatedPlaceholder = new(
        "MC1001", "Unterminated placeholder", "Unterminated placeholder: expected '}}' to close this '{{'", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor EmptyPlaceholder = new(
        "MC1002", "Empty placeholder", "Empty placeholder: expected a variable name between '{{' and '}}'", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InvalidPlaceholder = new(
        "MC1003", "Invalid placeholder", "Invalid placeholder: {0}", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnderscoreName = new(
        "MC1004", "Name begins with '_'", "Variable and attribute names may not begin with '_': '{0}'", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedTemplateTag = new(
        "MC1005", "Unsupported template tag", "Template tags and comments ('{0}') are not supported; only '{{{{ variable }}}}' placeholders are", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnknownFilter = new(
        "MC1006", "Unknown filter", "Unknown filter '{0}'; supported filters: {1}", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor FilterArgumentMismatch = new(
        "MC1007", "Filter argument mismatch", "Filter '{0}' {1}", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnknownTemplateVariable = new(
        "MC1008", "Unknown template variable", "Unknown template variable '{0}'", DiagnosticSeverity.Error);

    // Dot-notation paths
    public static readonly DiagnosticDescriptor EmptyDotPathSegment = new(
        "MC2001", "Empty dot-path segment", "Empty segment in dot path: the key '' is looked up here, which is rarely intended", DiagnosticSeverity.Warning);

    // JSONPath
    public static readonly DiagnosticDescriptor JsonPathSyntax = new(
        "MC3001", "Invalid JSONPath", "Invalid JSONPath: {0}", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor JsonPathIntegerOutOfRange = new(
        "MC3002", "Integer out of range", "Integer {0} is outside the range -(2^53-1)..2^53-1 that RFC 9535 allows", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor JsonPathNonSingularQuery = new(
        "MC3003", "Non-singular query in comparison", "A comparison needs a singular query (name and index selectors only); '{0}' can select several nodes", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor JsonPathUnknownFunction = new(
        "MC3004", "Unknown function", "Unknown function '{0}'; RFC 9535 defines length, count, match, search and value", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor JsonPathFunctionArity = new(
        "MC3005", "Wrong number of arguments", "Function '{0}' takes {1} argument(s), found {2}", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor JsonPathArgumentType = new(
        "MC3006", "Ill-typed function argument", "Argument {1} of '{0}' must be {2}; found {3}", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor JsonPathNotComparable = new(
        "MC3007", "Operand cannot be compared", "{0} cannot be compared; comparisons take literals, singular queries and functions that return a value", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor JsonPathNotLogical = new(
        "MC3008", "Expression is not a test", "{0} cannot be used as a filter test; compare it with something", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InvalidIRegexp = new(
        "MC3009", "Invalid I-Regexp", "'{0}' is not a valid I-Regexp (RFC 9485): {1}; match()/search() with it are always false", DiagnosticSeverity.Warning);

    // Python expressions
    public static readonly DiagnosticDescriptor PythonSyntax = new(
        "MC4001", "Invalid Python expression", "Invalid Python expression: {0}", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor PythonUnknownName = new(
        "MC4002", "Unknown name", "Unknown name '{0}'; available here: {1}", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor PythonCallNotAllowed = new(
        "MC4003", "Call not allowed", "{0}; the builtins available are {1}", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor PythonAttributeNotAllowed = new(
        "MC4004", "Attribute not allowed", "{0}; the methods available are str {1}; dict {2}; list {3}", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor PythonUnsupportedConstruct = new(
        "MC4005", "Unsupported construct", "{0} are not supported in webhook expressions", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor PythonDunderName = new(
        "MC4006", "Dunder name", "'{0}': names with double underscores are not allowed", DiagnosticSeverity.Error);
}
