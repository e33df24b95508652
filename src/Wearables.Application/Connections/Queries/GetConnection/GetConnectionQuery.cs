using AutoMapper;
using MediatR;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections.Queries.ListConnections;
using Wearables.Application.Connections.Tokens;
using Wearables.Domain.Common;

namespace Wearables.Application.Connections.Queries.GetConnection;

/// <summary>
/// One connection of a user, in the list's shape. Any provider slug (Junction links too), so it is
/// no <see cref="Common.Behaviors.IProviderRequest"/>: an unknown one simply has no connection.
/// </summary>
public sealed record GetConnectionQuery(string UserId, string Provider) : IRequest<ConnectionDto>;

public sealed class GetConnectionQueryHandler(ICallerContext caller, IConnectionRepository connections, IMapper mapper)
    : IRequestHandler<GetConnectionQuery, ConnectionDto>
{
    public async Task<ConnectionDto> Handle(GetConnectionQuery request, CancellationToken cancellationToken)
    {
        var identity = caller.Caller;

        // As the list: a patient sees only itself, and users of other projects do not exist for anyone.
        if (!Identifiers.IsFhirId(request.UserId) || !identity.MayActFor(request.UserId))
        {
            throw new NotFoundException("user_not_found", ListConnectionsQueryHandler.UserNotFound);
        }

        var connection = Identifiers.IsSlug(request.Provider)
            ? await connections.FindAsync(identity.ProjectId, request.UserId, request.Provider, cancellationToken).ConfigureAwait(false)
            : null;
        if (connection is not null)
        {
            return mapper.Map<ConnectionDto>(ConnectionSummary.Of(connection));
        }

        // Which 404: the user is unknown to the project, or only has no connection to this provider.
        var any = await connections.ListSummariesByPatientAsync(identity.ProjectId, request.UserId, cancellationToken).ConfigureAwait(false);
        throw any.Count == 0 ? new NotFoundException("user_not_found", ListConnectionsQueryHandler.UserNotFound) : TokenRules.NotFound();
    }
}
