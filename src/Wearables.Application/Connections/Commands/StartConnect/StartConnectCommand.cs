using System.Text;
using MediatR;
using Wearables.Application.Common.Behaviors;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Credentials;
using Wearables.Application.Providers;

namespace Wearables.Application.Connections.Commands.StartConnect;

/// <summary>Starts an OAuth flow (the start-a-flow contract): mints a single-use state and answers the authorization URL.</summary>
public sealed record StartConnectCommand(string Provider, string? PatientId, string? RedirectUri)
    : IRequest<ConnectResult>, IProviderRequest, IPatientScopedRequest;

/// <summary>ConnectResponseDto (the start-a-flow contract).</summary>
public sealed record ConnectResult(string Provider, string AuthorizationUrl, string State)
{
    public override string ToString() => $"ConnectResult ({Provider}) [state redacted]";
}

public sealed class StartConnectCommandHandler(
    ICallerContext caller,
    RequestedProvider requested,
    ProjectCredentials credentials,
    IOAuthStateStore states,
    IOAuthCallbackUri callbackUris,
    PkceVerifiers pkce,
    IOAuthStateKeys stateKeys,
    TimeProvider time) : IRequestHandler<StartConnectCommand, ConnectResult>
{
    public async Task<ConnectResult> Handle(StartConnectCommand request, CancellationToken cancellationToken)
    {
        var provider = requested.Descriptor;
        var projectId = caller.Caller.ProjectId;

        // The validator refused a provider without credentials (credentials_missing), from the same
        // per-request read: there is nothing left to check here.
        var clientId = await credentials.GetClientIdAsync(projectId, provider.Slug, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("StartConnectCommand reached its handler without credentials: send it through the pipeline.");

        var state = OAuthState.NewToken(stateKeys);
        var stateHash = OAuthState.Hash(state);
        var callbackUri = callbackUris.ForProvider(provider.Slug);

        // PKCE: the verifier leaves this method only sealed (state store) or hashed (the challenge).
        var verifier = provider.UsePkce ? PkceVerifiers.NewVerifier() : null;
        var sealedVerifier = verifier is null ? null : pkce.Seal(projectId, stateHash, verifier);
        var pending = new PendingAuthorization(projectId, provider.Slug, request.PatientId!, request.RedirectUri, callbackUri, sealedVerifier, time.GetUtcNow());
        await states.SaveAsync(stateHash, pending, cancellationToken).ConfigureAwait(false);

        var query = new List<KeyValuePair<string, string>>
        {
            new("client_id", clientId),
            new("redirect_uri", callbackUri),
            new("response_type", "code"),
        };
        if (provider.DefaultScopes.Count > 0)
        {
            // Some providers take none (Suunto) or have them chosen in their developer portal (Garmin).
            query.Add(new("scope", provider.JoinedDefaultScopes));
        }

        query.Add(new("state", state));
        query.AddRange(provider.ExtraAuthorizeParameters);
        if (verifier is not null)
        {
            query.Add(new("code_challenge", PkceVerifiers.ChallengeOf(verifier)));
            query.Add(new("code_challenge_method", PkceVerifiers.ChallengeMethod));
        }

        return new ConnectResult(provider.Slug, AppendQuery(provider.AuthorizeUrl, query), state);
    }

    private static string AppendQuery(Uri url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var builder = new StringBuilder(url.GetLeftPart(UriPartial.Path));
        var existing = url.Query.TrimStart('?');
        builder.Append('?').Append(existing);
        var first = existing.Length == 0;
        foreach (var (key, value) in parameters)
        {
            builder.Append(first ? string.Empty : "&").Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
            first = false;
        }

        return builder.ToString();
    }
}
