using Wearables.Domain.Credentials;

namespace Wearables.Application.Providers;

/// <summary>
/// Talks OAuth to a provider. A rejected code raises <see cref="Common.Exceptions.BadRequestException"/>;
/// an unreachable, slow, failing (5xx) or nonsensical provider raises <see cref="Common.Exceptions.UpstreamException"/>.
/// </summary>
public interface IOAuthProviderClient
{
    Task<ProviderTokens> ExchangeCodeAsync(ProviderDescriptor provider, ProviderCredentials credentials, string code, string redirectUri, string? codeVerifier, CancellationToken cancellationToken);

    /// <summary>
    /// The provider's post-authorization step, if it has one (Polar: register the user under
    /// <paramref name="memberId"/>, an opaque id of ours that carries no personal data).
    /// </summary>
    Task CompleteAuthorizationAsync(ProviderDescriptor provider, ProviderTokens tokens, string memberId, CancellationToken cancellationToken);
}

/// <summary>Plaintext tokens from a provider: lives only in memory, between exchange and encryption.</summary>
public sealed record ProviderTokens(
    string AccessToken,
    string? RefreshToken,
    DateTimeOffset? ExpiresAt,
    string? Scope,
    string? ProviderUserId,
    string? ProviderUsername)
{
    public override string ToString() => $"ProviderTokens [redacted] (user {ProviderUserId})";
}
