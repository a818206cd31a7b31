using ManifestCompiler.Conformance;

// Usage: ManifestCompiler.Conformance [--dir D] [--suite NAME]... [--show N]
string? directory = null;
var selected = new List<string>();
var show = 10;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--dir" when i + 1 < args.Length:
            directory = args[++i];
            break;
        case "--suite" when i + 1 < args.Length:
            selected.Add(args[++i]);
            break;
        case "--show" when i + 1 < args.Length && int.TryParse(args[i + 1], out var n):
            show = n;
            i++;
            break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: [--dir DIR] [--suite NAME]... [--show N]");
            return 2;
    }
}

var root = ConformanceRunner.ResolveDirectory(directory);
Console.WriteLine($"conformance data: {root}");
var unknown = selected.Where(s => ConformanceRunner.Suites.All(x => x.Name != s)).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"unknown suite(s): {string.Join(", ", unknown)}; known: {string.Join(", ", ConformanceRunner.Suites.Select(s => s.Name))}");
    return 2;
}

var results = selected.Count == 0 ? ConformanceRunner.RunAll(root) : selected.Select(s => ConformanceRunner.Run(s, root)).ToList();
foreach (var result in results)
{
    Console.WriteLine(result.Summary);
}
foreach (var result in results.Where(r => r.Failures.Count > 0))
{
    Console.WriteLine();
    Console.WriteLine($"{result.Suite}: first {Math.Min(show, result.Failures.Count)} of {result.Failures.Count} failures");
    foreach (var failure in result.Failures.Take(show))
    {
        Console.WriteLine($"  case:     {failure.Case}");
        Console.WriteLine($"  input:    {failure.Input}");
        Console.WriteLine($"  expected: {failure.Expected}");
        Console.WriteLine($"  actual:   {failure.Actual}");
    }
}
return results.All(r => r.Succeeded) ? 0 : 1;
