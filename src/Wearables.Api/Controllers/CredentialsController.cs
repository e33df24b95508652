using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wearables.Api.Auth;
using Wearables.Api.Errors;
using Wearables.Application.Credentials.Commands.DeleteCredentials;
using Wearables.Application.Credentials.Commands.SetCredentials;
using Wearables.Application.Credentials.Queries.GetCredentialsStatus;
using Wearables.Domain.Credentials;

namespace Wearables.Api.Controllers;

/// <summary>A project's OAuth app credentials per provider. Admin only; secrets are never returned.</summary>
[ApiController]
[Route("v1/wearables/{provider}/credentials")]
[Authorize(Policy = Policies.Admin)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status401Unauthorized, ProblemWriter.ContentType)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status403Forbidden, ProblemWriter.ContentType)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status404NotFound, ProblemWriter.ContentType)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status503ServiceUnavailable, ProblemWriter.ContentType)]
public sealed class CredentialsController(IMediator mediator) : ControllerBase
{
    /// <summary>Write (or replace) the credentials; values are encrypted at rest with the project id as salt.</summary>
    [HttpPut]
    [Consumes("application/json")]
    [ProducesResponseType(typeof(CredentialsStatusResponse), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status400BadRequest, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status422UnprocessableEntity, ProblemWriter.ContentType)]
    public async Task<CredentialsStatusResponse> Put(string provider, [FromBody] SetCredentialsRequest body, CancellationToken cancellationToken) =>
        CredentialsStatusResponse.From(await mediator.Send(
            new SetCredentialsCommand(provider, body.ClientId, body.ClientSecret, body.WebhookSecret), cancellationToken).ConfigureAwait(false));

    /// <summary>The status view: whether credentials are on file, and the last 4 characters of the client id.</summary>
    [HttpGet]
    [ProducesResponseType(typeof(CredentialsStatusResponse), StatusCodes.Status200OK, "application/json")]
    public async Task<CredentialsStatusResponse> Get(string provider, CancellationToken cancellationToken) =>
        CredentialsStatusResponse.From(await mediator.Send(new GetCredentialsStatusQuery(provider), cancellationToken).ConfigureAwait(false));

    /// <summary>Remove the credentials (idempotent); answers the now empty status view.</summary>
    [HttpDelete]
    [ProducesResponseType(typeof(CredentialsStatusResponse), StatusCodes.Status200OK, "application/json")]
    public async Task<CredentialsStatusResponse> Delete(string provider, CancellationToken cancellationToken) =>
        CredentialsStatusResponse.From(await mediator.Send(new DeleteCredentialsCommand(provider), cancellationToken).ConfigureAwait(false));
}

/// <summary>Request body of PUT credentials.</summary>
public sealed class SetCredentialsRequest
{
    /// <summary>OAuth client_id from the provider's developer portal.</summary>
    public string? ClientId { get; init; }

    /// <summary>OAuth client_secret from the provider's developer portal.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>Webhook signing secret (for inbound signature verification).</summary>
    public string? WebhookSecret { get; init; }

    public override string ToString() => "SetCredentialsRequest [redacted]";
}

/// <summary>The credentials status view (WearableCredentialsStatusDto): what is on file, never a secret.</summary>
public sealed class CredentialsStatusResponse
{
    /// <summary>True when both clientId and clientSecret are on file.</summary>
    public required bool Configured { get; init; }

    /// <summary>Last 4 characters of the stored clientId; null when none is on file.</summary>
    public required string? ClientIdLast4 { get; init; }

    public required bool HasSecret { get; init; }

    public required bool HasWebhookSecret { get; init; }

    public static CredentialsStatusResponse From(CredentialsStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new()
        {
            Configured = status.Configured,
            ClientIdLast4 = status.ClientIdLast4,
            HasSecret = status.HasSecret,
            HasWebhookSecret = status.HasWebhookSecret,
        };
    }
}
