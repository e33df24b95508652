using System.Text.Json.Serialization;
using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using NSwag.Annotations;
using Wearables.Api.Errors;
using Wearables.Api.Limits;
using Wearables.Application.Webhooks;
using Wearables.Application.Webhooks.Commands.ReceiveWebhook;
using Wearables.Application.Webhooks.Queries.AnswerHandshake;

namespace Wearables.Api.Controllers;

/// <summary>
/// Inbound provider webhooks, one URL per project (each project has its own OAuth app). Called by
/// the providers, without an API key: the provider's verify token or signature is the credential.
/// </summary>
[ApiController]
[Route("v1/wearables/{provider}/webhooks/{projectId}")]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status404NotFound, ProblemWriter.ContentType)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status429TooManyRequests, ProblemWriter.ContentType)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status503ServiceUnavailable, ProblemWriter.ContentType)]
public sealed class WebhooksController(IMediator mediator, TimeProvider time) : ControllerBase
{
    /// <summary>The largest event body taken (providers send a few hundred bytes; Polar and Strava far less than this).</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>
    /// The provider's subscription handshake. Strava:
    /// <c>?hub.mode=subscribe&amp;hub.verify_token=…&amp;hub.challenge=…</c> → 200 <c>{"hub.challenge": "…"}</c>
    /// when the verify token is the project's (compared in constant time); otherwise 403. Fitbit:
    /// <c>?verify=…</c> → 204 when it is the project's webhook secret (the subscriber verification
    /// code), otherwise 404 (Fitbit's rule). Oura: <c>?verification_token=…&amp;challenge=…</c> → 200
    /// <c>{"challenge": "…"}</c> for the project's verification token, otherwise 403. Withings (which
    /// may GET the URL) → 200 without a body. Providers without a handshake (Polar, WHOOP, Garmin,
    /// Suunto) → 404.
    /// </summary>
    [HttpGet]
    [AllowAnonymous]
    [EnableRateLimiting(EdgeLimits.Webhook)]
    [ProducesResponseType(typeof(WebhookHandshakeResponse), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status403Forbidden, ProblemWriter.ContentType)]
    public Task<IActionResult> Handshake(string provider, string projectId, CancellationToken cancellationToken) =>
        AnswerHandshakeAsync(provider, projectId, cancellationToken);

    /// <summary>
    /// The same handshake without a body: Withings probes the URL with <c>HEAD</c> when a
    /// subscription is made (→ 200); for the others the status is the <c>GET</c>'s.
    /// </summary>
    [HttpHead]
    [AllowAnonymous]
    [EnableRateLimiting(EdgeLimits.Webhook)]
    [ProducesResponseType(StatusCodes.Status200OK)]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType(StatusCodes.Status403Forbidden)]
    public Task<IActionResult> Probe(string provider, string projectId, CancellationToken cancellationToken) =>
        AnswerHandshakeAsync(provider, projectId, cancellationToken);

    /// <summary>
    /// An event delivery. Strava (unsigned JSON): counts only for the project's subscription and a
    /// connected athlete (<c>owner_id</c>); <c>object_type: "athlete"</c> with
    /// <c>updates.authorized: "false"</c> revokes the connection and wipes its tokens. Polar:
    /// <c>Polar-Webhook-Signature</c> = hex HMAC-SHA256 of the exact body with the project's webhook
    /// secret (missing or wrong → 401); <c>Polar-Webhook-Event: PING</c> → 200 whatever its signature.
    /// Fitbit: <c>X-Fitbit-Signature</c> = base64 HMAC-SHA1 of the exact body keyed with the client
    /// secret and <c>&amp;</c> (missing or wrong → 401); answered 204 without a body, as Fitbit requires;
    /// <c>userRevokedAccess</c> revokes. Withings (unsigned form posts): only from the configured
    /// address ranges (<c>Wearables:Providers:withings:WebhookAllowedRanges</c>; none → every delivery
    /// 403); <c>appli=46</c> with <c>action=unlink|delete</c> revokes. Garmin: the <c>garmin-client-id</c>
    /// header must be the project's client id (else 401); <c>deregistrations</c> revoke,
    /// <c>userPermissionsChange</c> replaces the connection's scopes (none left revokes).
    /// Accepted events are queued durably and applied after the answer (every accepted event records
    /// the connection's last event time); users the project does not know are ignored (200/204). A
    /// repeated delivery is answered <c>duplicate</c> and applied once. Over 256 KB → 413; not the
    /// provider's media type → 415; malformed → 400.
    /// </summary>
    [HttpPost]
    [AllowAnonymous]
    [EnableRateLimiting(EdgeLimits.Webhook)]
    [RequestSizeLimit(MaxBodyBytes)]
    [OpenApiBodyParameter("application/json", "application/x-www-form-urlencoded")]
    [ProducesResponseType(typeof(WebhookReceiptResponse), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status400BadRequest, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status401Unauthorized, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status403Forbidden, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status413PayloadTooLarge, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status415UnsupportedMediaType, ProblemWriter.ContentType)]
    public async Task<IActionResult> Receive(string provider, string projectId, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(cancellationToken).ConfigureAwait(false);
        var receipt = await mediator.Send(new ReceiveWebhookCommand(Describe(provider, projectId, body), Request.ContentType), cancellationToken).ConfigureAwait(false);
        return receipt.HttpStatus == StatusCodes.Status204NoContent
            ? NoContent()
            : Ok(new WebhookReceiptResponse { Status = receipt.Status });
    }

    private async Task<IActionResult> AnswerHandshakeAsync(string provider, string projectId, CancellationToken cancellationToken)
    {
        var answer = await mediator.Send(new AnswerHandshakeQuery(Describe(provider, projectId, ReadOnlyMemory<byte>.Empty)), cancellationToken).ConfigureAwait(false);
        Response.Headers.CacheControl = "no-store";
        return answer.Body is null ? StatusCode(answer.Status) : new JsonResult(answer.Body) { StatusCode = answer.Status };
    }

    private WebhookRequest Describe(string provider, string projectId, ReadOnlyMemory<byte> body) => new(
        projectId,
        provider,
        Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal),
        Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal),
        body,
        HttpContext.Connection.RemoteIpAddress,
        time.GetUtcNow());

    /// <summary>The body exactly as its bytes arrived (a signature is over them), at most <see cref="MaxBodyBytes"/>.</summary>
    private async Task<ReadOnlyMemory<byte>> ReadBodyAsync(CancellationToken cancellationToken)
    {
        if (Request.ContentLength > MaxBodyBytes)
        {
            throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
        }

        using var buffer = new MemoryStream(Request.ContentLength is > 0 and <= MaxBodyBytes ? (int)Request.ContentLength.Value : 1024);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await Request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}

/// <summary>A handshake answer: the challenge the provider sent, echoed under the provider's name for it (one of the two).</summary>
public sealed class WebhookHandshakeResponse
{
    /// <summary>Strava's name for it.</summary>
    [JsonPropertyName("hub.challenge")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? HubChallenge { get; init; }

    /// <summary>Oura's name for it.</summary>
    [JsonPropertyName("challenge")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Challenge { get; init; }
}

/// <summary>What became of a delivery.</summary>
public sealed class WebhookReceiptResponse
{
    /// <summary><c>queued</c> (applied shortly, after this answer), <c>duplicate</c> (seen within 24 h: not applied again), <c>ping</c>, or <c>ignored</c> (not the project's subscription).</summary>
    public required string Status { get; init; }
}
