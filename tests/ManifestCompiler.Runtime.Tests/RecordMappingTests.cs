using System.Text.Json;
using System.Text.Json.Nodes;
using ManifestCompiler.Runtime.Python;
using ManifestCompiler.Runtime.Support.Json;
using ManifestCompiler.Runtime.Support.Mapping;
using ManifestCompiler.Runtime.Support.Plans;

namespace ManifestCompiler.Runtime.Tests;

/// <summary>
/// How a run maps its records (issue 17 item 1): from the record's UTF-8 bytes through the plan's mapper, which is
/// the streaming mapper for <c>invoices-post-v1</c> (golden file <c>Quickbooks.InvoicesPostV1.Mapper.g.cs</c>), with
/// the records and errors the DOM mapper gives. Real python3 under bubblewrap, the vendor a Kestrel stand-in.
/// </summary>
public sealed class RecordMappingTests(PoolFixture fixture) : IClassFixture<PoolFixture>, IAsyncLifetime
{
    private const string AccessToken = "qb-access-7f3c9a";

    private readonly ThirdPartyApis _apis = new();
    private readonly InMemoryRecordSink _records = new();
    private readonly DebugEventLog _events = new();
    private readonly OutboundRoutes _routes = new();

    public async Task InitializeAsync()
    {
        await _apis.InitializeAsync();
        Assert.Null(OutboundRoutes.TryAdd(_routes, "quickbooks.api.intuit.com=" + _apis.BaseUrl));
    }

    public Task DisposeAsync() => _apis.DisposeAsync();

    private static IntegrationPlan QuickBooks => SamplePlans.Value.Integrations.Single(p => p.Name == "quickbooks");

    private static IRecordMapper InvoiceMapper => QuickBooks.FindAction("invoices-post-v1")!.Mapper!;

    /// <summary>Connects QuickBooks on a runtime holding <paramref name="plan"/> and runs the sync and its invoice runs.</summary>
    private async Task<IReadOnlyList<RunOutcome>> SyncAsync(IntegrationPlan plan)
    {
        var runtime = new ManifestRuntime(fixture.Pool, new InMemoryInstanceStore(), new InMemoryRunQueue(), _records, _events, new RuntimeOptions
        {
            Routes = _routes,
            // The stand-in is on loopback, which the default egress policy refuses.
            HttpClient = new EgressPolicy { AllowedNetworks = [System.Net.IPNetwork.Parse("127.0.0.1/32")] }.CreateHttpClient(),
        });
        runtime.AddPlans(new PlanCatalog([plan], []));
        await runtime.ConnectAsync("quickbooks", "company-42", new JsonObject { ["realmId"] = "9130", ["access_token"] = AccessToken });
        var outcomes = await runtime.RunUntilIdleAsync();
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error));
        return outcomes;
    }

    private static string Nest(string open, string close, int depth, string inner) =>
        string.Concat(Enumerable.Repeat(open, depth)) + inner + string.Concat(Enumerable.Repeat(close, depth));

    /// <summary>A mapped record as JSON text: its JSON elements need the runtime's depth to be written.</summary>
    private static string Text(object record) => JsonSerializer.Serialize(record, record.GetType(), DataJson.SerializerOptions);

    [Fact]
    public async Task A_record_nested_deeper_than_the_readers_default_64_levels_maps_and_fails_as_through_the_DOM_mapper()
    {
        // 150 levels (the reader's default allows 64, the runtime's documents DataJson.MaxDepth): a kept object
        // (BillAddr), a captured filter result (Line[...].Description), an unread member (skipped) and, in the
        // second invoice, a required number that is a deep object (a wrong-type error describing it).
        var deep = Nest("{\"a\":", "}", 150, "1");
        var mapped = $$$"""{"Id":"201","TxnDate":"2024-01-31","TotalAmt":5,"CustomerRef":{"value":"7"},"Unread":{{{deep}}},"BillAddr":{{{deep}}},"Line":[{"DetailType":"SalesItemLineDetail","Description":{{{deep}}},"LineNum":1}]}""";
        var failing = $$$"""{"Id":"202","TxnDate":"2024-01-31","TotalAmt":{{{deep}}},"CustomerRef":{"value":"7"}}""";
        _apis.RawInvoicesJson = $$$"""{"QueryResponse":{"Invoice":[{{{mapped}}},{{{failing}}}]}}""";

        var outcomes = await SyncAsync(QuickBooks);

        Assert.Equal(3, outcomes.Count);
        MappingResult<object> Dom(string json)
        {
            using var document = DataJson.ParseDocument(json);
            return InvoiceMapper.Map(document.RootElement);
        }
        var record = Assert.Single(_records.Records);
        var expected = Dom(mapped);
        Assert.True(expected.Succeeded);
        Assert.Equal(Text(expected.Record!), Text(record.Record));
        Assert.Contains("\"LineDescriptions\":[" + deep + "]", Text(record.Record), StringComparison.Ordinal);

        var failure = Assert.Single(_records.Failures);
        var error = Assert.Single(failure.Errors);
        Assert.Equal(Dom(failure.RecordJson).Errors, failure.Errors);
        Assert.Equal(Dom(failing).Errors, failure.Errors);
        Assert.Equal(("totalAmount", "$.TotalAmt"), (error.Field, error.Path));
        Assert.Contains("is an object", error.Message, StringComparison.Ordinal);
        Assert.Contains(_events.Events, e => e is { DebugType: "mapping_error", Code: 422 } && e.Message.Contains("$.TotalAmt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_runtime_maps_each_record_from_its_UTF8_bytes_through_the_plans_streaming_mapper()
    {
        _apis.Invoices = [ThirdPartyApis.Invoice("301", 12.5m), ThirdPartyApis.Invoice("302", 80m), new JsonObject { ["Id"] = "303" }];
        var counting = new CountingMapper(InvoiceMapper);

        await SyncAsync(new WithMapper(QuickBooks, "invoices-post-v1", counting));

        // Every record, the one that fails too, went through the UTF-8 entry point; none through the DOM's.
        Assert.Equal((3, 0), (counting.FromUtf8, counting.FromElement));
        Assert.Equal(["301", "302"], _records.Records.Select(r => (string)r.Record.GetType().GetProperty("IntegrationInvoiceId")!.GetValue(r.Record)!).Order());
        var failure = Assert.Single(_records.Failures);
        Assert.Equal(["txnDate", "totalAmount", "customerId"], failure.Errors.Select(e => e.Field));
        Assert.Equal("""{"Id":"303"}""", failure.RecordJson);
        // What those bytes went through: the generated streaming mapper, whose results are the DOM mapper's.
        foreach (var r in _records.Records)
        {
            using var document = DataJson.ParseDocument(JsonSerializer.Serialize(_apis.Invoices.Single(i => (string)i!["Id"]! == (string)r.Record.GetType().GetProperty("IntegrationInvoiceId")!.GetValue(r.Record)!)));
            Assert.Equal(Text(InvoiceMapper.Map(document.RootElement).Record!), Text(r.Record));
        }
    }

    /// <summary>The plan's own mapper, counting which of its two entry points the runtime calls.</summary>
    private sealed class CountingMapper(IRecordMapper inner) : IRecordMapper
    {
        private int _fromElement;
        private int _fromUtf8;

        public int FromElement => Volatile.Read(ref _fromElement);

        public int FromUtf8 => Volatile.Read(ref _fromUtf8);

        public Type RecordType => inner.RecordType;

        public IReadOnlyList<FieldPlan> Fields => inner.Fields;

        public MappingResult<object> Map(JsonElement record)
        {
            Interlocked.Increment(ref _fromElement);
            return inner.Map(record);
        }

        public MappingResult<object> Map(ReadOnlySpan<byte> utf8Json)
        {
            Interlocked.Increment(ref _fromUtf8);
            return inner.Map(utf8Json);
        }
    }

    /// <summary>A compiled plan with one action's mapper replaced.</summary>
    private sealed class WithMapper(IntegrationPlan plan, string action, IRecordMapper mapper) : IntegrationPlan
    {
        public override string Name => plan.Name;

        public override OAuthPlan OAuth => plan.OAuth;

        public override SchemaPlan Schema => plan.Schema;

        public override IReadOnlyList<ActionPlan> Actions { get; } = [.. plan.Actions.Select(a => a.Name == action ? a with { Mapper = mapper } : a)];

        public override UserTypesPlan? UserTypes => plan.UserTypes;

        public override WebhookRouterPlan? Webhook => plan.Webhook;

        public override IReadOnlyList<string> Assets => plan.Assets;
    }
}
