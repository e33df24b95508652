using MediatR;
using Wearables.Application.Common.Interfaces;
using Wearables.Domain.Security;

namespace Wearables.Application.ApiKeys.Commands.CreateApiKey;

/// <summary>Creates an API key in the caller's project. The plaintext key is in the answer, once.</summary>
public sealed record CreateApiKeyCommand(string? Name, string? Role, string? PatientId) : IRequest<CreatedApiKeyDto>;

public sealed class CreateApiKeyCommandHandler(ICallerContext caller, ApiKeyIssuer issuer) : IRequestHandler<CreateApiKeyCommand, CreatedApiKeyDto>
{
    public async Task<CreatedApiKeyDto> Handle(CreateApiKeyCommand request, CancellationToken cancellationToken)
    {
        if (!Roles.TryParse(request.Role, out var role))
        {
            throw new InvalidOperationException("The validator lets only known roles through.");
        }

        var issued = await issuer.IssueAsync(caller.Caller.ProjectId, role, request.PatientId, request.Name!, cancellationToken).ConfigureAwait(false);
        return new CreatedApiKeyDto
        {
            Id = issued.Key.Id,
            Key = issued.Plaintext,
            Name = issued.Key.Name,
            Role = issued.Key.Role.ToName(),
            PatientId = issued.Key.PatientId,
            CreatedAt = issued.Key.CreatedAt,
        };
    }
}
