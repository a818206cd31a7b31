using System.Security.Cryptography;
using System.Text;

namespace ManifestCompiler.Runtime;

/// <summary>
/// Encrypts tokens at rest with AES-256-GCM under a key from configuration (32 bytes, base64). Each value gets a
/// fresh nonce; the stored form is nonce, tag, ciphertext. A wrong key or a changed byte fails to decrypt.
/// </summary>
public sealed class TokenProtector
{
    private readonly byte[] _key;

    public TokenProtector(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("the token key must be 32 bytes (256 bits)", nameof(key));
        }
        _key = [.. key];
    }

    /// <summary>From base64 text (the configuration's form); throws <see cref="ArgumentException"/> for anything else.</summary>
    public static TokenProtector FromBase64(string key)
    {
        try
        {
            return new TokenProtector(Convert.FromBase64String(key));
        }
        catch (FormatException)
        {
            throw new ArgumentException("the token key is not base64", nameof(key));
        }
    }

    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public byte[] Protect(string plaintext) => Protect(Encoding.UTF8.GetBytes(plaintext), default);

    public string Unprotect(byte[] protectedValue) => Encoding.UTF8.GetString(Unprotect(protectedValue, default));

    /// <summary>
    /// Encrypts <paramref name="data"/> bound to <paramref name="associatedData"/> (authenticated, not encrypted): the
    /// value opens only with the same associated data, so a stored value cannot be moved to another row's place.
    /// </summary>
    public byte[] Protect(ReadOnlySpan<byte> data, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[12 + 16 + data.Length];
        var nonce = output.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(nonce, data, output.AsSpan(28), output.AsSpan(12, 16), associatedData);
        return output;
    }

    /// <summary>The data <see cref="Protect(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> sealed; <see cref="CryptographicException"/> for another key, associated data or a changed byte.</summary>
    public byte[] Unprotect(ReadOnlySpan<byte> protectedValue, ReadOnlySpan<byte> associatedData)
    {
        if (protectedValue.Length < 28)
        {
            throw new CryptographicException("the stored value is truncated");
        }
        var plaintext = new byte[protectedValue.Length - 28];
        using var aes = new AesGcm(_key, 16);
        aes.Decrypt(protectedValue[..12], protectedValue[28..], protectedValue.Slice(12, 16), plaintext, associatedData);
        return plaintext;
    }

    private const string SealedPrefix = "enc1:";

    /// <summary>
    /// Run payloads, cron job payloads, records and mapping failures are sealed with the token key like the tokens
    /// (AES-256-GCM): a step may copy a token into any of them, and at rest nothing a run carries is in the clear
    /// (docs/security.md). Text form, so the columns keep their type.
    /// </summary>
    public string Seal(string plaintext) => SealedPrefix + Convert.ToBase64String(Protect(plaintext));

    /// <summary>A sealed value's text; a value written before values were sealed is returned as it is.</summary>
    public string Open(string stored) =>
        stored.StartsWith(SealedPrefix, StringComparison.Ordinal) ? Unprotect(Convert.FromBase64String(stored[SealedPrefix.Length..])) : stored;
}
