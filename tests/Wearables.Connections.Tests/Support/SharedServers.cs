using Wearables.TestSupport;

namespace Wearables.Connections.Tests.Support;

/// <summary>The run-wide Redis of <see cref="RedisServer.SharedAsync"/>, remembered so the run can stop it.</summary>
public static class SharedServers
{
    private static RedisServer? redis;

    public static async Task<RedisServer> RedisAsync() => redis = await RedisServer.SharedAsync();

    /// <summary>
    /// Stops the shared Redis if this run started it. Its ProcessExit hook alone is not enough:
    /// the test host may be ended before every hook has run, which leaves redis-server behind.
    /// </summary>
    public static Task StopAsync() => redis?.StopAsync() ?? Task.CompletedTask;
}
