namespace Wearables.Application.Webhooks;

/// <summary>The absolute URL a provider calls for a project's webhooks (under <c>Wearables:PublicBaseUrl</c>).</summary>
public interface IWebhookCallbackUri
{
    string ForProject(string provider, string projectId);
}
