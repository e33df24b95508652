using System.Security.Cryptography;
using System.Text;
using Wearables.Application.Common.Security;
using Wearables.Domain.Security;

namespace Wearables.Application.ApiKeys;

/// <summary>
/// Mints and checks API keys. A key is <c>wk_&lt;id&gt;_&lt;secret&gt;</c>: the 8-character id is public
/// (listings show it), the secret is 32 random bytes. Only the SHA-256 of the whole key is stored;
/// with 256 bits of entropy a fast hash is enough (nothing to brute-force).
/// </summary>
public sealed class ApiKeyIssuer(IApiKeyStore store, TimeProvider time)
{
    private const string KeyPrefix = "wk_";
    private const int IdLength = 8;
    private const int SecretBytes = 32;
    private const string IdAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    /// <summary>Public ids of operator-chosen keys: random, never derived from the key or its hash.</summary>
    private const string ChosenKeyIdPrefix = "key_";

    /// <summary>Length of every key we issue; anything else is rejected before a store lookup.</summary>
    public static readonly int KeyLength = KeyPrefix.Length + IdLength + 1 + 43;

    /// <summary>Creates and stores a key; the returned plaintext is shown once and never again.</summary>
    public async Task<IssuedApiKey> IssueAsync(string projectId, Role role, string? patientId, string name, CancellationToken cancellationToken)
    {
        var (key, plaintext) = Mint(projectId, role, patientId, name);
        await store.AddAsync(key, cancellationToken).ConfigureAwait(false);
        return new IssuedApiKey(key, plaintext);
    }

    /// <summary>
    /// The first start's admin key: created only when the store holds no key at all. With
    /// <paramref name="configuredKey"/> that exact key is used (it must have our format).
    /// </summary>
    public async Task<IssuedApiKey?> BootstrapAsync(string projectId, string? configuredKey, CancellationToken cancellationToken)
    {
        IssuedApiKey issued;
        if (string.IsNullOrEmpty(configuredKey))
        {
            var (key, plaintext) = Mint(projectId, Role.Admin, null, "bootstrap admin");
            issued = new IssuedApiKey(key, plaintext);
        }
        else
        {
            // An operator-chosen key is accepted as it is (any printable ASCII without spaces), so
            // that deployments can inject one from their secret store; keys we mint are 256-bit.
            if (!IsAcceptableKeyText(configuredKey))
            {
                throw new InvalidOperationException(
                    $"Wearables:Bootstrap:AdminApiKey must be 1 to {MaxKeyLength} printable ASCII characters without spaces (better: a key from the create-key verb).");
            }

            // The id is shown in listings: a slice of the key's hash there would let anyone check
            // guesses offline. A key of our shape shows its public prefix, as minted keys do.
            var id = LooksLikeKey(configuredKey) ? configuredKey[..(KeyPrefix.Length + IdLength)] : NewChosenKeyId();
            var key = new ApiKey(id, projectId, Role.Admin, null, "bootstrap admin", Hash(configuredKey), time.GetUtcNow());
            issued = new IssuedApiKey(key, configuredKey);
        }

        return await store.AddIfEmptyAsync(issued.Key, cancellationToken).ConfigureAwait(false) ? issued : null;
    }

    /// <summary>
    /// Operator-chosen keys stored before ids were random carry <c>key_</c> + the first 8 hex digits of
    /// their hash: each gets a random id. The hash is unchanged, so the key itself keeps working.
    /// </summary>
    public Task<int> ReplaceDerivedIdsAsync(CancellationToken cancellationToken) =>
        store.ReplaceIdsAsync(
            ChosenKeyIdPrefix,
            key => string.Equals(key.Id, ChosenKeyIdPrefix + key.Hash[..8], StringComparison.Ordinal) ? NewChosenKeyId() : null,
            cancellationToken);

    /// <summary>The caller a presented key stands for, or null (unknown, revoked or malformed key).</summary>
    public async Task<CallerIdentity?> AuthenticateAsync(string presented, CancellationToken cancellationToken)
    {
        if (!IsAcceptableKeyText(presented))
        {
            return null;
        }

        var hash = Hash(presented);
        var key = await store.FindByHashAsync(hash, cancellationToken).ConfigureAwait(false);
        if (key is null || !key.IsActive
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(key.Hash), Encoding.ASCII.GetBytes(hash)))
        {
            return null;
        }

        return new CallerIdentity(key.ProjectId, key.Role, key.PatientId, key.Id);
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Longest key text we look up; anything longer is refused without a store query.</summary>
    public const int MaxKeyLength = 512;

    /// <summary>Whether a presented value can be a key at all (printable ASCII, no spaces, bounded): only those are looked up.</summary>
    public static bool IsAcceptableKeyText(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxKeyLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is <= ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a value has the shape of a key this service minted (<c>wk_&lt;8&gt;_&lt;43&gt;</c>).</summary>
    public static bool LooksLikeKey(string? value)
    {
        if (value is null || value.Length != KeyLength || !value.StartsWith(KeyPrefix, StringComparison.Ordinal) || value[KeyPrefix.Length + IdLength] != '_')
        {
            return false;
        }

        foreach (var c in value.AsSpan(KeyPrefix.Length))
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static string NewChosenKeyId() => ChosenKeyIdPrefix + RandomNumberGenerator.GetString(IdAlphabet, IdLength);

    private (ApiKey Key, string Plaintext) Mint(string projectId, Role role, string? patientId, string name)
    {
        var id = KeyPrefix + RandomNumberGenerator.GetString(IdAlphabet, IdLength);
        var secret = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        var plaintext = $"{id}_{secret}";
        return (new ApiKey(id, projectId, role, patientId, name, Hash(plaintext), time.GetUtcNow()), plaintext);
    }
}

/// <summary>A freshly minted key with its plaintext (shown once).</summary>
public sealed record IssuedApiKey(ApiKey Key, string Plaintext)
{
    public override string ToString() => $"IssuedApiKey {Key.Id} [redacted]";
}
