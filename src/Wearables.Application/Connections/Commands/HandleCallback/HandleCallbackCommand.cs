using System.Text.RegularExpressions;
using MediatR;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Behaviors;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Credentials;
using Wearables.Application.Providers;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections.Commands.HandleCallback;

/// <summary>The provider's redirect back to us (the OAuth callback contract). Unauthenticated: the state is the credential.</summary>
public sealed record HandleCallbackCommand(string Provider, string? Code, string? State, string? Error, string? ErrorDescription)
    : IRequest<CallbackResult>, IProviderRequest
{
    public override string ToString() => $"HandleCallbackCommand ({Provider}) [code/state redacted]";
}

/// <summary>
/// Where to send the browser (null: answer the JSON acknowledgement). <paramref name="Pending"/>: the
/// grant is parked because the connection store was down; the connection appears once it is back.
/// </summary>
public sealed record CallbackResult(string Provider, string PatientId, string? RedirectUri, Guid ConnectionId, bool Pending = false);

public sealed partial class HandleCallbackCommandHandler(
    RequestedProvider requested,
    IOAuthStateStore states,
    ProjectCredentials credentials,
    IOAuthProviderClient providers,
    ConnectionTokens tokens,
    PkceVerifiers pkce,
    ConnectionWriter writer,
    ParkedGrants parked,
    IOAuthStateKeys stateKeys,
    ILogger<HandleCallbackCommandHandler> logger) : IRequestHandler<HandleCallbackCommand, CallbackResult>
{
    /// <summary>Pauses between attempts to store a connection after the provider issued tokens (a store hiccup is retried too).</summary>
    public static readonly TimeSpan[] SaveRetryDelays = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(1)];

    /// <summary>The refusal of a state that is missing, unknown, expired, already used or not ours (401).</summary>
    public const string StateInvalid = "state_invalid";

    public const string StateInvalidMessage = "The OAuth state is missing, unknown, expired or already used.";

    /// <summary>
    /// False for a state this service cannot have minted (missing, too long, a MAC that does not check):
    /// refused before any store operation. The edge asks this too, to refuse a flood of made-up states
    /// without the cost of an exception through the pipeline.
    /// </summary>
    public static bool IsOurs(string? state, IOAuthStateKeys keys) =>
        !string.IsNullOrWhiteSpace(state) && state.Length <= OAuthState.MaxLength && OAuthState.IsOurs(state, keys);

    public async Task<CallbackResult> Handle(HandleCallbackCommand request, CancellationToken cancellationToken)
    {
        // 1. The state first: nothing else is looked at for an unknown, expired or replayed flow.
        // One whose MAC does not check was never ours: refused without a store operation.
        if (!IsOurs(request.State, stateKeys))
        {
            throw new UnauthorizedException(StateInvalid, StateInvalidMessage);
        }

        var stateHash = OAuthState.Hash(request.State!);
        var pending = await states.TakeAsync(stateHash, cancellationToken).ConfigureAwait(false)
            ?? throw new UnauthorizedException(StateInvalid, StateInvalidMessage);

        // 2. A state minted for another provider is spent and refused.
        if (!string.Equals(pending.Provider, request.Provider, StringComparison.Ordinal))
        {
            throw new UnauthorizedException("state_provider_mismatch", "The OAuth state was issued for another provider.");
        }

        // The PKCE verifier sealed at connect. One that does not open (tampered, moved from another
        // flow, its master key gone) leaves a flow we cannot finish: refused like an unknown state
        // (the state is spent), before the code is ever shown to the provider.
        string? verifier = null;
        if (pending.PkceVerifierEnvelope is { } sealedVerifier)
        {
            if (!pkce.TryOpen(pending.ProjectId, stateHash, sealedVerifier, out var opened))
            {
                LogVerifierUnreadable(logger, request.Provider, pending.ProjectId);
                throw new UnauthorizedException(StateInvalid, StateInvalidMessage);
            }

            verifier = opened;
        }

        if (!string.IsNullOrEmpty(request.Error))
        {
            throw new BadRequestException("provider_error", $"The provider reported an error: {SafeErrorCode(request.Error)}.");
        }

        if (string.IsNullOrWhiteSpace(request.Code) || request.Code.Length > 2048)
        {
            throw new BadRequestException("code_missing", "The authorization code is missing.");
        }

        var provider = requested.Descriptor;
        var app = await credentials.GetAsync(pending.ProjectId, provider.Slug, cancellationToken).ConfigureAwait(false)
            ?? throw new UnprocessableException("credentials_missing", "The provider's OAuth credentials were removed during the flow.");

        // 3. Exchange with the very redirect_uri sent at connect, then the provider's own follow-up.
        var id = Connection.IdFor(pending.ProjectId, pending.PatientId, provider.Slug);
        var issued = await providers.ExchangeCodeAsync(provider, app, request.Code, pending.CallbackUri, verifier, cancellationToken).ConfigureAwait(false);
        await providers.CompleteAuthorizationAsync(provider, issued, id.ToString("D"), cancellationToken).ConfigureAwait(false);

        // 4. Persist. The provider has issued tokens: a store hiccup is retried, and a store that stays
        // down gets the sealed grant parked for a background write rather than lost.
        var grant = tokens.Seal(pending.ProjectId, id, issued);
        var address = provider.ApiBaseUrl.ToString();
        var retry = new SaveRetry(SaveRetryDelays, WhenStoreDown: true, (attempt, ex) => LogSaveRetry(logger, provider.Slug, pending.ProjectId, attempt, ex.GetType().Name));
        try
        {
            var connection = await writer.UpsertAsync(
                pending.ProjectId, pending.PatientId, provider.Slug, ConnectionSource.OAuth,
                (c, now) => c.Authorize(grant, address, now), retry, cancellationToken).ConfigureAwait(false);
            LogConnected(logger, provider.Slug, pending.ProjectId, pending.PatientId, connection.Id);
            return new CallbackResult(provider.Slug, pending.PatientId, pending.RedirectUri, connection.Id);
        }
        catch (DependencyUnavailableException ex)
        {
            await ParkAsync(pending, provider.Slug, address, grant, ex).ConfigureAwait(false);
            return new CallbackResult(provider.Slug, pending.PatientId, pending.RedirectUri, id, Pending: true);
        }
    }

    /// <summary>
    /// Parks the grant. Not bound to the request: a browser that goes away now must not lose the tokens
    /// the provider issued. Where the park store is down too, the grant is lost (503).
    /// </summary>
    private async Task ParkAsync(PendingAuthorization pending, string provider, string address, OAuthGrant grant, DependencyUnavailableException saveFailure)
    {
        try
        {
            await parked.ParkAsync(pending, provider, address, grant, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DependencyUnavailableException)
        {
            LogSaveFailed(logger, provider, pending.ProjectId, pending.PatientId, saveFailure.InnerException?.GetType().Name);
            throw new DependencyUnavailableException("connection_store_unavailable",
                "The connection could not be stored; the provider authorization succeeded but must be restarted later.", saveFailure);
        }
    }

    private static string SafeErrorCode(string error) => ErrorCode().IsMatch(error) ? error : "unknown_error";

    [GeneratedRegex(@"^[A-Za-z0-9_.-]{1,64}\z")]
    private static partial Regex ErrorCode();

    [LoggerMessage(LogLevel.Information, "Connected {Provider} for project {ProjectId} patient {PatientId} (connection {ConnectionId})")]
    private static partial void LogConnected(ILogger logger, string provider, string projectId, string patientId, Guid connectionId);

    [LoggerMessage(LogLevel.Warning, "The sealed PKCE verifier of a {Provider} flow of project {ProjectId} did not open (tampered, or its key is gone); the flow is refused")]
    private static partial void LogVerifierUnreadable(ILogger logger, string provider, string projectId);

    [LoggerMessage(LogLevel.Warning, "Storing the {Provider} connection of project {ProjectId} failed (attempt {Attempt}, {ExceptionType}); retrying")]
    private static partial void LogSaveRetry(ILogger logger, string provider, string projectId, int attempt, string exceptionType);

    [LoggerMessage(LogLevel.Error, "Storing the {Provider} connection of project {ProjectId} patient {PatientId} failed after retries ({InnerType}) and its grant could not be parked; tokens were not stored")]
    private static partial void LogSaveFailed(ILogger logger, string provider, string projectId, string patientId, string? innerType);
}
