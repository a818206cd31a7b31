using System.Collections.Immutable;
using ManifestCompiler.Sources;

namespace ManifestCompiler.Workspace;

/// <summary>
/// What the paths on a command line name: BOSSi integration folders (<see cref="IntegrationRoots"/>) and
/// ChiefOnboarding manifests (any other *.json). A folder that is not an integration is searched: its integration
/// subfolders are integrations, its other JSON files manifests. Paths print as the user wrote them.
/// </summary>
public sealed record ManifestWorkspace(ImmutableArray<IntegrationFolder> Integrations, ImmutableArray<SourceFile> Manifests, ImmutableArray<string> Problems)
{
    private static readonly HashSet<string> TextExtensions = new(StringComparer.OrdinalIgnoreCase) { ".json", ".py" };
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal) { "bin", "obj", "node_modules" };

    public int Count => Integrations.Length + Manifests.Length;

    public static ManifestWorkspace Load(IEnumerable<string> paths)
    {
        var integrations = ImmutableArray.CreateBuilder<IntegrationFolder>();
        var manifests = ImmutableArray.CreateBuilder<SourceFile>();
        var problems = ImmutableArray.CreateBuilder<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in paths)
        {
            var path = raw.Replace('\\', '/');
            if (Directory.Exists(path))
            {
                Search(path.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : path, integrations, manifests, problems, seen);
            }
            else if (File.Exists(path))
            {
                var parent = Path.GetDirectoryName(path)?.Replace('\\', '/') ?? "";
                if (IntegrationRoots.MarkerFiles.Concat(["usertypes.json", "webhook.json"]).Contains(Path.GetFileName(path)) && IsIntegration(parent.Length == 0 ? "." : parent))
                {
                    // A file of an integration folder means that folder: its files are checked together.
                    AddIntegration(parent.Length == 0 ? "." : parent, integrations, seen);
                }
                else if (seen.Add(Path.GetFullPath(path)))
                {
                    manifests.Add(ReadManifest(path));
                }
            }
            else
            {
                problems.Add($"{raw}: no such file or directory");
            }
        }
        return new ManifestWorkspace(integrations.ToImmutable(), manifests.ToImmutable(), problems.ToImmutable());
    }

    /// <summary>The .json files below <paramref name="folder"/> in ordinal order, skipping hidden and build-output folders (bin, obj).</summary>
    public static IReadOnlyList<string> JsonFilesUnder(string folder)
    {
        var files = new List<string>();
        Collect(folder);
        return [.. files.Order(StringComparer.Ordinal)];

        void Collect(string directory)
        {
            files.AddRange(Directory.EnumerateFiles(directory, "*.json"));
            foreach (var child in Directory.EnumerateDirectories(directory))
            {
                var name = Path.GetFileName(child);
                if (!name.StartsWith('.') && !SkippedFolders.Contains(name))
                {
                    Collect(child);
                }
            }
        }
    }

    /// <summary>Whether <paramref name="folder"/> is a BOSSi integration folder (<see cref="IntegrationRoots.IsRoot"/>).</summary>
    public static bool IsIntegration(string folder) => IntegrationRoots.IsRoot(folder.Replace('\\', '/'), File.Exists);

    private static void Search(string folder, ImmutableArray<IntegrationFolder>.Builder integrations, ImmutableArray<SourceFile>.Builder manifests, ImmutableArray<string>.Builder problems, HashSet<string> seen)
    {
        if (IsIntegration(folder))
        {
            AddIntegration(folder, integrations, seen);
            return;
        }
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            if (seen.Add(Path.GetFullPath(file)))
            {
                manifests.Add(ReadManifest(file.Replace('\\', '/')));
            }
        }
        foreach (var child in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(child);
            if (!name.StartsWith('.') && !SkippedFolders.Contains(name))
            {
                Search(child.Replace('\\', '/'), integrations, manifests, problems, seen);
            }
        }
    }

    private static SourceFile ReadManifest(string path)
    {
        var (text, error) = TryRead(path);
        // An unreadable manifest is checked as empty text, which reports it (MC0001) at the file.
        return new SourceFile(path, text ?? "", error);
    }

    private static void AddIntegration(string folder, ImmutableArray<IntegrationFolder>.Builder integrations, HashSet<string> seen)
    {
        if (seen.Add(Path.GetFullPath(folder) + "/"))
        {
            integrations.Add(ReadIntegration(folder));
        }
    }

    /// <summary>
    /// One integration folder: every file (hidden ones skipped), the text of its .json and .py files, and read errors
    /// as data for the compiler to report. <paramref name="displayPath"/> is how diagnostics name the folder.
    /// </summary>
    public static IntegrationFolder ReadIntegration(string folder, string? displayPath = null)
    {
        var files = ImmutableArray.CreateBuilder<FolderFile>();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
            if (relative.Split('/').Any(part => part.StartsWith('.')))
            {
                continue;
            }
            if (TextExtensions.Contains(Path.GetExtension(file)))
            {
                var (text, error) = TryRead(file);
                files.Add(new FolderFile(relative, text, error));
            }
            else
            {
                files.Add(new FolderFile(relative, null));
            }
        }
        var name = Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar));
        return new IntegrationFolder(displayPath ?? folder, name, files.ToImmutable());
    }

    private static (string? Text, string? Error) TryRead(string path)
    {
        try
        {
            return (File.ReadAllText(path), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, e.Message);
        }
    }
}
