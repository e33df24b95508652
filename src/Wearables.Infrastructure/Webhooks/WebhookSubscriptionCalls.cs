using System.Net;
using System.Text;
using System.Text.Json;
using Wearables.Application.Common.Exceptions;
using Wearables.Infrastructure.Providers;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>
/// The HTTP part every subscriber shares: one call on the provider client (its timeout, no
/// redirects), a refusal turned into a 502 whose detail is the provider's own reason with every
/// secret of the call cut out, an unreachable provider into <c>provider_unavailable</c>.
/// </summary>
internal sealed class WebhookSubscriptionCalls(IHttpClientFactory clients)
{
    /// <summary>How much of a provider's reason reaches the caller.</summary>
    private const int MaxReasonLength = 300;

    private static readonly string[] ReasonProperties = ["message", "error", "error_description", "detail", "title"];

    private static readonly string[] ErrorParts = ["resource", "field", "code"];

    /// <summary>Sends the request and answers the body of a 2xx (404 too when <paramref name="notFoundIsDone"/>: it is gone already).</summary>
    public async Task<byte[]> SendAsync(string providerName, HttpRequestMessage request, IReadOnlyCollection<string?> secrets, bool notFoundIsDone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var http = clients.CreateClient(OAuthProviderClient.HttpClientName);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode || (notFoundIsDone && response.StatusCode == HttpStatusCode.NotFound))
            {
                return body;
            }

            throw new UpstreamException("provider_refused",
                $"{providerName} refused the webhook subscription call (HTTP {(int)response.StatusCode}): {Reason(body, response.ReasonPhrase, secrets)}");
        }
        catch (Exception ex) when (TransportFailure.Is(ex, cancellationToken))
        {
            throw new UpstreamException("provider_unavailable", $"{providerName} could not be reached in time; try again later.", ex);
        }
    }

    /// <summary>A JSON answer's id property (a number or a string) at <paramref name="path"/>, or a 502 when the answer has none.</summary>
    public static string ReadId(string providerName, byte[] body, params string[] path)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var element = document.RootElement;
            foreach (var name in path)
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
                {
                    throw Garbage(providerName);
                }
            }

            return element.ValueKind switch
            {
                JsonValueKind.Number when element.TryGetInt64(out var number) => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                JsonValueKind.String when element.GetString() is { Length: > 0 } text => text,
                _ => throw Garbage(providerName),
            };
        }
        catch (JsonException)
        {
            throw Garbage(providerName);
        }
    }

    public static UpstreamException Garbage(string providerName) =>
        new("provider_unavailable", $"{providerName} answered the webhook subscription call with something that is not its documented answer.");

    /// <summary>
    /// The provider's reason: Strava's <c>message</c> and <c>errors[]</c> (resource, field, code), a
    /// standard <c>error</c>/<c>error_description</c>, else the status text; printable ASCII only,
    /// bounded, and never one of <paramref name="secrets"/>.
    /// </summary>
    private static string Reason(byte[] body, string? reasonPhrase, IReadOnlyCollection<string?> secrets)
    {
        var parts = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (var name in ReasonProperties)
                {
                    if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                    {
                        parts.Add(value.GetString()!);
                    }
                }

                if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
                {
                    foreach (var error in errors.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Take(5))
                    {
                        parts.Add(string.Join(" ", ErrorParts
                            .Select(n => error.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null)
                            .Where(v => !string.IsNullOrEmpty(v))));
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the status text says what there is to say.
        }

        var reason = parts.Count > 0 ? string.Join("; ", parts.Where(p => p.Length > 0)) : reasonPhrase ?? "no reason given";
        foreach (var secret in secrets.Where(s => !string.IsNullOrEmpty(s)))
        {
            reason = reason.Replace(secret!, "[redacted]", StringComparison.Ordinal);
        }

        var printable = new StringBuilder(Math.Min(reason.Length, MaxReasonLength));
        foreach (var c in reason.Where(c => c is >= ' ' and < (char)127).Take(MaxReasonLength))
        {
            printable.Append(c);
        }

        return printable.Length > 0 ? printable.ToString() : "no reason given";
    }
}
