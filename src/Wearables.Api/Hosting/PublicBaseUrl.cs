using Microsoft.Extensions.Options;
using Wearables.Application.Providers;
using Wearables.Infrastructure.Configuration;

namespace Wearables.Api.Hosting;

/// <summary>
/// <c>Wearables:PublicBaseUrl</c> when set (production: it must be, since the redirect_uri is
/// registered at each provider); otherwise the scheme and host of the current request (development).
/// </summary>
public sealed class PublicBaseUrl(IOptions<WearablesOptions> options, IHttpContextAccessor accessor) : IPublicBaseUrl
{
    public Uri Resolve()
    {
        if (Uri.TryCreate(options.Value.PublicBaseUrl, UriKind.Absolute, out var configured))
        {
            return configured;
        }

        var request = accessor.HttpContext?.Request
            ?? throw new InvalidOperationException("Wearables:PublicBaseUrl is not set and there is no current request.");
        return new Uri($"{request.Scheme}://{request.Host}{request.PathBase}");
    }
}
