using MediatR;
using Wearables.Application.Common.Behaviors;
using Wearables.Application.Common.Interfaces;
using Wearables.Domain.Credentials;

namespace Wearables.Application.Credentials.Queries.GetCredentialsStatus;

public sealed record GetCredentialsStatusQuery(string Provider) : IRequest<CredentialsStatus>, IProviderRequest;

public sealed class GetCredentialsStatusQueryHandler(ICallerContext caller, ProjectCredentials credentials)
    : IRequestHandler<GetCredentialsStatusQuery, CredentialsStatus>
{
    public Task<CredentialsStatus> Handle(GetCredentialsStatusQuery request, CancellationToken cancellationToken) =>
        credentials.GetStatusAsync(caller.Caller.ProjectId, request.Provider, cancellationToken);
}
