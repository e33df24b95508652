using System.Net.Sockets;
using System.Text;

namespace Wearables.TestSupport;

/// <summary>What tests need of a Redis: where it is, and a way to break and mend it. A Testcontainers-backed implementation can be added where Docker exists.</summary>
public interface IRedisServer : IAsyncDisposable
{
    string ConnectionString { get; }

    Task FlushAsync();

    Task StopAsync();

    Task StartAsync();
}

/// <summary>A real <c>redis-server</c> (Debian package) on a free loopback port, no persistence.</summary>
public sealed class RedisServer : IRedisServer
{
    private static readonly SemaphoreSlim SharedLock = new(1, 1);
    private static RedisServer? shared;
    private ServerProcess? process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    /// <summary>One server for the whole test run (tests isolate themselves by project id or flush).</summary>
    public static async Task<RedisServer> SharedAsync()
    {
        await SharedLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (shared is null)
            {
                shared = await StartNewAsync().ConfigureAwait(false);
                AppDomain.CurrentDomain.ProcessExit += (_, _) => shared.StopAsync().GetAwaiter().GetResult();
            }

            return shared;
        }
        finally
        {
            SharedLock.Release();
        }
    }

    public static async Task<RedisServer> StartNewAsync()
    {
        var server = new RedisServer(FreePort.Next());
        await server.StartAsync().ConfigureAwait(false);
        return server;
    }

    public async Task StartAsync()
    {
        var binary = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server";
        process = ServerProcess.Start(binary, ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"]);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (await SendAsync("PING").ConfigureAwait(false) == "+PONG")
            {
                return;
            }

            if (process.HasExited)
            {
                break;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"redis-server did not start on port {Port} (is the redis-server package installed?): {process.Output}");
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

    public async Task StopAsync()
    {
        if (process is not null)
        {
            await process.DisposeAsync().ConfigureAwait(false);
            process = null;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
