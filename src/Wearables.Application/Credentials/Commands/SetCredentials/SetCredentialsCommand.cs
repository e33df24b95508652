using MediatR;
using Wearables.Application.Common.Behaviors;
using Wearables.Application.Common.Interfaces;
using Wearables.Domain.Credentials;

namespace Wearables.Application.Credentials.Commands.SetCredentials;

/// <summary>Writes (or replaces) the project's OAuth app credentials for a provider (the credentials contract).</summary>
public sealed record SetCredentialsCommand(string Provider, string? ClientId, string? ClientSecret, string? WebhookSecret)
    : IRequest<CredentialsStatus>, IProviderRequest
{
    public override string ToString() => $"SetCredentialsCommand ({Provider})";
}

public sealed class SetCredentialsCommandHandler(
    ICallerContext caller,
    ProjectCredentials credentials,
    TimeProvider time) : IRequestHandler<SetCredentialsCommand, CredentialsStatus>
{
    public async Task<CredentialsStatus> Handle(SetCredentialsCommand request, CancellationToken cancellationToken)
    {
        var projectId = caller.Caller.ProjectId;
        var sealedCredentials = credentials.Seal(
            projectId,
            request.Provider,
            new ProviderCredentials(request.ClientId!, request.ClientSecret!, request.WebhookSecret),
            time.GetUtcNow());
        await credentials.SaveAsync(projectId, request.Provider, sealedCredentials, cancellationToken).ConfigureAwait(false);
        return await credentials.GetStatusAsync(projectId, request.Provider, cancellationToken).ConfigureAwait(false);
    }
}
