using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Wearables.Application.Webhooks;

namespace Wearables.Api.Hosting;

/// <summary>A project's webhook URL under the public base (as <see cref="OAuthCallbackUri"/>), the path from the route table.</summary>
public sealed class WebhookCallbackUri(IOptions<ApiOptions> options, IHttpContextAccessor accessor, LinkGenerator links) : IWebhookCallbackUri
{
    private static readonly ConcurrentDictionary<string, string> Paths = new(StringComparer.Ordinal);

    public string ForProject(string provider, string projectId)
    {
        const string Marker = "PROJECT-ID";
        var path = Paths.GetOrAdd(provider, slug =>
            links.GetPathByAction(nameof(Controllers.WebhooksController.Receive), "Webhooks", new { provider = slug, projectId = Marker })
            ?? throw new InvalidOperationException("No route leads to the webhook action."));
        return OAuthCallbackUri.UnderPublicBase(options.Value, accessor.HttpContext?.Request, path.Replace(Marker, Uri.EscapeDataString(projectId), StringComparison.Ordinal));
    }
}
