using Wearables.Application.Common.Interfaces;

namespace Wearables.Application.Encryption;

/// <summary>
/// Tells at start-up whether the configured master keys are the ones the stored data was sealed with.
/// Each key id that sealed anything leaves a canary (a known text sealed with that key, written the first
/// time the key is active); <c>rotate-keys</c> removes the canaries of older keys once nothing is sealed
/// with them. A canary whose key id is configured but does not open means a wrong key; one whose key id
/// is not configured means data that no configured key can open.
/// </summary>
public sealed class KeyCheck(ISecretProtector protector, IKeyCheckStore store)
{
    private const string CanaryText = "wearables key check v1";

    /// <summary>Problems found, each a sentence for the operator; empty when the keys fit. Adds the active key's canary when missing.</summary>
    public async Task<IReadOnlyList<string>> VerifyAsync(CancellationToken cancellationToken)
    {
        var canaries = await store.GetAllAsync(cancellationToken).ConfigureAwait(false);
        var problems = new List<string>();
        foreach (var (keyId, canary) in canaries.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (!protector.KeyIds.Contains(keyId))
            {
                problems.Add($"data sealed with master key id '{keyId}' may remain, but no key of that id is configured: set Wearables:Encryption:PreviousKeys:{keyId} (or Wearables:Encryption:KeyId/MasterKey) to it, run rotate-keys, and remove it only after rotate-keys has finished");
            }
            else if (!protector.TryUnprotect(canary, PurposeOf(keyId), out var opened) || opened != CanaryText)
            {
                problems.Add($"the master key configured for key id '{keyId}' is not the key the stored data was sealed with (its key-check record does not open): check Wearables:Encryption:{(keyId == protector.ActiveKeyId ? "MasterKey" : "PreviousKeys:" + keyId)}");
            }
        }

        if (problems.Count == 0 && !canaries.ContainsKey(protector.ActiveKeyId))
        {
            await store.AddAsync(protector.ActiveKeyId, protector.Protect(CanaryText, PurposeOf(protector.ActiveKeyId)), cancellationToken).ConfigureAwait(false);
        }

        return problems;
    }

    /// <summary>Key ids other than the active one that still have a canary (data may remain under them).</summary>
    public async Task<IReadOnlyList<string>> OlderKeyIdsAsync(CancellationToken cancellationToken) =>
        (await store.GetAllAsync(cancellationToken).ConfigureAwait(false)).Keys.Where(id => id != protector.ActiveKeyId).ToList();

    /// <summary>After a complete rotation: nothing is sealed with an older key any more.</summary>
    public async Task RetireOlderKeysAsync(CancellationToken cancellationToken)
    {
        foreach (var keyId in await OlderKeyIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            await store.RemoveAsync(keyId, cancellationToken).ConfigureAwait(false);
        }
    }

    private static SecretPurpose PurposeOf(string keyId) => new("wearables", "key-check", keyId);
}
