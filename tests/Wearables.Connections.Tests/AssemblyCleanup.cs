using Wearables.Connections.Tests.Support;

namespace Wearables.Connections.Tests;

/// <summary>Runs once after every test of this namespace and below, i.e. of the whole project.</summary>
[SetUpFixture]
public sealed class AssemblyCleanup
{
    [OneTimeTearDown]
    public Task StopSharedServersAsync() => SharedServers.StopAsync();
}
