using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.PostgreSql;
using ManifestCompiler.Runtime.Python;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>
/// <c>services.AddManifestRuntime(...)</c> with a PostgreSQL connection string: the option's form picks the store,
/// and two hosts on one database share its queue, each run carried out once. A real server (<see cref="PostgresCluster"/>).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresHostingTests(PostgresCluster cluster) : IAsyncLifetime
{
    private readonly ThirdPartyApis _apis = new();
    private readonly string _tokenKey = TokenProtector.NewKey();
    private string _database = "";

    public async Task InitializeAsync()
    {
        await _apis.InitializeAsync();
        _database = await cluster.CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        await _apis.DisposeAsync();
        await cluster.DropDatabaseAsync(_database);
    }

    [Theory]
    [InlineData("Host=db.example;Database=mc", true)]
    [InlineData(" host = 10.0.0.5 ; Port=5433; Username=mc; Password=p;", true)]
    [InlineData("Server=db;Database=mc", true)]
    [InlineData("/var/lib/mfc/runtime.db", false)]
    [InlineData("runtime.db", false)]
    [InlineData("Database=mc;Username=mc", false)]
    [InlineData("./Host=odd;name.db", false)]
    public void The_database_option_is_read_by_its_form(string database, bool postgres) =>
        Assert.Equal(postgres, RuntimeDatabase.IsPostgres(database));

    [Fact]
    public void A_PostgreSQL_database_is_described_without_its_password() =>
        Assert.Equal("db.example:5433/mc", RuntimeDatabase.Describe("Host=db.example;Port=5433;Database=mc;Username=u;Password=secret-pw"));

    [Fact]
    public async Task Two_hosts_on_one_database_carry_out_a_sync_each_run_once()
    {
        _apis.Invoices = [.. Enumerable.Range(1, 6).Select(i => (JsonNode)ThirdPartyApis.Invoice("70" + i, i))];
        using var hostA = StartHost("host-a");
        using var hostB = StartHost("host-b");
        await hostA.StartAsync();
        await hostB.StartAsync();
        try
        {
            Assert.IsType<PostgresRuntimeStore>(hostA.Services.GetRequiredService<IRunQueue>());
            Assert.IsType<PostgresApiKeyStore>(hostB.Services.GetRequiredService<IApiKeyStore>());
            var runtime = await hostA.Services.GetRequiredService<ManifestRuntimeAccessor>().GetAsync();
            await hostB.Services.GetRequiredService<ManifestRuntimeAccessor>().GetAsync();
            await runtime.ConnectAsync("quickbooks", "c-pg", new JsonObject { ["realmId"] = "9130", ["access_token"] = "qb-pg-hosted-41c2" });

            var store = hostB.Services.GetRequiredService<PostgresRuntimeStore>();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (((await store.CountRunsAsync()).GetValueOrDefault("done") < 7 || (await store.ReadRecordsAsync("invoices-post-v1")).Count < 6) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.Equal(new Dictionary<string, int> { ["done"] = 7 }, await store.CountRunsAsync());
            var records = await store.ReadRecordsAsync("invoices-post-v1");
            Assert.Equal(6, records.Select(r => JsonNode.Parse(r)!["IntegrationInvoiceId"]!.GetValue<string>()).Distinct().Count());
            // No run was taken over (nobody died) and every one was completed by one of the two hosts.
            await using var connection = new NpgsqlConnection(_database);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT COALESCE(SUM(crashes), 0)::integer, COUNT(*) FILTER (WHERE lease_owner NOT IN ('host-a', 'host-b'))::integer FROM runs", connection);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal((0, 0), (reader.GetInt32(0), reader.GetInt32(1)));
        }
        finally
        {
            await hostA.StopAsync();
            await hostB.StopAsync();
        }
    }

    private IHost StartHost(string hostId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddManifestRuntime(o =>
        {
            o.Database = _database;
            o.TokenKey = _tokenKey;
            o.HostId = hostId;
            o.PlanAssemblies.Add(SamplePlans.Value.Integrations[0].GetType().Assembly);
            o.Routes.Add("quickbooks.api.intuit.com=" + _apis.BaseUrl);
            o.Egress = new EgressPolicy { AllowedNetworks = [System.Net.IPNetwork.Parse("127.0.0.1/32")] };
            o.Pool.MaxWorkers = 1;
            o.Pool.SpareWorkers = 0;
            o.IdlePoll = TimeSpan.FromMilliseconds(50);
        });
        return builder.Build();
    }
}
