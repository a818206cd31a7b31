using ManifestCompiler.Runtime.Support.Json;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ManifestCompiler.Runtime.Support.Plans;
using ManifestCompiler.Runtime.Support.Values;

namespace ManifestCompiler.Runtime.ChiefOnboarding;

/// <summary>
/// What one request ended with. <see cref="Success"/> is false with an <see cref="Error"/> in the reference engine's
/// words (docs/runtime.md, "ChiefOnboarding manifests", Requests); any HTTP status is a completed request unless the item lists <c>status_code</c>.
/// <see cref="Json"/> is the parsed body, or null when it is not JSON (<see cref="Text"/> then holds it).
/// </summary>
internal sealed record RequestResult(bool Success, string? Error, string Url, int Status, byte[] Body, JsonElement? Json)
{
    public string Text => Json is null ? Encoding.UTF8.GetString(Body) : "";

    public static RequestResult Failed(string url, string error) => new(false, error, url, 0, [], null);
}

/// <summary>
/// Sends one <see cref="RequestPlan"/> as ChiefOnboarding does (docs/chiefonboarding-semantics.md, "Requests"), with the documented semantics where
/// the reference engine differs: <c>status_code</c> integers match, <c>data</c> goes out as JSON unless
/// <c>cast_data_to_json</c> is true (then form-encoded the way <c>requests</c> encodes a dict), and a request with
/// <c>files</c> is multipart with the manifest's <c>Content-Type</c> left out (it would break the boundary).
/// </summary>
internal sealed class RequestSender(HttpClient http, OutboundRoutes routes, TimeProvider time)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public async Task<RequestResult> SendAsync(
        ChiefOnboardingPlan plan,
        RequestPlan request,
        TemplateScope scope,
        IReadOnlyDictionary<string, byte[]> files,
        System.Text.Json.Nodes.JsonObject extraArgs,
        SecretRedactor redactor,
        string? appendCode,
        CancellationToken cancellationToken)
    {
        var url = request.Url.Render(scope);
        if (appendCode is not null)
        {
            // The OAuth callback's code, added after rendering so it is never read as a template.
            url += (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "code=" + Uri.EscapeDataString(appendCode);
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            return RequestResult.Failed(url, "The url is invalid");
        }
        foreach (var file in request.Files)
        {
            if (!files.ContainsKey(file.FileName))
            {
                return RequestResult.Failed(url, $"{file.FileName} could not be found in the locally saved files");
            }
        }

        using var message = new HttpRequestMessage(new HttpMethod(request.Method.ToUpperInvariant()), routes.Rewrite(uri));
        HttpContent? content = null;
        if (request.Files.Count > 0)
        {
            var multipart = new MultipartFormDataContent();
            if (request.Data is not null)
            {
                using var document = request.Data.RenderDocument(scope);
                foreach (var (name, value) in FormFields(document.RootElement) ?? [])
                {
                    multipart.Add(new StringContent(value), name);
                }
            }
            foreach (var file in request.Files)
            {
                multipart.Add(new ByteArrayContent(files[file.FileName]), file.FieldName, file.FileName);
            }
            content = multipart;
        }
        else if (request.Data is not null)
        {
            var body = request.Data.RenderUtf8(scope);
            if (request.FormEncodeData)
            {
                using var document = DataJson.ParseDocument(body);
                if (document.RootElement.ValueKind == JsonValueKind.String)
                {
                    content = new ByteArrayContent(Encoding.UTF8.GetBytes(document.RootElement.GetString()!));
                }
                else if (FormFields(document.RootElement) is { } fields)
                {
                    content = new FormUrlEncodedContent(fields);
                }
                else
                {
                    return RequestResult.Failed(url, "There was an unexpected error with the request (the data cannot be form-encoded)");
                }
            }
            else
            {
                // The rendered JSON as is; like requests, no Content-Type unless the manifest sets one.
                content = new ByteArrayContent(body);
            }
        }
        message.Content = content;

        foreach (var header in plan.HeadersFor(request))
        {
            var name = header.Name.Render(scope);
            var value = header.Value.Render(scope);
            if (name == "Authorization" && value.StartsWith("Basic", StringComparison.Ordinal))
            {
                var space = value.IndexOf(' ', StringComparison.Ordinal);
                var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(space < 0 ? "" : value[(space + 1)..]));
                redactor.Add(encoded);
                value = "Basic " + encoded;
            }
            if (request.Files.Count > 0 && name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (!TryAddHeader(message, name, value))
            {
                return RequestResult.Failed(url, "The header is invalid");
            }
        }
        if (request.ExtraHeaders == "pritunl")
        {
            if (PritunlHeaders(extraArgs, message.Method.Method, uri) is not { } pritunl)
            {
                return RequestResult.Failed(url, "Missing API_TOKEN/API_SECRET (or legacy PRITUNL_API_* keys)");
            }
            foreach (var (name, value) in pritunl)
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var json = ParseJson(bytes);
            if (request.StatusCodes.Count > 0 && !request.StatusCodes.Contains(status))
            {
                return new RequestResult(false, $"Status code ({status}) not in allowed list ([{string.Join(", ", request.StatusCodes)}])", url, status, bytes, json);
            }
            return new RequestResult(true, null, url, status, bytes, json);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return RequestResult.Failed(url, "The request timed out");
        }
        catch (HttpRequestException e) when (e.InnerException is AuthenticationException)
        {
            return RequestResult.Failed(url, "An SSL error occurred");
        }
        catch (HttpRequestException e)
        {
            return RequestResult.Failed(url, $"There was an unexpected error with the request ({e.Message})");
        }
    }

    private static bool TryAddHeader(HttpRequestMessage message, string name, string value)
    {
        try
        {
            if (message.Headers.TryAddWithoutValidation(name, value))
            {
                return true;
            }
            message.Content ??= new ByteArrayContent([]);
            return message.Content.Headers.TryAddWithoutValidation(name, value);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static JsonElement? ParseJson(byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }
        try
        {
            using var document = DataJson.ParseDocument(body);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// A dict as <c>requests</c> form-encodes it: each key once per value, a list's items repeated, a nested dict's
    /// keys only, <c>None</c> left out, other values as Python's <c>str()</c>. A list of pairs works too; anything
    /// else cannot be encoded (null).
    /// </summary>
    internal static List<KeyValuePair<string, string>>? FormFields(JsonElement data)
    {
        var fields = new List<KeyValuePair<string, string>>();
        void Add(string key, JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Null:
                    break;
                case JsonValueKind.Array:
                    foreach (var item in value.EnumerateArray())
                    {
                        if (item.ValueKind != JsonValueKind.Null)
                        {
                            fields.Add(new(key, JsonPythonFormat.Str(item)));
                        }
                    }
                    break;
                case JsonValueKind.Object:
                    foreach (var property in value.EnumerateObject())
                    {
                        fields.Add(new(key, property.Name));
                    }
                    break;
                default:
                    fields.Add(new(key, JsonPythonFormat.Str(value)));
                    break;
            }
        }
        switch (data.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in data.EnumerateObject())
                {
                    Add(property.Name, property.Value);
                }
                return fields;
            case JsonValueKind.Array:
                foreach (var pair in data.EnumerateArray())
                {
                    if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2)
                    {
                        return null;
                    }
                    Add(JsonPythonFormat.Str(pair[0]), pair[1]);
                }
                return fields;
            default:
                return null;
        }
    }

    /// <summary><c>extra_headers: "pritunl"</c>: Pritunl's HMAC request signature (docs/chiefonboarding-semantics.md, "Requests"); null without credentials.</summary>
    private List<KeyValuePair<string, string>>? PritunlHeaders(System.Text.Json.Nodes.JsonObject extraArgs, string method, Uri url)
    {
        var token = JsonText.Of(extraArgs["API_TOKEN"]) ?? JsonText.Of(extraArgs["PRITUNL_API_TOKEN"]);
        var secret = JsonText.Of(extraArgs["API_SECRET"]) ?? JsonText.Of(extraArgs["PRITUNL_API_SECRET"]);
        if (string.IsNullOrEmpty(token) || string.IsNullOrEmpty(secret))
        {
            return null;
        }
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var nonce = Guid.NewGuid().ToString("N");
        var signed = string.Join("&", token, timestamp, nonce, method.ToUpperInvariant(), url.PathAndQuery);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(signed)));
        return [new("Auth-Token", token), new("Auth-Timestamp", timestamp), new("Auth-Nonce", nonce), new("Auth-Signature", signature)];
    }
}
