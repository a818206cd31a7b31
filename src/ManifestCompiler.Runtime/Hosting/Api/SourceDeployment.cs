using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ManifestCompiler.Runtime.Hosting.Api;

/// <summary>
/// What a host compiles deployed sources with (<c>mfc serve</c>: the same compiler as <c>mfc build</c>). The runtime
/// never depends on the compiler: a host without one deploys plan assemblies from its configuration only.
/// </summary>
public interface IPlanSourceCompiler
{
    /// <summary>The plan assembly of the integration folders and manifests under <paramref name="folder"/>, or why there is none.</summary>
    PlanSourceCompilation Compile(string folder);
}

/// <summary>
/// A compilation of deployed sources: the assembly image; or <see cref="Problem"/> (the sources are not a workspace),
/// or <see cref="DiagnosticsJson"/> (they have errors, as <c>mfc check --format json</c> prints them).
/// </summary>
public sealed record PlanSourceCompilation(byte[]? Image, string? Problem = null, string? DiagnosticsJson = null);

/// <summary>
/// A deploy over HTTP: a zip of sources (integration folders and ChiefOnboarding manifests), never an assembly. The
/// body is streamed to a private temporary folder up to a size limit, its entries checked (no absolute paths or
/// <c>..</c>, at most <see cref="MaxEntries"/> entries, the unpacked total bounded), then compiled with the
/// host's compiler (<see cref="IPlanSourceCompiler"/>); only the assembly that compiler emits is loaded. Sources with
/// errors are refused with their diagnostics.
/// </summary>
public static class SourceDeployment
{
    public const long DefaultMaxBytes = 10 * 1024 * 1024;
    public const int MaxEntries = 2_000;

    /// <summary>The assembly image and the zip it came from (what the store keeps), or the answer that refuses the request.</summary>
    internal static async Task<(byte[]? Image, byte[]? Zip, IResult? Refusal)> CompileAsync(HttpContext context, IPlanSourceCompiler? compiler, long maxBytes, CancellationToken cancellationToken)
    {
        if (compiler is null)
        {
            return (null, null, Problem(StatusCodes.Status501NotImplemented, "this host compiles no sources (it has no IPlanSourceCompiler); its plans come from its configuration"));
        }
        var request = context.Request;
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), "application/zip", StringComparison.OrdinalIgnoreCase))
        {
            return (null, null, Problem(StatusCodes.Status415UnsupportedMediaType, "a deploy is a zip of integration folders and manifests (Content-Type: application/zip); assemblies are loaded only from the command line"));
        }
        if (request.ContentLength > maxBytes)
        {
            return (null, null, Problem(StatusCodes.Status413PayloadTooLarge, $"the deploy is larger than {maxBytes} bytes (--max-deploy-bytes)"));
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
                return (null, null, Problem(StatusCodes.Status413PayloadTooLarge, $"the deploy is larger than {maxBytes} bytes (--max-deploy-bytes)"));
            }
            var (compiled, sources) = CompileUnpacked(zipPath, folder.FullName, compiler, maxUnpacked: maxBytes * 10);
            if (compiled.Image is null)
            {
                return compiled.DiagnosticsJson is { } diagnostics
                    // Paths as they are inside the zip, not where it was unpacked.
                    ? (null, null, Results.Content(diagnostics.Replace(sources + "/", "", StringComparison.Ordinal), "application/json", System.Text.Encoding.UTF8, StatusCodes.Status400BadRequest))
                    : (null, null, Problem(StatusCodes.Status400BadRequest, compiled.Problem ?? "the sources did not compile"));
            }
            return (compiled.Image, await File.ReadAllBytesAsync(zipPath, cancellationToken), null);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A stored zip of sources (another host's deploy, from the store) compiled as a deploy over HTTP is: unpacked
    /// under the same checks into a private temporary folder and compiled by this host's compiler.
    /// </summary>
    internal static PlanSourceCompilation CompileStored(byte[] zip, IPlanSourceCompiler compiler, long maxUnpacked)
    {
        var folder = Directory.CreateTempSubdirectory("mfc-deploy-");
        try
        {
            var zipPath = Path.Combine(folder.FullName, "stored.zip");
            File.WriteAllBytes(zipPath, zip);
            return CompileUnpacked(zipPath, folder.FullName, compiler, maxUnpacked).Compilation;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Unpacks <paramref name="zipPath"/> into <c>sources</c> under <paramref name="folder"/> and compiles it; the folder is returned for messages.</summary>
    private static (PlanSourceCompilation Compilation, string Sources) CompileUnpacked(string zipPath, string folder, IPlanSourceCompiler compiler, long maxUnpacked)
    {
        var sources = Path.Combine(folder, "sources");
        return Extract(zipPath, sources, maxUnpacked) is { } problem
            ? (new PlanSourceCompilation(null, Problem: problem), sources)
            : (compiler.Compile(sources), sources);
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
