using System.Text.Json;
using StackExchange.Redis;
using Wearables.Application.Webhooks;
using Wearables.Infrastructure.Redis;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>
/// The inbox in Redis: one string key per queued delivery (JSON of its events, kept 7 days at
/// most) and a sorted set of delivery ids by due time; accepting is one script (the delivery key
/// <c>SET NX PX</c> for the window, then the entry), a claim moves each due id to its lease's end
/// (<see cref="RedisDueSet"/>). All under one hash tag: one slot on a Redis Cluster.
/// </summary>
internal sealed class RedisWebhookInbox(RedisConnection redis) : IWebhookInbox
{
    private const string Prefix = "wearables:{webhook}:";
    private const string Due = Prefix + "inbox:due";
    private const string DeliveryPrefix = Prefix + "inbox:delivery:";

    /// <summary>A delivery nobody could apply for a week is dropped by Redis itself.</summary>
    private static readonly TimeSpan Keep = TimeSpan.FromDays(7);

    private const string AcceptScript = """
        if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
        redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
        return 1
        """;

    public async Task<bool> AcceptAsync(InboxDelivery delivery, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var id = delivery.Id.ToString("D");
        var result = await redis.RunAsync(
            db => db.ScriptEvaluateAsync(
                AcceptScript,
                [Prefix + "seen:" + key, DeliveryPrefix + id, Due],
                [(long)IWebhookInbox.Window.TotalMilliseconds, JsonSerializer.Serialize(delivery, StoreJson.Options), (long)Keep.TotalMilliseconds,
                    delivery.ReceivedAt.ToUnixTimeMilliseconds(), id]),
            cancellationToken).ConfigureAwait(false);
        return (long)result == 1;
    }

    public Task<IReadOnlyList<InboxDelivery>> ClaimAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken) =>
        redis.RunAsync<IReadOnlyList<InboxDelivery>>(async db =>
            (await RedisDueSet.ClaimAsync(db, Due, DeliveryPrefix, now, leaseUntil, max).ConfigureAwait(false))
                .Select(WebhookInboxJson.Read)
                .OfType<InboxDelivery>()
                .OrderBy(d => d.ReceivedAt)
                .ToList(),
            cancellationToken);

    public Task CompleteAsync(IReadOnlyCollection<InboxDelivery> deliveries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        var ids = deliveries.Select(d => d.Id.ToString("D")).ToArray();
        return redis.RunAsync(async db =>
        {
            var batch = db.CreateTransaction();
            _ = batch.KeyDeleteAsync(ids.Select(id => (RedisKey)(DeliveryPrefix + id)).ToArray());
            _ = batch.SortedSetRemoveAsync(Due, ids.Select(id => (RedisValue)id).ToArray());
            await batch.ExecuteAsync().ConfigureAwait(false);
        }, cancellationToken);
    }
}

/// <summary>The subscriptions in Redis: a hash per project and provider.</summary>
internal sealed class RedisWebhookSubscriptionStore(RedisConnection redis) : IWebhookSubscriptionStore
{
    public Task<WebhookSubscription?> GetAsync(string projectId, string provider, CancellationToken cancellationToken) =>
        redis.RunAsync(async db =>
        {
            var fields = await db.HashGetAsync(Key(projectId, provider), ["id", "callback", "created"]).ConfigureAwait(false);
            return fields[0].HasValue && fields[1].HasValue && fields[2].HasValue
                ? new WebhookSubscription(projectId, provider, fields[0]!, fields[1]!, DateTimeOffset.FromUnixTimeMilliseconds((long)fields[2]))
                : null;
        }, cancellationToken);

    public Task SetAsync(WebhookSubscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return redis.RunAsync(db => db.HashSetAsync(Key(subscription.ProjectId, subscription.Provider),
            [new("id", subscription.SubscriptionId), new("callback", subscription.CallbackUrl), new("created", subscription.CreatedAt.ToUnixTimeMilliseconds())]), cancellationToken);
    }

    public Task DeleteAsync(string projectId, string provider, CancellationToken cancellationToken) =>
        redis.RunAsync(db => db.KeyDeleteAsync(Key(projectId, provider)), cancellationToken);

    private static string Key(string projectId, string provider) => $"wearables:project:{projectId}:webhook-subscription:{provider}";
}
