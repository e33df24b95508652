using Wearables.Fakes;

namespace Wearables.Resilience.Tests.Infrastructure;

/// <summary>The three third parties, started on free loopback ports.</summary>
public sealed class ThirdParties : IAsyncDisposable
{
    private ThirdParties()
    {
    }

    public FakeStrava Strava { get; } = new("strava-client-4711", "strava-secret-" + Guid.NewGuid().ToString("N"));

    public FakePolar Polar { get; } = new("polar-client-4711", "polar-secret-" + Guid.NewGuid().ToString("N"));

    public FakeJunction Junction { get; } = new("junction-key-" + Guid.NewGuid().ToString("N"));

    public static async Task<ThirdParties> StartAsync()
    {
        var fakes = new ThirdParties();
        await fakes.Strava.StartAsync();
        await fakes.Polar.StartAsync();
        await fakes.Junction.StartAsync();
        return fakes;
    }

    public InstanceOptions Options() => new() { Strava = Strava, Polar = Polar, Junction = Junction };

    public async ValueTask DisposeAsync()
    {
        await Strava.DisposeAsync();
        await Polar.DisposeAsync();
        await Junction.DisposeAsync();
    }
}
