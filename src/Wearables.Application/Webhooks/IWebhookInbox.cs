namespace Wearables.Application.Webhooks;

/// <summary>
/// Where accepted deliveries wait for the background worker, durably (Redis or SQLite): a
/// delivery is answered once it is here, and applied after. Accepting also remembers the
/// delivery's key for <see cref="Window"/>, so a repeat is recognised and not queued twice.
/// A claimed delivery that is not completed (the process stopped) is claimed again once its
/// lease ends.
/// </summary>
public interface IWebhookInbox
{
    /// <summary>How long a delivery key is remembered.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    /// <summary>Queues <paramref name="delivery"/> unless its key was seen within the window; answers whether it was queued.</summary>
    Task<bool> AcceptAsync(InboxDelivery delivery, string key, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="max"/> deliveries that are due, each leased until <paramref name="leaseUntil"/>.</summary>
    Task<IReadOnlyList<InboxDelivery>> ClaimAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken);

    /// <summary>The deliveries are applied: they leave the inbox (their keys stay remembered).</summary>
    Task CompleteAsync(IReadOnlyCollection<InboxDelivery> deliveries, CancellationToken cancellationToken);
}

/// <summary>An accepted delivery: its events only, never the payload.</summary>
public sealed record InboxDelivery(Guid Id, string ProjectId, string Provider, IReadOnlyList<WebhookEvent> Events, DateTimeOffset ReceivedAt)
{
    public override string ToString() => $"InboxDelivery {Id} ({Provider}, project {ProjectId}, {Events.Count} events)";
}
