using ManifestCompiler.Runtime.Support.Plans;

// The plans the source generator compiled into this assembly, found through their registrations.
var catalog = PlanCatalog.Load(typeof(Program).Assembly);

Console.WriteLine($"{catalog.Integrations.Count} integration plan(s), {catalog.Manifests.Count} manifest plan(s)");
foreach (var plan in catalog.Integrations.OrderBy(p => p.Name, StringComparer.Ordinal))
{
    Console.WriteLine($"{plan} ({plan.Schema.Name} {plan.Schema.Version}): {(plan.OAuth.IsNonOauth ? "API key" : "OAuth")}, webhook {(plan.Webhook is null ? "no" : "yes")}");
    foreach (var action in plan.Actions)
    {
        var mapping = action.Mapper is null ? "" : $", maps {action.Mapper.Fields.Count} field(s) to {action.Mapper.RecordType.Name}";
        Console.WriteLine($"  {action.Name}: {action.Steps.Count} step(s){mapping}");
    }
}
foreach (var manifest in catalog.Manifests.OrderBy(m => m.Name, StringComparer.Ordinal))
{
    var requests = manifest.Kind == ManifestKind.SyncUsers ? $"sync ({manifest.Sync!.Action}, pagination {manifest.Sync.Pagination.Mode})" : $"{manifest.Execute.Count} request(s)";
    Console.WriteLine($"{manifest.Name} (ChiefOnboarding): {requests}");
}
return catalog.Integrations.Count + catalog.Manifests.Count > 0 ? 0 : 1;
