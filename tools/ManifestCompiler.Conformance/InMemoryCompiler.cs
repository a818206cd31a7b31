using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ManifestCompiler.Conformance;

/// <summary>Compiles generated C# in-process with Roslyn and loads it, for the suites that run through generated code.</summary>
public static class InMemoryCompiler
{
    /// <summary>The assembly, or the compiler's errors and warnings (generated code must compile without either).</summary>
    public static (Assembly? Assembly, IReadOnlyList<string> Problems) Compile(string assemblyName, IEnumerable<string> sources)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CreateCompilation(assemblyName, sources.Select((text, i) => CSharpSyntaxTree.ParseText(text, parse, path: $"{assemblyName}.{i}.g.cs")));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var problems = result.Diagnostics
            .Where(d => d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning)
            .Select(d => d.ToString())
            .ToList();
        return (result.Success && problems.Count == 0 ? Assembly.Load(image.ToArray()) : null, problems);
    }

    /// <summary>A release-mode, nullable-enabled library compilation against this process's framework and
    /// dependencies (the runtime-support library among them), as generated code is built.</summary>
    public static CSharpCompilation CreateCompilation(string assemblyName, IEnumerable<SyntaxTree> trees)
    {
        var references = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(path => MetadataReference.CreateFromFile(path))
            .ToList();
        return CSharpCompilation.Create(assemblyName, trees, references, new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            optimizationLevel: OptimizationLevel.Release,
            nullableContextOptions: NullableContextOptions.Enable,
            deterministic: true)
            // As the .NET SDK does by default: version unification between the net8.0 support library and this
            // runtime's framework assemblies is expected, not a problem.
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
            {
                ["CS1701"] = ReportDiagnostic.Suppress,
                ["CS1702"] = ReportDiagnostic.Suppress,
            }));
    }
}
