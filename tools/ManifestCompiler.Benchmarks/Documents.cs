using System.Text;

namespace ManifestCompiler.Benchmarks;

/// <summary>The documents both sides query: the RFC's bookstore, and a larger one of 2,000 records.</summary>
internal static class Documents
{
    public const string Bookstore = """
        {"store": {
          "book": [
            {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
            {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
            {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
            {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
          ],
          "bicycle": {"color": "red", "price": 399}
        }}
        """;

    /// <summary>The repository (found by walking up to ManifestCompiler.sln), for benchmarks that read the samples.</summary>
    public static string RepositoryRoot { get; } = Repository.RepositoryRoot.Require(AppContext.BaseDirectory, Directory.GetCurrentDirectory());

    public static string Records(int count)
    {
        var builder = new StringBuilder("{\"data\": {\"items\": [");
        for (var i = 0; i < count; i++)
        {
            builder.Append(i == 0 ? "" : ",")
                .Append("{\"id\": ").Append(i)
                .Append(", \"name\": \"user").Append(i)
                .Append("\", \"email\": \"user").Append(i).Append("@example.com\"")
                .Append(", \"active\": ").Append(i % 3 == 0 ? "false" : "true")
                .Append(", \"score\": ").Append(i % 97)
                .Append(", \"tags\": [\"a\", \"b\"], \"address\": {\"city\": \"c").Append(i % 10).Append("\", \"zip\": \"").Append(10000 + i).Append("\"}}");
        }
        return builder.Append("]}, \"next\": \"token\"}").ToString();
    }
}
