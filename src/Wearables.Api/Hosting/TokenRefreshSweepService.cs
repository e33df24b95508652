using Wearables.Application.Connections.Tokens;
using Wearables.Infrastructure.Hosting;

namespace Wearables.Api.Hosting;

/// <summary>
/// Runs the <see cref="RefreshSweep"/> every <c>Wearables:Tokens:SweepIntervalSeconds</c> (0: off)
/// on every instance; the sweep's lease lets one of them work at a time.
/// </summary>
public sealed class TokenRefreshSweepService(RefreshSweep sweep, TokenRefreshOptions options, TimeProvider time, ILogger<TokenRefreshSweepService> logger)
    : PeriodicService(time, logger)
{
    protected override TimeSpan Period => options.SweepInterval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => sweep.RunOnceAsync(cancellationToken);
}
