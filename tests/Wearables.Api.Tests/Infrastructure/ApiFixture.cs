namespace Wearables.Api.Tests.Infrastructure;

/// <summary>
/// One service per fixture and storage mode, started once. Tests that change state work in a
/// tenant of their own (<see cref="WearablesApiFactory.NewTenantAsync"/>) so that they do not
/// depend on each other or on their order.
/// </summary>
public abstract class ApiFixture(StorageMode mode)
{
    protected StorageMode Mode { get; } = mode;

    protected WearablesApiFactory Factory { get; private set; } = null!;

    /// <summary>Extra configuration for this fixture's service.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? ExtraSettings => null;

    [OneTimeSetUp]
    public async Task StartServiceAsync() => Factory = await WearablesApiFactory.StartAsync(Mode, ExtraSettings);

    [OneTimeTearDown]
    public async Task StopServiceAsync()
    {
        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }
    }
}
