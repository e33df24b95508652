using Wearables.Application.Connections.Commands.Disconnect;

namespace Wearables.Application.Tests.Connections;

/// <summary>The pauses between revocation retries, and that they fit in the time a sealed copy is kept.</summary>
public sealed class RevocationBackoffTests
{
    [TestCase(1, 1)]
    [TestCase(2, 2)]
    [TestCase(3, 4)]
    [TestCase(6, 32)]
    [TestCase(7, 60)]
    [TestCase(50, 60)]
    [TestCase(int.MaxValue, 60)]
    public void PauseAfter_DoublesFromOneMinute_UpToAnHour(int attempts, int minutes) =>
        Assert.That(ProviderRevocations.PauseAfter(attempts), Is.EqualTo(TimeSpan.FromMinutes(minutes)));

    [Test]
    public void ARevocation_IsRetriedManyTimesBeforeItsCopyIsDropped()
    {
        var elapsed = ProviderRevocations.FirstRetryAfter;
        var attempts = 1;
        while (elapsed + ProviderRevocations.PauseAfter(attempts) < ProviderRevocations.KeepFor)
        {
            elapsed += ProviderRevocations.PauseAfter(attempts++);
        }

        Assert.That(attempts, Is.GreaterThan(20), "a provider down for hours still gets its revocation");
        Assert.That(ProviderRevocations.ClaimFor, Is.GreaterThan(TimeSpan.FromSeconds(60)), "a claim outlives a provider call (bounded by the provider timeout)");
    }
}
