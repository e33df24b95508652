using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Domain.Credentials;

namespace Wearables.Application.Credentials;

/// <summary>Reads a project's credentials for a provider: status view for the API, plaintext for the OAuth flow.</summary>
/// <remarks>
/// Scoped: what one request read is remembered for the rest of that request (a validator and its
/// handler share one read). Client ids are opened once for the process (<see cref="OpenedClientIds"/>);
/// secrets are opened on every use.
/// </remarks>
public sealed class ProjectCredentials(IProjectSecretStore store, ISecretProtector protector, OpenedClientIds clientIds)
{
    private readonly Dictionary<(string, string), StoredCredentials?> read = [];

    public async Task<CredentialsStatus> GetStatusAsync(string projectId, string provider, CancellationToken cancellationToken)
    {
        var stored = await LoadAsync(projectId, provider, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return CredentialsStatus.None;
        }

        var clientId = OpenClientId(stored.ClientIdEnvelope, projectId, provider);
        return new CredentialsStatus(
            Configured: true,
            ClientIdLast4: clientId.Length <= 4 ? clientId : clientId[^4..],
            HasSecret: true,
            HasWebhookSecret: stored.WebhookSecretEnvelope is not null);
    }

    /// <summary>
    /// Only the client id (what an authorization URL carries), or null when no credentials are on
    /// file: starting a flow never decrypts the secrets.
    /// </summary>
    public async Task<string?> GetClientIdAsync(string projectId, string provider, CancellationToken cancellationToken)
    {
        var stored = await LoadAsync(projectId, provider, cancellationToken).ConfigureAwait(false);
        return stored is null ? null : OpenClientId(stored.ClientIdEnvelope, projectId, provider);
    }

    /// <summary>The decrypted credentials, or null when none are on file.</summary>
    public async Task<ProviderCredentials?> GetAsync(string projectId, string provider, CancellationToken cancellationToken)
    {
        var stored = await LoadAsync(projectId, provider, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }

        var credentials = new ProviderCredentials(
            OpenClientId(stored.ClientIdEnvelope, projectId, provider),
            Open(stored.ClientSecretEnvelope, projectId, provider, CredentialsFields.ClientSecret),
            stored.WebhookSecretEnvelope is null ? null : Open(stored.WebhookSecretEnvelope, projectId, provider, CredentialsFields.WebhookSecret));

        // Master key rotation: values still sealed with an older key are re-sealed with the active one on use.
        if (protector.NeedsReprotect(stored.ClientIdEnvelope) || protector.NeedsReprotect(stored.ClientSecretEnvelope)
            || (stored.WebhookSecretEnvelope is not null && protector.NeedsReprotect(stored.WebhookSecretEnvelope)))
        {
            // Conditional: an admin's update that landed since our read must win over the re-seal.
            read.Remove((projectId, provider));
            await store.ReplaceIfUnchangedAsync(projectId, provider, stored, Seal(projectId, provider, credentials, stored.UpdatedAt), cancellationToken).ConfigureAwait(false);
        }

        return credentials;
    }

    /// <summary>Writes (or replaces) the sealed credentials.</summary>
    public async Task SaveAsync(string projectId, string provider, StoredCredentials credentials, CancellationToken cancellationToken)
    {
        read.Remove((projectId, provider));
        await store.SetAsync(projectId, provider, credentials, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(string projectId, string provider, CancellationToken cancellationToken)
    {
        read.Remove((projectId, provider));
        await store.DeleteAsync(projectId, provider, cancellationToken).ConfigureAwait(false);
    }

    public StoredCredentials Seal(string projectId, string provider, ProviderCredentials credentials, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return new StoredCredentials(
            protector.Protect(credentials.ClientId, new SecretPurpose(projectId, provider, CredentialsFields.ClientId)),
            protector.Protect(credentials.ClientSecret, new SecretPurpose(projectId, provider, CredentialsFields.ClientSecret)),
            credentials.WebhookSecret is null ? null : protector.Protect(credentials.WebhookSecret, new SecretPurpose(projectId, provider, CredentialsFields.WebhookSecret)),
            now);
    }

    private async Task<StoredCredentials?> LoadAsync(string projectId, string provider, CancellationToken cancellationToken)
    {
        if (!read.TryGetValue((projectId, provider), out var stored))
        {
            stored = await store.GetAsync(projectId, provider, cancellationToken).ConfigureAwait(false);
            read[(projectId, provider)] = stored;
        }

        return stored;
    }

    /// <summary>The client id, opened once for the process: a validator and its handler, and later requests, share it.</summary>
    private string OpenClientId(string envelope, string projectId, string provider)
    {
        if (!clientIds.TryGet((envelope, projectId, provider), out var clientId))
        {
            clientId = Open(envelope, projectId, provider, CredentialsFields.ClientId);
            clientIds.Add((envelope, projectId, provider), clientId);
        }

        return clientId;
    }

    private string Open(string envelope, string projectId, string provider, string field)
    {
        // A stored value that no longer opens (tampered row, lost master key) is a server-side
        // fault: fail closed with a clear code rather than treating the provider as unconfigured.
        if (!protector.TryUnprotect(envelope, new SecretPurpose(projectId, provider, field), out var plaintext))
        {
            throw new DependencyUnavailableException("credentials_unreadable", "Stored credentials could not be decrypted; check the encryption master key configuration.");
        }

        return plaintext;
    }
}
