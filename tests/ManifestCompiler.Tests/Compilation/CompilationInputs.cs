using System.Collections.Immutable;
using ManifestCompiler.Sources;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>Reads integration folders and manifests from disk the way the CLI does, with paths relative to a base.</summary>
internal static class CompilationInputs
{
    public static bool IsIntegration(string folder) => File.Exists(Path.Combine(folder, "oauth.json")) || File.Exists(Path.Combine(folder, "schema.json"));

    public static IntegrationFolder ReadIntegration(string folder, string displayPath) => new(
        displayPath,
        Path.GetFileName(folder.TrimEnd(Path.DirectorySeparatorChar)),
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .Select(relative => new FolderFile(relative, relative.EndsWith(".json", StringComparison.Ordinal) || relative.EndsWith(".py", StringComparison.Ordinal) ? File.ReadAllText(Path.Combine(folder, relative)) : null))]);

    /// <summary>Compiles what a folder holds: itself as an integration, or each of its JSON files as a manifest.</summary>
    public static ImmutableArray<ManifestCompiler.Diagnostics.ManifestDiagnostic> CompileFolder(string folder, string displayPath)
    {
        if (IsIntegration(folder))
        {
            return ManifestCompilation.CompileIntegration(ReadIntegration(folder, displayPath)).Diagnostics;
        }
        return [.. Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal)
            .SelectMany(f => ManifestCompilation.CompileChiefOnboarding(new SourceFile(displayPath + "/" + Path.GetFileName(f), File.ReadAllText(f))).Diagnostics)];
    }
}
