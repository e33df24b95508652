using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wearables.Api.Auth;
using Wearables.Api.Errors;
using Wearables.Application.Connections.Commands.Disconnect;
using Wearables.Application.Connections.Commands.ExchangeLinkToken;
using Wearables.Application.Connections.Commands.IssueAccessToken;
using Wearables.Application.Connections.Queries.GetConnection;
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
    public async Task<IActionResult> List([FromRoute(Name = "user_id")] string userId, CancellationToken cancellationToken)
    {
        var list = await mediator.Send(new ListConnectionsQuery(userId), cancellationToken).ConfigureAwait(false);
        return new FileContentResult(SerializedLists.Of(list, HttpContext), "application/json; charset=utf-8");
    }

    /// <summary>
    /// Disconnect a user from a provider: the connection is revoked and its tokens wiped at once, and
    /// the grant is revoked at the provider (retried in the background while the provider cannot be
    /// reached). Answers the connection with status <c>revoked</c>; repeating it answers the same.
    /// Junction links are revoked here only. 404 "User not found" for a user this project has never
    /// seen, <c>connection_not_found</c> when the user has no connection to the provider.
    /// </summary>
    [HttpDelete("api/v1/users/{user_id}/connections/{provider}")]
    [Authorize(Policy = Policies.AnyCaller)]
    [AnyProviderSlug]
    [ProducesResponseType(typeof(ConnectionDto), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status403Forbidden, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status404NotFound, ProblemWriter.ContentType)]
    public Task<ConnectionDto> Disconnect([FromRoute(Name = "user_id")] string userId, [FromRoute] string provider, CancellationToken cancellationToken) =>
        mediator.Send(new DisconnectCommand(userId, provider), cancellationToken);

    /// <summary>
    /// One connection of a user, in the list's shape. 404 <c>connection_not_found</c> when the user
    /// has none for this provider, "User not found" for a user this project has never seen.
    /// </summary>
    [HttpGet("api/v1/users/{user_id}/connections/{provider}")]
    [Authorize(Policy = Policies.AnyCaller)]
    [AnyProviderSlug]
    [ProducesResponseType(typeof(ConnectionDto), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status404NotFound, ProblemWriter.ContentType)]
    public Task<ConnectionDto> Get([FromRoute(Name = "user_id")] string userId, string provider, CancellationToken cancellationToken) =>
        mediator.Send(new GetConnectionQuery(userId, provider), cancellationToken);

    /// <summary>
    /// A usable access token of the user's connection, for the project's backends (never patients).
    /// Refreshed first when it expires within <c>min_validity_seconds</c> (0 to 3600, default 300),
    /// once across every instance however many callers ask. 409 when the user must connect again
    /// (<c>connection_revoked</c>, <c>connection_expired</c>); 502 <c>provider_unavailable</c> when the
    /// refresh failed for now (the connection stays active). Answered with <c>Cache-Control: no-store</c>.
    /// </summary>
    [HttpPost("api/v1/users/{user_id}/connections/{provider}/token")]
    [Authorize(Policy = Policies.Backend)]
    [Consumes("application/json")]
    [ProducesResponseType(typeof(AccessTokenDto), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status400BadRequest, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status403Forbidden, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status404NotFound, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status409Conflict, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status422UnprocessableEntity, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status502BadGateway, ProblemWriter.ContentType)]
    public async Task<AccessTokenDto> IssueToken(
        [FromRoute(Name = "user_id")] string userId,
        string provider,
        [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] AccessTokenRequest? body,
        CancellationToken cancellationToken)
    {
        var token = await mediator.Send(new IssueAccessTokenCommand(userId, provider, body?.MinValiditySeconds), cancellationToken).ConfigureAwait(false);
        Response.Headers.CacheControl = "no-store";
        Response.Headers.Pragma = "no-cache";
        return token;
    }

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
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status409Conflict, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status422UnprocessableEntity, ProblemWriter.ContentType)]
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

/// <summary>Optional body of the token request.</summary>
public sealed class AccessTokenRequest
{
    /// <summary>The answered token must stay valid at least this long (0 to 3600 seconds, default 300); else it is refreshed first.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("min_validity_seconds")]
    public long? MinValiditySeconds { get; init; }
}
