using Microsoft.Extensions.Diagnostics.HealthChecks;
using Wearables.Application.Encryption;

namespace Wearables.Api.Hosting;

/// <summary>
/// Readiness stays up while records on an older master key remain, but says so (<c>Degraded</c>, still
/// 200): removing that key now would make them unreadable. Reads the last census only: a probe costs nothing.
/// </summary>
public sealed class OlderKeyHealthCheck(OlderKeyCensus census) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var count = census.Count;
        if (count is null or 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy(count is null ? "not counted yet" : "every envelope under the active key"));
        }

        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["olderKeyRecords"] = count, ["countedAt"] = census.CountedAt! };
        return Task.FromResult(HealthCheckResult.Degraded($"{count} stored records are sealed with an older master key: run rotate-keys before removing it", data: data));
    }
}
