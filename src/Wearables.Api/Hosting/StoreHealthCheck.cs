using Microsoft.Extensions.Diagnostics.HealthChecks;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Api.Hosting;

/// <summary>Ready when every selected store answers.</summary>
public sealed class StoreHealthCheck(IEnumerable<IStoreHealth> stores) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var healthy = true;
        foreach (var store in stores)
        {
            var ok = await store.IsHealthyAsync(cancellationToken).ConfigureAwait(false);
            data[store.Name] = ok ? "up" : "down";
            healthy &= ok;
        }

        return healthy ? HealthCheckResult.Healthy("stores up", data) : HealthCheckResult.Unhealthy("a store is down", data: data);
    }
}
