namespace Wearables.Application.Encryption;

/// <summary>
/// The key-check records: one sealed canary per master key id that may still have envelopes in the
/// stores (<see cref="KeyCheck"/>). Kept with the settings (the embedded database or Redis).
/// </summary>
public interface IKeyCheckStore
{
    /// <summary>Canary envelopes by key id.</summary>
    Task<IReadOnlyDictionary<string, string>> GetAllAsync(CancellationToken cancellationToken);

    /// <summary>Adds the canary of <paramref name="keyId"/> unless one is there already.</summary>
    Task AddAsync(string keyId, string canary, CancellationToken cancellationToken);

    Task RemoveAsync(string keyId, CancellationToken cancellationToken);
}
