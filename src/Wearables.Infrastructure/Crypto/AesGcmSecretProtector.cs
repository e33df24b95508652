using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Wearables.Application.Common;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Infrastructure.Crypto;

/// <summary>
/// AES-256-GCM with a key derived per project: HKDF-SHA256(master key, salt = project id).
/// Envelope: <c>wv1.&lt;key id&gt;.&lt;base64url(nonce ‖ tag ‖ ciphertext)&gt;</c>. The version, key id,
/// project, scope and field are the associated data, so an envelope copied to another project,
/// provider, connection or field fails to open. Rotation: envelopes name their key id; older
/// master keys stay configured to decrypt, new envelopes always use the active key.
/// </summary>
public sealed class AesGcmSecretProtector : ISecretProtector
{
    private const string Version = "wv1";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] Info = Encoding.UTF8.GetBytes("wearables/secret-protector/v1");

    private readonly MasterKeyRing keyRing;

    // Derived keys, per master key and project. HKDF through OpenSSL 3 fetches a KDF per call, which
    // was most of connect's crypto cost. Keeping them adds no exposure: the master keys they come
    // from are in this process's memory for its whole life anyway.
    // Bounded far above the number of projects of one deployment.
    private readonly BoundedMemo<(string KeyId, string ProjectId), byte[]> derivedKeys = new(10_000);

    public AesGcmSecretProtector(MasterKeyRing keyRing) => this.keyRing = keyRing;

    public string Protect(string plaintext, SecretPurpose purpose)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var keyId = keyRing.ActiveKeyId;
        var key = KeyFor(keyId, keyRing.Get(keyId)!, purpose.ProjectId);
        var plainBytes = Encoding.UTF8.GetBytes(plaintext);
        var payload = new byte[NonceSize + TagSize + plainBytes.Length];
        var nonce = payload.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        CipherFor(key).Encrypt(nonce, plainBytes, payload.AsSpan(NonceSize + TagSize), payload.AsSpan(NonceSize, TagSize), AssociatedData(keyId, purpose));

        CryptographicOperations.ZeroMemory(plainBytes);
        return $"{Version}.{keyId}.{Base64Url.EncodeToString(payload)}";
    }

    public bool TryUnprotect(string envelope, SecretPurpose purpose, out string plaintext)
    {
        plaintext = string.Empty;
        if (!TryParse(envelope, out var keyId, out var payload) || payload.Length < NonceSize + TagSize || keyRing.Get(keyId) is not { } master)
        {
            return false;
        }

        var key = KeyFor(keyId, master, purpose.ProjectId);
        var plainBytes = new byte[payload.Length - NonceSize - TagSize];
        try
        {
            CipherFor(key).Decrypt(payload.AsSpan(0, NonceSize), payload.AsSpan(NonceSize + TagSize), payload.AsSpan(NonceSize, TagSize), plainBytes, AssociatedData(keyId, purpose));
            plaintext = Encoding.UTF8.GetString(plainBytes);
            return true;
        }
        catch (CryptographicException)
        {
            // Tampered, or made for another project/scope/field: "invalid", never a crash.
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plainBytes);
        }
    }

    public bool NeedsReprotect(string envelope) =>
        TryParse(envelope, out var keyId, out _) && !string.Equals(keyId, keyRing.ActiveKeyId, StringComparison.Ordinal);

    public string ActiveKeyId => keyRing.ActiveKeyId;

    public IReadOnlyCollection<string> KeyIds => keyRing.KeyIds;

    public bool TryReprotect(string envelope, SecretPurpose purpose, out string resealed)
    {
        resealed = envelope;
        if (!TryUnprotect(envelope, purpose, out var plaintext))
        {
            return false;
        }

        if (NeedsReprotect(envelope))
        {
            resealed = Protect(plaintext, purpose);
        }

        return true;
    }

    /// <summary>The derived keys held (for tests of the bound).</summary>
    internal BoundedMemo<(string KeyId, string ProjectId), byte[]> DerivedKeys => derivedKeys;

    private byte[] KeyFor(string keyId, byte[] master, string projectId)
    {
        if (!derivedKeys.TryGet((keyId, projectId), out var key))
        {
            key = DeriveKey(master, projectId);
            derivedKeys.Add((keyId, projectId), key);
        }

        return key;
    }

    /// <summary>
    /// The cipher of this thread for a derived key. Setting up OpenSSL's cipher context and its key
    /// schedule cost more than sealing or opening a token. An <see cref="AesGcm"/> is not safe for
    /// concurrent use, so each thread keeps one, for the last derived key it used (the memo hands out one
    /// array per key and project, compared by reference); each use is synchronous and never nested.
    /// </summary>
    private static AesGcm CipherFor(byte[] key)
    {
        if (cipher is null || !ReferenceEquals(cipherKey, key))
        {
            cipher?.Dispose();
            cipher = null;
            cipher = new AesGcm(key, TagSize);
            cipherKey = key;
        }

        return cipher;
    }

    [ThreadStatic]
    private static AesGcm? cipher;

    [ThreadStatic]
    private static byte[]? cipherKey;

    private static byte[] DeriveKey(byte[] master, string projectId) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, Encoding.UTF8.GetBytes(projectId), Info);

    private static byte[] AssociatedData(string keyId, SecretPurpose purpose) =>
        Encoding.UTF8.GetBytes($"{Version}\0{keyId}\0{purpose.ProjectId}\0{purpose.Scope}\0{purpose.Field}");

    private static bool TryParse(string? envelope, out string keyId, out byte[] payload)
    {
        keyId = string.Empty;
        payload = [];
        if (envelope is null)
        {
            return false;
        }

        var parts = envelope.Split('.');
        if (parts.Length != 3 || parts[0] != Version || parts[1].Length == 0)
        {
            return false;
        }

        try
        {
            payload = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }

        keyId = parts[1];
        return true;
    }
}
