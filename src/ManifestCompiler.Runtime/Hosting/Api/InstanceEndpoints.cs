using ManifestCompiler.Runtime.Support.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static ManifestCompiler.Runtime.Hosting.Api.ApiResults;

namespace ManifestCompiler.Runtime.Hosting.Api;

/// <summary>Connecting and listing instances, queueing runs, the dead letters.</summary>
internal static class InstanceEndpoints
{
    /// <summary>Instances and recent runs (any key; a company key for its own company only), runs of one instance (its owner), the dead letters (admin).</summary>
    public static void Map(IEndpointRouteBuilder routes)
    {
        var tenant = routes.MapGroup("").RequireAuthorization(ApiPolicies.AnyKey).AddEndpointFilter(RequestHygiene.RequireJsonBody);
        tenant.MapGet("/instances", ListInstancesAsync);
        tenant.MapGet("/runs", ListRunsAsync);
        tenant.MapPost("/instances", ConnectAsync);
        tenant.MapPost("/chiefonboarding/instances", AddChiefOnboardingAsync);

        // One instance: an admin key, or a key of the company that owns it.
        var instance = routes.MapGroup("/instances/{instance}").RequireAuthorization(ApiPolicies.InstanceOwner).AddEndpointFilter(RequestHygiene.RequireJsonBody);
        instance.MapPost("/runs", RunAsync);

        routes.MapGroup("").RequireAuthorization(ApiPolicies.Admin).AddEndpointFilter(RequestHygiene.RequireJsonBody).MapGet("/runs/dead", ListDeadRunsAsync);
    }

    private static async Task<IResult> ListInstancesAsync(HttpContext context, ManifestRuntimeAccessor accessor, IInstanceStore store, CancellationToken ct)
    {
        await accessor.GetAsync(ct);
        var caller = ApiCaller.Of(context);
        var instances = (await store.ListAsync(ct)).Where(i => caller.Sees(i.CompanyId));
        return Results.Json(new JsonArray([.. instances.Select(i => (JsonNode)new JsonObject { ["id"] = i.Id, ["integration"] = i.Integration, ["company"] = i.CompanyId, ["dialect"] = i.Dialect.ToString() })]));
    }

    /// <summary>The runs this host carried out lately (<see cref="RunHistory"/>), newest first; a run of an unknown instance only to an admin.</summary>
    private static async Task<IResult> ListRunsAsync(HttpContext context, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        var caller = ApiCaller.Of(context);
        return Results.Json(new JsonArray([.. runtime.Runs.List().Where(r => caller.Sees(r.CompanyId)).Select(r => (JsonNode)new JsonObject
        {
            ["run_id"] = r.RunId,
            ["correlation_id"] = r.CorrelationId,
            ["instance"] = r.InstanceId,
            ["action"] = r.Action,
            ["status"] = r.Status,
            ["started_at"] = r.StartedAt,
            ["duration_ms"] = r.Duration is { } duration ? Math.Round(duration.TotalMilliseconds, 1) : null,
            ["error"] = r.Error,
        })]));
    }

    private static async Task<IResult> ConnectAsync(HttpContext context, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        if (await ReadObjectAsync(context.Request, ct) is not { } body || StringField(body["integration"]) is not { } integration)
        {
            return Problem(400, "expected {\"integration\": name, \"company\": id, \"tokens\": {...}}");
        }
        var (company, refusal) = CompanyOf(ApiCaller.Of(context), body);
        if (company is null)
        {
            return refusal!;
        }
        return await Refusable(async () =>
        {
            var instance = await runtime.ConnectAsync(integration, company, body["tokens"] as JsonObject ?? [], cancellationToken: ct);
            return Results.Json(new JsonObject { ["id"] = instance.Id }, statusCode: 201);
        });
    }

    private static async Task<IResult> AddChiefOnboardingAsync(HttpContext context, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        if (await ReadObjectAsync(context.Request, ct) is not { } body || StringField(body["manifest"]) is not { } manifest)
        {
            return Problem(400, "expected {\"manifest\": name, \"initial_data\": {...}}");
        }
        var (company, refusal) = CompanyOf(ApiCaller.Of(context), body);
        if (company is null)
        {
            return refusal!;
        }
        return await Refusable(async () =>
        {
            var instance = await runtime.ChiefOnboarding.AddAsync(manifest, body["initial_data"] as JsonObject ?? [], company, ct);
            return Results.Json(new JsonObject { ["id"] = instance.Id }, statusCode: 201);
        });
    }

    private static async Task<IResult> RunAsync(string instance, HttpContext context, ManifestRuntimeAccessor accessor, CancellationToken ct)
    {
        var runtime = await accessor.GetAsync(ct);
        var request = context.Request;
        if (await ReadObjectAsync(request, ct) is not { } body || StringField(body["action"]) is not { } action)
        {
            return Problem(400, "expected {\"action\": name, \"payload\": {...}}");
        }
        var caller = ApiCaller.Of(context).RunCaller;
        return await Refusable(async () =>
        {
            if (request.Query["wait"] == "true")
            {
                // The synchronous caller of a returnsData action: the outcome, at most two minutes away.
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromMinutes(2));
                try
                {
                    var outcome = await runtime.RunAndWaitAsync(instance, action, body["payload"]?.DeepClone(), caller, timeout.Token);
                    return Results.Json(new JsonObject
                    {
                        ["run_id"] = outcome.Run.RunId,
                        ["status"] = outcome.Status.ToString(),
                        ["result"] = outcome.Result is null ? null : DataJson.ParseNode(runtime.Redactor.Redact(outcome.Result.ToJsonString())),
                        ["error"] = outcome.Error is null ? null : runtime.Redactor.Redact(outcome.Error),
                    }, statusCode: outcome.Succeeded ? 200 : 502);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    return Problem(504, "the run did not finish within two minutes; it stays queued");
                }
            }
            var run = await runtime.EnqueueAsync(instance, action, body["payload"]?.DeepClone(), caller, ct);
            return Results.Json(new JsonObject { ["run_id"] = run.RunId, ["correlation_id"] = run.CorrelationId }, statusCode: 202);
        });
    }

    /// <summary>The dead letters: runs whose host died while running them <see cref="RunLeases.MaxCrashes"/> times.</summary>
    private static async Task<IResult> ListDeadRunsAsync(HttpContext context, CancellationToken ct) =>
        // Only the durable store keeps dead letters; an in-memory queue dies with its host, runs and all.
        Results.Json(new JsonArray([.. (context.RequestServices.GetService<IDeadLetterStore>() is { } store ? await store.ListDeadRunsAsync(ct) : []).Select(d => (JsonNode)new JsonObject
        {
            ["run_id"] = d.Run.RunId,
            ["instance"] = d.Run.InstanceId,
            ["action"] = d.Run.Action,
            ["crashes"] = d.Crashes,
            ["last_error"] = d.LastError,
        })]));
}
