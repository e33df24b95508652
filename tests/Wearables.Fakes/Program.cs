using System.Runtime.InteropServices;

namespace Wearables.Fakes;

/// <summary>Runs all three fakes until SIGTERM or Ctrl+C, for scripts that need them as a separate process.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var options = FakesOptions.Parse(args, out var error);
        if (options is null)
        {
            await Console.Error.WriteLineAsync(error).ConfigureAwait(false);
            await Console.Error.WriteLineAsync(FakesOptions.Usage).ConfigureAwait(false);
            return 2;
        }

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult();
        }

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        // Nobody reads the request log of a long-running process; recording would only grow memory.
        await using var strava = new FakeStrava(options.ClientId, options.ClientSecret) { Port = options.StravaPort, RecordRequests = false, AcceptAnyCode = options.AcceptAnyCode };
        await using var polar = new FakePolar(options.ClientId, options.ClientSecret) { Port = options.PolarPort, RecordRequests = false };
        await using var junction = new FakeJunction(options.JunctionApiKey) { Port = options.JunctionPort, RecordRequests = false };
        options.ApplyTo(strava);
        options.ApplyTo(polar);
        try
        {
            await Task.WhenAll(strava.StartAsync(), polar.StartAsync(), junction.StartAsync()).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"cannot start the fakes: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        Console.WriteLine($"strava {strava.AuthorizeUrl} {strava.TokenUrl} {strava.ApiBaseUrl}");
        Console.WriteLine($"polar {polar.AuthorizeUrl} {polar.TokenUrl} {polar.ApiBaseUrl}");
        Console.WriteLine($"junction {junction.BaseUrl}");
        Console.WriteLine("ready");

        await stop.Task.ConfigureAwait(false);
        return 0;
    }
}
