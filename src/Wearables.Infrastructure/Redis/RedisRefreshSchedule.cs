using StackExchange.Redis;
using Wearables.Application.Connections.Tokens;
using Wearables.Domain.Connections;

namespace Wearables.Infrastructure.Redis;

/// <summary>
/// The refresh schedule as one sorted set (score: the token's expiry in Unix seconds; member:
/// project/patient/provider). Planning is a ZADD or ZREM (O(log N)); finding what is due is a
/// ZRANGEBYSCORE with a limit (O(log N + batch)), never a scan.
/// </summary>
public sealed class RedisRefreshSchedule(RedisConnection redis) : IRefreshSchedule
{
    public Task PlanAsync(Connection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var member = ScheduledRefresh.KeyOf(connection.ProjectId, connection.PatientId, connection.Provider);
        return ScheduledRefresh.Applies(connection)
            ? redis.RunAsync(db => db.SortedSetAddAsync(RedisKeys.RefreshSchedule, member, connection.TokenExpiresAt!.Value.ToUnixTimeSeconds()), cancellationToken)
            : redis.RunAsync(db => db.SortedSetRemoveAsync(RedisKeys.RefreshSchedule, member), cancellationToken);
    }

    public Task<IReadOnlyList<ScheduledRefresh>> DueAsync(DateTimeOffset before, int max, CancellationToken cancellationToken) =>
        redis.RunAsync<IReadOnlyList<ScheduledRefresh>>(async db =>
        {
            var entries = await db.SortedSetRangeByScoreWithScoresAsync(
                RedisKeys.RefreshSchedule, double.NegativeInfinity, before.ToUnixTimeSeconds(), Exclude.Stop, Order.Ascending, 0, max).ConfigureAwait(false);
            return entries
                .Select(e => ScheduledRefresh.FromKey(e.Element.ToString(), DateTimeOffset.FromUnixTimeSeconds((long)e.Score)))
                .OfType<ScheduledRefresh>()
                .ToList();
        }, cancellationToken);
}
