using System.Text.Json;
using ManifestCompiler.Runtime.Support.Json;

namespace ManifestCompiler.Runtime.Support.Python;

/// <summary>Where a webhook <c>{{hole}}</c> may look, in the order of <see cref="WebhookHoles"/>' rule.</summary>
[Flags]
public enum WebhookHoleSources
{
    /// <summary>The step's memory keys (bound before the payload renders).</summary>
    Memory = 1,

    /// <summary>The request body's top-level keys (matched exactly).</summary>
    Body = 2,

    /// <summary>The request headers (matched without regard to case, as HTTP does).</summary>
    Headers = 4,

    /// <summary>A hole in a condition or memory expression (memory keys are Python names there, written bare).</summary>
    Expression = Body | Headers,

    /// <summary>A placeholder in a trigger step's payload (MC6012 says when one reads the body).</summary>
    Payload = Memory | Body,
}

/// <summary>
/// The one resolver of a webhook <c>{{hole}}</c> (docs/runtime.md, "Webhook placeholders"): a hole names, in this
/// order, a memory key, the request body's top-level key, or a request header matched without regard to case; each
/// position looks only where <see cref="WebhookHoleSources"/> says (expressions: body, then headers; payloads: memory,
/// then body). The first that has the name wins; none is "not found".
/// </summary>
public static class WebhookHoles
{
    /// <summary>Resolves <paramref name="name"/>: a memory value in <paramref name="memoryValue"/>, or a JSON value in <paramref name="json"/>.</summary>
    public static bool TryResolve(
        string name,
        WebhookHoleSources sources,
        IReadOnlyDictionary<string, PyValue>? memory,
        PyScope scope,
        out PyValue? memoryValue,
        out JsonElement json)
    {
        memoryValue = null;
        json = default;
        if ((sources & WebhookHoleSources.Memory) != 0 && memory is not null && memory.TryGetValue(name, out var value))
        {
            memoryValue = value;
            return true;
        }
        if ((sources & WebhookHoleSources.Body) != 0 && scope.TryGetBodyMember(name, out json))
        {
            return true;
        }
        return (sources & WebhookHoleSources.Headers) != 0 && JsonMembers.TryGetHeader(scope.Headers, name, out json);
    }
}
