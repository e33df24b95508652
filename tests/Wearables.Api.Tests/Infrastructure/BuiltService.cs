using System.Security.Cryptography;

namespace Wearables.Api.Tests.Infrastructure;

/// <summary>
/// The built service (<c>Wearables.Api.dll</c> beside the tests) run as it is deployed: a child process on a free
/// loopback port, embedded storage in the given directory, a fresh master key; started once it answers
/// <c>/health/live</c>. Stopped and its client disposed on dispose.
/// </summary>
public sealed class BuiltService : IAsyncDisposable
{
    private BuiltService(ServerProcess process, HttpClient client)
    {
        Process = process;
        Client = client;
    }

    public ServerProcess Process { get; }

    /// <summary>A client of the service's port, without credentials.</summary>
    public HttpClient Client { get; }

    public static async Task<BuiltService> StartAsync(string environment, string dataDirectory, params string[] extra)
    {
        var port = FreePort.Next();
        var process = ServerProcess.Start("dotnet",
        [
            Path.Combine(AppContext.BaseDirectory, "Wearables.Api.dll"),
            "--environment", environment,
            "--urls", $"http://127.0.0.1:{port}",
            "--Wearables:DataDirectory=" + dataDirectory,
            "--Wearables:Encryption:MasterKey=" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            $"--Wearables:PublicBaseUrl=http://127.0.0.1:{port}",
            .. extra,
        ]);
        var service = new BuiltService(process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
        try
        {
            await process.WaitUntilLiveAsync(service.Client);
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the service and answers every line it wrote, trimmed, empty ones left out.</summary>
    public async Task<string[]> StopAsync()
    {
        await Process.StopAsync();
        return Process.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Process.DisposeAsync();
    }
}
