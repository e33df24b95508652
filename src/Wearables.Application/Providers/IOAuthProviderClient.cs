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

    /// <summary>
    /// The refresh grant (<c>grant_type=refresh_token</c>) with the provider's client authentication.
    /// Never throws for the provider's answer: it is classified (<see cref="RefreshOutcome"/>) in one
    /// place per provider. An answer without a refresh token keeps <paramref name="refreshToken"/>.
    /// </summary>
    Task<RefreshResult> RefreshAsync(ProviderDescriptor provider, ProviderCredentials credentials, string refreshToken, CancellationToken cancellationToken);
}

/// <summary>How a refresh ended.</summary>
public enum RefreshOutcome
{
    Refreshed,

    /// <summary>The provider refused the refresh token itself (<c>invalid_grant</c> or its documented equivalent): only a new authorization helps.</summary>
    GrantRejected,

    /// <summary>Anything else: timeout, 5xx, 429, another 4xx, an unusable body. Try again later.</summary>
    Unavailable,
}

/// <summary>A refresh's outcome, with the new tokens when it is <see cref="RefreshOutcome.Refreshed"/>.</summary>
public sealed record RefreshResult(RefreshOutcome Outcome, ProviderTokens? Tokens)
{
    public static readonly RefreshResult GrantRejected = new(RefreshOutcome.GrantRejected, null);

    public static readonly RefreshResult Unavailable = new(RefreshOutcome.Unavailable, null);

    public override string ToString() => $"RefreshResult {Outcome}";
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
