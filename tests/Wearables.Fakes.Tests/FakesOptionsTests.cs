namespace Wearables.Fakes.Tests;

public sealed class FakesOptionsTests
{
    [Test]
    public void NoLifecycleFlags_LeaveEveryFakeDefaultAsItWas()
    {
        var options = FakesOptions.Parse(["--accept-any-code"], out var error)!;
        var strava = new FakeStrava("id", "secret");
        var polar = new FakePolar("id", "secret");
        options.ApplyTo(strava);
        options.ApplyTo(polar);

        Assert.Multiple(() =>
        {
            Assert.That(error, Is.Null);
            Assert.That(strava.AccessTokenLifetime, Is.EqualTo(TimeSpan.FromSeconds(FakeStrava.AccessTokenLifetimeSeconds)));
            Assert.That(polar.AccessTokenLifetime, Is.EqualTo(TimeSpan.FromSeconds(FakePolar.AccessTokenLifetimeSeconds)));
            Assert.That(strava.InitialAccessTokenLifetime, Is.Null);
            Assert.That(strava.RefreshRotation, Is.EqualTo(RefreshRotation.RotateStrict));
            Assert.That(strava.RequirePkce, Is.False);
        });
    }

    [Test]
    public void LifecycleFlags_ReachTheFakes()
    {
        var options = FakesOptions.Parse(
            ["--access-token-lifetime", "600", "--initial-access-token-lifetime", "-5", "--refresh-rotation", "same", "--require-pkce"], out _)!;
        var strava = new FakeStrava("id", "secret");
        options.ApplyTo(strava);

        Assert.Multiple(() =>
        {
            Assert.That(strava.AccessTokenLifetime, Is.EqualTo(TimeSpan.FromMinutes(10)));
            Assert.That(strava.InitialAccessTokenLifetime, Is.EqualTo(TimeSpan.FromSeconds(-5)));
            Assert.That(strava.RefreshRotation, Is.EqualTo(RefreshRotation.Same));
            Assert.That(strava.RequirePkce, Is.True);
        });
    }

    [TestCase("--refresh-rotation", "sometimes")]
    [TestCase("--access-token-lifetime", "0")]
    [TestCase("--access-token-lifetime", "soon")]
    public void BadLifecycleValues_AreRefused(string name, string value)
    {
        Assert.Multiple(() =>
        {
            Assert.That(FakesOptions.Parse([name, value], out var error), Is.Null);
            Assert.That(error, Does.Contain(name));
        });
    }
}
