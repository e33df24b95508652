using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Junction;

namespace Wearables.Infrastructure.Junction;

/// <summary>
/// Junction's REST API with <c>x-vital-api-key</c>. Unknown fields are ignored; anything else that
/// is not the documented answer (transport error, timeout, 5xx, non-JSON, missing fields) is a 502.
/// The base URL and key come with each call (the project's team, or the operator's).
/// </summary>
public sealed partial class JunctionClient(HttpClient http, ILogger<JunctionClient> logger) : IJunctionClient
{
    public const string HttpClientName = "junction";
    public const string ApiKeyHeader = "x-vital-api-key";

    public async Task<string?> ValidateLinkTokenAsync(JunctionAccount account, string linkToken, CancellationToken cancellationToken)
    {
        using var json = await SendAsync(account, HttpMethod.Post, "v2/link/token/isValid", JsonContent.Create(new { token = linkToken }), treat4xxAsNull: true, cancellationToken).ConfigureAwait(false);
        if (json is null)
        {
            return null;
        }

        var root = json.RootElement;
        if (!root.TryGetProperty("valid", out var valid) || valid.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw Invalid("isValid");
        }

        if (valid.ValueKind == JsonValueKind.False)
        {
            return null;
        }

        return String(root, "user_id") ?? throw Invalid("isValid");
    }

    public async Task<JunctionUser> GetUserAsync(JunctionAccount account, string userId, CancellationToken cancellationToken)
    {
        using var json = await SendAsync(account, HttpMethod.Get, $"v2/user/{Uri.EscapeDataString(userId)}", null, treat4xxAsNull: false, cancellationToken).ConfigureAwait(false);
        var root = json!.RootElement;
        return new JunctionUser(String(root, "user_id") ?? userId, String(root, "client_user_id"));
    }

    public async Task<IReadOnlyList<JunctionProvider>> GetProvidersAsync(JunctionAccount account, string userId, CancellationToken cancellationToken)
    {
        using var json = await SendAsync(account, HttpMethod.Get, $"v2/user/providers/{Uri.EscapeDataString(userId)}", null, treat4xxAsNull: false, cancellationToken).ConfigureAwait(false);
        if (!json!.RootElement.TryGetProperty("providers", out var providers) || providers.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("providers");
        }

        return providers.EnumerateArray()
            .Where(p => p.ValueKind == JsonValueKind.Object && String(p, "slug") is not null)
            .Select(p => new JunctionProvider(String(p, "slug")!, String(p, "name"), String(p, "status")))
            .ToList();
    }

    private async Task<JsonDocument?> SendAsync(JunctionAccount account, HttpMethod method, string path, HttpContent? content, bool treat4xxAsNull, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(account.BaseUrl, path)) { Content = content };
        request.Headers.TryAddWithoutValidation(ApiKeyHeader, account.ApiKey);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 400 and < 500 && treat4xxAsNull && response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                LogFailure(logger, path.Split('/')[1], status);
                throw new UpstreamException("junction_unavailable", $"Junction answered HTTP {status}.");
            }

            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var json = JsonDocument.Parse(bytes);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                json.Dispose();
                throw Invalid(path.Split('/')[1]);
            }

            return json;
        }
        catch (JsonException)
        {
            throw Invalid(path.Split('/')[1]);
        }
        catch (Exception ex) when (TransportFailure.Is(ex, cancellationToken))
        {
            LogUnreachable(logger, ex.GetType().Name);
            throw new UpstreamException("junction_unavailable", "Junction could not be reached in time; try again later.", ex);
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 and <= 256 } s ? s : null;

    private UpstreamException Invalid(string call)
    {
        LogInvalid(logger, call);
        return new UpstreamException("junction_invalid_response", "Junction answered something unexpected.");
    }

    [LoggerMessage(LogLevel.Warning, "Junction answered HTTP {Status} to {Call}")]
    private static partial void LogFailure(ILogger logger, string call, int status);

    [LoggerMessage(LogLevel.Warning, "Junction unreachable ({ExceptionType})")]
    private static partial void LogUnreachable(ILogger logger, string exceptionType);

    [LoggerMessage(LogLevel.Warning, "Junction answered an unusable body to {Call}")]
    private static partial void LogInvalid(ILogger logger, string call);
}
