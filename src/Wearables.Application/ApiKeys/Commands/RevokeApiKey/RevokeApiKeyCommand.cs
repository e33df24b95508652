using MediatR;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Application.ApiKeys.Commands.RevokeApiKey;

/// <summary>Revokes an active key of the caller's project; 404 for unknown, other-project or already revoked keys.</summary>
public sealed record RevokeApiKeyCommand(string Id) : IRequest<Unit>;

public sealed class RevokeApiKeyCommandHandler(ICallerContext caller, IApiKeyStore store, TimeProvider time) : IRequestHandler<RevokeApiKeyCommand, Unit>
{
    public async Task<Unit> Handle(RevokeApiKeyCommand request, CancellationToken cancellationToken)
    {
        if (!await store.RevokeAsync(caller.Caller.ProjectId, request.Id, time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            throw new NotFoundException("api_key_not_found", "No active API key with that id in this project.");
        }

        return Unit.Value;
    }
}
