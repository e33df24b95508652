using Wearables.Application.Common.Exceptions;
using Wearables.Application.Credentials;
using Wearables.Domain.Credentials;

namespace Wearables.Application.Junction;

/// <summary>
/// A project's Junction team (API key and base URL), kept in the project's credentials under the
/// slug <see cref="Slug"/> and sealed the same way as OAuth app credentials: the base URL in the
/// client-id place (public, like a client id), the API key in the secret place. The slug is not a
/// catalog provider, so no OAuth route can read or overwrite it.
/// </summary>
public sealed class JunctionCredentials(ProjectCredentials credentials, JunctionEndpoints endpoints)
{
    public const string Slug = "junction";

    public async Task<JunctionCredentialsStatus> GetStatusAsync(string projectId, CancellationToken cancellationToken)
    {
        var account = await GetOwnAsync(projectId, cancellationToken).ConfigureAwait(false);
        return account is null
            ? new JunctionCredentialsStatus(false, null, null, null, endpoints.Fallback is not null)
            : new JunctionCredentialsStatus(true, account.ApiKey.Length <= 4 ? account.ApiKey : account.ApiKey[^4..], JunctionEndpoints.RegionOf(account.BaseUrl), account.BaseUrl.AbsoluteUri, endpoints.Fallback is not null);
    }

    public Task SaveAsync(string projectId, JunctionAccount account, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        var sealedAccount = credentials.Seal(projectId, Slug, new ProviderCredentials(account.BaseUrl.AbsoluteUri, account.ApiKey, null), now);
        return credentials.SaveAsync(projectId, Slug, sealedAccount, cancellationToken);
    }

    public Task DeleteAsync(string projectId, CancellationToken cancellationToken) =>
        credentials.DeleteAsync(projectId, Slug, cancellationToken);

    /// <summary>
    /// The project's own team, else the operator's (single-tenant installs); 422 when neither is
    /// configured, rather than calling Junction without a key.
    /// </summary>
    public async Task<JunctionAccount> AccountForAsync(string projectId, CancellationToken cancellationToken)
    {
        var own = await GetOwnAsync(projectId, cancellationToken).ConfigureAwait(false);

        // The operator may have withdrawn a base URL since the admin chose it: fail closed.
        if (own is not null && endpoints.Allowed(own.BaseUrl.AbsoluteUri) is null)
        {
            throw new UnprocessableException("junction_base_url_not_allowed", "The project's Junction base URL is no longer allowed by the operator; set the credentials again.");
        }

        return own
            ?? endpoints.Fallback
            ?? throw new UnprocessableException("junction_not_configured", "No Junction API key is configured for this project (PUT /v1/wearables/junction/credentials).");
    }

    private async Task<JunctionAccount?> GetOwnAsync(string projectId, CancellationToken cancellationToken)
    {
        var stored = await credentials.GetAsync(projectId, Slug, cancellationToken).ConfigureAwait(false);
        return stored is null ? null : new JunctionAccount(new Uri(stored.ClientId), stored.ClientSecret);
    }
}

/// <summary>What the API may show about a project's Junction credentials: never the key, only its last 4 characters.</summary>
public sealed record JunctionCredentialsStatus(bool Configured, string? ApiKeyLast4, string? Region, string? BaseUrl, bool OperatorFallback);
