using Wearables.EndToEnd.Tests.Infrastructure;

namespace Wearables.EndToEnd.Tests;

/// <summary>Stops the shared environments (service hosts, fakes, dashboards) once every fixture has run.</summary>
[SetUpFixture]
public sealed class EndToEndRun
{
    [OneTimeTearDown]
    public Task StopSharedEnvironmentsAsync() => FlowEnvironment.DisposeSharedAsync();
}
