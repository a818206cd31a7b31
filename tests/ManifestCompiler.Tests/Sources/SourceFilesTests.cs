using ManifestCompiler.Sources;

namespace ManifestCompiler.Tests.Sources;

/// <summary>
/// Which files make a folder an integration (the CLI's workspace and the source generator both ask
/// <see cref="IntegrationRoots"/>), how an integration's files are found and named in diagnostics, and when two reads
/// of a folder are the same folder (the source generator's cache compares them).
/// </summary>
public class SourceFilesTests
{
    [Theory]
    [InlineData("crm/oauth.json", true)]
    [InlineData("crm/schema.json", true)]
    [InlineData("./schema.json", true)]
    [InlineData("a/b/crm/schema.json", true)]
    [InlineData("crm/action/sync-v1/schema.json", false)] // an action's field mapping
    [InlineData("action/sync-v1/schema.json", false)] // the same, with the integration at the root
    [InlineData("crm/action/sync-v1/oauth.json", true)] // only schema.json is a mapping there
    [InlineData("crm/transaction/sync-v1/schema.json", true)] // a folder that only ends in "action"
    [InlineData("crm/action/schema.json", true)] // not below an action's own folder
    [InlineData("crm/usertypes.json", false)]
    [InlineData("crm/webhook.json", false)]
    [InlineData("crm/Schema.json", false)]
    [InlineData("crm/my-oauth.json", false)]
    [InlineData("oauth.json", false)] // no folder named
    public void A_root_marker_is_oauth_json_or_a_schema_json_that_is_no_field_mapping(string path, bool marker) =>
        Assert.Equal(marker, IntegrationRoots.IsRootMarker(path));

    [Fact]
    public void A_folder_is_an_integration_when_one_of_its_marker_files_exists()
    {
        var asked = new List<string>();
        bool Exists(string path, params string[] present)
        {
            asked.Add(path);
            return present.Contains(path);
        }

        Assert.True(IntegrationRoots.IsRoot("crm", p => Exists(p, "crm/schema.json")));
        Assert.True(IntegrationRoots.IsRoot("crm/", p => Exists(p, "crm/oauth.json")));
        Assert.True(IntegrationRoots.IsRoot("", p => Exists(p, "./oauth.json")));
        Assert.False(IntegrationRoots.IsRoot("crm", p => Exists(p, "crm/usertypes.json", "crm/webhook.json")));
        // An action's folder holding schema.json is a mapping, not an integration; its existence is not even asked.
        asked.Clear();
        Assert.False(IntegrationRoots.IsRoot("crm/action/sync-v1", p => Exists(p, "crm/action/sync-v1/schema.json")));
        Assert.Equal(["crm/action/sync-v1/oauth.json"], asked);
        Assert.Equal(["oauth.json", "schema.json"], IntegrationRoots.MarkerFiles);
    }

    [Fact]
    public void A_folders_files_are_found_by_exact_relative_path_and_named_with_the_folders_path()
    {
        var folder = new IntegrationFolder("work/crm/", "crm", [new FolderFile("oauth.json", "{}"), new FolderFile("action/a/code/x.py", "pass")]);

        Assert.Equal("pass", folder["action/a/code/x.py"]?.Text);
        Assert.Null(folder["OAuth.json"]);
        Assert.Null(folder["action/a/code"]);
        Assert.Equal("work/crm/oauth.json", folder.FilePath("oauth.json"));
        Assert.Equal("work/crm/oauth.json", (folder with { Path = "work/crm" }).FilePath("oauth.json"));
        Assert.Equal("work/crm/oauth.json", (folder with { Path = "work/crm//" }).FilePath("oauth.json"));
        Assert.Equal("oauth.json", (folder with { Path = "" }).FilePath("oauth.json"));
    }

    [Fact]
    public void Two_reads_of_a_folder_are_equal_when_path_name_and_every_file_are_equal()
    {
        IntegrationFolder Read(string path = "crm", string name = "crm", string text = "{}", string? error = null) =>
            new(path, name, [new FolderFile("oauth.json", text, error), new FolderFile("schema.json", "{ }")]);

        var folder = Read();
        Assert.Equal(folder, Read());
        Assert.Equal(folder.GetHashCode(), Read().GetHashCode());
        Assert.NotEqual(folder, Read(path: "other"));
        Assert.NotEqual(folder, Read(name: "other"));
        Assert.NotEqual(folder, Read(text: "{ }"));
        Assert.NotEqual(folder, Read(error: "Permission denied"));
        Assert.NotEqual(folder, folder with { Files = [.. folder.Files.Take(1)] });
        Assert.NotEqual(folder, folder with { Files = [.. folder.Files.Reverse()] });
        Assert.False(folder.Equals(null));
        // Hashes tell the folders apart too (the generator's cache looks them up by hash first).
        Assert.Equal(6, new[] { folder, Read(path: "other"), Read(name: "other"), Read(text: "{ }"), folder with { Files = [.. folder.Files.Reverse()] }, folder with { Files = [] } }
            .Select(f => f.GetHashCode()).Distinct().Count());
    }
}
