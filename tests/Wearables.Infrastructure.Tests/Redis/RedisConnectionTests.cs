using Wearables.Infrastructure.Tests.Stores;

namespace Wearables.Infrastructure.Tests.Redis;

public sealed class RedisConnectionTests
{
    [Test]
    public async Task IsHealthy_WhenRedisIsUp_IsTrue()
    {
        using var redis = await RedisBackend.ConnectAsync();

        Assert.That(await redis.IsHealthyAsync(CancellationToken.None), Is.True);
    }
}
