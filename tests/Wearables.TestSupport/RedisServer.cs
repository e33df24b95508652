using System.Net.Sockets;
using System.Text;

namespace Wearables.TestSupport;

/// <summary>What tests need of a Redis: where it is, and a way to break and mend it.</summary>
public interface IRedisServer : IAsyncDisposable
{
    string ConnectionString { get; }

    Task FlushAsync();

    Task StopAsync();

    Task StartAsync();
}

/// <summary>
/// A real Redis 7.0 on a loopback port chosen free beforehand, no persistence: a Testcontainers
/// container of the locally built image when the run has a Docker engine (<see cref="DockerEngine"/>),
/// otherwise a <c>redis-server</c> process (Debian package). Stop and start keep the port, so a
/// service holding the connection string finds Redis again where it was.
/// </summary>
public sealed class RedisServer : IRedisServer
{
    private static readonly SharedForRun<RedisServer> Shared = new(StartNewAsync);
    private readonly IRedisInstance instance;

    private RedisServer(int port, IRedisInstance instance)
    {
        Port = port;
        this.instance = instance;
    }

    public int Port { get; }

    /// <summary>What runs this Redis: a container of the test image, or a redis-server process.</summary>
    public string Kind => instance.Kind;

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    /// <summary>One server for the whole test run (tests isolate themselves by project id or flush).</summary>
    public static Task<RedisServer> SharedAsync() => Shared.GetAsync();

    public static async Task<RedisServer> StartNewAsync()
    {
        var port = FreePort.Next();
        IRedisInstance instance = await DockerEngine.ServesRedisAsync().ConfigureAwait(false) ? new RedisContainerInstance(port) : new RedisProcessInstance(port);
        var server = new RedisServer(port, instance);
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>Starts Redis (again, after <see cref="StopAsync"/>) on <see cref="Port"/> and waits until it answers PING.</summary>
    public async Task StartAsync()
    {
        await instance.StartAsync().ConfigureAwait(false);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (await SendAsync("PING").ConfigureAwait(false) == "+PONG")
            {
                return;
            }

            if (instance.HasExited)
            {
                break;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"Redis ({instance.Kind}) did not answer on port {Port}: {instance.Output}");
    }

    public async Task FlushAsync()
    {
        if (await SendAsync("FLUSHALL").ConfigureAwait(false) != "+OK")
        {
            throw new InvalidOperationException("FLUSHALL failed");
        }
    }

    /// <summary>Sends one inline command and returns the first reply line, or null when nothing listens.</summary>
    public async Task<string?> SendAsync(string command)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n")).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Encoding.ASCII);
            return await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Stops Redis (its data is gone: no persistence); <see cref="StartAsync"/> brings it back on the same port.</summary>
    public Task StopAsync() => instance.StopAsync();

    /// <summary>Stops Redis and removes what it was (the container, or the process).</summary>
    public ValueTask DisposeAsync() => instance.DisposeAsync();
}
