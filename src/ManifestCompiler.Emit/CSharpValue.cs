namespace ManifestCompiler.Emit;

/// <summary>
/// A C# value expression as the plan emitters build it before <see cref="SourceWriter.Value"/> writes it: plain text,
/// an object creation with named member initializers (as System.Text.Json's generator writes its metadata), or an
/// array. The writer owns every line break and indentation.
/// </summary>
public abstract record CSharpValue
{
    public static implicit operator CSharpValue(string text) => new CSharpText(text);

    /// <summary><c>new Type { Name = value, … }</c>, the members in the order given.</summary>
    public static CSharpObject New(string type, params (string Name, CSharpValue Value)[] members) => new(type, members);

    /// <summary>An array of <paramref name="elementType"/>; empty, <c>Array.Empty&lt;T&gt;()</c>.</summary>
    public static CSharpArray Array(string elementType, IEnumerable<CSharpValue> items) => new(elementType, [.. items]);

    /// <summary>The value, or <c>null</c>.</summary>
    public static CSharpValue OrNull(CSharpValue? value) => value ?? new CSharpText("null");
}

/// <summary>An expression written as it is, on one line.</summary>
public sealed record CSharpText(string Text) : CSharpValue;

public sealed record CSharpObject(string Type, IReadOnlyList<(string Name, CSharpValue Value)> Members) : CSharpValue;

public sealed record CSharpArray(string ElementType, IReadOnlyList<CSharpValue> Items) : CSharpValue;
