namespace Wearables.Application.Credentials;

/// <summary>Which project + provider pairs have credentials on file (for re-sealing after a key rotation).</summary>
public interface ICredentialsInventory
{
    Task<IReadOnlyList<(string ProjectId, string Provider)>> ListAsync(CancellationToken cancellationToken);
}
