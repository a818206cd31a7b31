using System.Text;

namespace ManifestCompiler.Runtime.Support.Text;

/// <summary>
/// One <see cref="StringBuilder"/> per thread for text built and turned into a string at once (compiled templates,
/// the template renderer, f-strings): a render allocates only its result (issue 17). A builder is taken out while in
/// use, so a nested or re-entrant use gets a new one; one that grew large is not kept.
/// </summary>
public static class PooledStringBuilder
{
    private const int MaxKeptCapacity = 4096;

    [ThreadStatic]
    private static StringBuilder? t_cached;

    public static StringBuilder Rent()
    {
        var builder = t_cached;
        if (builder is null)
        {
            return new StringBuilder(256);
        }
        t_cached = null;
        return builder;
    }

    /// <summary>The builder's text; the builder goes back to the thread (the caller must not use it again).</summary>
    public static string ToStringAndReturn(StringBuilder builder)
    {
        var text = builder.ToString();
        Return(builder);
        return text;
    }

    public static void Return(StringBuilder builder)
    {
        if (builder.Capacity <= MaxKeptCapacity)
        {
            builder.Clear();
            t_cached = builder;
        }
    }
}
