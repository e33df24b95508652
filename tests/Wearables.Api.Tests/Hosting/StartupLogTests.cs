using Microsoft.Extensions.Logging;
using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Hosting;

/// <summary>
/// The log of a service whose operator set no AutoMapper licence key carries no licence warning
/// (the README says what the operator must do), from the start through the first mapped answer.
/// </summary>
public sealed class StartupLogTests
{
    [Test]
    public async Task WithoutAutoMapperLicenseKey_TheLogHasNoLicenceWarning()
    {
        await using var factory = await WearablesApiFactory.StartAsync(StorageMode.Embedded);
        using var admin = factory.BootstrapAdmin();

        // The first answers that go through AutoMapper (the maps are built on first use).
        Assert.That((int)(await admin.GetAsync("/v1/api-keys")).StatusCode, Is.EqualTo(200));
        Assert.That((int)(await admin.GetAsync("/api/v1/users/p-1/connections")).StatusCode, Is.EqualTo(404));

        var entries = factory.Logs.Entries;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(entries, Is.Not.Empty, "the start-up log was captured");
            Assert.That(entries.Where(e => e.Category.StartsWith("LuckyPennySoftware", StringComparison.Ordinal) || e.AllText.Contains("license key", StringComparison.OrdinalIgnoreCase)).Select(e => e.ToString()), Is.Empty);
            Assert.That(entries.Where(e => e.Level >= LogLevel.Warning && e.Category.Contains("AutoMapper", StringComparison.OrdinalIgnoreCase)).Select(e => e.ToString()), Is.Empty);
        }
    }
}
