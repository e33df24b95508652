using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wearables.Api.Auth;
using Wearables.Api.Errors;
using Wearables.Application.Connections.Commands.Disconnect;
using Wearables.Application.Connections.Commands.ExchangeLinkToken;
using Wearables.Application.Connections.Queries.ListConnections;

namespace Wearables.Api.Controllers;

/// <summary>A user's wearable connections, and linking a provider through Junction Link.</summary>
[ApiController]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status401Unauthorized, ProblemWriter.ContentType)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status503ServiceUnavailable, ProblemWriter.ContentType)]
public sealed class ConnectionsController(IMediator mediator) : ControllerBase
{
    /// <summary>
    /// All wearable connections of a user (OAuth and Junction alike): status, provider information,
    /// last sync. Tokens are never included. 404 "User not found" for a user this project has never seen.
    /// </summary>
    [HttpGet("api/v1/users/{user_id}/connections")]
    [Authorize(Policy = Policies.AnyCaller)]
    [ProducesResponseType(typeof(IReadOnlyList<ConnectionDto>), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status404NotFound, ProblemWriter.ContentType)]
    public Task<IReadOnlyList<ConnectionDto>> List([FromRoute(Name = "user_id")] string userId, CancellationToken cancellationToken) =>
        mediator.Send(new ListConnectionsQuery(userId), cancellationToken);

    /// <summary>
    /// Disconnect a user from a provider: the connection is revoked and its tokens wiped at once, and
    /// the grant is revoked at the provider (retried in the background while the provider cannot be
    /// reached). Answers the connection with status <c>revoked</c>; repeating it answers the same.
    /// Junction links are revoked here only. 404 "User not found" for a user this project has never
    /// seen, <c>connection_not_found</c> when the user has no connection to the provider.
    /// </summary>
    [HttpDelete("api/v1/users/{user_id}/connections/{provider}")]
    [Authorize(Policy = Policies.AnyCaller)]
    [AnyConnectionProvider]
    [ProducesResponseType(typeof(ConnectionDto), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status403Forbidden, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status404NotFound, ProblemWriter.ContentType)]
    public Task<ConnectionDto> Disconnect([FromRoute(Name = "user_id")] string userId, [FromRoute] string provider, CancellationToken cancellationToken) =>
        mediator.Send(new DisconnectCommand(userId, provider), cancellationToken);

    /// <summary>
    /// Exchange a Junction Link token (from the widget) for the Junction user id and persist the
    /// connection. Repeating it for the same patient and provider updates the one connection.
    /// </summary>
    [HttpPost("v1/wearables/link/exchange")]
    [Authorize(Policy = Policies.AnyCaller)]
    [Consumes("application/json")]
    [ProducesResponseType(typeof(LinkedConnectionDto), StatusCodes.Status201Created, "application/json")]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status400BadRequest, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status403Forbidden, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status502BadGateway, ProblemWriter.ContentType)]
    public async Task<ActionResult<LinkedConnectionDto>> Exchange([FromBody] ExchangeLinkTokenRequest body, CancellationToken cancellationToken)
    {
        var linked = await mediator.Send(new ExchangeLinkTokenCommand(body.LinkToken, body.Provider), cancellationToken).ConfigureAwait(false);
        return Created($"/api/v1/users/{Uri.EscapeDataString(linked.PatientId)}/connections", linked);
    }
}

/// <summary>Request body of the Junction Link token exchange.</summary>
public sealed class ExchangeLinkTokenRequest
{
    /// <summary>The public Junction Link token returned by the widget.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("link_token")]
    public string? LinkToken { get; init; }

    /// <summary>apple_health_kit, google_fit, oura, whoop, eight_sleep, dexcom, freestyle_libre or garmin.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("provider")]
    public string? Provider { get; init; }

    public override string ToString() => "ExchangeLinkTokenRequest [redacted]";
}
