namespace Wearables.Application.Common.Interfaces;

/// <summary>
/// Encrypts secrets for storage with a key derived per project (the project id is the salt).
/// The purpose is bound as associated data: an envelope only opens for the project, scope and
/// field it was made for.
/// </summary>
public interface ISecretProtector
{
    string Protect(string plaintext, SecretPurpose purpose);

    /// <summary>False (never an exception) when the envelope is malformed, tampered, or made for another purpose.</summary>
    bool TryUnprotect(string envelope, SecretPurpose purpose, out string plaintext);

    /// <summary>True when the envelope was made with a key other than the active one.</summary>
    bool NeedsReprotect(string envelope);

    /// <summary>The id of the key new envelopes are made with.</summary>
    string ActiveKeyId { get; }

    /// <summary>Every key id that can open envelopes, the active one included.</summary>
    IReadOnlyCollection<string> KeyIds { get; }

    /// <summary>
    /// Opens <paramref name="envelope"/> and seals its plaintext again with the active key (for a key
    /// rotation); false when it does not open. An envelope of the active key is answered as it is.
    /// </summary>
    bool TryReprotect(string envelope, SecretPurpose purpose, out string resealed);
}

/// <summary>What a secret is: project + scope (a provider slug, or a connection id) + field.</summary>
public readonly record struct SecretPurpose(string ProjectId, string Scope, string Field)
{
    public override string ToString() => $"{ProjectId}/{Scope}/{Field}";
}
