using System.Text;

namespace ManifestCompiler.Testing;

/// <summary>Random edits of real inputs, for the property tests of every parser and reader.</summary>
internal static class TextMutations
{
    /// <summary>Deletes, inserts, replaces, duplicates or truncates a few characters; <paramref name="extras"/> are multi-character pieces to insert.</summary>
    public static string Mutate(Random random, string input, string alphabet, IReadOnlyList<string> extras)
    {
        var builder = new StringBuilder(input);
        var edits = 1 + random.Next(3);
        for (var e = 0; e < edits; e++)
        {
            var at = builder.Length == 0 ? 0 : random.Next(builder.Length + 1);
            var piece = random.Next(6) == 0 ? extras[random.Next(extras.Count)] : alphabet[random.Next(alphabet.Length)].ToString();
            switch (random.Next(5))
            {
                case 0 when at < builder.Length:
                    builder.Remove(at, 1);
                    break;
                case 1:
                    builder.Insert(at, piece);
                    break;
                case 2 when at < builder.Length:
                    builder.Remove(at, 1).Insert(at, piece);
                    break;
                case 3 when at < builder.Length:
                    var length = random.Next(1, Math.Min(8, builder.Length - at) + 1);
                    builder.Insert(at, builder.ToString(at, length));
                    break;
                default:
                    builder.Length = Math.Min(builder.Length, at);
                    break;
            }
        }
        return builder.ToString();
    }
}
