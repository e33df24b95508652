using MediatR;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Application.Junction.Commands.SetJunctionCredentials;

/// <summary>Writes (or replaces) the project's Junction API key and where its team lives (a region or an allowed base URL).</summary>
public sealed record SetJunctionCredentialsCommand(string? ApiKey, string? Region, string? BaseUrl) : IRequest<JunctionCredentialsStatus>
{
    public override string ToString() => $"SetJunctionCredentialsCommand ({Region ?? BaseUrl}) [key redacted]";
}

public sealed class SetJunctionCredentialsCommandHandler(
    ICallerContext caller,
    JunctionCredentials credentials,
    JunctionEndpoints endpoints,
    TimeProvider time) : IRequestHandler<SetJunctionCredentialsCommand, JunctionCredentialsStatus>
{
    public async Task<JunctionCredentialsStatus> Handle(SetJunctionCredentialsCommand request, CancellationToken cancellationToken)
    {
        // The validator accepted exactly one of region and baseUrl, and only an allowed one.
        var baseUrl = request.Region is { } region ? JunctionEndpoints.Regions[region] : endpoints.Allowed(request.BaseUrl)!;
        var projectId = caller.Caller.ProjectId;
        await credentials.SaveAsync(projectId, new JunctionAccount(baseUrl, request.ApiKey!), time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return await credentials.GetStatusAsync(projectId, cancellationToken).ConfigureAwait(false);
    }
}
