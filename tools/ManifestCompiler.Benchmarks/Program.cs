using BenchmarkDotNet.Running;
using ManifestCompiler.Benchmarks;

// dotnet run -c Release --project tools/ManifestCompiler.Benchmarks -- --filter '*' [--job short]
// (the sync benchmark starts this program again as its second host: --sync-host <connection string> <stand-in URL>)
if (args is [SyncHost.Argument, var connectionString, var standInUrl])
{
    return await SyncHost.RunAsync(connectionString, standInUrl);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
