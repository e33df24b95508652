using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Metrics;

namespace Wearables.Infrastructure.Caching;

/// <summary>Where a <see cref="StoreCache"/> learns that entries changed elsewhere, and tells others.</summary>
public interface IInvalidationFeed
{
    /// <summary>Starts listening (idempotent, never blocks); reports to <paramref name="receiver"/>.</summary>
    void Start(IInvalidationSink receiver);

    /// <summary>Whether the feed's connection is up right now (checked on every hit, before the failure event arrives).</summary>
    bool IsConnected { get; }

    /// <summary>Tells every other instance to drop <paramref name="key"/> (or everything, for <see cref="StoreCache.Everything"/>).</summary>
    Task PublishAsync(string key, CancellationToken cancellationToken);
}

/// <summary>What an <see cref="IInvalidationFeed"/> reports.</summary>
public interface IInvalidationSink
{
    void Invalidate(string key);

    /// <summary>False while invalidations may be missed (e.g. the feed's connection is down): the cache is then bypassed.</summary>
    void SetLive(bool isLive);
}

/// <summary>
/// A small read-through cache in front of the stores that every request reads (API keys,
/// settings, credential envelopes), so that connect costs one store round trip instead of four.
/// Writes invalidate here at once and on every other instance through the
/// <see cref="IInvalidationFeed"/>. Correctness rules:
/// <list type="bullet">
/// <item>the cache is used only while the feed is live: while it may miss an invalidation (its
/// connection is down), every read goes to the store, and everything is dropped when it comes back;</item>
/// <item>a value loaded while any invalidation arrived is not kept (a generation counter), so a
/// read that raced a write never re-inserts the old value;</item>
/// <item>entries expire after a bounded time anyway, and the number of entries is bounded.</item>
/// </list>
/// Only encrypted envelopes and hashes are cached, never a plaintext secret.
/// </summary>
public sealed partial class StoreCache : IInvalidationSink, IDisposable
{
    /// <summary>The key that drops every entry.</summary>
    public const string Everything = "*";

    private readonly MemoryCache entries;
    private readonly TimeSpan timeToLive;
    private readonly IInvalidationFeed feed;
    private readonly ILogger<StoreCache> logger;
    private readonly WearablesMetrics? metrics;
    private long generation;
    private volatile bool live;
    private volatile bool disposed;

    /// <param name="metrics">Where hits, misses and bypasses are counted (<c>wearables_cache_lookups_total</c>); null counts nothing.</param>
    public StoreCache(IInvalidationFeed feed, TimeSpan timeToLive, int maxEntries, ILogger<StoreCache> logger, WearablesMetrics? metrics = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        this.feed = feed;
        this.timeToLive = timeToLive;
        this.logger = logger;
        this.metrics = metrics;
        entries = new MemoryCache(new MemoryCacheOptions { SizeLimit = maxEntries, CompactionPercentage = 0.25 });
        feed.Start(this);
    }

    /// <summary>Whether reads are served from memory now.</summary>
    public bool IsLive => live;

    public int Count => entries.Count;

    /// <summary>
    /// The cached value of <paramref name="key"/>, or <paramref name="load"/>'s (kept when
    /// <paramref name="keep"/> says so and nothing was invalidated meanwhile).
    /// </summary>
    public async Task<T> GetOrLoadAsync<T>(string key, Func<CancellationToken, Task<T>> load, Func<T, bool> keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(keep);
        var usable = live && feed.IsConnected;
        if (usable && entries.TryGetValue(key, out var hit) && hit is Box<T> box)
        {
            metrics?.CacheLookup(KindOf(key), "hit");
            return box.Value;
        }

        metrics?.CacheLookup(KindOf(key), usable ? "miss" : "bypass");

        var seen = Volatile.Read(ref generation);
        var value = await load(cancellationToken).ConfigureAwait(false);
        if (live && keep(value) && Volatile.Read(ref generation) == seen)
        {
            entries.Set(key, new Box<T>(value), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = timeToLive });

            // An invalidation between the check and the insert bumped the generation first: undo.
            if (Volatile.Read(ref generation) != seen)
            {
                entries.Remove(key);
            }
        }

        return value;
    }

    /// <summary>Runs a store write, then drops <paramref name="key"/> everywhere (also when the write failed: it may have happened).</summary>
    public async Task<T> WriteAsync<T>(string key, Func<Task<T>> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            return await write().ConfigureAwait(false);
        }
        finally
        {
            await InvalidateEverywhereAsync(key).ConfigureAwait(false);
        }
    }

    /// <summary>After a write: drops <paramref name="key"/> here, then tells the other instances. Never throws.</summary>
    public async Task InvalidateEverywhereAsync(string key)
    {
        Invalidate(key);
        try
        {
            await feed.PublishAsync(key, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPublishFailed(logger, ex, timeToLive.TotalSeconds);
        }
    }

    public void Invalidate(string key)
    {
        if (disposed)
        {
            return;
        }

        // Generation first, removal second: a concurrent loader either sees the new generation or is removed after its insert.
        Interlocked.Increment(ref generation);
        try
        {
            if (key == Everything)
            {
                entries.Clear();
            }
            else
            {
                entries.Remove(key);
            }
        }
        catch (ObjectDisposedException)
        {
            // Shutting down: a message that arrives while the host stops has nothing left to drop.
        }
    }

    public void SetLive(bool isLive)
    {
        if (disposed)
        {
            return;
        }

        Interlocked.Increment(ref generation);
        try
        {
            entries.Clear();
        }
        catch (ObjectDisposedException)
        {
            // Shutting down (the feed's connection closes with the host).
        }

        live = isLive && !disposed;
        LogLiveness(logger, isLive);
    }

    public void Dispose()
    {
        disposed = true;
        live = false;
        entries.Dispose();
    }

    /// <summary>The label of a key: its prefix as the caching stores write it (a constant, so nothing is allocated).</summary>
    internal static string KindOf(string key) =>
        key.StartsWith("apikey:", StringComparison.Ordinal) ? "api_key"
        : key.StartsWith("settings:", StringComparison.Ordinal) ? "settings"
        : key.StartsWith("credentials:", StringComparison.Ordinal) ? "credentials"
        : "other";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Other instances could not be told to drop a changed store entry; they drop it within {Seconds} s")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store cache live: {Live}")]
    private static partial void LogLiveness(ILogger logger, bool live);

    private sealed record Box<T>(T Value);
}

/// <summary>One process, one store (the embedded database): every write goes through this instance.</summary>
public sealed class LocalInvalidationFeed : IInvalidationFeed
{
    public bool IsConnected => true;

    public void Start(IInvalidationSink receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        receiver.SetLive(true);
    }

    public Task PublishAsync(string key, CancellationToken cancellationToken) => Task.CompletedTask;
}
