using ManifestCompiler.IR;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Testing;

namespace ManifestCompiler.Tests.Compilation;

/// <summary>
/// The IR the QuickBooks sample binds to: what its generated plan runs (docs/generated-plans.md, "BOSSi integration
/// folders"): the connection, the request security, each action's flags, rate limit, steps and field mapping, the roles
/// and the webhook.
/// </summary>
public class BossiIrTests
{
    private static IntegrationIR QuickBooks()
    {
        var folder = CompilationInputs.ReadIntegration(Path.Combine(RepositoryPaths.Root, "samples", "bossi", "quickbooks"), "quickbooks");
        var result = ManifestCompilation.CompileIntegration(folder);
        Assert.Empty(result.Diagnostics.Where(d => d.Severity >= Syntax.Diagnostics.DiagnosticSeverity.Warning).Select(d => d.ToString()));
        return result.Value!;
    }

    private static string[] Names(EquatableArray<NamedTemplateIR> templates) => [.. templates.Select(t => t.Name + "=" + t.Value.Source)];

    [Fact]
    public void The_connection_binds_its_services_urls_parameters_tokens_and_trigger_steps()
    {
        var oauth = QuickBooks().OAuth;

        Assert.Equal("QuickBooks", oauth.Name);
        Assert.Equal(["payments"], oauth.Services);
        Assert.False(oauth.IsNonOauth);
        Assert.True(oauth.GenerateWebhook);
        Assert.Equal("https://appcenter.intuit.com/connect/oauth2", oauth.Url?.Source);
        Assert.Equal("https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer", oauth.TokenUrl?.Source);
        Assert.Equal(("ABc123ClientId", "do-not-commit-real-secrets"), (oauth.ClientId, oauth.ClientSecret));
        Assert.Equal(
            ["client_id=ABc123ClientId", "response_type=code", "scope=com.intuit.quickbooks.accounting", "redirect_uri={{generic_callback}}", "state={{company_id}}"],
            Names(oauth.Parameters));
        var redirect = oauth.Parameters.Single(p => p.Name == "redirect_uri").Value;
        Assert.Equal<TemplatePartIR>([new TemplateHoleIR(new[] { "generic_callback" }.ToEquatableArray(), EquatableArray<TemplateFilterIR>.Empty)], redirect.Parts);
        Assert.Equal(
            ["realmId={{realmId}}", "x_refresh_token_expires_in={{x_refresh_token_expires_in}}", "access_token={{access_token}}", "refresh_token={{refresh_token}}"],
            Names(oauth.Tokens));
        Assert.Empty(oauth.RequiredQueryParams);
        Assert.Equal([new TriggerStepIR("quickbooks-sync-v1", new JsonObjectIR(EquatableArray<JsonPropertyIR>.Empty))], oauth.TriggerSteps);
    }

    [Fact]
    public void The_schema_binds_its_identity_variables_security_and_delete_action()
    {
        var schema = QuickBooks().Schema;

        Assert.Equal(("Quickbooks Generic Integration", "1.0.0"), (schema.Name, schema.Version));
        Assert.Equal("Accounting data from QuickBooks Online: invoices and reports.", schema.Description);
        Assert.Equal(
            ["url=https://quickbooks.api.intuit.com/v3/company/{{realmId}}/reports", "apiUrl=https://quickbooks.api.intuit.com/v3/company/{{realmId}}",
             "webhookVerifierToken=do-not-commit-real-verifier-tokens"],
            Names(schema.Variables));
        var security = schema.Security!;
        Assert.Equal(("bearer", "{{access_token}}", "access_token", "expires_in"), (security.Type, security.Token?.Source, security.AccessTokenVariable, security.ExpiryInVariable));
        Assert.Equal("https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer", security.RefreshTokenUrl?.Source);
        Assert.Equal(new TriggerStepIR("delete-integrations-v1", new JsonObjectIR(EquatableArray<JsonPropertyIR>.Empty)), schema.DeleteAction);
    }

    [Fact]
    public void Each_action_binds_its_flags_rate_limit_steps_and_the_calls_its_code_makes()
    {
        var actions = QuickBooks().Actions;

        Assert.Equal(["quickbooks-sync-v1", "invoices-post-v1", "get-profit-and-loss-v1", "delete-integrations-v1"], actions.Select(a => a.Name));
        Assert.Equal(
            new (bool, bool, RateLimitIR?)[] { (true, false, null), (false, false, null), (false, true, new RateLimitIR(30, 60)), (true, false, null) },
            actions.Select(a => (a.SkipParser, a.ReturnsData, a.RateLimit)));
        var step = Assert.Single(actions[2].Steps);
        Assert.Equal(("action", "action/get-profit-and-loss-v1/code/action.py", false), (step.CodeRef, step.CodePath, step.ContinueOnFailure));
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "bossi", "quickbooks", step.CodePath)), step.Source);
        var sync = Assert.Single(actions[0].Steps);
        Assert.Equal([new ActionCallIR(ActionCallKind.SendToTrigger, "invoices-post-v1")], sync.Calls);
        // Only actions that go through the parser have a mapping; skipParser ones have none.
        Assert.Equal([false, true, true, false], actions.Select(a => a.Mapping is not null));
    }

    [Fact]
    public void The_invoice_mapping_binds_each_fields_type_required_flag_and_query_in_file_order()
    {
        var mapping = QuickBooks().Actions.Single(a => a.Name == "invoices-post-v1").Mapping!;

        Assert.Equal("1.0", mapping.Version);
        Assert.Equal(
            [
                ("integrationInvoiceId", FieldDataType.String, true, "$.Id"),
                ("docNumber", FieldDataType.String, false, "$.DocNumber"),
                ("txnDate", FieldDataType.Date, true, "$.TxnDate"),
                ("dueDate", FieldDataType.Date, false, "$.DueDate"),
                ("totalAmount", FieldDataType.Number, true, "$.TotalAmt"),
                ("balance", FieldDataType.Number, false, "$.Balance"),
                ("customerId", FieldDataType.String, true, "$.CustomerRef.value"),
                ("customerName", FieldDataType.String, false, "$.CustomerRef.name"),
                ("currency", FieldDataType.String, false, "$.CurrencyRef.value"),
                ("lineCount", FieldDataType.Integer, false, "$.Line[-1].LineNum"),
                ("lineDescriptions", FieldDataType.Array, false, "$.Line[?@.DetailType == 'SalesItemLineDetail'].Description"),
                ("emailed", FieldDataType.Boolean, false, "$.EmailStatus"),
                ("updatedAt", FieldDataType.DateTime, false, "$.MetaData.LastUpdatedTime"),
                ("billingAddress", FieldDataType.Object, false, "$.BillAddr"),
            ],
            mapping.Fields.Select(f => (f.Name, f.DataType, f.Required, f.EquivalentName.ToString())));
    }

    [Fact]
    public void The_roles_and_the_webhook_bind_in_file_order()
    {
        var integration = QuickBooks();

        Assert.Equal(
            ["owner: quickbooks-sync-v1 invoices-post-v1 get-profit-and-loss-v1 delete-integrations-v1", "companyAdmin: quickbooks-sync-v1 get-profit-and-loss-v1",
             "employee: get-profit-and-loss-v1", "standardNoAccess: "],
            integration.UserTypes!.Roles.Select(r => r.Role + ": " + string.Join(" ", r.Actions)));

        var webhook = integration.Webhook!;
        Assert.Equal(["eventNotifications"], webhook.BodyRequired);
        Assert.Empty(webhook.HeadersRequired);
        var step = Assert.Single(webhook.TriggerSteps);
        Assert.Equal(("len(body['eventNotifications']) > 0", "quickbooks-sync-v1"), (step.Condition?.Source, step.Action));
        Assert.Equal(
            ["realm=str(body['eventNotifications'][0]['realmId'])", "entities=len(body['eventNotifications'][0]['dataChangeEvent']['entities'])"],
            step.Memory.Select(m => m.Key + "=" + m.Expression.Source));
        var payload = Assert.IsType<JsonObjectIR>(step.Payload);
        Assert.Equal(["realmId={{realm}}", "changed={{entities}}"], payload.Properties.Select(p => p.Name + "=" + Assert.IsType<JsonStringIR>(p.Value).Value.Source));
        Assert.Equal(("intuit-signature", WebhookSignatureScheme.HmacSha256Base64, "{{webhookVerifierToken}}"), (webhook.Signature!.Header, webhook.Signature.Scheme, webhook.Signature.Secret.Source));
        Assert.Empty(integration.Assets);
    }
}
