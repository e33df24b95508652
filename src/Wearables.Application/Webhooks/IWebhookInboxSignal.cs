namespace Wearables.Application.Webhooks;

/// <summary>Wakes the inbox worker of this process when a delivery was queued (it also polls, for other instances' deliveries).</summary>
public interface IWebhookInboxSignal
{
    void Notify();
}
