using System.Text.Json.Serialization;
using MediatR;
using Wearables.Application.Common.Behaviors;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections.Tokens;
using Wearables.Domain.Common;
using Wearables.Domain.Connections;
using Wearables.Domain.Security;

namespace Wearables.Application.Connections.Commands.IssueAccessToken;

/// <summary>
/// A usable access token of a user's connection for a backend of the project, refreshed first when
/// it expires within <see cref="MinValiditySeconds"/> (default 300). Never for a patient caller.
/// </summary>
public sealed record IssueAccessTokenCommand(string UserId, string Provider, long? MinValiditySeconds) : IRequest<AccessTokenDto>, IProviderRequest;

/// <summary>The token answer: the only response that ever carries a provider token.</summary>
public sealed class AccessTokenDto
{
    [JsonPropertyName("provider")]
    public required string Provider { get; init; }

    [JsonPropertyName("user_id")]
    public required string UserId { get; init; }

    [JsonPropertyName("provider_user_id")]
    public string? ProviderUserId { get; init; }

    [JsonPropertyName("access_token")]
    public required string AccessToken { get; init; }

    /// <summary>Always <c>Bearer</c>.</summary>
    [JsonPropertyName("token_type")]
    public string TokenType { get; init; } = "Bearer";

    /// <summary>ISO 8601 UTC; null when the provider stated no expiry.</summary>
    [JsonPropertyName("expires_at")]
    public string? ExpiresAt { get; init; }

    [JsonPropertyName("scope")]
    public string? Scope { get; init; }

    public override string ToString() => $"AccessTokenDto ({Provider}/{UserId}) [token redacted]";
}

public sealed class IssueAccessTokenCommandHandler(
    ICallerContext caller,
    IConnectionRepository connections,
    ConnectionTokens tokens,
    TokenRefresher refresher,
    SharedConnectionReads reads,
    TimeProvider time) : IRequestHandler<IssueAccessTokenCommand, AccessTokenDto>
{
    public async Task<AccessTokenDto> Handle(IssueAccessTokenCommand request, CancellationToken cancellationToken)
    {
        var identity = caller.Caller;
        if (identity.Role == Role.Patient)
        {
            throw new ForbiddenException("patient_forbidden", "Access tokens are for the project's backends, not for patients.");
        }

        var connection = Identifiers.IsFhirId(request.UserId)
            ? await reads.FindAsync(connections, identity.ProjectId, request.UserId, request.Provider, cancellationToken).ConfigureAwait(false)
            : null;
        if (connection is null || connection.Source != ConnectionSource.OAuth)
        {
            // A Junction link holds no tokens of ours.
            throw TokenRules.NotFound();
        }

        TokenRules.EnsureUsable(connection);
        var minValidity = request.MinValiditySeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : TokenRefreshOptions.DefaultMinValidity;
        if (!TokenRules.IsFresh(connection, minValidity, time.GetUtcNow()))
        {
            connection = await refresher.RefreshAsync(connection, minValidity, cancellationToken).ConfigureAwait(false);
        }

        return new AccessTokenDto
        {
            Provider = connection.Provider,
            UserId = connection.PatientId,
            ProviderUserId = connection.ProviderUserId,
            AccessToken = tokens.OpenAccessToken(connection) ?? throw TokenRules.NotFound(),
            ExpiresAt = Timestamps.Format(connection.TokenExpiresAt),
            Scope = connection.Scope,
        };
    }
}
