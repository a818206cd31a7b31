using System.Collections.Immutable;
using System.Globalization;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.IR;
using ManifestCompiler.Runtime.Support.Sandbox;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Syntax.Text;
using ActionCallKind = ManifestCompiler.Runtime.Support.Plans.ActionCallKind;

namespace ManifestCompiler.Binding;

/// <summary>A literal action name in a step's call, with where it stands (for "no such action" diagnostics).</summary>
internal sealed record LocatedActionCall(ActionCallIR Call, SourceSpan Span);

/// <summary>The two dictionaries of a step whose keys the integration's files declare.</summary>
internal enum StepDictionary
{
    /// <summary><c>variables</c>: schema.json's variables, static.</summary>
    Variables,
    /// <summary><c>integration_variables</c>: the instance's stored tokens.</summary>
    IntegrationVariables,
}

/// <summary>A literal key read from <c>variables</c> or <c>integration_variables</c>: <c>d["k"]</c>, or <c>d.get("k")</c>.</summary>
internal sealed record StepKeyRead(StepDictionary Dictionary, string Key, bool ViaGet, SourceSpan Span);

/// <summary>
/// What the token checks of one step found that needs the rest of the integration to judge: literal action calls,
/// literal keys read, and the token keys its <c>modify_tokens</c> calls write (<see cref="AllTokenWritesVisible"/> is
/// false when some call's keys cannot be seen).
/// </summary>
internal sealed record PythonStepFacts(
    FileBinder File,
    ImmutableArray<LocatedActionCall> Calls,
    ImmutableArray<StepKeyRead> KeyReads,
    ImmutableArray<string> WrittenTokenKeys,
    bool AllTokenWritesVisible);

/// <summary>
/// The checks a BOSSi Python step gets without running Python, from its tokens (so strings and comments never trigger
/// them, and the fields of f-strings are checked like code): a top-level <c>def main(storage)</c> with one positional
/// parameter and no literal non-dict return, no imports, no names or attributes the sandbox refuses, calls of the
/// preloaded functions that fit their signatures, members of the preloaded modules that exist, and the literal keys
/// and action names the integration's files must declare. The preloaded names come from <see cref="StepSandboxApi"/>.
/// A preloaded name the module binds anywhere (an assignment, a parameter, a loop variable, ...) is the module's own
/// and is not checked, so the checks never report a shadowed name. Names nothing defines need CPython's scoping and
/// are checked with the syntax (<see cref="BossiBinder"/>, through <see cref="IPythonSyntaxChecker"/>).
/// </summary>
internal static class PythonStepChecker
{
    private static readonly ImmutableHashSet<string> AttributeBuiltins = ["getattr", "setattr", "delattr", "hasattr"];

    public static PythonStepFacts Check(FileBinder file)
    {
        var tokens = PythonModuleScanner.Tokenize(file.Text);
        var fields = FStringFields(tokens);
        var bound = BoundNames(tokens, fields);
        var state = new CheckState(file, bound);
        var hasMain = false;
        var defs = new Stack<(int Indent, bool IsMain)>();
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            // A line's first token, whatever it is, closes the functions it is not indented into; a statement after
            // ':' or ';' does not (the body of a one-line "def main(storage): return 1" stays inside main).
            if (i == 0 || tokens[i - 1].Kind == PyTokenKind.NewLine)
            {
                while (defs.Count > 0 && token.Indent <= defs.Peek().Indent)
                {
                    defs.Pop();
                }
            }
            if (token.Kind != PyTokenKind.Name)
            {
                continue;
            }
            if (token.AtLineStart && token.Text is "import" or "from")
            {
                if (token.Text == "import" || StatementHasImport(tokens, i))
                {
                    file.Report(ManifestDiagnostics.ImportNotAllowed, StatementSpan(tokens, i), null, StatementText(file.Text, tokens, i), string.Join(", ", StepSandboxApi.PreloadedModules));
                }
                // Stryker disable once Statement: 'import' and 'from' are neither '__import__', 'def' nor 'return', so the checks below skip them anyway (docs/mutation-testing.md).
                continue;
            }
            if (token.Text == "__import__")
            {
                file.Report(ManifestDiagnostics.ImportNotAllowed, token.Span, null, "__import__", string.Join(", ", StepSandboxApi.PreloadedModules));
                // Stryker disable once Statement: '__import__' is neither 'def' nor 'return', so the checks below skip it anyway (docs/mutation-testing.md).
                continue;
            }
            if (token.AtLineStart && token.Text is "def" or "async")
            {
                // Stryker disable once String: only a 'def' can be main, and nameAt is read only for main (docs/mutation-testing.md).
                var nameAt = token.Text == "async" ? i + 2 : i + 1;
                var isMain = token.Indent == 0 && token.Text == "def" && Next(tokens, i, 1) is { Text: "main" } && Next(tokens, i, 2) is { Text: "(" };
                defs.Push((token.Indent, isMain));
                if (isMain)
                {
                    hasMain = true;
                    var parameters = CountPositionalParameters(tokens, nameAt + 2);
                    if (parameters != 1)
                    {
                        file.Report(ManifestDiagnostics.MainSignature, tokens[nameAt].Span, null, parameters.ToString(CultureInfo.InvariantCulture) + (parameters == 1 ? " parameter" : " parameters"));
                    }
                }
                // Stryker disable once Statement: 'def' and 'async' are not 'return', so the check below skips them anyway (docs/mutation-testing.md).
                continue;
            }
            if (token.AtLineStart && token.Text == "return" && defs.Count > 0 && defs.Peek().IsMain && LiteralKind(tokens, i + 1) is { } kind)
            {
                file.Report(ManifestDiagnostics.MainReturnsNonDict, StatementSpan(tokens, i), null, kind);
            }
        }
        CheckExpressions(tokens, state);
        foreach (var field in fields)
        {
            CheckExpressions(field, state);
        }
        if (!hasMain)
        {
            file.Report(ManifestDiagnostics.MissingMain, new SourceSpan(0, 0), null);
        }
        return new PythonStepFacts(file, state.Calls.ToImmutable(), state.KeyReads.ToImmutable(), [.. state.TokenKeys], state.AllTokenWritesVisible);
    }

    /// <summary>
    /// Reports the key reads no file declares: <paramref name="variables"/> for <c>variables</c>, and for
    /// <c>integration_variables</c> the declared token names plus every key some step writes with modify_tokens. When
    /// some write's keys cannot be seen, an unknown <c>integration_variables["k"]</c> is only an info.
    /// </summary>
    public static void CheckKeys(IReadOnlyList<PythonStepFacts> steps, IReadOnlyCollection<string> variables, IReadOnlyCollection<string> integrationVariables)
    {
        var written = steps.SelectMany(s => s.WrittenTokenKeys).ToHashSet(StringComparer.Ordinal);
        var tokens = integrationVariables.Concat(written).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var allVisible = steps.All(s => s.AllTokenWritesVisible);
        foreach (var step in steps)
        {
            foreach (var read in step.KeyReads)
            {
                if (read.Dictionary == StepDictionary.Variables && !variables.Contains(read.Key))
                {
                    step.File.Report(read.ViaGet ? ManifestDiagnostics.UnknownVariableGet : ManifestDiagnostics.UnknownVariable, read.Span, null, read.Key, Suggestions.DidYouMean(read.Key, variables), Known(variables));
                }
                else if (read.Dictionary == StepDictionary.IntegrationVariables && !tokens.Contains(read.Key))
                {
                    var descriptor = read.ViaGet || !allVisible ? ManifestDiagnostics.UnknownIntegrationVariableGet : ManifestDiagnostics.UnknownIntegrationVariable;
                    step.File.Report(descriptor, read.Span, null, read.Key, Suggestions.DidYouMean(read.Key, tokens), Known(tokens));
                }
            }
        }
    }

    private static string Known(IEnumerable<string> names)
    {
        var list = names.Order(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list);
    }

    private sealed class CheckState(FileBinder file, ImmutableHashSet<string> bound)
    {
        public FileBinder File { get; } = file;
        public ImmutableHashSet<string> Bound { get; } = bound;
        public ImmutableArray<LocatedActionCall>.Builder Calls { get; } = ImmutableArray.CreateBuilder<LocatedActionCall>();
        public ImmutableArray<StepKeyRead>.Builder KeyReads { get; } = ImmutableArray.CreateBuilder<StepKeyRead>();
        public SortedSet<string> TokenKeys { get; } = new(StringComparer.Ordinal);
        public bool AllTokenWritesVisible { get; set; } = true;
    }

    /// <summary>The expression-level checks over one token sequence (the module, or one f-string field).</summary>
    private static void CheckExpressions(ImmutableArray<PyToken> tokens, CheckState state)
    {
        var file = state.File;
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (token.Kind != PyTokenKind.Name)
            {
                continue;
            }
            var isAttribute = i > 0 && tokens[i - 1].Text == ".";
            if (isAttribute)
            {
                if (StepSandboxApi.IsForbiddenAttribute(token.Text))
                {
                    file.Report(ManifestDiagnostics.InaccessibleInSandbox, token.Span, null, "attribute '" + token.Text + "'");
                }
                continue;
            }
            // A method's own name (def __repr__) is no name read; the worker judges which dunder methods a class may define.
            var isDefName = i > 0 && tokens[i - 1].Text == "def";
            if ((!isDefName && token.Text != "__import__" && StepSandboxApi.IsForbiddenAttribute(token.Text) && token.Text.StartsWith("__", StringComparison.Ordinal))
                || StepSandboxApi.IsGuardName(token.Text))
            {
                file.Report(ManifestDiagnostics.InaccessibleInSandbox, token.Span, null, "name '" + token.Text + "'");
                // Stryker disable once Statement: no preloaded global is a dunder or guard name, so the checks below skip it anyway (docs/mutation-testing.md).
                continue;
            }
            if (state.Bound.Contains(token.Text) || (i > 0 && tokens[i - 1].Text == "def"))
            {
                continue;
            }
            if (AttributeBuiltins.Contains(token.Text) && Next(tokens, i, 1) is { Text: "(" })
            {
                var arguments = Arguments(tokens, i + 1);
                if (arguments.Count >= 2 && arguments[1] is [{ Kind: PyTokenKind.String, Value: { } attribute } literal] && StepSandboxApi.IsForbiddenAttribute(attribute))
                {
                    file.Report(ManifestDiagnostics.InaccessibleInSandbox, literal.Span, null, "attribute '" + attribute + "'");
                }
                // Stryker disable once Statement: getattr, setattr, delattr and hasattr are no preloaded globals, so the checks below skip them anyway (docs/mutation-testing.md).
                continue;
            }
            // Assigned before the test, not in it: a mutant emptying the block must still compile (docs/mutation-testing.md).
            var global = StepSandboxApi.Global(token.Text);
            if (global is null)
            {
                continue;
            }
            switch (global.Kind)
            {
                case SandboxGlobalKind.Module:
                    if (Next(tokens, i, 1) is { Text: "." } && Next(tokens, i, 2) is { Kind: PyTokenKind.Name } memberToken)
                    {
                        if (global.Member(memberToken.Text) is not { } member)
                        {
                            var names = global.Members.Select(m => m.Name).ToList();
                            file.Report(ManifestDiagnostics.UnknownSandboxMember, memberToken.Span, null, global.Name, memberToken.Text, Suggestions.DidYouMean(memberToken.Text, names), string.Join(", ", names));
                        }
                        else if (member.Signature is { } memberSignature && Next(tokens, i, 3) is { Text: "(" })
                        {
                            CheckCall(tokens, i + 3, global.Name + "." + member.Name, memberSignature, SourceSpan.FromBounds(token.Span.Start, memberToken.Span.End), file);
                        }
                    }
                    else if (global.Signature is { } moduleSignature && Next(tokens, i, 1) is { Text: "(" })
                    {
                        CheckCall(tokens, i + 1, global.Name, moduleSignature, token.Span, file);
                    }
                    break;
                case SandboxGlobalKind.Function when Next(tokens, i, 1) is { Text: "(" }:
                    CheckCall(tokens, i + 1, global.Name, global.Signature!, token.Span, file);
                    if (global.ActionCall is { } kind
                        && Next(tokens, i, 2) is { Kind: PyTokenKind.String, Value: { } action } literal
                        && Next(tokens, i, 3) is { Text: "," or ")" })
                    {
                        state.Calls.Add(new LocatedActionCall(new ActionCallIR(kind, action), literal.Span));
                    }
                    if (global.HostCall == SandboxHostCall.ModifyTokens)
                    {
                        CollectTokenWrites(tokens, i + 1, state);
                    }
                    break;
                case SandboxGlobalKind.Value when token.Text is "variables" or "integration_variables":
                    var dictionary = token.Text == "variables" ? StepDictionary.Variables : StepDictionary.IntegrationVariables;
                    if (Next(tokens, i, 1) is { Text: "[" } && Next(tokens, i, 2) is { Kind: PyTokenKind.String, Value: { } key } keyToken && Next(tokens, i, 3) is { Text: "]" })
                    {
                        state.KeyReads.Add(new StepKeyRead(dictionary, key, false, keyToken.Span));
                    }
                    else if (Next(tokens, i, 1) is { Text: "." } && Next(tokens, i, 2) is { Text: "get" } && Next(tokens, i, 3) is { Text: "(" }
                        && Next(tokens, i, 4) is { Kind: PyTokenKind.String, Value: { } getKey } getToken && Next(tokens, i, 5) is { Text: "," or ")" })
                    {
                        state.KeyReads.Add(new StepKeyRead(dictionary, getKey, true, getToken.Span));
                    }
                    break;
            }
        }
    }

    /// <summary>Checks one call's arguments against a signature; <paramref name="open"/> is the index of its '('.</summary>
    private static void CheckCall(ImmutableArray<PyToken> tokens, int open, string name, SandboxSignature signature, SourceSpan at, FileBinder file)
    {
        var arguments = Arguments(tokens, open);
        var positional = 0;
        var unpacked = false;
        var byKeyword = new HashSet<string>(StringComparer.Ordinal);
        var shape = name + signature.Describe();
        foreach (var argument in arguments)
        {
            if (argument[0].Text is "*" or "**")
            {
                unpacked = true;
                continue;
            }
            if (argument.Count >= 2 && argument[0].Kind == PyTokenKind.Name && argument[1].Text == "=")
            {
                var keyword = argument[0];
                var index = signature.Parameters.IndexOf(keyword.Text);
                if (index >= 0 || signature.KeywordOnly.Contains(keyword.Text))
                {
                    if (index >= 0 && index < positional)
                    {
                        file.Report(ManifestDiagnostics.SandboxCallArguments, keyword.Span, null, shape, $"'{keyword.Text}' is given twice (by position and by keyword)");
                    }
                    byKeyword.Add(keyword.Text);
                }
                else if (signature.Keywords == SandboxKeywords.Closed)
                {
                    var known = signature.Parameters.Concat(signature.KeywordOnly);
                    file.Report(ManifestDiagnostics.SandboxCallArguments, keyword.Span, null, shape, $"no keyword '{keyword.Text}'{Suggestions.DidYouMean(keyword.Text, known)}");
                }
                else if (signature.Keywords == SandboxKeywords.Ignored)
                {
                    file.Report(ManifestDiagnostics.IgnoredSandboxKeyword, keyword.Span, null, shape, keyword.Text, Suggestions.DidYouMean(keyword.Text, signature.Parameters.Concat(signature.KeywordOnly)));
                }
                continue;
            }
            positional++;
        }
        if (unpacked)
        {
            return;
        }
        if (positional > signature.Parameters.Length && !signature.VarArgs)
        {
            var most = signature.Parameters.Length;
            file.Report(ManifestDiagnostics.SandboxCallArguments, at, null, shape, $"takes at most {most} positional argument{(most == 1 ? "" : "s")}; found {positional}");
        }
        for (var p = positional; p < signature.Required; p++)
        {
            if (!byKeyword.Contains(signature.Parameters[p]))
            {
                file.Report(ManifestDiagnostics.SandboxCallArguments, at, null, shape, $"missing argument '{signature.Parameters[p]}'");
            }
        }
    }

    /// <summary>
    /// The keys a <c>modify_tokens(...)</c> call writes: the literal keys of a dict display passed to it, or, for a name,
    /// the literal keys the module stores into that name (<c>t["k"] = ...</c>, <c>t = {"k": ...}</c>, <c>t.update({"k": ...})</c>).
    /// Anything else makes the writes invisible.
    /// </summary>
    private static void CollectTokenWrites(ImmutableArray<PyToken> tokens, int open, CheckState state)
    {
        var arguments = Arguments(tokens, open);
        if (arguments.Count != 1)
        {
            state.AllTokenWritesVisible = false;
            return;
        }
        var argument = arguments[0];
        if (argument[0].Text == "{")
        {
            state.AllTokenWritesVisible &= DictDisplayKeys(argument, 0, state.TokenKeys);
            return;
        }
        if (argument is not [{ Kind: PyTokenKind.Name } name])
        {
            state.AllTokenWritesVisible = false;
            return;
        }
        for (var i = 0; i + 1 < tokens.Length; i++)
        {
            if (tokens[i].Text != name.Text || (i > 0 && tokens[i - 1].Text == "."))
            {
                continue;
            }
            if (Next(tokens, i, 1) is { Text: "[" })
            {
                if (Next(tokens, i, 2) is { Kind: PyTokenKind.String, Value: { } key } && Next(tokens, i, 3) is { Text: "]" } && Next(tokens, i, 4) is { Text: "=" })
                {
                    state.TokenKeys.Add(key);
                }
                else if (Close(tokens, i + 1) is var close && Next(tokens, close, 1) is { Text: "=" })
                {
                    state.AllTokenWritesVisible = false;
                }
            }
            else if (tokens[i].AtLineStart && Next(tokens, i, 1) is { Text: "=" } && Next(tokens, i, 2) is { Text: "{" })
            {
                state.AllTokenWritesVisible &= DictDisplayKeys(tokens, i + 2, state.TokenKeys);
            }
            else if (Next(tokens, i, 1) is { Text: "." } && Next(tokens, i, 2) is { Text: "update" } && Next(tokens, i, 3) is { Text: "(" })
            {
                var update = Arguments(tokens, i + 3);
                state.AllTokenWritesVisible &= update.Count == 1 && update[0][0].Text == "{" && DictDisplayKeys(update[0], 0, state.TokenKeys);
            }
        }
    }

    /// <summary>Adds the literal keys of the dict display opening at <paramref name="open"/>; false when some key is
    /// not a literal (a <c>**integration_variables</c> spread keeps the known keys, so it counts as visible).</summary>
    private static bool DictDisplayKeys(IReadOnlyList<PyToken> tokens, int open, ISet<string> keys)
    {
        var visible = true;
        foreach (var entry in Arguments(tokens, open))
        {
            if (entry is [{ Text: "**" }, { Text: "integration_variables" }])
            {
                continue;
            }
            if (entry.Count >= 2 && entry[0] is { Kind: PyTokenKind.String, Value: { } key } && entry[1].Text == ":")
            {
                keys.Add(key);
            }
            else
            {
                visible = false;
            }
        }
        return visible;
    }

    /// <summary>The comma-separated groups between the bracket at <paramref name="open"/> and its match.</summary>
    private static List<List<PyToken>> Arguments(IReadOnlyList<PyToken> tokens, int open)
    {
        var groups = new List<List<PyToken>>();
        var current = new List<PyToken>();
        var depth = 0;
        for (var i = open; i < tokens.Count; i++)
        {
            var text = tokens[i].Text;
            if (tokens[i].Kind == PyTokenKind.Operator && text is "(" or "[" or "{")
            {
                depth++;
                if (depth == 1)
                {
                    continue;
                }
            }
            else if (tokens[i].Kind == PyTokenKind.Operator && text is ")" or "]" or "}")
            {
                depth--;
                if (depth == 0)
                {
                    break;
                }
            }
            if (depth == 1 && text == "," && tokens[i].Kind == PyTokenKind.Operator)
            {
                if (current.Count > 0)
                {
                    groups.Add(current);
                }
                current = [];
                continue;
            }
            if (tokens[i].Kind != PyTokenKind.NewLine)
            {
                current.Add(tokens[i]);
            }
        }
        if (current.Count > 0)
        {
            groups.Add(current);
        }
        return groups;
    }

    /// <summary>The index of the bracket that closes the one at <paramref name="open"/> (the last token if none does).</summary>
    private static int Close(ImmutableArray<PyToken> tokens, int open)
    {
        var depth = 0;
        for (var i = open; i < tokens.Length; i++)
        {
            if (tokens[i].Kind != PyTokenKind.Operator)
            {
                continue;
            }
            if (tokens[i].Text is "(" or "[" or "{")
            {
                depth++;
            }
            else if (tokens[i].Text is ")" or "]" or "}" && --depth == 0)
            {
                return i;
            }
        }
        return tokens.Length - 1;
    }

    /// <summary>
    /// Every name the module may bind somewhere, over-approximated from tokens: assignment targets (everything left of
    /// a statement's last top-level '='), annotated and walrus targets, def/class names and parameters, lambda
    /// parameters, for-loop and comprehension variables, 'as' targets, global/nonlocal/del/import names and match
    /// patterns. Over-approximating only makes the checks skip a name, never report one wrongly.
    /// </summary>
    internal static ImmutableHashSet<string> BoundNames(ImmutableArray<PyToken> tokens, IEnumerable<ImmutableArray<PyToken>> fields)
    {
        var bound = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var statement in Statements(tokens))
        {
            BindStatement(statement, bound, isModule: true);
        }
        foreach (var field in fields)
        {
            BindStatement(field, bound, isModule: false);
        }
        return bound.ToImmutable();
    }

    private static IEnumerable<List<PyToken>> Statements(ImmutableArray<PyToken> tokens)
    {
        var current = new List<PyToken>();
        foreach (var token in tokens)
        {
            if (token.Kind == PyTokenKind.NewLine || (token.AtLineStart && current.Count > 0))
            {
                if (current.Count > 0)
                {
                    yield return current;
                }
                current = [];
                if (token.Kind == PyTokenKind.NewLine)
                {
                    continue;
                }
            }
            if (token.Text != ";" || token.Kind != PyTokenKind.Operator)
            {
                current.Add(token);
            }
        }
        if (current.Count > 0)
        {
            yield return current;
        }
    }

    private static void BindStatement(IReadOnlyList<PyToken> s, ImmutableHashSet<string>.Builder bound, bool isModule)
    {
        if (s.Count == 0)
        {
            return;
        }
        static bool IsName(PyToken t) => t.Kind == PyTokenKind.Name && !PythonModuleScanner.IsKeyword(t.Text);
        var first = s[0].Text;
        if (isModule && first is "import" or "from" or "global" or "nonlocal" or "del" or "case")
        {
            foreach (var t in s)
            {
                if (IsName(t))
                {
                    bound.Add(t.Text);
                }
            }
            return;
        }
        if (isModule && s.Count >= 2 && IsName(s[0]) && s[1].Text == ":")
        {
            bound.Add(s[0].Text); // an annotated assignment
        }
        var depth = 0;
        var lastAssign = -1;
        for (var i = 0; i < s.Count; i++)
        {
            var t = s[i];
            if (t.Kind == PyTokenKind.Operator)
            {
                if (t.Text is "(" or "[" or "{")
                {
                    depth++;
                }
                else if (t.Text is ")" or "]" or "}")
                {
                    depth--;
                }
                else if (t.Text == "=" && depth == 0 && isModule)
                {
                    lastAssign = i;
                }
                else if (t.Text == ":=" && i > 0 && IsName(s[i - 1]))
                {
                    bound.Add(s[i - 1].Text);
                }
                continue;
            }
            if (t.Kind != PyTokenKind.Name)
            {
                continue;
            }
            switch (t.Text)
            {
                case "def" or "class" when i + 1 < s.Count && IsName(s[i + 1]):
                    bound.Add(s[i + 1].Text);
                    if (t.Text == "def" && i + 2 < s.Count && s[i + 2].Text == "(")
                    {
                        BindParameters(s, i + 3, ")", bound);
                    }
                    break;
                case "lambda":
                    BindParameters(s, i + 1, ":", bound);
                    break;
                case "for":
                    for (var j = i + 1; j < s.Count && s[j].Text != "in"; j++)
                    {
                        if (IsName(s[j]))
                        {
                            bound.Add(s[j].Text);
                        }
                    }
                    break;
                case "as" when i + 1 < s.Count:
                    for (var j = i + 1; j < s.Count && (j == i + 1 || s[j].Text is not (":" or ",") || s[i + 1].Text == "("); j++)
                    {
                        if (IsName(s[j]))
                        {
                            bound.Add(s[j].Text);
                        }
                        if (s[i + 1].Text != "(" || s[j].Text == ")")
                        {
                            break;
                        }
                    }
                    break;
            }
        }
        for (var i = 0; i < lastAssign; i++)
        {
            if (IsName(s[i]) && (i == 0 || s[i - 1].Text != "."))
            {
                bound.Add(s[i].Text);
            }
        }
    }

    /// <summary>Parameter names from <paramref name="start"/> to the top-level <paramref name="end"/> token.</summary>
    private static void BindParameters(IReadOnlyList<PyToken> s, int start, string end, ImmutableHashSet<string>.Builder bound)
    {
        var depth = 0;
        for (var j = start; j < s.Count; j++)
        {
            var text = s[j].Text;
            if (depth == 0 && text == end)
            {
                return;
            }
            if (text is "(" or "[" or "{")
            {
                depth++;
            }
            else if (text is ")" or "]" or "}")
            {
                depth--;
            }
            else if (depth == 0 && s[j].Kind == PyTokenKind.Name && (j == start || s[j - 1].Text is "," or "*" or "**" or "(" or "lambda"))
            {
                bound.Add(text);
            }
        }
    }

    /// <summary>The expressions inside the f-strings among <paramref name="tokens"/> (and in theirs), as tokens at their
    /// place in the file.</summary>
    internal static ImmutableArray<ImmutableArray<PyToken>> FStringFields(ImmutableArray<PyToken> tokens)
    {
        var fields = ImmutableArray.CreateBuilder<ImmutableArray<PyToken>>();
        foreach (var token in tokens)
        {
            if (token.Kind != PyTokenKind.String || token.Value is not null)
            {
                continue;
            }
            var text = token.Text;
            var prefix = 0;
            while (prefix < text.Length && text[prefix] is not ('\'' or '"'))
            {
                prefix++;
            }
            if (!text[..prefix].Contains('f', StringComparison.OrdinalIgnoreCase) || prefix >= text.Length)
            {
                continue;
            }
            var quote = text[prefix];
            var open = prefix + 1 < text.Length - 1 && text[prefix + 1] == quote && prefix + 2 < text.Length && text[prefix + 2] == quote ? 3 : 1;
            var bodyEnd = text.Length >= prefix + 2 * open && text.EndsWith(new string(quote, open), StringComparison.Ordinal) ? text.Length - open : text.Length;
            foreach (var (start, length) in FieldExpressions(text, prefix + open, bodyEnd))
            {
                var offset = token.Span.Start + start;
                var field = PythonModuleScanner.Tokenize(text.Substring(start, length))
                    .Select(t => t with { Span = new SourceSpan(t.Span.Start + offset, t.Span.Length), AtLineStart = false })
                    .ToImmutableArray();
                fields.Add(field);
                fields.AddRange(FStringFields(field));
            }
        }
        return fields.ToImmutable();
    }

    /// <summary>The replacement fields' expressions in an f-string body, with nested fields of format specs.</summary>
    private static IEnumerable<(int Start, int Length)> FieldExpressions(string text, int start, int end)
    {
        var i = start;
        while (i < end)
        {
            if (text[i] is '{' or '}' && i + 1 < end && text[i + 1] == text[i])
            {
                i += 2;
                continue;
            }
            if (text[i] != '{')
            {
                i++;
                continue;
            }
            var expressionStart = ++i;
            var depth = 0;
            char? inString = null;
            var expressionEnd = -1;
            for (; i < end; i++)
            {
                var c = text[i];
                if (inString is { } q)
                {
                    if (c == q)
                    {
                        inString = null;
                    }
                    continue;
                }
                if (c is '\'' or '"')
                {
                    inString = c;
                }
                else if (c is '(' or '[' or '{')
                {
                    depth++;
                }
                else if (c is ')' or ']' || (c == '}' && depth > 0))
                {
                    depth--;
                }
                else if (depth == 0 && (c == '}' || (c == '!' && (i + 1 >= end || text[i + 1] != '=')) || c == ':'))
                {
                    expressionEnd = i;
                    break;
                }
            }
            if (expressionEnd < 0)
            {
                yield break;
            }
            var expressionText = text[expressionStart..expressionEnd];
            var trimmed = expressionText.TrimEnd();
            // f"{x=}" shows the expression's text; the '=' is not part of the expression.
            var length = trimmed.EndsWith('=') && !trimmed.EndsWith("==", StringComparison.Ordinal) ? trimmed.Length - 1 : expressionText.Length;
            yield return (expressionStart, length);
            // Skip the conversion and format spec up to the field's closing brace; fields nested in the spec are fields too.
            var specDepth = 0;
            for (; i < end; i++)
            {
                if (text[i] == '{')
                {
                    specDepth++;
                    foreach (var nested in FieldExpressions(text, i, FieldEnd(text, i, end)))
                    {
                        yield return nested;
                    }
                    i = FieldEnd(text, i, end) - 1;
                    specDepth--;
                }
                else if (text[i] == '}' && specDepth == 0)
                {
                    i++;
                    break;
                }
            }
        }
    }

    private static int FieldEnd(string text, int open, int end)
    {
        var depth = 0;
        for (var i = open; i < end; i++)
        {
            if (text[i] == '{')
            {
                depth++;
            }
            else if (text[i] == '}' && --depth == 0)
            {
                return i + 1;
            }
        }
        return end;
    }

    /// <summary>What a <c>return</c> gives when its whole expression is a literal that is not a dict (or None): "a
    /// number", "a string", ...; null otherwise.</summary>
    private static string? LiteralKind(ImmutableArray<PyToken> tokens, int start)
    {
        var end = start;
        while (end < tokens.Length && tokens[end].Kind != PyTokenKind.NewLine && !(end > start && tokens[end].AtLineStart) && tokens[end].Text != ";")
        {
            end++;
        }
        if (end == start)
        {
            return null;
        }
        var first = tokens[start];
        if (TopLevelComma(tokens, start, end))
        {
            return "a tuple";
        }
        if (end - start == 1 && first.Kind == PyTokenKind.Number)
        {
            return "a number";
        }
        if (end - start == 1 && first.Text is "True" or "False")
        {
            return "a bool";
        }
        if (Enumerable.Range(start, end - start).All(i => tokens[i].Kind == PyTokenKind.String))
        {
            return "a string";
        }
        if (first.Text is "[" or "(" or "{" && Close(tokens, start) == end - 1)
        {
            var inner = Arguments(tokens, start);
            return first.Text switch
            {
                "[" => "a list",
                "(" when TopLevelComma(tokens, start + 1, end - 1) || inner.Count == 0 => "a tuple",
                "{" when inner.Count > 0 && !inner.Any(e => e.Any(t => t.Text == ":") || e[0].Text == "**") => "a set",
                _ => null,
            };
        }
        return null;
    }

    private static bool TopLevelComma(ImmutableArray<PyToken> tokens, int start, int end)
    {
        var depth = 0;
        for (var i = start; i < end; i++)
        {
            var text = tokens[i].Text;
            if (tokens[i].Kind != PyTokenKind.Operator)
            {
                continue;
            }
            if (text is "(" or "[" or "{")
            {
                depth++;
            }
            else if (text is ")" or "]" or "}")
            {
                depth--;
            }
            else if (text == "," && depth == 0)
            {
                return true;
            }
        }
        return false;
    }

    private static PyToken? Next(ImmutableArray<PyToken> tokens, int index, int offset) =>
        index + offset < tokens.Length && index + offset >= 0 ? tokens[index + offset] : null;

    private static bool StatementHasImport(ImmutableArray<PyToken> tokens, int start)
    {
        for (var i = start + 1; i < tokens.Length && tokens[i].Kind != PyTokenKind.NewLine && !tokens[i].AtLineStart; i++)
        {
            if (tokens[i] is { Kind: PyTokenKind.Name, Text: "import" })
            {
                return true;
            }
        }
        return false;
    }

    private static int StatementEnd(ImmutableArray<PyToken> tokens, int start)
    {
        var end = start;
        for (var i = start + 1; i < tokens.Length && tokens[i].Kind != PyTokenKind.NewLine && !tokens[i].AtLineStart && tokens[i].Text != ";"; i++)
        {
            end = i;
        }
        return end;
    }

    private static SourceSpan StatementSpan(ImmutableArray<PyToken> tokens, int start) =>
        SourceSpan.FromBounds(tokens[start].Span.Start, tokens[StatementEnd(tokens, start)].Span.End);

    private static string StatementText(string text, ImmutableArray<PyToken> tokens, int start)
    {
        var span = StatementSpan(tokens, start);
        var statement = string.Join(" ", text.Substring(span.Start, span.Length).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return statement.Length > 60 ? statement[..57] + "..." : statement;
    }

    /// <summary>Positional parameters between the parentheses that start at <paramref name="index"/> (after the '('):
    /// the markers '/' and a bare '*' are not parameters, and nothing after '*' (keyword-only, **kwargs) is positional.</summary>
    private static int CountPositionalParameters(ImmutableArray<PyToken> tokens, int index)
    {
        var depth = 1;
        var count = 0;
        var keywordOnly = false;
        var group = new List<string>();
        for (var i = index; i < tokens.Length; i++)
        {
            var text = tokens[i].Text;
            if (text is "(" or "[" or "{")
            {
                depth++;
            }
            else if (text is ")" or "]" or "}")
            {
                depth--;
            }
            if (depth == 0 || (depth == 1 && text == ","))
            {
                if (group.Count > 0 && !(group.Count == 1 && group[0] is "/" or "*") && !keywordOnly && group[0] != "**")
                {
                    count++;
                }
                if (group.Count > 0 && group[0] is "*" or "**")
                {
                    keywordOnly = true;
                }
                group.Clear();
                if (depth == 0)
                {
                    break;
                }
                continue;
            }
            group.Add(text);
        }
        return count;
    }
}
