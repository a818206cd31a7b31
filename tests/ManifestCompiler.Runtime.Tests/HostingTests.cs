using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Python;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ManifestCompiler.Runtime.Tests;

/// <summary><c>services.AddManifestRuntime(...)</c> in a generic host with the SQLite store.</summary>
public sealed class HostingTests : IAsyncLifetime
{
    private readonly ThirdPartyApis _apis = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("mfc-host-").FullName;

    public Task InitializeAsync() => _apis.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _apis.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_hosted_runtime_runs_queued_runs_and_logs_debug_events_without_secrets()
    {
        _apis.Invoices = [ThirdPartyApis.Invoice("901", 4m), ThirdPartyApis.Invoice("902", 5m)];
        var logs = new LogCollector();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddManifestRuntime(o =>
        {
            o.Database = Path.Combine(_directory, "host.db");
            o.TokenKey = TokenProtector.NewKey();
            o.PlanAssemblies.Add(SamplePlans.Value.Integrations[0].GetType().Assembly);
            o.Routes.Add("quickbooks.api.intuit.com=" + _apis.BaseUrl);
            o.Egress = new EgressPolicy { AllowedNetworks = [System.Net.IPNetwork.Parse("127.0.0.1/32")] };
            o.Pool.MaxWorkers = 2;
            o.IdlePoll = TimeSpan.FromMilliseconds(50);
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var runtime = await host.Services.GetRequiredService<ManifestRuntimeAccessor>().GetAsync();
            await runtime.ConnectAsync("quickbooks", "c-9", new JsonObject { ["realmId"] = "9130", ["access_token"] = "qb-hosted-token-77aa" });

            var store = host.Services.GetRequiredService<SqliteRuntimeStore>();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await store.ReadRecordsAsync("invoices-post-v1")).Count < 2 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            Assert.Equal(2, (await store.ReadRecordsAsync("invoices-post-v1")).Count);
            Assert.Contains(logs.Lines, l => l.Contains("Starting execution of action: quickbooks-sync-v1", StringComparison.Ordinal));
            Assert.DoesNotContain(logs.Lines, l => l.Contains("qb-hosted-token-77aa", StringComparison.Ordinal));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private sealed class LogCollector : ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Collector(this);

        public void Dispose()
        {
        }

        private sealed class Collector(LogCollector owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue(formatter(state, exception));
        }
    }
}
