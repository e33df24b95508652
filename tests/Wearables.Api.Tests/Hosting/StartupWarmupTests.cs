using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wearables.Api.Hosting;
using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Hosting;

/// <summary>The start-up warm-up: readiness waits for it, and it writes nothing.</summary>
[TestFixture(StorageMode.Embedded)]
[TestFixture(StorageMode.Redis)]
public sealed class StartupWarmupTests(StorageMode mode) : ApiFixture(mode)
{
    [Test]
    public async Task RunningService_IsReady_AfterItsWarmupRan()
    {
        var response = await Factory.Anonymous().GetAsync("/health/ready");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Factory.Services.GetRequiredService<StartupWarmup>().Finished, Is.True);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        }
    }

    [Test]
    public async Task Readiness_IsUnhealthyUntilTheWarmupHasRun()
    {
        var warmup = new StartupWarmup(Factory.Services, Options.Create(new ApiOptions()), NullLogger<StartupWarmup>.Instance);
        var check = new WarmupHealthCheck(warmup);

        var before = await check.CheckHealthAsync(new HealthCheckContext());
        await warmup.StartingAsync(CancellationToken.None);
        var after = await check.CheckHealthAsync(new HealthCheckContext());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(before.Status, Is.EqualTo(HealthStatus.Unhealthy));
            Assert.That(after.Status, Is.EqualTo(HealthStatus.Healthy));
        }
    }

    [Test]
    public async Task Warmup_TurnedOff_IsReadyAtOnce()
    {
        var options = new ApiOptions { Warmup = { TimeoutSeconds = 0 } };
        var warmup = new StartupWarmup(Factory.Services, Options.Create(options), NullLogger<StartupWarmup>.Instance);

        await warmup.StartingAsync(CancellationToken.None);

        Assert.That(warmup.Finished, Is.True);
    }

    [Test]
    public async Task Warmup_WritesNothingToTheStore()
    {
        // Every store operation the warm-up does is a read (health probes): the embedded store's files are unchanged.
        // (Embedded storage keeps keys, settings, states and connections in these files, whatever the mode's state store.)
        var files = Directory.GetFiles(Factory.DataDirectory, "*.db*");
        Assert.That(files, Is.Not.Empty, "an embedded file to check");
        var before = Fingerprint(files);

        var warmup = new StartupWarmup(Factory.Services, Options.Create(new ApiOptions()), NullLogger<StartupWarmup>.Instance);
        await warmup.StartingAsync(CancellationToken.None);

        Assert.That(Fingerprint(files), Is.EqualTo(before));
    }

    private static string Fingerprint(IEnumerable<string> files) => string.Join(",", files.Order(StringComparer.Ordinal).Select(f =>
    {
        using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return f + ":" + Convert.ToHexString(SHA256.HashData(stream));
    }));
}
