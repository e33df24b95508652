using Wearables.Application.Connections.Commands.HandleCallback;
using Wearables.Infrastructure.Hosting;

namespace Wearables.Api.Hosting;

/// <summary>
/// Writes the grants parked at a callback while the connection store was down (<see cref="ParkedGrants.RunDueAsync"/>),
/// every <c>Wearables:ParkedGrants:RetrySeconds</c>. Each instance runs it; a claim in the store keeps
/// two instances off the same grant.
/// </summary>
public sealed class ParkedGrantRetryService(IServiceScopeFactory scopes, ParkedGrantOptions options, TimeProvider time, ILogger<ParkedGrantRetryService> logger)
    : PeriodicService(time, logger)
{
    protected override TimeSpan Period => options.RetryInterval;

    /// <summary>Drains everything due now, a batch at a time; answers how many grants it claimed.</summary>
    public Task<int> DrainAsync(CancellationToken cancellationToken) =>
        ScopedDrain.RunAsync(scopes, ParkedGrants.BatchSize, (s, ct) => s.GetRequiredService<ParkedGrants>().RunDueAsync(ct), cancellationToken);

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => DrainAsync(cancellationToken);
}
