using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Domain.Credentials;

namespace Wearables.Application.Credentials;

/// <summary>Reads a project's credentials for a provider: status view for the API, plaintext for the OAuth flow.</summary>
/// <remarks>
/// Scoped: what one request read is remembered for the rest of that request (a validator and its
/// handler share one read). Opened client ids are also kept for the process (<see cref="OpenedClientIds"/>).
/// </remarks>
public sealed class ProjectCredentials(IProjectSecretStore store, ISecretProtector protector, OpenedClientIds? clientIds = null)
{
    private readonly Dictionary<(string, string), StoredCredentials?> read = [];
    private readonly Dictionary<(string Envelope, string Project, string Provider, string Field), string> opened = [];

    public async Task<CredentialsStatus> GetStatusAsync(string projectId, string provider, CancellationToken cancellationToken)
    {
        var stored = await LoadAsync(projectId, provider, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return CredentialsStatus.None;
        }

        var clientId = Open(stored.ClientIdEnvelope, projectId, provider, CredentialsFields.ClientId);
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
        return stored is null ? null : Open(stored.ClientIdEnvelope, projectId, provider, CredentialsFields.ClientId);
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
            Open(stored.ClientIdEnvelope, projectId, provider, CredentialsFields.ClientId),
            Open(stored.ClientSecretEnvelope, projectId, provider, CredentialsFields.ClientSecret),
            stored.WebhookSecretEnvelope is null ? null : Open(stored.WebhookSecretEnvelope, projectId, provider, CredentialsFields.WebhookSecret));

        // Master key rotation: values still sealed with an older key are re-sealed with the active one on use.
        if (protector.NeedsReprotect(stored.ClientIdEnvelope) || protector.NeedsReprotect(stored.ClientSecretEnvelope)
            || (stored.WebhookSecretEnvelope is not null && protector.NeedsReprotect(stored.WebhookSecretEnvelope)))
        {
            // Conditional: an admin's update that landed since our read must win over the re-seal.
            Forget(projectId, provider);
            await store.ReplaceIfUnchangedAsync(projectId, provider, stored, Seal(projectId, provider, credentials, stored.UpdatedAt), cancellationToken).ConfigureAwait(false);
        }

        return credentials;
    }

    /// <summary>Writes (or replaces) the sealed credentials.</summary>
    public async Task SaveAsync(string projectId, string provider, StoredCredentials credentials, CancellationToken cancellationToken)
    {
        Forget(projectId, provider);
        await store.SetAsync(projectId, provider, credentials, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(string projectId, string provider, CancellationToken cancellationToken)
    {
        Forget(projectId, provider);
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

    private void Forget(string projectId, string provider)
    {
        read.Remove((projectId, provider));
        opened.Clear();
    }

    /// <summary>Opens an envelope once per request (a validator and its handler may both need the client id).</summary>
    private string Open(string envelope, string projectId, string provider, string field)
    {
        // Keyed by the purpose too: an envelope opens only for the project, provider and field it was sealed for.
        if (opened.TryGetValue((envelope, projectId, provider, field), out var known))
        {
            return known;
        }

        var isClientId = field == CredentialsFields.ClientId && clientIds is not null;
        if (!isClientId || !clientIds!.TryGet(envelope, projectId, provider, out var plaintext))
        {
            plaintext = OpenEnvelope(envelope, projectId, provider, field);
            if (isClientId)
            {
                clientIds!.Add(envelope, projectId, provider, plaintext);
            }
        }

        opened[(envelope, projectId, provider, field)] = plaintext;
        return plaintext;
    }

    private string OpenEnvelope(string envelope, string projectId, string provider, string field)
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
