using AutoMapper;
using MediatR;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Behaviors;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections.Queries.ListConnections;
using Wearables.Application.Providers;
using Wearables.Domain.Common;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections.Commands.Disconnect;

/// <summary>
/// A user's connection to one provider ends: revoked here at once (tokens wiped), and its grant
/// revoked at the provider, now or by a retry. Repeating it answers the same. The provider may be
/// one reached only through Junction, so it is not looked up in the catalog first.
/// </summary>
public sealed record DisconnectCommand(string UserId, string Provider) : IRequest<ConnectionDto>, IPatientScopedRequest
{
    public string? PatientId => UserId;
}

public sealed partial class DisconnectCommandHandler(
    ICallerContext caller,
    IConnectionRepository connections,
    ConnectionWriter writer,
    RevocationTokens tokens,
    ProviderRevocations revocations,
    IProviderCatalog catalog,
    IMapper mapper,
    ILogger<DisconnectCommandHandler> logger) : IRequestHandler<DisconnectCommand, ConnectionDto>
{
    public const string ConnectionNotFound = "The user has no connection to this provider.";

    /// <summary>Concurrent writers (a refresh, a second disconnect) make the wipe read again; a store outage is a 503 at once.</summary>
    private static readonly SaveRetry WipeRetry = new([TimeSpan.Zero, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200)], WhenStoreDown: false);

    public async Task<ConnectionDto> Handle(DisconnectCommand request, CancellationToken cancellationToken)
    {
        var projectId = caller.Caller.ProjectId;
        var connection = await FindAsync(projectId, request, cancellationToken).ConfigureAwait(false);
        if (connection.Status == ConnectionStatus.Revoked)
        {
            return Answer(connection);
        }

        // Junction links hold no tokens here (Junction does): revoked locally, nothing to call.
        var provider = catalog.TryGet(connection.Provider, out var found) ? found : null;
        var grant = connection.AccessTokenEnvelope is { } envelope && provider is not null
            ? tokens.OpenRevoked(connection, new RevokedTokens(envelope, connection.RefreshTokenEnvelope, connection.TokenExpiresAt))
            : null;

        // The job first, then the wipe: a disconnect that dies after the wipe still revokes at the provider.
        var scheduled = grant is null ? null : await revocations.ScheduleAsync(connection, grant, cancellationToken).ConfigureAwait(false);
        RevokedTokens? wiped = null;
        Connection revoked;
        try
        {
            revoked = await writer.UpdateAsync(projectId, request.UserId, connection.Provider, (c, now) =>
            {
                wiped = c.Revoke(now);
                return wiped is not null;
            }, WipeRetry, cancellationToken).ConfigureAwait(false) ?? connection;
        }
        catch (AppException)
        {
            // Not revoked here: neither at the provider.
            if (scheduled is not null)
            {
                await revocations.CancelAsync(scheduled.ConnectionId, CancellationToken.None).ConfigureAwait(false);
            }

            throw;
        }

        LogRevoked(logger, connection.Provider, projectId, connection.Id, wiped is not null);
        if (scheduled is null || provider is null)
        {
            return Answer(revoked);
        }

        if (wiped is not { HasAccessToken: true })
        {
            // Revoked meanwhile by another writer, who revokes at the provider too.
            await revocations.CancelAsync(scheduled.ConnectionId, CancellationToken.None).ConfigureAwait(false);
            return Answer(revoked);
        }

        if (wiped.AccessTokenEnvelope != connection.AccessTokenEnvelope)
        {
            // Refreshed between the read and the wipe: the tokens to revoke are the newer ones.
            grant = tokens.OpenRevoked(revoked, wiped);
            if (grant is null)
            {
                await revocations.CancelAsync(scheduled.ConnectionId, CancellationToken.None).ConfigureAwait(false);
                return Answer(revoked);
            }

            scheduled = await revocations.ScheduleAsync(revoked, grant, cancellationToken).ConfigureAwait(false);
        }

        // Revoked here whatever the provider says; a failure leaves the sealed copy to the retries.
        await revocations.AttemptAsync(scheduled, provider, grant!, cancellationToken).ConfigureAwait(false);
        return Answer(revoked);
    }

    /// <summary>The connection, or 404 as the list answers it (a user this project has never seen) or connection_not_found.</summary>
    private async Task<Connection> FindAsync(string projectId, DisconnectCommand request, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsFhirId(request.UserId))
        {
            throw new NotFoundException("user_not_found", ListConnectionsQueryHandler.UserNotFound);
        }

        if (Identifiers.IsSlug(request.Provider)
            && await connections.FindAsync(projectId, request.UserId, request.Provider, cancellationToken).ConfigureAwait(false) is { } connection)
        {
            return connection;
        }

        var any = await connections.ListSummariesByPatientAsync(projectId, request.UserId, cancellationToken).ConfigureAwait(false);
        throw any.Count == 0
            ? new NotFoundException("user_not_found", ListConnectionsQueryHandler.UserNotFound)
            : new NotFoundException("connection_not_found", ConnectionNotFound);
    }

    private ConnectionDto Answer(Connection connection) => mapper.Map<ConnectionDto>(ConnectionSummary.Of(connection));

    [LoggerMessage(LogLevel.Information, "Disconnected {Provider} for project {ProjectId} (connection {ConnectionId}; tokens wiped now: {Wiped})")]
    private static partial void LogRevoked(ILogger logger, string provider, string projectId, Guid connectionId, bool wiped);
}
