namespace ManifestCompiler.Syntax.Diagnostics;

/// <summary>
/// The catalog of diagnostics the embedded languages report. Ids are stable: never reuse or renumber one.
/// MC0xxx input files, MC1xxx templates, MC2xxx dot-notation paths, MC3xxx JSONPath (RFC 9535) and I-Regexp (RFC 9485),
/// MC4xxx Python expressions (webhook conditions and memory), MC5xxx cron schedules.
/// </summary>
public static class SyntaxDiagnostics
{
    // Input files
    public static readonly DiagnosticDescriptor InvalidJson = new(
        "MC0001", "Invalid JSON", "Invalid JSON: {0}", DiagnosticSeverity.Error,
        "The file is not JSON. The message says what was expected where; fix the text at that position.");

    public static readonly DiagnosticDescriptor JsonComment = new(
        "MC0002", "Comment in JSON", "Comments are not JSON; the reference engines reject this file", DiagnosticSeverity.Error,
        "JSON has no comments. Delete the comment; reading continues after it so later problems are still reported.");

    public static readonly DiagnosticDescriptor JsonTrailingComma = new(
        "MC0003", "Trailing comma", "Trailing comma before '{0}'; JSON allows none and the reference engines reject this file", DiagnosticSeverity.Error,
        "JSON allows no comma before a closing bracket or brace. Delete the comma.");

    public static readonly DiagnosticDescriptor JsonDuplicateKey = new(
        "MC0004", "Duplicate key", "Duplicate key '{0}': the last value is used (as json.loads does) and the earlier one is ignored", DiagnosticSeverity.Warning,
        "A key appears twice in one object. Python's json.loads keeps the last value, and so does this compiler; delete the one you do not mean.");

    // Templates
    public static readonly DiagnosticDescriptor UnterminatedPlaceholder = new(
        "MC1001", "Unterminated placeholder", "Unterminated placeholder: expected '}}' to close this '{{'", DiagnosticSeverity.Error,
        "A '{{' opens a placeholder that never closes. Add '}}'.");

    public static readonly DiagnosticDescriptor EmptyPlaceholder = new(
        "MC1002", "Empty placeholder", "Empty placeholder: expected a variable name between '{{' and '}}'", DiagnosticSeverity.Error,
        "'{{ }}' names no variable. Put a variable name inside or remove the braces.");

    public static readonly DiagnosticDescriptor InvalidPlaceholder = new(
        "MC1003", "Invalid placeholder", "Invalid placeholder: {0}", DiagnosticSeverity.Error,
        "The text between '{{' and '}}' is not a variable path with optional filters, such as 'name.key.0|default:\"none\"'.");

    public static readonly DiagnosticDescriptor UnderscoreName = new(
        "MC1004", "Name begins with '_'", "Variable and attribute names may not begin with '_': '{0}'", DiagnosticSeverity.Error,
        "Django refuses variable and attribute names that begin with '_'. Rename the variable.");

    public static readonly DiagnosticDescriptor UnsupportedTemplateTag = new(
        "MC1005", "Unsupported template tag", "Template tags and comments ('{0}') are not supported; only '{{{{ variable }}}}' placeholders are", DiagnosticSeverity.Error,
        "Only '{{ variable }}' placeholders (with filters) are compiled; Django tags such as '{% if %}' and comments are not.");

    public static readonly DiagnosticDescriptor UnknownFilter = new(
        "MC1006", "Unknown filter", "Unknown filter '{0}'; supported filters: {1}", DiagnosticSeverity.Error,
        "The filter is not one this template language implements. Use one of the listed filters.");

    public static readonly DiagnosticDescriptor FilterArgumentMismatch = new(
        "MC1007", "Filter argument mismatch", "Filter '{0}' {1}", DiagnosticSeverity.Error,
        "The filter was given an argument it does not take, or lacks one it needs.");

    public static readonly DiagnosticDescriptor UnknownTemplateVariable = new(
        "MC1008", "Unknown template variable", "Unknown template variable '{0}'{1}", DiagnosticSeverity.Error,
        "Nothing the template is rendered with provides this variable.");

    // Dot-notation paths
    public static readonly DiagnosticDescriptor EmptyDotPathSegment = new(
        "MC2001", "Empty dot-path segment", "Empty segment in dot path: the key '' is looked up here, which is rarely intended", DiagnosticSeverity.Warning,
        "A dot path like 'a..b' or 'a.' looks up the empty key, which the engine does literally. Remove the extra dot.");

    // JSONPath
    public static readonly DiagnosticDescriptor JsonPathSyntax = new(
        "MC3001", "Invalid JSONPath", "Invalid JSONPath: {0}", DiagnosticSeverity.Error,
        "The query is not RFC 9535 JSONPath. The message says what was expected at the position.");

    public static readonly DiagnosticDescriptor JsonPathIntegerOutOfRange = new(
        "MC3002", "Integer out of range", "Integer {0} is outside the range -(2^53-1)..2^53-1 that RFC 9535 allows", DiagnosticSeverity.Error,
        "RFC 9535 limits integers (indexes, slice bounds, literals) to the exact range of a double. Use a smaller number.");

    public static readonly DiagnosticDescriptor JsonPathNonSingularQuery = new(
        "MC3003", "Non-singular query in comparison", "A comparison needs a singular query (name and index selectors only); '{0}' can select several nodes", DiagnosticSeverity.Error,
        "Comparisons need singular queries (only name and index selectors). Rewrite the operand so it selects at most one node.");

    public static readonly DiagnosticDescriptor JsonPathUnknownFunction = new(
        "MC3004", "Unknown function", "Unknown function '{0}'; RFC 9535 defines length, count, match, search and value", DiagnosticSeverity.Error,
        "RFC 9535 defines only length(), count(), match(), search() and value().");

    public static readonly DiagnosticDescriptor JsonPathFunctionArity = new(
        "MC3005", "Wrong number of arguments", "Function '{0}' takes {1} argument(s), found {2}", DiagnosticSeverity.Error,
        "The function was called with the wrong number of arguments.");

    public static readonly DiagnosticDescriptor JsonPathArgumentType = new(
        "MC3006", "Ill-typed function argument", "Argument {1} of '{0}' must be {2}; found {3}", DiagnosticSeverity.Error,
        "The argument's type does not fit the function's parameter (RFC 9535 section 2.4.3, well-typedness).");

    public static readonly DiagnosticDescriptor JsonPathNotComparable = new(
        "MC3007", "Operand cannot be compared", "{0} cannot be compared; comparisons take literals, singular queries and functions that return a value", DiagnosticSeverity.Error,
        "Only literals, singular queries and value-returning functions can be compared.");

    public static readonly DiagnosticDescriptor JsonPathNotLogical = new(
        "MC3008", "Expression is not a test", "{0} cannot be used as a filter test; compare it with something", DiagnosticSeverity.Error,
        "A filter test must be a logical expression: an existence test, a comparison or a logical function.");

    public static readonly DiagnosticDescriptor InvalidIRegexp = new(
        "MC3009", "Invalid I-Regexp", "'{0}' is not a valid I-Regexp (RFC 9485): {1}; match()/search() with it are always false", DiagnosticSeverity.Warning,
        "The regular expression is not an I-Regexp (RFC 9485); match() and search() treat it as matching nothing.");

    // Python expressions
    public static readonly DiagnosticDescriptor PythonSyntax = new(
        "MC4001", "Invalid Python expression", "Invalid Python expression: {0}", DiagnosticSeverity.Error,
        "The text is not a Python expression; the message says what was expected at the position.");

    public static readonly DiagnosticDescriptor PythonUnknownName = new(
        "MC4002", "Unknown name", "Unknown name '{0}'; available here: {1}", DiagnosticSeverity.Error,
        "Webhook expressions see only 'body', 'headers' and the names the context adds. Use one of those.");

    public static readonly DiagnosticDescriptor PythonCallNotAllowed = new(
        "MC4003", "Call not allowed", "{0}; the builtins available are {1}", DiagnosticSeverity.Error,
        "Only the listed builtins can be called in webhook expressions.");

    public static readonly DiagnosticDescriptor PythonAttributeNotAllowed = new(
        "MC4004", "Attribute not allowed", "{0}; the methods available are str {1}; dict {2}; list {3}", DiagnosticSeverity.Error,
        "Only the listed str, dict and list methods can be called in webhook expressions.");

    public static readonly DiagnosticDescriptor PythonUnsupportedConstruct = new(
        "MC4005", "Unsupported construct", "{0} are not supported in webhook expressions", DiagnosticSeverity.Error,
        "Webhook expressions are a safe subset of Python: no lambdas, comprehensions, assignments or other statements.");

    public static readonly DiagnosticDescriptor PythonDunderName = new(
        "MC4006", "Dunder name", "'{0}': names with double underscores are not allowed", DiagnosticSeverity.Error,
        "Double-underscore names reach Python internals and are refused.");

    public static readonly DiagnosticDescriptor PythonUnclosedPlaceholder = new(
        "MC4007", "Unclosed placeholder in a string", "'{0}' looks like a placeholder without its closing '}}}}': the string holds this text as it is, so a comparison with it never matches", DiagnosticSeverity.Warning,
        "A '{{name}}' inside a string literal is replaced by the request's value; '{{name}' (one closing brace) or '{{name' is plain text. Close it with '}}'.");

    // Cron schedules
    public static readonly DiagnosticDescriptor CronSyntax = new(
        "MC5001", "Invalid cron expression", "Invalid cron expression: {0}", DiagnosticSeverity.Error,
        "A schedule is five whitespace-separated fields (minute hour day-of-month month day-of-week), each '*', a value, a range 'a-b' or a list 'a,b', optionally with a step '/n'.");

    public static readonly DiagnosticDescriptor CronFieldCount = new(
        "MC5002", "Wrong number of cron fields", "A cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6 (the sixth is seconds); found {0}", DiagnosticSeverity.Error,
        "Write five fields; a sixth field is read as seconds, as croniter (the ChiefOnboarding engine's parser) reads it.");

    public static readonly DiagnosticDescriptor CronValueOutOfRange = new(
        "MC5003", "Cron value out of range", "'{0}' is outside the {1} range {2}-{3}", DiagnosticSeverity.Error,
        "Each field has its range: second and minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of week 0-7 (0 and 7 are Sunday).");

    public static readonly DiagnosticDescriptor CronInvalidValue = new(
        "MC5004", "Invalid cron value", "'{0}' is not a valid {1}: expected {2}", DiagnosticSeverity.Error,
        "Values are numbers; months also accept jan-dec and days of week sun-sat.");

    public static readonly DiagnosticDescriptor CronEmptyRange = new(
        "MC5005", "Empty cron range", "The range {0}-{1} is empty: its start is after its end", DiagnosticSeverity.Error,
        "Ranges do not wrap around; write 'a-b' with a <= b, or a list of two ranges.");

    public static readonly DiagnosticDescriptor CronUnknownMacro = new(
        "MC5006", "Unknown cron macro", "Unknown cron macro '{0}'; known: {1}", DiagnosticSeverity.Error,
        "Use one of the listed macros or write the five fields.");
}
