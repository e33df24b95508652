using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Wearables.Application.Connections;

namespace Wearables.Api.Hosting;

/// <summary>
/// The callback action's URL under <c>Wearables:PublicBaseUrl</c> when set (production: it must be,
/// since the redirect_uri is registered at each provider); otherwise under the scheme, host and path
/// base of the current request (development). The path comes from the route table, not from a copy of it.
/// </summary>
public sealed class OAuthCallbackUri(IOptions<ApiOptions> options, IHttpContextAccessor accessor, LinkGenerator links) : IOAuthCallbackUri
{
    /// <summary>Paths by provider slug; the catalog bounds how many there are.</summary>
    private static readonly ConcurrentDictionary<string, string> Paths = new(StringComparer.Ordinal);

    public string ForProvider(string provider)
    {
        var path = Paths.GetOrAdd(provider, slug =>
            links.GetPathByAction(nameof(Controllers.OAuthController.Callback), "OAuth", new { provider = slug })
            ?? throw new InvalidOperationException("No route leads to the OAuth callback action."));
        return UnderPublicBase(options.Value, accessor.HttpContext?.Request, path);
    }

    /// <summary>An absolute URL: <paramref name="path"/> (from the route table) under <see cref="PublicBase"/>.</summary>
    public static string UnderPublicBase(ApiOptions options, HttpRequest? request, string path) =>
        PublicBase(options, request).GetLeftPart(UriPartial.Path).TrimEnd('/') + path;

    /// <summary>The service as its callers reach it: <c>Wearables:PublicBaseUrl</c>, else <paramref name="request"/>'s own base.</summary>
    public static Uri PublicBase(ApiOptions options, HttpRequest? request)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var configured))
        {
            return configured;
        }

        if (request is null)
        {
            throw new InvalidOperationException("Wearables:PublicBaseUrl is not set and there is no current request.");
        }

        return new Uri($"{request.Scheme}://{request.Host}{request.PathBase}");
    }

    /// <summary>
    /// Outside Development the public base URL must be configured (an absolute http(s) URL): the
    /// fallback to the request's Host header lets any caller choose the redirect_uri the providers see.
    /// </summary>
    public static void RequirePublicBaseUrl(ApiOptions options, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var valid = Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);
        if (!string.IsNullOrWhiteSpace(options.PublicBaseUrl) && !valid)
        {
            throw new InvalidOperationException("Wearables:PublicBaseUrl must be an absolute http(s) URL, e.g. https://wearables.example.com.");
        }

        if (!valid && !environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                "Wearables:PublicBaseUrl is not set. Outside Development the service refuses to start without it: set it (e.g. "
                + "Wearables__PublicBaseUrl=https://wearables.example.com) to the URL your OAuth apps have registered; the request's Host header is never trusted for redirect_uri.");
        }
    }
}
