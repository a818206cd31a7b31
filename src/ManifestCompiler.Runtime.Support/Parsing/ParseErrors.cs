using System.Globalization;
using System.Text;
using Pidgin;

namespace ManifestCompiler.Runtime.Support.Parsing;

/// <summary>Turns Pidgin's parse errors into our "expected …, found …" messages, the same wording for every language.</summary>
public static class ParseErrors
{
    public static string Describe(ParseError<char> error)
    {
        var expected = error.Expected
            .Select(DescribeExpected)
            .Where(s => s.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .OrderBy(s => s, StringComparer.Ordinal)
            .ToList();

        var builder = new StringBuilder();
        if (error.Message is { Length: > 0 } message)
        {
            // A message that states the problem ("leading zeros ... are not permitted") is the whole description:
            // the alternatives Pidgin collected at the same offset, and what follows it, would only confuse it.
            if (!message.StartsWith("expected ", StringComparison.Ordinal))
            {
                return message;
            }
            builder.Append(message);
        }
        if (expected.Count > 0)
        {
            if (builder.Length > 0)
            {
                builder.Append("; ");
            }
            builder.Append("expected ").Append(JoinAlternatives(expected));
        }
        if (builder.Length > 0)
        {
            builder.Append(", ");
        }
        builder.Append("found ").Append(error.EOF || !error.Unexpected.HasValue ? "end of input" : Text.CharDescription.Describe(error.Unexpected.Value));
        return builder.ToString();
    }

    private static string DescribeExpected(Expected<char> expected)
    {
        if (expected.IsEof)
        {
            return "end of input";
        }
        if (expected.Label is { } label)
        {
            return label;
        }
        return expected.Tokens.IsDefaultOrEmpty ? string.Empty : "'" + new string(expected.Tokens.AsSpan()) + "'";
    }

    private static string JoinAlternatives(List<string> items) =>
        items.Count == 1 ? items[0] : string.Join(", ", items.Take(items.Count - 1)) + " or " + items[^1];
}
