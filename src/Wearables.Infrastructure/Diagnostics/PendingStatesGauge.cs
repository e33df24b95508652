using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Metrics;

namespace Wearables.Infrastructure.Diagnostics;

/// <summary>How many OAuth flows are pending in a state store, counted up to a bound (never a full scan).</summary>
public interface IPendingStateCensus
{
    /// <summary>Pending (unexpired) states, at most <paramref name="max"/>.</summary>
    Task<long> CountPendingAsync(long max, CancellationToken cancellationToken);
}

/// <summary>
/// <c>wearables_oauth_states_pending</c>: the pending OAuth flows of the state store (every instance's,
/// where the store is shared). Counted on a scrape at most once per <see cref="MinInterval"/> and up to
/// <see cref="Bound"/>, waiting at most <see cref="CountTimeout"/>: scraping faster costs the store
/// nothing more, and a store that is down leaves the last value (or none) instead of a hung scrape.
/// </summary>
public sealed partial class PendingStatesGauge
{
    public const long Bound = 1_000_000;

    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan CountTimeout = TimeSpan.FromSeconds(1);

    private readonly IPendingStateCensus census;
    private readonly TimeProvider time;
    private readonly ILogger<PendingStatesGauge> logger;
    private readonly Lock gate = new();
    private long? last;
    private DateTimeOffset countedAt = DateTimeOffset.MinValue;

    public PendingStatesGauge(WearablesMetrics metrics, IPendingStateCensus census, TimeProvider time, ILogger<PendingStatesGauge> logger)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        this.census = census;
        this.time = time;
        this.logger = logger;
        // The meter keeps the instrument (and calls Observe) for as long as it lives.
        metrics.Meter.CreateObservableGauge("wearables.oauth.states.pending", Observe,
            description: $"Pending OAuth flows (connect done, callback not yet) in the state store, counted up to {Bound}.");
    }

    private IEnumerable<Measurement<long>> Observe()
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            if (now - countedAt >= MinInterval)
            {
                countedAt = now;
                try
                {
                    // The exporter collects synchronously; the count is one bounded query.
                    using var timeout = new CancellationTokenSource(CountTimeout);
                    last = census.CountPendingAsync(Bound, timeout.Token).WaitAsync(CountTimeout).GetAwaiter().GetResult();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    LogCountFailed(logger, ex.GetType().Name);
                }
            }

            return last is { } value ? [new Measurement<long>(value)] : [];
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pending OAuth states could not be counted for /metrics ({Reason}); the last count stays")]
    private static partial void LogCountFailed(ILogger logger, string reason);
}
