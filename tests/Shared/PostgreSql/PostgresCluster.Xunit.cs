namespace ManifestCompiler.Testing;

/// <summary>The cluster as an xunit fixture (its lifetime is <see cref="PostgresCluster.InitializeAsync"/> and <see cref="PostgresCluster.DisposeAsync"/>).</summary>
public sealed partial class PostgresCluster : IAsyncLifetime;

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "PostgreSQL";
}
