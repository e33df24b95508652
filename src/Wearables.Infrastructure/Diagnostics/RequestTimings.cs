using System.Diagnostics;
using System.Globalization;

namespace Wearables.Infrastructure.Diagnostics;

/// <summary>
/// How long one request waited on providers (and Junction) and on its stores, for the optional
/// <c>Server-Timing</c> header (<c>Wearables:Diagnostics:ServerTiming</c>). Durations only: nothing
/// of what was sent, answered or stored. Carried by an <see cref="AsyncLocal{T}"/> because provider
/// calls run in HttpClient handlers, which live outside the request's DI scope.
/// </summary>
public sealed class RequestTimings
{
    private static readonly AsyncLocal<RequestTimings?> CurrentTimings = new();
    private readonly long started = Stopwatch.GetTimestamp();
    private long providerTicks;
    private long storeTicks;

    /// <summary>The timings of the request this code runs for; null when nothing measures.</summary>
    public static RequestTimings? Current => CurrentTimings.Value;

    /// <summary>Time spent in outbound provider and Junction calls.</summary>
    public TimeSpan Provider => TimeSpan.FromTicks(Interlocked.Read(ref providerTicks));

    /// <summary>Time spent in store calls (settings, credentials, API keys, OAuth state, connections).</summary>
    public TimeSpan Store => TimeSpan.FromTicks(Interlocked.Read(ref storeTicks));

    /// <summary>Time since <see cref="Begin"/>.</summary>
    public TimeSpan Total => Stopwatch.GetElapsedTime(started);

    /// <summary>
    /// Starts measuring: whatever runs from here on in this async flow adds to the returned timings.
    /// Call it from an async method, so that the caller's flow is unaffected once that method returns.
    /// </summary>
    public static RequestTimings Begin()
    {
        var timings = new RequestTimings();
        CurrentTimings.Value = timings;
        return timings;
    }

    /// <remarks>Safe from concurrent calls of one request.</remarks>
    public void AddProvider(TimeSpan elapsed) => Interlocked.Add(ref providerTicks, elapsed.Ticks);

    /// <remarks>Safe from concurrent calls of one request.</remarks>
    public void AddStore(TimeSpan elapsed) => Interlocked.Add(ref storeTicks, elapsed.Ticks);

    /// <summary>The W3C Server-Timing value, in milliseconds: <c>provider;dur=1.23, store;dur=0.45, total;dur=3.10</c>.</summary>
    public string ToServerTimingHeader() => string.Create(CultureInfo.InvariantCulture,
        $"provider;dur={Provider.TotalMilliseconds:0.00}, store;dur={Store.TotalMilliseconds:0.00}, total;dur={Total.TotalMilliseconds:0.00}");
}
