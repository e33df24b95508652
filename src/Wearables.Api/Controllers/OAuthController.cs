using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.RateLimiting;
using Wearables.Api.Auth;
using Wearables.Api.Errors;
using Wearables.Api.Limits;
using Wearables.Application.Connections;
using Wearables.Application.Connections.Commands.HandleCallback;
using Wearables.Application.Connections.Commands.StartConnect;

namespace Wearables.Api.Controllers;

/// <summary>The OAuth authorization-code flow: starting a connection, and the provider's callback.</summary>
[ApiController]
[Route("v1/wearables/{provider}")]
public sealed partial class OAuthController(IMediator mediator, IOAuthStateKeys stateKeys, ILogger<OAuthController> logger) : ControllerBase
{
    /// <summary>
    /// Start a flow: answers the provider authorization URL to send the user to. Prerequisites: the
    /// provider's toggle is on and its credentials are on file. A patient caller may only connect itself.
    /// </summary>
    [HttpPost("connect")]
    [Authorize(Policy = Policies.AnyCaller)]
    [Consumes("application/json")]
    [ProducesResponseType(typeof(ConnectResponse), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status400BadRequest, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status401Unauthorized, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status403Forbidden, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status404NotFound, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status422UnprocessableEntity, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status429TooManyRequests, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status503ServiceUnavailable, ProblemWriter.ContentType)]
    public async Task<ConnectResponse> Connect(string provider, [FromBody] ConnectRequest body, CancellationToken cancellationToken)
    {
        var result = await mediator.Send(new StartConnectCommand(provider, body.PatientId, body.RedirectUri), cancellationToken).ConfigureAwait(false);
        Response.Headers.CacheControl = "no-store";
        return new ConnectResponse { Provider = result.Provider, AuthorizationUrl = result.AuthorizationUrl, State = result.State };
    }

    /// <summary>
    /// Where the provider sends the user's browser back. Exchanges the code, stores the connection,
    /// then redirects (302) to the redirectUri given at connect, or answers <c>{"ok": true, …}</c>.
    /// The state is single-use: replays get 401. When the connection store is down, the sealed grant is
    /// parked and written once it is back: the redirect then carries <c>wearables_status=pending</c>, the
    /// JSON answer <c>"pending": true</c>.
    /// </summary>
    [HttpGet("callback")]
    [AllowAnonymous]
    [EnableRateLimiting(EdgeLimits.Callback)]
    [NoReferrerNoStore]
    [ProducesResponseType(typeof(CallbackResponse), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(StatusCodes.Status302Found)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status400BadRequest, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status401Unauthorized, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status404NotFound, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status422UnprocessableEntity, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status429TooManyRequests, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status502BadGateway, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status503ServiceUnavailable, ProblemWriter.ContentType)]
    public async Task<IActionResult> Callback(
        string provider,
        [FromQuery] string? code,
        [FromQuery] string? state,
        [FromQuery] string? error,
        [FromQuery(Name = "error_description")] string? errorDescription,
        CancellationToken cancellationToken)
    {
        if (!HandleCallbackCommandHandler.IsOurs(state, stateKeys))
        {
            // The handler refuses it the same way; answered here, a flood of made-up states costs no exception
            // unwinding through MediatR, MVC and the middleware (bench/HISTORY.md), and no store operation.
            LogStateRefused(logger, provider);
            await ProblemWriter.WriteAsync(HttpContext, StatusCodes.Status401Unauthorized, HandleCallbackCommandHandler.StateInvalid, HandleCallbackCommandHandler.StateInvalidMessage).ConfigureAwait(false);
            return new EmptyResult();
        }

        var result = await mediator.Send(new HandleCallbackCommand(provider, code, state, error, errorDescription), cancellationToken).ConfigureAwait(false);
        if (result.RedirectUri is not null)
        {
            return Redirect(result.Pending ? WithPendingStatus(result.RedirectUri) : result.RedirectUri);
        }

        return Ok(new CallbackResponse { Ok = true, Provider = result.Provider, PatientId = result.PatientId, Pending = result.Pending ? true : null });
    }

    /// <summary>As the use-case log's refusals (LoggingBehavior): the error code only, never the state.</summary>
    [LoggerMessage(LogLevel.Information, "Refused HandleCallbackCommand: state_invalid ({Provider}, not a state of ours)")]
    private static partial void LogStateRefused(ILogger logger, string provider);

    /// <summary>The accepted redirect URI with <c>wearables_status=pending</c> added to its query (before any fragment).</summary>
    private static string WithPendingStatus(string redirectUri)
    {
        var fragment = redirectUri.IndexOf('#', StringComparison.Ordinal);
        var (head, tail) = fragment < 0 ? (redirectUri, string.Empty) : (redirectUri[..fragment], redirectUri[fragment..]);
        return head + (head.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "wearables_status=pending" + tail;
    }
}

public sealed class ConnectRequest
{
    /// <summary>FHIR Patient id to connect.</summary>
    public string? PatientId { get; init; }

    /// <summary>Where to send the user after the callback; defaults to a JSON success answer.</summary>
    public string? RedirectUri { get; init; }
}

/// <summary>The answer of connect (ConnectResponseDto): the provider authorization URL to send the user to.</summary>
public sealed class ConnectResponse
{
    public required string Provider { get; init; }

    public required string AuthorizationUrl { get; init; }

    /// <summary>Opaque; the provider echoes it back to the callback.</summary>
    public required string State { get; init; }
}

/// <summary>The answer of the callback when connect named no redirectUri (OkResponseDto).</summary>
public sealed class CallbackResponse
{
    public required bool Ok { get; init; }

    public required string Provider { get; init; }

    public required string PatientId { get; init; }

    /// <summary>
    /// True when the connection store was down: the grant is kept (sealed) and the connection appears
    /// once the store is back, without a new authorization. Absent otherwise.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public bool? Pending { get; init; }
}

/// <summary>
/// <c>Referrer-Policy: no-referrer</c> and <c>Cache-Control: no-store</c> on every answer of the
/// action, error answers included (set when the response starts, after any error handling).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NoReferrerNoStoreAttribute : Attribute, IResourceFilter, IOrderedFilter
{
    /// <summary>First of all filters, so that even a refusal by an earlier filter carries the headers.</summary>
    public int Order => int.MinValue;

    public void OnResourceExecuting(ResourceExecutingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.HttpContext.Response;
        response.OnStarting(() =>
        {
            response.Headers["Referrer-Policy"] = "no-referrer";
            response.Headers.CacheControl = "no-store";
            response.Headers.Pragma = "no-cache";
            return Task.CompletedTask;
        });
    }

    public void OnResourceExecuted(ResourceExecutedContext context)
    {
    }
}
