using System.Text.Json;
using Microsoft.Data.Sqlite;
using Wearables.Application.Webhooks;
using Wearables.Infrastructure.Sqlite;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>
/// Step 3 of the embedded schema: the connections' last event time and the provider user index
/// (a webhook finds its connection by provider user, without a scan), and the webhook tables:
/// the inbox, the delivery keys seen within the window, the subscriptions. Safe to repeat.
/// </summary>
internal static class SqliteWebhookSchema
{
    private const string Tables = """
        CREATE TABLE IF NOT EXISTS webhook_inbox (id TEXT NOT NULL PRIMARY KEY, payload TEXT NOT NULL, due_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS webhook_inbox_due ON webhook_inbox (due_at);
        CREATE TABLE IF NOT EXISTS webhook_seen (key TEXT NOT NULL PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS webhook_seen_expiry ON webhook_seen (expires_at);
        CREATE TABLE IF NOT EXISTS webhook_subscriptions (
            project_id TEXT NOT NULL, provider TEXT NOT NULL, subscription_id TEXT NOT NULL, callback_url TEXT NOT NULL, created_at TEXT NOT NULL,
            PRIMARY KEY (project_id, provider)) WITHOUT ROWID;
        """;

    public static void AddTo(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        bool Has(string column)
        {
            using var info = connection.Command("SELECT COUNT(*) FROM pragma_table_info('connections') WHERE name = $c", ("$c", column));
            info.Transaction = transaction;
            return Convert.ToInt64(info.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
        }

        if (!Has("last_event_at"))
        {
            using var alter = connection.Command("ALTER TABLE connections ADD COLUMN last_event_at TEXT");
            alter.Transaction = transaction;
            alter.ExecuteNonQuery();
        }

        // Step 1 adds provider_user_id; a file that claims step 1 without it (hand-made) just gets no index.
        if (Has("provider_user_id"))
        {
            using var index = connection.Command("CREATE INDEX IF NOT EXISTS connections_provider_user ON connections (project_id, provider, provider_user_id)");
            index.Transaction = transaction;
            index.ExecuteNonQuery();
        }

        using (var create = connection.Command(Tables))
        {
            create.Transaction = transaction;
            create.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}

/// <summary>The inbox in the embedded database: one row per queued delivery, leased by moving its due time.</summary>
internal sealed class SqliteWebhookInbox(SqliteDatabase db) : IWebhookInbox
{
    private static readonly string[] ExpireStatements =
    [
        "DELETE FROM webhook_seen WHERE key = $key AND expires_at <= $now",
        "DELETE FROM webhook_seen WHERE key IN (SELECT key FROM webhook_seen WHERE expires_at <= $now LIMIT 100)",
    ];

    public Task<bool> AcceptAsync(InboxDelivery delivery, string key, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            ArgumentNullException.ThrowIfNull(delivery);
            var now = delivery.ReceivedAt.ToUnixTimeMilliseconds();
            await using var transaction = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // Keys past the window go a few at a time, on the writes that come anyway.
            // Two statements, each on an index (an OR of both would scan the table).
            foreach (var sql in ExpireStatements)
            {
                await using var expire = c.Command(sql, ("$now", now), ("$key", key));
                expire.Transaction = transaction;
                await expire.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var seen = c.Command(
                "INSERT INTO webhook_seen (key, expires_at) VALUES ($key, $expires) ON CONFLICT DO NOTHING",
                ("$key", key), ("$expires", now + (long)IWebhookInbox.Window.TotalMilliseconds)))
            {
                seen.Transaction = transaction;
                if (await seen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    return false;
                }
            }

            await using (var insert = c.Command(
                "INSERT INTO webhook_inbox (id, payload, due_at) VALUES ($id, $payload, $due)",
                ("$id", delivery.Id.ToString("D")), ("$payload", JsonSerializer.Serialize(delivery, StoreJson.Options)), ("$due", now)))
            {
                insert.Transaction = transaction;
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<InboxDelivery>> ClaimAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken) =>
        db.WriteAsync<IReadOnlyList<InboxDelivery>>(async c =>
        {
            await using var command = c.Command(
                "UPDATE webhook_inbox SET due_at = $lease WHERE id IN (SELECT id FROM webhook_inbox WHERE due_at <= $now ORDER BY due_at LIMIT $max) RETURNING id, payload",
                ("$lease", leaseUntil.ToUnixTimeMilliseconds()), ("$now", now.ToUnixTimeMilliseconds()), ("$max", max));
            var claimed = new List<(string Id, string Payload)>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    claimed.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            var deliveries = new List<InboxDelivery>();
            foreach (var (id, payload) in claimed)
            {
                if (WebhookInboxJson.Read(payload) is { } delivery)
                {
                    deliveries.Add(delivery);
                }
                else
                {
                    // Written by nothing this build knows: it can never be applied.
                    await using var drop = c.Command("DELETE FROM webhook_inbox WHERE id = $id", ("$id", id));
                    await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            return deliveries.OrderBy(d => d.ReceivedAt).ToList();
        }, cancellationToken);

    public Task CompleteAsync(IReadOnlyCollection<InboxDelivery> deliveries, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            ArgumentNullException.ThrowIfNull(deliveries);
            var ids = deliveries.Select((d, i) => ($"$id{i}", (object?)d.Id.ToString("D"))).ToArray();
            await using var command = c.Command($"DELETE FROM webhook_inbox WHERE id IN ({string.Join(", ", ids.Select(p => p.Item1))})", ids);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
}

/// <summary>The subscriptions in the embedded database.</summary>
internal sealed class SqliteWebhookSubscriptionStore(SqliteDatabase db) : IWebhookSubscriptionStore
{
    public Task<WebhookSubscription?> GetAsync(string projectId, string provider, CancellationToken cancellationToken) =>
        db.RunAsync(async c =>
        {
            await using var command = c.Command(
                "SELECT subscription_id, callback_url, created_at FROM webhook_subscriptions WHERE project_id = $p AND provider = $v",
                ("$p", projectId), ("$v", provider));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new WebhookSubscription(projectId, provider, reader.GetString(0), reader.GetString(1), SqliteExtensions.FromStored(reader.GetString(2)))
                : null;
        }, cancellationToken);

    public Task SetAsync(WebhookSubscription subscription, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            ArgumentNullException.ThrowIfNull(subscription);
            await using var command = c.Command(
                "INSERT INTO webhook_subscriptions (project_id, provider, subscription_id, callback_url, created_at) VALUES ($p, $v, $id, $url, $at) "
                + "ON CONFLICT (project_id, provider) DO UPDATE SET subscription_id = $id, callback_url = $url, created_at = $at",
                ("$p", subscription.ProjectId), ("$v", subscription.Provider), ("$id", subscription.SubscriptionId),
                ("$url", subscription.CallbackUrl), ("$at", subscription.CreatedAt.ToStored()));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task DeleteAsync(string projectId, string provider, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            await using var command = c.Command("DELETE FROM webhook_subscriptions WHERE project_id = $p AND provider = $v", ("$p", projectId), ("$v", provider));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
}

/// <summary>An inbox entry's JSON, read without trusting it: a value this build cannot read is null.</summary>
internal static class WebhookInboxJson
{
    public static InboxDelivery? Read(string payload)
    {
        try
        {
            var delivery = JsonSerializer.Deserialize<InboxDelivery>(payload, StoreJson.Options);
            return delivery is { ProjectId: not null, Provider: not null, Events: not null } ? delivery : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
