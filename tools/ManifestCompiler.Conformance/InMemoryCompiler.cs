using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using ManifestCompiler.Workspace;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ManifestCompiler.Conformance;

/// <summary>Compiles generated C# in-process (<see cref="RoslynCompilation"/>) and loads it, for the suites that run through generated code.</summary>
public static class InMemoryCompiler
{
    /// <summary>
    /// A folder for compiled images, set only by tools/mutation/run: under Stryker every mutant reruns the same
    /// compiles against the same mutated assembly (the active mutant is chosen at run time), so one compile serves
    /// them all (docs/mutation-testing.md, "Compiled generated code is cached under Stryker"). Unset, nothing is cached.
    /// </summary>
    public const string CacheVariable = "MANIFESTCOMPILER_COMPILED_CODE_CACHE";

    /// <summary>The assembly, or the compiler's errors and warnings (generated code must compile without either).</summary>
    public static (Assembly? Assembly, IReadOnlyList<string> Problems) Compile(string assemblyName, IEnumerable<string> sources)
    {
        var texts = sources.ToList();
        var cacheFolder = Environment.GetEnvironmentVariable(CacheVariable);
        var cached = string.IsNullOrEmpty(cacheFolder) ? null : Path.Combine(cacheFolder, CacheKey(assemblyName, texts) + ".dll");
        if (cached is not null && File.Exists(cached))
        {
            return (Assembly.Load(File.ReadAllBytes(cached)), []);
        }
        var (image, problems) = RoslynCompilation.Emit(assemblyName, texts.Select((text, i) => ($"{assemblyName}.{i}.g.cs", text)));
        if (image is not null && cached is not null)
        {
            // Only successful compiles are kept; written aside and moved so a parallel test never reads half a file.
            Directory.CreateDirectory(cacheFolder!);
            var partial = cached + "." + Guid.NewGuid().ToString("N");
            File.WriteAllBytes(partial, image);
            File.Move(partial, cached, overwrite: true);
        }
        return (image is null ? null : Assembly.Load(image), problems);
    }

    public static CSharpCompilation CreateCompilation(string assemblyName, IEnumerable<SyntaxTree> trees) => RoslynCompilation.Create(assemblyName, trees);

    /// <summary>
    /// The name, the sources, and each assembly the compile can reference (this process's trusted platform
    /// assemblies, which <see cref="RoslynCompilation"/> references) by path, size and last write time, so a
    /// rebuilt Runtime.Support (or any other reference) never reuses an image compiled against the old one.
    /// </summary>
    private static string CacheKey(string assemblyName, IReadOnlyList<string> sources)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string part)
        {
            hash.AppendData(BitConverter.GetBytes(part.Length));
            hash.AppendData(Encoding.UTF8.GetBytes(part));
        }
        Add(assemblyName);
        foreach (var source in sources)
        {
            Add(source);
        }
        var references = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Order(StringComparer.Ordinal);
        foreach (var path in references)
        {
            var file = new FileInfo(path);
            Add(path);
            Add(file.Exists ? $"{file.Length}:{file.LastWriteTimeUtc.Ticks}" : "missing");
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
