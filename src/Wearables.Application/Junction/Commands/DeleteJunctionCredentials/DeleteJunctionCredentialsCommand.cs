using MediatR;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Application.Junction.Commands.DeleteJunctionCredentials;

/// <summary>Removes the project's Junction credentials (idempotent); exchanges then use the operator's key, if any.</summary>
public sealed record DeleteJunctionCredentialsCommand : IRequest<JunctionCredentialsStatus>;

public sealed class DeleteJunctionCredentialsCommandHandler(ICallerContext caller, JunctionCredentials credentials)
    : IRequestHandler<DeleteJunctionCredentialsCommand, JunctionCredentialsStatus>
{
    public async Task<JunctionCredentialsStatus> Handle(DeleteJunctionCredentialsCommand request, CancellationToken cancellationToken)
    {
        await credentials.DeleteAsync(caller.Caller.ProjectId, cancellationToken).ConfigureAwait(false);
        return await credentials.GetStatusAsync(caller.Caller.ProjectId, cancellationToken).ConfigureAwait(false);
    }
}
