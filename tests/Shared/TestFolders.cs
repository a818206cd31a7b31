namespace ManifestCompiler.Testing;

/// <summary>Builds integration folders and manifests on disk for tests.</summary>
internal static class TestFolders
{
    /// <summary>Writes <paramref name="text"/> (LF line ends, a final newline) to <paramref name="path"/> under <paramref name="folder"/>, creating folders.</summary>
    public static void Write(string folder, string path, string text)
    {
        var file = Path.Combine(folder, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
    }
}
