using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace Wearables.TestSupport;

/// <summary>
/// A real Redis Cluster of three primaries (no replicas) on loopback: three <c>redis-server</c> processes
/// with <c>--cluster-enabled yes</c> on free ports (client and bus port both chosen free), joined by
/// <c>redis-cli --cluster create</c>. Processes, not containers, also when the run has a Docker engine:
/// a cluster tells clients where each slot lives by the address each node announces, and a container on
/// the bridge announces its bridge address (or, with cluster-announce, needs the published ports fixed
/// before it starts); processes on loopback announce 127.0.0.1 and the ports the tests chose, which is
/// simply right, on every machine, with or without an engine.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private static readonly SharedForRun<RedisCluster> Shared = new(StartNewAsync);
    private readonly List<ServerProcess> nodes = [];
    private readonly TempDirectory directory = new("wearables-redis-cluster");

    private RedisCluster(IReadOnlyList<int> ports) => Ports = ports;

    public IReadOnlyList<int> Ports { get; }

    /// <summary>Every node, as <c>ConnectionStrings:Redis</c> takes it.</summary>
    public string ConnectionString => string.Join(',', Ports.Select(p => $"127.0.0.1:{p}")) + ",abortConnect=false";

    /// <summary>One cluster for the whole test run (tests isolate themselves by project id).</summary>
    public static Task<RedisCluster> SharedAsync() => Shared.GetAsync();

    public static async Task<RedisCluster> StartNewAsync()
    {
        var ports = new List<int>();
        while (ports.Count < 3)
        {
            var port = FreePort.Next();
            if (!ports.Contains(port))
            {
                ports.Add(port);
            }
        }

        var cluster = new RedisCluster(ports);
        try
        {
            await cluster.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return cluster;
    }

    private async Task StartAsync()
    {
        var binary = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server";
        foreach (var port in Ports)
        {
            var busPort = FreePort.Next();
            var text = port.ToString(CultureInfo.InvariantCulture);
            nodes.Add(ServerProcess.Start(binary,
            [
                "--port", text, "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-port", busPort.ToString(CultureInfo.InvariantCulture),
                "--cluster-config-file", directory.File($"nodes-{text}.conf"), "--cluster-node-timeout", "5000",
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", directory.Path,
            ]));
        }

        await WaitAsync(async () =>
        {
            foreach (var port in Ports)
            {
                if (await Cli(port, "PING").ConfigureAwait(false) != "PONG")
                {
                    return false;
                }
            }

            return true;
        }, "the nodes to answer PING").ConfigureAwait(false);

        var create = await RunAsync("redis-cli", ["--cluster", "create", .. Ports.Select(p => $"127.0.0.1:{p}"), "--cluster-replicas", "0", "--cluster-yes"]).ConfigureAwait(false);
        if (create.ExitCode != 0)
        {
            throw new InvalidOperationException("redis-cli --cluster create failed: " + create.Output);
        }

        await WaitAsync(async () =>
        {
            foreach (var port in Ports)
            {
                if (!(await RunAsync("redis-cli", ["-p", port.ToString(CultureInfo.InvariantCulture), "CLUSTER", "INFO"]).ConfigureAwait(false)).Output.Contains("cluster_state:ok", StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }, "cluster_state:ok on every node").ConfigureAwait(false);

        // The client sees all 16384 slots served before any test runs.
        await WaitAsync(async () =>
        {
            using var client = await ConnectionMultiplexer.ConnectAsync(ConnectionString).ConfigureAwait(false);
            return client.GetServers().Count(s => s.IsConnected && !s.IsReplica) == 3 && await client.GetDatabase().PingAsync().ConfigureAwait(false) >= TimeSpan.Zero;
        }, "the client to see three primaries").ConfigureAwait(false);
    }

    /// <summary>Deletes every key on every primary.</summary>
    public async Task FlushAsync()
    {
        foreach (var port in Ports)
        {
            await Cli(port, "FLUSHALL").ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }

        nodes.Clear();
        directory.Dispose();
    }

    private static async Task<string> Cli(int port, string command) =>
        (await RunAsync("redis-cli", ["-p", port.ToString(CultureInfo.InvariantCulture), command]).ConfigureAwait(false)).Output.Trim();

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (RedisException)
            {
                // Not ready yet.
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"The test Redis Cluster did not come up: waited 30 s for {what}.");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(File.Exists("/usr/bin/" + fileName) ? "/usr/bin/" + fileName : fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return (process.ExitCode, await output.ConfigureAwait(false) + await error.ConfigureAwait(false));
    }
}
