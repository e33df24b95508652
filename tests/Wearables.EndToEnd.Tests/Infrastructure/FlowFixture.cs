namespace Wearables.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Base of the flow fixtures: the shared <see cref="FlowEnvironment"/> of the fixture's
/// storage × connections combination, with the fakes brought back to normal before every test.
/// </summary>
public abstract class FlowFixture(StorageMode storage, ConnectionsMode connections)
{
    protected StorageMode Storage { get; } = storage;

    protected ConnectionsMode Connections { get; } = connections;

    protected FlowEnvironment Env { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartEnvironmentAsync() => Env = await FlowEnvironment.SharedAsync(Storage, Connections);

    [SetUp]
    public Task ResetFakesAsync() => Env.ResetFakesAsync();

    protected static string NewPatientId() => FlowEnvironment.NewPatientId();
}
