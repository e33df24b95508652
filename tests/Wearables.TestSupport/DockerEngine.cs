using System.Net;
using System.Net.Sockets;
using NUnit.Framework;

namespace Wearables.TestSupport;

/// <summary>
/// Whether this test run has the Docker engine <c>scripts/test.sh</c> starts (DOCKER_HOST set, the
/// engine answering, the locally built Redis image present). Asked once per test process; the
/// answer is said in one line of the test output. The script exports WEARABLES_TEST_REDIS
/// (<c>container</c> or <c>process</c>) so that a run decides once; CI=true allows only containers.
/// </summary>
internal static class DockerEngine
{
    public const string RedisImage = "wearables-test/redis:7.0.15";

    private static readonly Lazy<Task<bool>> Usable = new(DecideAsync);

    /// <summary>True when Redis fixtures should start containers; false when they fall back to processes.</summary>
    /// <exception cref="InvalidOperationException">CI=true and no usable engine: CI must run the container path.</exception>
    public static Task<bool> ServesRedisAsync() => Usable.Value;

    private static async Task<bool> DecideAsync()
    {
        // scripts/test.sh has decided for the whole run (and said so once): "container" or "process".
        var decided = Environment.GetEnvironmentVariable("WEARABLES_TEST_REDIS");
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (decided == "process")
        {
            TestContext.Progress.WriteLine("[redis] Redis-mode tests use redis-server processes (no Docker engine in this run)");
            return false;
        }

        var missing = await MissingAsync(host).ConfigureAwait(false);
        if (missing is null)
        {
            TestContext.Progress.WriteLine($"[redis] Redis-mode tests use Testcontainers: {RedisImage} containers on the Docker engine at {host}");
            return true;
        }

        if (decided == "container" || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Redis containers are required here (CI=true or WEARABLES_TEST_REDIS=container), but {missing}. ./scripts/test.sh starts the engine and builds the image.");
        }

        TestContext.Progress.WriteLine($"[redis] Redis-mode tests use redis-server processes (no container: {missing})");
        return false;
    }

    /// <summary>Why no container can be started, or null when one can.</summary>
    private static async Task<string?> MissingAsync(string? host)
    {
        if (string.IsNullOrEmpty(host))
        {
            return "DOCKER_HOST is not set";
        }

        using var client = Client(host);
        if (client is null)
        {
            return $"DOCKER_HOST {host} is neither unix:// nor tcp://";
        }

        try
        {
            using var ping = await client.GetAsync(new Uri("/_ping", UriKind.Relative)).ConfigureAwait(false);
            if (!ping.IsSuccessStatusCode)
            {
                return $"the engine at {host} answers {(int)ping.StatusCode} to a ping";
            }

            using var image = await client.GetAsync(new Uri($"/images/{RedisImage}/json", UriKind.Relative)).ConfigureAwait(false);
            return image.StatusCode == HttpStatusCode.OK ? null : $"the engine at {host} has no image {RedisImage}";
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException or TaskCanceledException)
        {
            return $"no Docker engine answers at {host}";
        }
    }

    private static HttpClient? Client(string host)
    {
        var timeout = TimeSpan.FromSeconds(5);
        if (host.StartsWith("unix://", StringComparison.Ordinal))
        {
            var path = host["unix://".Length..];
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, cancel) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancel).ConfigureAwait(false);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            };
            return new HttpClient(handler) { BaseAddress = new Uri("http://docker"), Timeout = timeout };
        }

        if (host.StartsWith("tcp://", StringComparison.Ordinal))
        {
            return new HttpClient { BaseAddress = new Uri("http://" + host["tcp://".Length..]), Timeout = timeout };
        }

        return null;
    }
}
