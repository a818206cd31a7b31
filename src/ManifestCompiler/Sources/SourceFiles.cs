using System.Collections.Immutable;

namespace ManifestCompiler.Sources;

/// <summary>
/// A file given to the compiler: its path as the caller names it (diagnostics repeat it) and its text, or why it
/// could not be read (then <see cref="Text"/> is empty and the compiler reports <see cref="ReadError"/>).
/// </summary>
public sealed record SourceFile(string Path, string Text, string? ReadError = null);

/// <summary>
/// One file of an integration folder. <see cref="RelativePath"/> is '/'-separated from the folder's root.
/// <see cref="Text"/> is null for files the compiler does not read (assets) and for files that could not be read,
/// in which case <see cref="ReadError"/> says why.
/// </summary>
public sealed record FolderFile(string RelativePath, string? Text, string? ReadError = null);

/// <summary>
/// A BOSSi integration folder as the compiler sees it: no file system, just the files the caller read
/// (the CLI from disk, the source generator from AdditionalFiles). <see cref="Path"/> prefixes every diagnostic's path.
/// </summary>
public sealed record IntegrationFolder(string Path, string Name, ImmutableArray<FolderFile> Files)
{
    public FolderFile? this[string relativePath] => Files.FirstOrDefault(f => f.RelativePath == relativePath);

    public string FilePath(string relativePath) => Path.Length == 0 ? relativePath : Path.TrimEnd('/') + "/" + relativePath;

    // By content, not by array reference: the source generator's incremental cache compares folders between runs.
    public bool Equals(IntegrationFolder? other) =>
        other is not null && Path == other.Path && Name == other.Name && Files.AsSpan().SequenceEqual(other.Files.AsSpan());

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Path);
        hash.Add(Name);
        foreach (var file in Files)
        {
            hash.Add(file);
        }
        return hash.ToHashCode();
    }
}

/// <summary>
/// The one rule for "is this a BOSSi integration folder": a folder holding <c>oauth.json</c>, or a <c>schema.json</c>
/// that is not an action's field mapping (<c>action/&lt;name&gt;/schema.json</c>). The CLI's workspace asks it of
/// folders on disk, the source generator of its additional files' paths.
/// </summary>
public static class IntegrationRoots
{
    /// <summary>The files whose presence makes a folder an integration.</summary>
    public static IReadOnlyList<string> MarkerFiles { get; } = ["oauth.json", "schema.json"];

    /// <summary>Whether the file at <paramref name="path"/> ('/'-separated, with its folder) marks that folder as an integration.</summary>
    public static bool IsRootMarker(string path)
    {
        var slash = path.LastIndexOf('/');
        if (slash < 0)
        {
            return false;
        }
        var name = path[(slash + 1)..];
        if (name == "oauth.json")
        {
            return true;
        }
        if (name != "schema.json")
        {
            return false;
        }
        // action/<name>/schema.json is an action's field mapping, not an integration's schema.
        var parent = path[..slash];
        var grandparent = parent.LastIndexOf('/') is var i and >= 0 ? parent[..i] : "";
        return !(grandparent.EndsWith("/action", StringComparison.Ordinal) || grandparent == "action");
    }

    /// <summary>Whether <paramref name="folder"/> ('/'-separated) is an integration, asking <paramref name="fileExists"/> for its marker files.</summary>
    public static bool IsRoot(string folder, Func<string, bool> fileExists)
    {
        var prefix = folder.Length == 0 ? "./" : folder.TrimEnd('/') + "/";
        return MarkerFiles.Any(marker => IsRootMarker(prefix + marker) && fileExists(prefix + marker));
    }
}
