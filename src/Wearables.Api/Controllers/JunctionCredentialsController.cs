using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wearables.Api.Auth;
using Wearables.Api.Errors;
using Wearables.Application.Junction;
using Wearables.Application.Junction.Commands.DeleteJunctionCredentials;
using Wearables.Application.Junction.Commands.SetJunctionCredentials;
using Wearables.Application.Junction.Queries.GetJunctionCredentialsStatus;

namespace Wearables.Api.Controllers;

/// <summary>
/// The project's own Junction team (API key and region or base URL). Admin only; the key is never
/// returned. A literal route: it wins over <c>{provider}/credentials</c>, and <c>junction</c> is no
/// OAuth provider.
/// </summary>
[ApiController]
[Route("v1/wearables/junction/credentials")]
[Authorize(Policy = Policies.Admin)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status401Unauthorized, ProblemWriter.ContentType)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status403Forbidden, ProblemWriter.ContentType)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status503ServiceUnavailable, ProblemWriter.ContentType)]
public sealed class JunctionCredentialsController(IMediator mediator) : ControllerBase
{
    /// <summary>Write (or replace) the project's Junction API key, sealed at rest; exchanges of this project then use it.</summary>
    [HttpPut]
    [Consumes("application/json")]
    [ProducesResponseType(typeof(JunctionCredentialsStatusResponse), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status400BadRequest, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status422UnprocessableEntity, ProblemWriter.ContentType)]
    public async Task<JunctionCredentialsStatusResponse> Put([FromBody] SetJunctionCredentialsRequest body, CancellationToken cancellationToken) =>
        JunctionCredentialsStatusResponse.From(await mediator.Send(
            new SetJunctionCredentialsCommand(body.ApiKey, body.Region, body.BaseUrl), cancellationToken).ConfigureAwait(false));

    /// <summary>The status view: whether a key is on file, its last 4 characters, and where the team lives.</summary>
    [HttpGet]
    [ProducesResponseType(typeof(JunctionCredentialsStatusResponse), StatusCodes.Status200OK, "application/json")]
    public async Task<JunctionCredentialsStatusResponse> Get(CancellationToken cancellationToken) =>
        JunctionCredentialsStatusResponse.From(await mediator.Send(new GetJunctionCredentialsStatusQuery(), cancellationToken).ConfigureAwait(false));

    /// <summary>Remove the project's Junction credentials (idempotent); answers the status view.</summary>
    [HttpDelete]
    [ProducesResponseType(typeof(JunctionCredentialsStatusResponse), StatusCodes.Status200OK, "application/json")]
    public async Task<JunctionCredentialsStatusResponse> Delete(CancellationToken cancellationToken) =>
        JunctionCredentialsStatusResponse.From(await mediator.Send(new DeleteJunctionCredentialsCommand(), cancellationToken).ConfigureAwait(false));
}

/// <summary>Request body of PUT /v1/wearables/junction/credentials: the key and exactly one of region and baseUrl.</summary>
public sealed class SetJunctionCredentialsRequest
{
    /// <summary>The team's API key (sent to Junction as x-vital-api-key).</summary>
    public string? ApiKey { get; init; }

    /// <summary>us, eu, us-sandbox or eu-sandbox.</summary>
    public string? Region { get; init; }

    /// <summary>Instead of a region: a base URL the operator allows (Wearables:Junction:AllowedBaseUrls).</summary>
    public string? BaseUrl { get; init; }

    public override string ToString() => "SetJunctionCredentialsRequest [redacted]";
}

/// <summary>The project's Junction credentials as the API may show them: never the key.</summary>
public sealed class JunctionCredentialsStatusResponse
{
    /// <summary>True when the project has its own key on file.</summary>
    public required bool Configured { get; init; }

    /// <summary>Last 4 characters of the stored key; null when none is on file.</summary>
    public required string? ApiKeyLast4 { get; init; }

    /// <summary>The region of the stored base URL, null when it is none of Junction's regions (or nothing is on file).</summary>
    public required string? Region { get; init; }

    public required string? BaseUrl { get; init; }

    /// <summary>True when the operator set a service-wide key, used while the project has none.</summary>
    public required bool OperatorFallback { get; init; }

    public static JunctionCredentialsStatusResponse From(JunctionCredentialsStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new()
        {
            Configured = status.Configured,
            ApiKeyLast4 = status.ApiKeyLast4,
            Region = status.Region,
            BaseUrl = status.BaseUrl,
            OperatorFallback = status.OperatorFallback,
        };
    }
}
