namespace ManifestCompiler.Syntax.Text;

/// <summary>"Did you mean" for names: the closest candidate by edit distance (transpositions count once).</summary>
public static class Suggestions
{
    /// <summary>
    /// The candidate closest to <paramref name="name"/>, or null when none is close enough to be a plausible typo
    /// (at most a third of the name's length, at least one edit). Case differences cost nothing extra to find:
    /// a candidate equal ignoring case always wins.
    /// </summary>
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        var limit = Math.Max(1, name.Length / 3);
        foreach (var candidate in candidates)
        {
            if (candidate == name)
            {
                continue;
            }
            var distance = string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(name, candidate, limit);
            if (distance <= limit && (distance < bestDistance || (distance == bestDistance && string.CompareOrdinal(candidate, best) < 0)))
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /// <summary>" (did you mean 'x'?)", or "" when nothing is close.</summary>
    public static string DidYouMean(string name, IEnumerable<string> candidates) =>
        Closest(name, candidates) is { } match ? $" (did you mean '{match}'?)" : "";

    /// <summary>Optimal string alignment distance, stopping early once it exceeds <paramref name="limit"/>.</summary>
    public static int Distance(string a, string b, int limit = int.MaxValue)
    {
        // Stryker disable once Block: stopping early only saves work; Closest rejects any distance above the limit alike (docs/mutation-testing.md).
        if (Math.Abs(a.Length - b.Length) > limit)
        {
            return int.MaxValue;
        }
        var previous2 = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var rowMinimum = current[0];
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                var value = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    value = Math.Min(value, previous2[j - 2] + 1);
                }
                current[j] = value;
                rowMinimum = Math.Min(rowMinimum, value);
            }
            // Stryker disable once Block: stopping early only saves work; Closest rejects any distance above the limit alike (docs/mutation-testing.md).
            if (rowMinimum > limit)
            {
                return int.MaxValue;
            }
            (previous2, previous, current) = (previous, current, previous2);
        }
        return previous[b.Length];
    }
}
