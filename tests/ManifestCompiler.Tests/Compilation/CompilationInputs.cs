using System.Collections.Immutable;
using ManifestCompiler.Sources;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>Integration folders and manifests from disk, read as the CLI reads them, with paths relative to a base.</summary>
internal static class CompilationInputs
{
    public static bool IsIntegration(string folder) => ManifestWorkspace.IsIntegration(folder);

    public static IntegrationFolder ReadIntegration(string folder, string displayPath) => ManifestWorkspace.ReadIntegration(folder, displayPath);

    /// <summary>Compiles what a folder holds: itself as an integration, or each of its JSON files as a manifest.</summary>
    /// <param name="python">Checks Python steps as mfc check does (syntax and names, with CPython); null skips that.</param>
    public static ImmutableArray<ManifestCompiler.Diagnostics.ManifestDiagnostic> CompileFolder(string folder, string displayPath, IPythonSyntaxChecker? python = null)
    {
        if (IsIntegration(folder))
        {
            return ManifestCompilation.CompileIntegration(ReadIntegration(folder, displayPath), new CompilerOptions(python)).Diagnostics;
        }
        return [.. Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal)
            .SelectMany(f => ManifestCompilation.CompileChiefOnboarding(new SourceFile(displayPath + "/" + Path.GetFileName(f), File.ReadAllText(f))).Diagnostics)];
    }
}
