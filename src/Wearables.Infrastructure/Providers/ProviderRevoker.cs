using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Wearables.Application.Connections.Commands.Disconnect;
using Wearables.Application.Credentials;
using Wearables.Application.Providers;

namespace Wearables.Infrastructure.Providers;

/// <summary>
/// Revokes a grant as the provider's catalog entry says (<see cref="RevocationStyle"/>), on the
/// providers' HttpClient (its timeout bounds the call). Logs status codes only, never the token.
/// </summary>
public sealed partial class ProviderRevoker(HttpClient http, ProjectCredentials credentials, ILogger<ProviderRevoker> logger) : IProviderRevoker
{
    public async Task<RevocationOutcome> RevokeAsync(string projectId, ProviderDescriptor provider, string accessToken, string? providerUserId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentException.ThrowIfNullOrEmpty(accessToken);
        using var request = Request(provider, accessToken, providerUserId);
        if (request is null)
        {
            return RevocationOutcome.NotSupported;
        }

        if (provider.Revocation == RevocationStyle.PostToken)
        {
            // RFC 7009 authenticates the client, not the user: without the project's credentials the provider would refuse.
            var client = await credentials.GetAsync(projectId, provider.Slug, cancellationToken).ConfigureAwait(false);
            if (client is null)
            {
                return RevocationOutcome.NotSupported;
            }

            var form = new List<KeyValuePair<string, string>> { new("token", accessToken), new("token_type_hint", "access_token") };
            OAuthProviderClient.AuthenticateClient(provider, client, request, form);
            request.Content = new FormUrlEncodedContent(form);
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        HttpStatusCode status;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            status = response.StatusCode;
        }
        catch (Exception ex) when (TransportFailure.Is(ex, cancellationToken))
        {
            LogUnreachable(logger, provider.Slug, ex.GetType().Name);
            return RevocationOutcome.Unavailable;
        }

        var outcome = Classify(status);
        if (outcome is RevocationOutcome.Unavailable or RevocationOutcome.Refused)
        {
            LogAnswered(logger, provider.Slug, (int)status, outcome);
        }

        return outcome;
    }

    /// <summary>2xx revoked; 401/404 gone already; 408, 429 and 5xx worth another try; any other 4xx final.</summary>
    public static RevocationOutcome Classify(HttpStatusCode status) => (int)status switch
    {
        >= 200 and < 300 => RevocationOutcome.Revoked,
        401 or 404 => RevocationOutcome.AlreadyRevoked,
        408 or 429 or >= 500 => RevocationOutcome.Unavailable,
        >= 400 => RevocationOutcome.Refused,
        _ => RevocationOutcome.Unavailable,
    };

    private static HttpRequestMessage? Request(ProviderDescriptor provider, string accessToken, string? providerUserId)
    {
        switch (provider.Revocation)
        {
            case RevocationStyle.PostAccessToken when provider.RevokeUrl is { } revokeUrl:
                return new HttpRequestMessage(HttpMethod.Post, revokeUrl)
                {
                    Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("access_token", accessToken)]),
                };
            case RevocationStyle.PostToken when provider.RevokeUrl is { } revokeUrl:
                return new HttpRequestMessage(HttpMethod.Post, revokeUrl);
            case RevocationStyle.PostAccessTokenQuery when provider.RevokeUrl is { } revokeUrl:
                return new HttpRequestMessage(HttpMethod.Post,
                    new Uri(revokeUrl + (string.IsNullOrEmpty(revokeUrl.Query) ? "?" : "&") + "access_token=" + Uri.EscapeDataString(accessToken)));
            case RevocationStyle.DeleteWithBearer when provider.RevokeUrl is { } revokeUrl:
                return new HttpRequestMessage(HttpMethod.Delete, revokeUrl);
            case RevocationStyle.DeleteUser when !string.IsNullOrEmpty(providerUserId):
                return new HttpRequestMessage(HttpMethod.Delete,
                    provider.ApiUrl("users/" + Uri.EscapeDataString(providerUserId)));
            default:
                return null;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Revocation at {Provider} answered HTTP {Status} ({Outcome})")]
    private static partial void LogAnswered(ILogger logger, string provider, int status, RevocationOutcome outcome);

    [LoggerMessage(LogLevel.Warning, "Revocation at {Provider}: provider unreachable ({ExceptionType})")]
    private static partial void LogUnreachable(ILogger logger, string provider, string exceptionType);
}
