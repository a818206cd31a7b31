namespace ManifestCompiler.Runtime;

/// <summary>
/// Files that hold secrets (the database with its encrypted tokens and key hashes, the token key, the admin key):
/// created readable and writable by this user only (mode 0600) from the first byte, never created wider and narrowed.
/// </summary>
public static class PrivateFiles
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="path"/> empty with mode 0600 if it does not exist; an existing file is left as it is.</summary>
    public static void EnsureExists(string path)
    {
        try
        {
            using var stream = Create(path);
        }
        catch (IOException) when (File.Exists(path))
        {
            // It exists already (perhaps created meanwhile by another process).
        }
    }

    /// <summary>Writes <paramref name="text"/> to a new file with mode 0600; fails if the file exists.</summary>
    public static void WriteNew(string path, string text)
    {
        using var stream = Create(path);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }

    private static FileStream Create(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }
        return new FileStream(path, options);
    }
}
