using MediatR;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Application.Junction.Queries.GetJunctionCredentialsStatus;

public sealed record GetJunctionCredentialsStatusQuery : IRequest<JunctionCredentialsStatus>;

public sealed class GetJunctionCredentialsStatusQueryHandler(ICallerContext caller, JunctionCredentials credentials)
    : IRequestHandler<GetJunctionCredentialsStatusQuery, JunctionCredentialsStatus>
{
    public Task<JunctionCredentialsStatus> Handle(GetJunctionCredentialsStatusQuery request, CancellationToken cancellationToken) =>
        credentials.GetStatusAsync(caller.Caller.ProjectId, cancellationToken);
}
