using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Wearables.Application.Common.Exceptions;

namespace Wearables.Infrastructure.Redis;

/// <summary>
/// Moves what a single-node install wrote under the untagged key names (<see cref="RedisKeys.Legacy"/>)
/// to the hash-tagged ones that also work on a Redis Cluster: API keys (every key, its id index and its
/// project's set) and pending revocations (value and remaining time to live, due time). Runs at start,
/// before the bootstrap looks for an empty key store (it is registered first), and again in the
/// background until it has succeeded when Redis was down. Idempotent: a copy never overwrites a
/// tagged key (NX), and each legacy key is deleted after its copy, so a re-run or a second instance
/// migrating at once does no harm, and a revoked key cannot come back through its old copy.
/// Credentials, settings, OAuth states and the refresh keys kept their names; the OAuth flow sets
/// (bounds only, 10 minutes of life) are not moved: flows begun before the upgrade still finish.
/// </summary>
public sealed partial class RedisKeyLayoutMigration(RedisConnection redis, ILogger<RedisKeyLayoutMigration> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource stopping = new();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await TryMigrateAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                do
                {
                    await Task.Delay(RetryDelay, stopping.Token).ConfigureAwait(false);
                }
                while (!await TryMigrateAsync(stopping.Token).ConfigureAwait(false));
            }
            catch (OperationCanceledException)
            {
                // Shutting down.
            }
        }, CancellationToken.None);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            stopping.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The container was disposed before the host stopped (a host that failed to start): nothing runs any more.
        }

        return Task.CompletedTask;
    }

    public void Dispose() => stopping.Dispose();

    /// <summary>Moves everything; answers (API keys, revocations) moved.</summary>
    public async Task<(int ApiKeys, int Revocations)> MigrateAsync(CancellationToken cancellationToken)
    {
        var revocations = await redis.RunAsync(MoveRevocationsAsync, cancellationToken).ConfigureAwait(false);
        var apiKeys = await redis.RunAsync(async db => await MoveApiKeysAsync(db, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return (apiKeys, revocations);
    }

    private async Task<bool> TryMigrateAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (apiKeys, revocations) = await MigrateAsync(cancellationToken).ConfigureAwait(false);
            if (apiKeys + revocations > 0)
            {
                LogMoved(logger, apiKeys, revocations);
            }

            return true;
        }
        catch (Exception ex) when (ex is DependencyUnavailableException or RedisException)
        {
            LogNotYet(logger, ex.GetType().Name);
            return false;
        }
    }

    private static async Task<int> MoveRevocationsAsync(IDatabase db)
    {
        var moved = 0;
        foreach (var entry in await db.SortedSetRangeByRankWithScoresAsync(RedisKeys.Legacy.RevocationsDue).ConfigureAwait(false))
        {
            var id = (string)entry.Element!;
            var legacyKey = RedisKeys.Legacy.PendingRevocation(id);
            var value = await db.StringGetWithExpiryAsync(legacyKey).ConfigureAwait(false);
            if (value.Value.HasValue && Guid.TryParse(id, out var connectionId))
            {
                // No expiry left means it lapses now: Redis would have dropped it anyway.
                if (value.Expiry is { } left && left > TimeSpan.Zero)
                {
                    await db.StringSetAsync(RedisKeys.PendingRevocation(connectionId), value.Value, left, When.NotExists).ConfigureAwait(false);
                    await db.SortedSetAddAsync(RedisKeys.RevocationsDue, id, entry.Score, SortedSetWhen.NotExists).ConfigureAwait(false);
                    moved++;
                }
            }

            await db.KeyDeleteAsync(legacyKey).ConfigureAwait(false);
            await db.SortedSetRemoveAsync(RedisKeys.Legacy.RevocationsDue, id).ConfigureAwait(false);
        }

        return moved;
    }

    private static async Task<int> MoveApiKeysAsync(IDatabase db, CancellationToken cancellationToken)
    {
        if (!await db.KeyExistsAsync(RedisKeys.Legacy.AnyApiKey).ConfigureAwait(false))
        {
            return 0;
        }

        var moved = 0;
        var projects = new HashSet<string>(StringComparer.Ordinal);

        // Legacy keys exist only where the untagged scripts ran: one node. Every primary is scanned anyway.
        foreach (var server in db.Multiplexer.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var legacyKey in server.KeysAsync(db.Database, RedisKeys.Legacy.ApiKeyByHashPattern, pageSize: 500).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var stored = await db.StringGetAsync(legacyKey).ConfigureAwait(false);
                if (RedisApiKeyStore.Read(stored) is { } key)
                {
                    await db.StringSetAsync(RedisKeys.ApiKeyByHash(key.Hash), stored, when: When.NotExists).ConfigureAwait(false);
                    await db.StringSetAsync(RedisKeys.ApiKeyHashById(key.Id), key.Hash, when: When.NotExists).ConfigureAwait(false);
                    await db.SetAddAsync(RedisKeys.ProjectApiKeys(key.ProjectId), key.Id).ConfigureAwait(false);
                    await db.StringSetAsync(RedisKeys.AnyApiKey, "1").ConfigureAwait(false);
                    await db.KeyDeleteAsync(RedisKeys.Legacy.ApiKeyHashById(key.Id)).ConfigureAwait(false);
                    projects.Add(key.ProjectId);
                    moved++;
                }

                await db.KeyDeleteAsync(legacyKey).ConfigureAwait(false);
            }
        }

        foreach (var project in projects)
        {
            await db.KeyDeleteAsync(RedisKeys.Legacy.ProjectApiKeys(project)).ConfigureAwait(false);
        }

        // Last: until here a re-run starts over (and finds only what is left).
        await db.KeyDeleteAsync(RedisKeys.Legacy.AnyApiKey).ConfigureAwait(false);
        return moved;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Moved {ApiKeys} API keys and {Revocations} pending revocations to the Redis Cluster key layout")]
    private static partial void LogMoved(ILogger logger, int apiKeys, int revocations);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Redis key layout could not be checked yet ({Reason}); retrying in the background")]
    private static partial void LogNotYet(ILogger logger, string reason);
}
