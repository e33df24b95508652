using System.Text.Json;
using StackExchange.Redis;
using Wearables.Application.Connections;

namespace Wearables.Infrastructure.Redis;

/// <summary>
/// A save is one Lua script: the state as <c>SET … PX</c>, and its hash in two sorted sets with the
/// same time to live: one per project, patient and provider (ordered by when the flow began, the
/// oldest dropped beyond <see cref="OAuthStateLimits.PendingFlowsPerPatient"/>) and one per project
/// (scored by expiry, for <see cref="OAuthStateLimits.PendingStatesPerProject"/>). A take is
/// <c>GETDEL</c>: of concurrent takes, exactly one gets the value; its hash then leaves the sets.
/// The expiry is also checked against the injected clock so tests need not sleep through the time to live.
/// </summary>
public sealed class RedisOAuthStateStore(RedisConnection redis, TimeProvider time, OAuthStateLimits? limits = null) : IOAuthStateStore
{
    // KEYS: state, flow set, project set. ARGV: payload, ttl ms, now ms, expiry ms, per flow, per project, hash, state key prefix.
    // Answers {1} when saved, {0, earliest expiry ms} when the project is full (nothing changed).
    private const string SaveScript = """
        local now = tonumber(ARGV[3])
        redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
        local flows = redis.call('ZRANGE', KEYS[2], 0, -1)
        local live = {}
        for _, h in ipairs(flows) do
          if redis.call('EXISTS', ARGV[8] .. h) == 1 then table.insert(live, h) else redis.call('ZREM', KEYS[2], h) end
        end
        local drop = #live - (tonumber(ARGV[5]) - 1)
        if drop < 0 then drop = 0 end
        if redis.call('ZCARD', KEYS[3]) - drop >= tonumber(ARGV[6]) then
          local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
          return {0, first[2] or now}
        end
        for i = 1, drop do
          redis.call('DEL', ARGV[8] .. live[i])
          redis.call('ZREM', KEYS[2], live[i])
          redis.call('ZREM', KEYS[3], live[i])
        end
        local seq = now
        local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
        if top[2] and tonumber(top[2]) >= seq then seq = tonumber(top[2]) + 1 end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('ZADD', KEYS[2], seq, ARGV[7])
        redis.call('PEXPIRE', KEYS[2], ARGV[2])
        redis.call('ZADD', KEYS[3], ARGV[4], ARGV[7])
        redis.call('PEXPIRE', KEYS[3], ARGV[2])
        return {1}
        """;

    private readonly OAuthStateLimits limits = limits ?? OAuthStateLimits.Default;

    public Task SaveAsync(string stateHash, PendingAuthorization pending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var now = time.GetUtcNow();
        var timeToLive = pending.ExpiresAt - now;
        if (timeToLive <= TimeSpan.Zero)
        {
            // Already expired: nothing to keep (Redis refuses a non-positive expiry).
            return Task.CompletedTask;
        }

        return redis.RunAsync(async db =>
        {
            var answer = (RedisResult[])(await db.ScriptEvaluateAsync(
                SaveScript,
                [RedisKeys.OAuthState(stateHash), RedisKeys.OAuthFlows(pending.ProjectId, pending.Provider, pending.PatientId), RedisKeys.OAuthProjectStates(pending.ProjectId)],
                [
                    JsonSerializer.Serialize(pending, StoreJson.Options), (long)Math.Ceiling(timeToLive.TotalMilliseconds), now.ToUnixTimeMilliseconds(),
                    pending.ExpiresAt.ToUnixTimeMilliseconds(), limits.PendingFlowsPerPatient, limits.PendingStatesPerProject, stateHash, RedisKeys.OAuthState(string.Empty),
                ]).ConfigureAwait(false))!;
            if ((long)answer[0] == 0)
            {
                throw OAuthStateLimits.ProjectFull(TimeSpan.FromMilliseconds(Math.Max((long)answer[1] - now.ToUnixTimeMilliseconds(), 1000)));
            }
        }, cancellationToken);
    }

    public Task<PendingAuthorization?> TakeAsync(string stateHash, CancellationToken cancellationToken) =>
        redis.RunAsync(async db =>
        {
            var value = await db.StringGetDeleteAsync(RedisKeys.OAuthState(stateHash)).ConfigureAwait(false);
            if (!value.HasValue)
            {
                return null;
            }

            var pending = JsonSerializer.Deserialize<PendingAuthorization>((string)value!, StoreJson.Options);
            if (pending is not null)
            {
                // The take already happened (GETDEL); this only stops the hash counting toward the bounds.
                await Task.WhenAll(
                    db.SortedSetRemoveAsync(RedisKeys.OAuthFlows(pending.ProjectId, pending.Provider, pending.PatientId), stateHash),
                    db.SortedSetRemoveAsync(RedisKeys.OAuthProjectStates(pending.ProjectId), stateHash)).ConfigureAwait(false);
            }

            return pending is not null && pending.ExpiresAt > time.GetUtcNow() ? pending : null;
        }, cancellationToken);
}
