using System.Reflection;
using ManifestCompiler.Workspace;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ManifestCompiler.Conformance;

/// <summary>Compiles generated C# in-process (<see cref="RoslynCompilation"/>) and loads it, for the suites that run through generated code.</summary>
public static class InMemoryCompiler
{
    /// <summary>The assembly, or the compiler's errors and warnings (generated code must compile without either).</summary>
    public static (Assembly? Assembly, IReadOnlyList<string> Problems) Compile(string assemblyName, IEnumerable<string> sources)
    {
        var (image, problems) = RoslynCompilation.Emit(assemblyName, sources.Select((text, i) => ($"{assemblyName}.{i}.g.cs", text)));
        return (image is null ? null : Assembly.Load(image), problems);
    }

    public static CSharpCompilation CreateCompilation(string assemblyName, IEnumerable<SyntaxTree> trees) => RoslynCompilation.Create(assemblyName, trees);
}
