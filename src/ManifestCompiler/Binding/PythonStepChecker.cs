using System.Collections.Immutable;
using System.Globalization;
using ManifestCompiler.Diagnostics;
using ManifestCompiler.IR;
using ManifestCompiler.Syntax.Python;
using ManifestCompiler.Syntax.Text;
using ActionCallKind = ManifestCompiler.Runtime.Support.Plans.ActionCallKind;

namespace ManifestCompiler.Binding;

/// <summary>A literal action name in a step's call, with where it stands (for "no such action" diagnostics).</summary>
internal sealed record LocatedActionCall(ActionCallIR Call, SourceSpan Span);

/// <summary>
/// The checks a BOSSi Python step gets without running Python: a top-level <c>def main(storage)</c>, no imports
/// (the sandbox blocks them), and the literal action names of <c>send_to_trigger</c>, <c>send_to_parser</c> and
/// <c>dispatch_command</c> calls. Works on tokens, so strings and comments never trigger it.
/// </summary>
internal static class PythonStepChecker
{
    private static readonly ImmutableDictionary<string, ActionCallKind> CallKinds = new Dictionary<string, ActionCallKind>
    {
        ["send_to_trigger"] = ActionCallKind.SendToTrigger,
        ["send_to_parser"] = ActionCallKind.SendToParser,
        ["dispatch_command"] = ActionCallKind.DispatchCommand,
    }.ToImmutableDictionary();

    public static ImmutableArray<LocatedActionCall> Check(FileBinder file)
    {
        var tokens = PythonModuleScanner.Tokenize(file.Text);
        var calls = ImmutableArray.CreateBuilder<LocatedActionCall>();
        var hasMain = false;
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (token.Kind != PyTokenKind.Name)
            {
                continue;
            }
            if (token.AtLineStart && token.Text is "import" or "from")
            {
                if (token.Text == "import" || StatementHasImport(tokens, i))
                {
                    file.Report(ManifestDiagnostics.ImportNotAllowed, StatementSpan(tokens, i), null, StatementText(file.Text, tokens, i));
                }
                continue;
            }
            if (token.Text == "__import__")
            {
                file.Report(ManifestDiagnostics.ImportNotAllowed, token.Span, null, "__import__");
                continue;
            }
            if (token.AtLineStart && token.Indent == 0 && token.Text == "def" && Next(tokens, i, 1) is { Text: "main" } name && Next(tokens, i, 2) is { Text: "(" })
            {
                hasMain = true;
                var parameters = CountParameters(tokens, i + 3);
                if (parameters != 1)
                {
                    file.Report(ManifestDiagnostics.MainSignature, name.Span, null, parameters.ToString(CultureInfo.InvariantCulture) + (parameters == 1 ? " parameter" : " parameters"));
                }
                continue;
            }
            if (CallKinds.TryGetValue(token.Text, out var kind)
                && (i == 0 || tokens[i - 1].Text is not ("." or "def"))
                && Next(tokens, i, 1) is { Text: "(" }
                && Next(tokens, i, 2) is { Kind: PyTokenKind.String, Value: { } action } literal
                && Next(tokens, i, 3) is { Text: "," or ")" })
            {
                calls.Add(new LocatedActionCall(new ActionCallIR(kind, action), literal.Span));
            }
        }
        if (!hasMain)
        {
            file.Report(ManifestDiagnostics.MissingMain, new SourceSpan(0, 0), null);
        }
        return calls.ToImmutable();
    }

    private static PyToken? Next(ImmutableArray<PyToken> tokens, int index, int offset) =>
        index + offset < tokens.Length ? tokens[index + offset] : null;

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

    /// <summary>Parameters between the parentheses that start at <paramref name="index"/> (after the '('); the
    /// markers '/' and a bare '*' are not parameters.</summary>
    private static int CountParameters(ImmutableArray<PyToken> tokens, int index)
    {
        var depth = 1;
        var count = 0;
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
                if (group.Count > 0 && !(group.Count == 1 && group[0] is "/" or "*"))
                {
                    count++;
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
