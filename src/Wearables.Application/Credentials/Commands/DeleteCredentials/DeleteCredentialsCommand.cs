using MediatR;
using Wearables.Application.Common.Behaviors;
using Wearables.Application.Common.Interfaces;
using Wearables.Domain.Credentials;

namespace Wearables.Application.Credentials.Commands.DeleteCredentials;

/// <summary>Removes the project's credentials for a provider; answers the (now empty) status view. Idempotent.</summary>
public sealed record DeleteCredentialsCommand(string Provider) : IRequest<CredentialsStatus>, IProviderRequest;

public sealed class DeleteCredentialsCommandHandler(ICallerContext caller, ProjectCredentials credentials)
    : IRequestHandler<DeleteCredentialsCommand, CredentialsStatus>
{
    public async Task<CredentialsStatus> Handle(DeleteCredentialsCommand request, CancellationToken cancellationToken)
    {
        await credentials.DeleteAsync(caller.Caller.ProjectId, request.Provider, cancellationToken).ConfigureAwait(false);
        return CredentialsStatus.None;
    }
}
