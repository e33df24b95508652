using Microsoft.AspNetCore.Hosting;

namespace Wearables.TestSupport;

/// <summary>How every test host of the service is configured.</summary>
public static class TestHost
{
    /// <summary>
    /// Environment "Testing" and the given settings, through <c>UseSetting</c> (not
    /// ConfigureAppConfiguration): Program reads its configuration before <c>Build()</c>.
    /// </summary>
    public static void Configure(IWebHostBuilder builder, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
