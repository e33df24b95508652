using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Providers;
using Wearables.Domain.Credentials;

namespace Wearables.Infrastructure.Providers;

/// <summary>
/// The authorization-code exchange for every provider of the catalog, driven by its descriptor
/// (client authentication, PKCE, where the user id is), plus per-provider strategies for the rest.
/// Bounded by the HttpClient's timeout; nothing of the request or response is logged but status codes.
/// </summary>
public sealed partial class OAuthProviderClient(HttpClient http, IEnumerable<IProviderStrategy> strategies, TimeProvider time, ILogger<OAuthProviderClient> logger)
    : IOAuthProviderClient
{
    public const string HttpClientName = "oauth-providers";

    public async Task<ProviderTokens> ExchangeCodeAsync(ProviderDescriptor provider, ProviderCredentials credentials, string code, string redirectUri, string? codeVerifier, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(credentials);
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "authorization_code"),
            new("code", code),
            new("redirect_uri", redirectUri),
        };
        if (codeVerifier is not null)
        {
            form.Add(new("code_verifier", codeVerifier));
        }

        using var request = TokenRequest(provider, provider.TokenUrl, credentials, form);
        var (status, body) = await SendTokenRequestAsync(provider, request, cancellationToken).ConfigureAwait(false);
        if (status is HttpStatusCode.Unauthorized || body?.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String && e.GetString() == "invalid_client")
        {
            LogRejected(logger, provider.Slug, (int)status, "client");
            throw new BadRequestException("client_rejected", "The provider rejected the project's OAuth client credentials.");
        }

        if ((int)status is >= 400 and < 500)
        {
            // Strava: 400 {"message":"Bad Request","errors":[{"resource":"AuthorizationCode",…}]}; OAuth: invalid_grant.
            LogRejected(logger, provider.Slug, (int)status, "code");
            throw new BadRequestException("code_rejected", "The provider rejected the authorization code (invalid, expired or already used).");
        }

        if (status != HttpStatusCode.OK || body is null || body.RootElement.ValueKind != JsonValueKind.Object
            || !body.RootElement.TryGetProperty("access_token", out var access) || access.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(access.GetString()))
        {
            LogBadAnswer(logger, provider.Slug, (int)status);
            throw new UpstreamException("provider_invalid_response", "The provider answered the token request with something unexpected.");
        }

        using (body)
        {
            var json = body.RootElement;
            var accessToken = access.GetString()!;
            using var identity = await IdentityAsync(provider, accessToken, cancellationToken).ConfigureAwait(false);
            var ids = identity?.RootElement ?? json;
            return new ProviderTokens(
                accessToken,
                Text(json, "refresh_token"),
                ExpiresAt(json) ?? JwtExpiry(provider, identity),
                Text(json, "scope") ?? provider.JoinedDefaultScopes,
                provider.UserIdPath is null ? null : Text(ids, provider.UserIdPath),
                provider.UsernamePath is null ? null : Text(ids, provider.UsernamePath));
        }
    }

    /// <summary>
    /// Where the user id is when not in the token answer (<see cref="ProviderDescriptor.UserIds"/>): the profile
    /// answer, or the access token's claims. Null means the token answer itself.
    /// </summary>
    private async Task<JsonDocument?> IdentityAsync(ProviderDescriptor provider, string accessToken, CancellationToken cancellationToken)
    {
        switch (provider.UserIds)
        {
            case UserIdSource.AccessTokenClaims:
                return JwtClaims.Read(accessToken);
            case UserIdSource.ProfileCall when provider.ProfilePath is { } path:
                using (var request = new HttpRequestMessage(HttpMethod.Get, provider.ApiUrl(path)))
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                    var (status, profile) = await SendAsync(provider, request, cancellationToken).ConfigureAwait(false);
                    if (status == HttpStatusCode.OK && profile?.RootElement.ValueKind == JsonValueKind.Object)
                    {
                        return profile;
                    }

                    profile?.Dispose();
                    LogBadAnswer(logger, provider.Slug, (int)status);
                    throw new UpstreamException("provider_invalid_response", "The provider did not tell who authorized the connection.");
                }

            default:
                return null;
        }
    }

    /// <summary>A JWT access token's <c>exp</c>, for a provider whose token answer names no lifetime (Suunto).</summary>
    private static DateTimeOffset? JwtExpiry(ProviderDescriptor provider, JsonDocument? identity) =>
        provider.UserIds == UserIdSource.AccessTokenClaims && identity?.RootElement is { ValueKind: JsonValueKind.Object } claims
            && claims.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var unix) && unix is > 0 and < 253402300800
            ? DateTimeOffset.FromUnixTimeSeconds(unix)
            : null;

    public Task CompleteAuthorizationAsync(ProviderDescriptor provider, ProviderTokens tokens, string memberId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var strategy = strategies.FirstOrDefault(s => s.Slug == provider.Slug);
        return strategy is null ? Task.CompletedTask : strategy.AfterAuthorizationAsync(http, provider, tokens, memberId, cancellationToken);
    }

    public async Task<RefreshResult> RefreshAsync(ProviderDescriptor provider, ProviderCredentials credentials, string refreshToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentException.ThrowIfNullOrEmpty(refreshToken);
        using var request = TokenRequest(provider, provider.RefreshUrl ?? provider.TokenUrl, credentials, [new("grant_type", "refresh_token"), new("refresh_token", refreshToken)]);
        HttpStatusCode status;
        JsonDocument? body;
        try
        {
            (status, body) = await SendTokenRequestAsync(provider, request, cancellationToken).ConfigureAwait(false);
        }
        catch (UpstreamException)
        {
            // Unreachable, too slow or 5xx (already logged by SendAsync).
            return RefreshResult.Unavailable;
        }

        using (body)
        {
            if (RefreshRejection.IsGrantRejected(provider.Slug, status, body))
            {
                LogRejected(logger, provider.Slug, (int)status, "refresh token");
                return RefreshResult.GrantRejected;
            }

            if (status != HttpStatusCode.OK || body?.RootElement is not { ValueKind: JsonValueKind.Object } json
                || TokenText(json, "access_token") is not { } accessToken)
            {
                // 429, a 4xx that is no invalid_grant, garbage: transient.
                LogBadAnswer(logger, provider.Slug, (int)status);
                return RefreshResult.Unavailable;
            }

            // Only a token answer carries ids here; a null keeps the connection's own (Connection.Refreshed).
            var ids = provider.UserIds == UserIdSource.TokenAnswer;
            using var claims = provider.UserIds == UserIdSource.AccessTokenClaims ? JwtClaims.Read(accessToken) : null;
            return new RefreshResult(RefreshOutcome.Refreshed, new ProviderTokens(
                accessToken,
                TokenText(json, "refresh_token") ?? refreshToken,
                ExpiresAt(json) ?? JwtExpiry(provider, claims),
                Text(json, "scope"),
                ids && provider.UserIdPath is not null ? Text(json, provider.UserIdPath) : null,
                ids && provider.UsernamePath is not null ? Text(json, provider.UsernamePath) : null));
        }
    }

    /// <summary>A POST to the token endpoint in the provider's dialect, with its client authentication.</summary>
    private static HttpRequestMessage TokenRequest(ProviderDescriptor provider, Uri url, ProviderCredentials credentials, List<KeyValuePair<string, string>> form)
    {
        WithingsTokenDialect.AddParameters(provider, form);
        var request = new HttpRequestMessage(HttpMethod.Post, url);
        AuthenticateClient(provider, credentials, request, form);
        request.Content = new FormUrlEncodedContent(form);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    /// <summary>The provider's client authentication: HTTP Basic, or <c>client_id</c> and <c>client_secret</c> added to <paramref name="form"/>.</summary>
    internal static void AuthenticateClient(ProviderDescriptor provider, ProviderCredentials credentials, HttpRequestMessage request, List<KeyValuePair<string, string>> form)
    {
        if (provider.TokenAuth == TokenEndpointAuth.Basic)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.ClientId}:{credentials.ClientSecret}")));
        }
        else
        {
            form.Add(new("client_id", credentials.ClientId));
            form.Add(new("client_secret", credentials.ClientSecret));
        }
    }

    private async Task<(HttpStatusCode Status, JsonDocument? Body)> SendTokenRequestAsync(ProviderDescriptor provider, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(provider, request, cancellationToken).ConfigureAwait(false);
        return WithingsTokenDialect.Normalize(provider, status, body);
    }

    /// <summary>Sends and reads a JSON body (null when not JSON). Transport failures and 5xx become 502s.</summary>
    internal async Task<(HttpStatusCode Status, JsonDocument? Body)> SendAsync(ProviderDescriptor provider, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode >= 500)
            {
                LogBadAnswer(logger, provider.Slug, (int)response.StatusCode);
                throw new UpstreamException("provider_unavailable", "The provider is not available; try again later.");
            }

            JsonDocument? body = null;
            try
            {
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                body = bytes.Length == 0 ? null : JsonDocument.Parse(bytes);
            }
            catch (JsonException)
            {
                body = null;
            }

            return (response.StatusCode, body);
        }
        catch (Exception ex) when (TransportFailure.Is(ex, cancellationToken))
        {
            LogUnreachable(logger, provider.Slug, ex.GetType().Name);
            throw Unreachable(ex);
        }
    }

    /// <summary>The one answer for a provider that could not be reached in time (<see cref="TransportFailure"/>).</summary>
    internal static UpstreamException Unreachable(Exception transportFailure) =>
        new("provider_unavailable", "The provider could not be reached in time; try again later.", transportFailure);

    private DateTimeOffset? ExpiresAt(JsonElement json)
    {
        if (json.TryGetProperty("expires_at", out var at) && at.TryGetInt64(out var unix))
        {
            return DateTimeOffset.FromUnixTimeSeconds(unix);
        }

        return json.TryGetProperty("expires_in", out var inSeconds) && inSeconds.TryGetInt64(out var seconds)
            ? time.GetUtcNow().AddSeconds(seconds)
            : null;
    }

    /// <summary>A token: a non-empty string of sane length (JWT access tokens run to kilobytes), else null.</summary>
    private static string? TokenText(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 and <= 16_384 } token ? token : null;

    /// <summary>A string or number at a dotted path (<c>athlete.id</c>), as text.</summary>
    internal static string? Text(JsonElement json, string path)
    {
        var current = json;
        foreach (var part in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return null;
            }
        }

        return current.ValueKind switch
        {
            JsonValueKind.String => current.GetString() is { Length: > 0 and <= 256 } s ? s : null,
            JsonValueKind.Number => current.GetRawText(),
            _ => null,
        };
    }

    [LoggerMessage(LogLevel.Warning, "Provider {Provider} rejected the {What} (HTTP {Status})")]
    private static partial void LogRejected(ILogger logger, string provider, int status, string what);

    [LoggerMessage(LogLevel.Warning, "Provider {Provider} answered HTTP {Status} with an unusable body")]
    private static partial void LogBadAnswer(ILogger logger, string provider, int status);

    [LoggerMessage(LogLevel.Warning, "Provider {Provider} unreachable ({ExceptionType})")]
    private static partial void LogUnreachable(ILogger logger, string provider, string exceptionType);
}

/// <summary>What a provider needs beyond its catalog entry. One small class per provider, only where needed.</summary>
public interface IProviderStrategy
{
    string Slug { get; }

    Task AfterAuthorizationAsync(HttpClient http, ProviderDescriptor provider, ProviderTokens tokens, string memberId, CancellationToken cancellationToken);
}

/// <summary>Polar AccessLink: a new user must be registered (<c>POST /v3/users</c>); 409 means already registered.</summary>
public sealed partial class PolarStrategy(ILogger<PolarStrategy> logger) : IProviderStrategy
{
    public string Slug => "polar";

    public async Task AfterAuthorizationAsync(HttpClient http, ProviderDescriptor provider, ProviderTokens tokens, string memberId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(tokens);
        using var request = new HttpRequestMessage(HttpMethod.Post, provider.ApiUrl("users"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, string> { ["member-id"] = memberId }), Encoding.UTF8, "application/json");
        HttpStatusCode status;
        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            status = response.StatusCode;
        }
        catch (Exception ex) when (TransportFailure.Is(ex, cancellationToken))
        {
            throw OAuthProviderClient.Unreachable(ex);
        }

        if (status is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.NoContent or HttpStatusCode.Conflict)
        {
            return;
        }

        LogRegistrationFailed(logger, (int)status);
        throw new UpstreamException("provider_registration_failed", "The provider refused to register the user.");
    }

    [LoggerMessage(LogLevel.Warning, "Polar user registration answered HTTP {Status}")]
    private static partial void LogRegistrationFailed(ILogger logger, int status);
}
