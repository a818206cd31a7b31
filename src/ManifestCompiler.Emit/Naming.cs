using System.Text;

namespace ManifestCompiler.Emit;

/// <summary>C# identifiers for names from manifests (action and field names such as <c>invoices-post-v1</c>).</summary>
public static class Naming
{
    /// <summary><c>invoices-post-v1</c> → <c>InvoicesPostV1</c>, <c>integrationInvoiceId</c> → <c>IntegrationInvoiceId</c>;
    /// anything that is not a letter or digit separates words; a leading digit gets an underscore.</summary>
    public static string Pascal(string name)
    {
        var text = new StringBuilder(name.Length);
        var upper = true;
        foreach (var c in name)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                text.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            else
            {
                upper = true;
            }
        }
        if (text.Length == 0 || char.IsAsciiDigit(text[0]))
        {
            text.Insert(0, '_');
        }
        return text.ToString();
    }

    /// <summary>Distinct identifiers for <paramref name="names"/>, in order: a clash gets a numeric suffix.</summary>
    public static IReadOnlyList<string> Distinct(IEnumerable<string> names, IEnumerable<string> reserved)
    {
        var used = new HashSet<string>(reserved, StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var name in names)
        {
            var candidate = Pascal(name);
            for (var n = 2; !used.Add(candidate); n++)
            {
                candidate = Pascal(name) + n;
            }
            result.Add(candidate);
        }
        return result;
    }
}
