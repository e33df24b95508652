namespace Wearables.Fakes.Tests;

/// <summary>A fresh fake on a free loopback port per test, and a client that does not follow redirects.</summary>
public abstract class FakeFixture<TFake>
    where TFake : FakeServer
{
    protected TFake Fake { get; private set; } = null!;

    protected HttpClient Http { get; private set; } = null!;

    [SetUp]
    public async Task StartFakeAsync()
    {
        Fake = Create();
        await Fake.StartAsync();
        Http = Wire.Client();
    }

    [TearDown]
    public async Task StopFakeAsync()
    {
        Http.Dispose();
        await Fake.DisposeAsync();
    }

    protected abstract TFake Create();
}
