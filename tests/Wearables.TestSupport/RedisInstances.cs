using System.Globalization;
using DotNet.Testcontainers.Builders;
using Testcontainers.Redis;

namespace Wearables.TestSupport;

/// <summary>The Redis behind a <see cref="RedisServer"/>: started, stopped, started again on one fixed port.</summary>
internal interface IRedisInstance : IAsyncDisposable
{
    string Kind { get; }

    /// <summary>True when the Redis is known to have ended on its own (no point waiting for it).</summary>
    bool HasExited { get; }

    string Output { get; }

    Task StartAsync();

    Task StopAsync();
}

/// <summary>A <c>redis-server</c> child process (the fallback where no Docker engine runs).</summary>
internal sealed class RedisProcessInstance(int port) : IRedisInstance
{
    private ServerProcess? process;

    public string Kind => "redis-server process";

    public bool HasExited => process?.HasExited ?? true;

    public string Output => process?.Output ?? "";

    public async Task StartAsync()
    {
        // A Redis still running (started twice) would keep the port: end it before starting another.
        await StopAsync().ConfigureAwait(false);
        var binary = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server";
        process = ServerProcess.Start(binary, ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"]);
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

/// <summary>
/// A container of <see cref="DockerEngine.RedisImage"/> started through Testcontainers. The host port
/// is fixed (chosen free beforehand) and bound to 127.0.0.1 only: Docker gives a container published
/// on a random port a new one on every restart, and a service under test keeps its connection string.
/// </summary>
internal sealed class RedisContainerInstance(int port) : IRedisInstance
{
    private const int RedisPort = 6379;
    private RedisContainer? container;

    public string Kind => "container " + DockerEngine.RedisImage;

    public bool HasExited => false;

    public string Output => container is null ? "" : $"container {container.Id} is {container.State}";

    public Task StartAsync()
    {
        container ??= new RedisBuilder(DockerEngine.RedisImage)
            .WithPortBinding(port, RedisPort)
            .WithCreateParameterModifier(parameters =>
            {
                // Testcontainers publishes on 0.0.0.0; nothing here is meant for the network.
                var bindings = parameters.HostConfig?.PortBindings?.Values.SelectMany(list => list).ToList() ?? [];
                if (bindings.Count == 0)
                {
                    throw new InvalidOperationException("The Redis container has no port binding to keep on loopback.");
                }

                foreach (var binding in bindings)
                {
                    binding.HostIP = "127.0.0.1";
                }
            })
            .Build();
        return container.StartAsync();
    }

    public Task StopAsync() => container?.StopAsync() ?? Task.CompletedTask;

    /// <summary>Removes the container (no Ryuk here reaps it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (container is not null)
        {
            await container.DisposeAsync().ConfigureAwait(false);
            container = null;
        }
    }
}
