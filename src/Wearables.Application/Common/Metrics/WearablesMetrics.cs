using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Wearables.Application.Common.Metrics;

/// <summary>
/// The service's own instruments, on one <see cref="Meter"/> named <see cref="MeterName"/> (exported at
/// <c>/metrics</c>). Every label value is one of a small fixed set (a provider slug of the catalog, an
/// outcome, a cache kind): never a user, project, key, token or URL, so the series stay few and say
/// nothing about anyone. Recording is a lock-free add with tags on the stack (<see cref="TagList"/>).
/// </summary>
public sealed class WearablesMetrics : IDisposable
{
    public const string MeterName = "Wearables";

    private readonly Meter meter;
    private readonly Counter<long> providerCalls;
    private readonly Histogram<double> providerCallDuration;
    private readonly Counter<long> refreshes;
    private readonly Counter<long> cacheLookups;

    /// <param name="meterFactory">The host's factory (its meters die with it); null makes a meter of our own.</param>
    public WearablesMetrics(IMeterFactory? meterFactory = null)
    {
        meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        providerCalls = meter.CreateCounter<long>("wearables.provider.calls", description: "Outbound calls to providers and Junction, by provider and outcome.");
        providerCallDuration = meter.CreateHistogram<double>("wearables.provider.call.duration", unit: "s", description: "Duration of outbound provider and Junction calls, answer body included.");
        refreshes = meter.CreateCounter<long>("wearables.token.refreshes", description: "Token refresh runs (single-flight, on demand or by the sweep), by provider and outcome.");
        cacheLookups = meter.CreateCounter<long>("wearables.cache.lookups", description: "Store cache reads (API keys, settings, credential envelopes), by kind and outcome (hit, miss, bypass).");
    }

    /// <summary>The meter, for instruments another layer observes (the pending states gauge).</summary>
    public Meter Meter => meter;

    /// <param name="provider">A catalog slug, <c>junction</c>, or <c>other</c>.</param>
    /// <param name="outcome">One of <see cref="ProviderCallOutcome"/>'s names.</param>
    public void ProviderCall(string provider, string outcome, TimeSpan elapsed)
    {
        var tags = new TagList { { "provider", provider }, { "outcome", outcome } };
        providerCalls.Add(1, tags);
        providerCallDuration.Record(elapsed.TotalSeconds, tags);
    }

    /// <param name="outcome">One of <see cref="RefreshOutcomes"/>.</param>
    public void Refresh(string provider, string outcome) =>
        refreshes.Add(1, new TagList { { "provider", provider }, { "outcome", outcome } });

    /// <param name="kind"><c>api_key</c>, <c>settings</c>, <c>credentials</c> or <c>other</c>.</param>
    /// <param name="outcome"><c>hit</c>, <c>miss</c> or <c>bypass</c> (the cache is not live: every read goes to the store).</param>
    public void CacheLookup(string kind, string outcome) =>
        cacheLookups.Add(1, new TagList { { "kind", kind }, { "outcome", outcome } });

    public void Dispose() => meter.Dispose();
}

/// <summary>The outcomes of an outbound provider call, as label values.</summary>
public static class ProviderCallOutcome
{
    public const string Success = "success";
    public const string Redirect = "redirect";
    public const string ClientError = "client_error";
    public const string ServerError = "server_error";
    public const string Timeout = "timeout";
    public const string Unreachable = "unreachable";
    public const string Cancelled = "cancelled";

    /// <summary>The label of an answered call.</summary>
    public static string Of(int status) => status switch
    {
        >= 200 and < 300 => Success,
        >= 300 and < 400 => Redirect,
        >= 400 and < 500 => ClientError,
        _ => ServerError,
    };
}

/// <summary>The outcomes of one refresh run, as label values.</summary>
public static class RefreshOutcomes
{
    /// <summary>The provider issued a new pair and it was stored.</summary>
    public const string Refreshed = "refreshed";

    /// <summary>Under the lock, the stored token was fresh already (another caller or instance refreshed it).</summary>
    public const string AlreadyFresh = "already_fresh";

    /// <summary>Another writer stored a newer pair while ours was in flight; that one was answered.</summary>
    public const string LostRace = "lost_race";

    /// <summary>The provider refused the grant: the connection expired.</summary>
    public const string Expired = "expired";

    /// <summary>The provider failed for now (timeout, 5xx, 429…): the connection is backed off.</summary>
    public const string Failed = "failed";

    /// <summary>A backoff was in force: the provider was not called.</summary>
    public const string Deferred = "deferred";

    /// <summary>Another holder kept the lock for the whole wait.</summary>
    public const string LockTimeout = "lock_timeout";

    /// <summary>No refresh token (Polar): nothing to refresh.</summary>
    public const string NotRefreshable = "not_refreshable";
}
