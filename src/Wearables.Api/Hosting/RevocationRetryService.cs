using Wearables.Application.Connections.Commands.Disconnect;
using Wearables.Infrastructure.Hosting;

namespace Wearables.Api.Hosting;

/// <summary>
/// Retries the revocations a provider has not confirmed (<see cref="ProviderRevocations.RunDueAsync"/>),
/// every <see cref="Interval"/> on the service's clock. Each instance runs it; a claim in the store keeps
/// two instances off the same revocation. A store outage is logged and tried again at the next tick.
/// </summary>
public sealed class RevocationRetryService(IServiceScopeFactory scopes, TimeProvider time, ILogger<RevocationRetryService> logger)
    : PeriodicService(time, logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override TimeSpan Period => Interval;

    /// <summary>Drains everything due now, a batch at a time; answers how many revocations it claimed.</summary>
    public Task<int> DrainAsync(CancellationToken cancellationToken) =>
        ScopedDrain.RunAsync(scopes, ProviderRevocations.BatchSize, (s, ct) => s.GetRequiredService<ProviderRevocations>().RunDueAsync(ct), cancellationToken);

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => DrainAsync(cancellationToken);
}
