using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Application.Connections;

/// <summary>
/// PKCE (RFC 7636, method S256 only) for the authorization-code flow: a fresh verifier per connect,
/// its challenge for the authorization URL, and the verifier sealed for the state store and opened
/// again at the callback. The envelope is scoped to the flow's state hash and its own field, so a
/// sealed verifier opens only for its own flow and project, never as a token or a credential.
/// </summary>
public sealed class PkceVerifiers(ISecretProtector protector)
{
    public const string ChallengeMethod = "S256";

    /// <summary>The envelope's field (part of its associated data).</summary>
    public const string Field = "pkce_verifier";

    /// <summary>Random bytes per verifier: 32 give 43 base64url characters, RFC 7636's minimum length (43 to 128).</summary>
    public const int EntropyBytes = 32;

    /// <summary>A new verifier: base64url of <see cref="EntropyBytes"/> random bytes, only unreserved characters.</summary>
    public static string NewVerifier() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(EntropyBytes));

    /// <summary>The S256 challenge: BASE64URL(SHA256(ASCII(verifier))), unpadded (RFC 7636 §4.2).</summary>
    public static string ChallengeOf(string verifier)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
    }

    /// <summary>What the verifier of one flow is sealed for: the project, the flow (its state hash), the field.</summary>
    public static SecretPurpose PurposeOf(string projectId, string stateHash) => new(projectId, "oauth-state:" + stateHash, Field);

    public string Seal(string projectId, string stateHash, string verifier) => protector.Protect(verifier, PurposeOf(projectId, stateHash));

    /// <summary>False when the envelope is tampered, made for another flow or project, or its key is gone.</summary>
    public bool TryOpen(string projectId, string stateHash, string envelope, out string verifier) =>
        protector.TryUnprotect(envelope, PurposeOf(projectId, stateHash), out verifier);
}
