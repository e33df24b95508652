using System.Collections.Concurrent;
using System.Text.Json;
using StackExchange.Redis;
using Wearables.Application.Connections;
using Wearables.Infrastructure.Diagnostics;

namespace Wearables.Infrastructure.Redis;

/// <summary>
/// A state is one key, <c>SET … PX</c>, alone in its slot (the callback knows only the state). The bounds
/// live in two sorted sets of the project's hash tag (so one script keeps them atomically on a Redis
/// Cluster as on one node): one per project, patient and provider (ordered by when the flow began, the
/// oldest dropped beyond <see cref="OAuthStateLimits.PendingFlowsPerPatient"/>) and one per project
/// (scored by expiry, for <see cref="OAuthStateLimits.PendingStatesPerProject"/>). A save sends the
/// state and the bound script pipelined (one round trip); a refused save deletes the state it wrote (its value
/// was never handed out), and the states of dropped flows are deleted before the save answers. A take
/// is <c>GETDEL</c>: of concurrent takes, exactly one gets the value; its hash then leaves the sets.
/// The expiry is also checked against the injected clock so tests need not sleep through the time to live.
/// </summary>
public sealed class RedisOAuthStateStore(RedisConnection redis, TimeProvider time, OAuthStateLimits? limits = null) : IOAuthStateStore, IPendingStateCensus
{
    // KEYS: flow set, project set (one hash tag). ARGV: now ms, flows begun up to this ms have expired, expiry ms,
    // per flow, per project, hash, ttl ms. Answers {1, dropped hash…} when saved, {0, earliest expiry ms} when full.
    private const string BoundScript = """
        local now = tonumber(ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
        local live = redis.call('ZRANGE', KEYS[1], 0, -1)
        local drop = #live - (tonumber(ARGV[4]) - 1)
        if drop < 0 then drop = 0 end
        if redis.call('ZCARD', KEYS[2]) - drop >= tonumber(ARGV[5]) then
          local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
          return {0, first[2] or tostring(now)}
        end
        local answer = {1}
        for i = 1, drop do
          redis.call('ZREM', KEYS[1], live[i])
          redis.call('ZREM', KEYS[2], live[i])
          table.insert(answer, live[i])
        end
        local seq = now
        local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        if top[2] and tonumber(top[2]) >= seq then seq = tonumber(top[2]) + 1 end
        redis.call('ZADD', KEYS[1], seq, ARGV[6])
        redis.call('PEXPIRE', KEYS[1], ARGV[7])
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[6])
        redis.call('PEXPIRE', KEYS[2], ARGV[7])
        return answer
        """;

    /// <summary>Projects this process has registered in <see cref="RedisKeys.OAuthProjects"/> already (bounded: beyond, it registers every time).</summary>
    private const int MaxRemembered = 100_000;

    /// <summary>Projects counted by <see cref="CountPendingAsync"/> at most.</summary>
    private const int MaxCountedProjects = 10_000;

    private readonly OAuthStateLimits limits = limits ?? OAuthStateLimits.Default;
    private readonly ConcurrentDictionary<string, byte> registered = new(StringComparer.Ordinal);

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
            var stateKey = RedisKeys.OAuthState(stateHash);
            // Not a batch: the multiplexer pipelines commands sent back to back anyway (one round trip), and a script
            // in a batch never completed once Redis had forgotten it while the client still believed it loaded (a
            // SCRIPT FLUSH): the client's resend of the script after NOSCRIPT went nowhere, and the connect hung with
            // no timeout (RedisScriptCacheTests).
            var set = db.StringSetAsync(stateKey, JsonSerializer.Serialize(pending, StoreJson.Options), timeToLive);
            var bound = db.ScriptEvaluateAsync(
                BoundScript,
                [RedisKeys.OAuthFlows(pending.ProjectId, pending.Provider, pending.PatientId), RedisKeys.OAuthProjectStates(pending.ProjectId)],
                [
                    now.ToUnixTimeMilliseconds(), (now - OAuthState.TimeToLive).ToUnixTimeMilliseconds(), pending.ExpiresAt.ToUnixTimeMilliseconds(),
                    limits.PendingFlowsPerPatient, limits.PendingStatesPerProject, stateHash, (long)Math.Ceiling(timeToLive.TotalMilliseconds),
                ]);
            if (!registered.ContainsKey(pending.ProjectId))
            {
                _ = db.SetAddAsync(RedisKeys.OAuthProjects, pending.ProjectId, CommandFlags.FireAndForget);
                if (registered.Count < MaxRemembered)
                {
                    registered.TryAdd(pending.ProjectId, 0);
                }
            }

            await set.ConfigureAwait(false);
            var answer = (RedisResult[])(await bound.ConfigureAwait(false))!;
            if ((long)answer[0] == 0)
            {
                await db.KeyDeleteAsync(stateKey).ConfigureAwait(false);
                throw OAuthStateLimits.ProjectFull(TimeSpan.FromMilliseconds(Math.Max((long)answer[1] - now.ToUnixTimeMilliseconds(), 1000)));
            }

            if (answer.Length > 1)
            {
                // One key per slot: a multi-key DEL would cross slots on a cluster.
                await Task.WhenAll(answer.Skip(1).Select(h => db.KeyDeleteAsync(RedisKeys.OAuthState((string)h!)))).ConfigureAwait(false);
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

    /// <summary>The unexpired members of each registered project's set (one ZCOUNT each, pipelined): no scan of the key space.</summary>
    public Task<long> CountPendingAsync(long max, CancellationToken cancellationToken) =>
        redis.RunAsync(async db =>
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var projects = new List<RedisValue>();
            await foreach (var project in db.SetScanAsync(RedisKeys.OAuthProjects, pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                projects.Add(project);
                if (projects.Count >= MaxCountedProjects)
                {
                    break;
                }
            }

            var counts = await Task.WhenAll(projects.Select(p =>
                db.SortedSetLengthAsync(RedisKeys.OAuthProjectStates(p!), now, double.PositiveInfinity, Exclude.Start))).ConfigureAwait(false);
            return Math.Min(counts.Sum(), max);
        }, cancellationToken);
}
