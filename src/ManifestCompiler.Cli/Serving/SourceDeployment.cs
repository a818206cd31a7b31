using System.IO.Compression;
using ManifestCompiler.Cli.Checking;
using ManifestCompiler.Cli.Running;
using ManifestCompiler.Workspace;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ManifestCompiler.Cli.Serving;

/// <summary>
/// A deploy over HTTP: a zip of sources (integration folders and ChiefOnboarding manifests), never an assembly. The
/// body is streamed to a private temporary folder up to a size limit, its entries checked (no absolute paths or
/// <c>..</c>, at most <see cref="MaxEntries"/> entries, the unpacked total bounded), then compiled with the same
/// compiler as <c>mfc build</c>; only the assembly that compiler emits is loaded. Sources with errors are refused
/// with their diagnostics (as <c>mfc check --format json</c> prints them).
/// </summary>
internal static class SourceDeployment
{
    public const long DefaultMaxBytes = 10 * 1024 * 1024;
    public const int MaxEntries = 2_000;

    /// <summary>The assembly image, or the answer that refuses the request.</summary>
    public static async Task<(byte[]? Image, IResult? Refusal)> CompileAsync(HttpContext context, long maxBytes, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), "application/zip", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "a deploy is a zip of integration folders and manifests (Content-Type: application/zip); assemblies are loaded only from the command line"));
        }
        if (request.ContentLength > maxBytes)
        {
            return (null, Problem(StatusCodes.Status413PayloadTooLarge, $"the deploy is larger than {maxBytes} bytes (--max-deploy-bytes)"));
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        var folder = Directory.CreateTempSubdirectory("mfc-deploy-");
        try
        {
            var zipPath = Path.Combine(folder.FullName, "upload.zip");
            if (!await CopyBoundedAsync(request.Body, zipPath, maxBytes, cancellationToken))
            {
                return (null, Problem(StatusCodes.Status413PayloadTooLarge, $"the deploy is larger than {maxBytes} bytes (--max-deploy-bytes)"));
            }
            var sources = Path.Combine(folder.FullName, "sources");
            if (Extract(zipPath, sources, maxUnpacked: maxBytes * 10) is { } problem)
            {
                return (null, Problem(StatusCodes.Status400BadRequest, problem));
            }
            var workspace = ManifestWorkspace.Load([sources]);
            if (workspace.Problems.Length > 0 || workspace.Count == 0)
            {
                return (null, Problem(StatusCodes.Status400BadRequest, workspace.Count == 0 ? "the zip holds no integration folder or manifest" : string.Join("; ", workspace.Problems)));
            }
            var built = RunnablePlans.Build(workspace, "DeployedPlans");
            if (built.Image is null)
            {
                using var json = new MemoryStream();
                DiagnosticWriters.WriteJson(json, built.Diagnostics, CheckSummary.Of(built.Integrations, built.Manifests, built.Diagnostics));
                // Paths as they are inside the zip, not where it was unpacked.
                var text = System.Text.Encoding.UTF8.GetString(json.ToArray()).Replace(sources + "/", "", StringComparison.Ordinal);
                return (null, Results.Content(text, "application/json", System.Text.Encoding.UTF8, StatusCodes.Status400BadRequest));
            }
            return (built.Image, null);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<bool> CopyBoundedAsync(Stream body, string path, long maxBytes, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        try
        {
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
                if (total > maxBytes)
                {
                    return false;
                }
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return false;
        }
        return true;
    }

    /// <summary>Unpacks the zip under <paramref name="root"/>; the reason it is refused, or null.</summary>
    private static string? Extract(string zipPath, string root, long maxUnpacked)
    {
        Directory.CreateDirectory(root);
        var rootPrefix = Path.GetFullPath(root) + Path.DirectorySeparatorChar;
        try
        {
            using var zip = ZipFile.OpenRead(zipPath);
            if (zip.Entries.Count > MaxEntries)
            {
                return $"the zip has {zip.Entries.Count} entries; at most {MaxEntries} are accepted";
            }
            long unpacked = 0;
            foreach (var entry in zip.Entries)
            {
                var name = entry.FullName;
                if (name.EndsWith('/'))
                {
                    continue; // a folder
                }
                var segments = name.Split('/');
                if (name.Length == 0 || name.StartsWith('/') || name.Contains('\\', StringComparison.Ordinal) || name.Contains(':', StringComparison.Ordinal)
                    || name.Contains('\0', StringComparison.Ordinal) || segments.Any(s => s is "" or "." or ".."))
                {
                    return $"the zip entry '{name}' is not a plain relative path";
                }
                var target = Path.GetFullPath(Path.Combine(root, name));
                if (!target.StartsWith(rootPrefix, StringComparison.Ordinal))
                {
                    return $"the zip entry '{name}' leaves the deploy folder";
                }
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                using var input = entry.Open();
                using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
                var buffer = new byte[81920];
                int read;
                while ((read = input.Read(buffer)) > 0)
                {
                    unpacked += read;
                    if (unpacked > maxUnpacked)
                    {
                        return $"the zip unpacks to more than {maxUnpacked} bytes";
                    }
                    output.Write(buffer, 0, read);
                }
            }
            return null;
        }
        catch (InvalidDataException e)
        {
            return "not a zip of sources: " + e.Message;
        }
        catch (IOException e)
        {
            return "the zip cannot be unpacked: " + e.Message;
        }
    }

    private static IResult Problem(int status, string message) => Results.Json(new System.Text.Json.Nodes.JsonObject { ["error"] = message }, statusCode: status);
}
