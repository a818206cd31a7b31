using BenchmarkDotNet.Running;

// dotnet run -c Release --project tools/ManifestCompiler.Benchmarks -- --filter '*' [--job short]
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
