using Microsoft.Extensions.Logging.Abstractions;
using Wearables.Infrastructure.Caching;

namespace Wearables.Infrastructure.Tests.Caching;

/// <summary>The read-through rules of <see cref="StoreCache"/>, with a feed the test drives.</summary>
public sealed class StoreCacheTests
{
    private ManualFeed feed = null!;
    private StoreCache cache = null!;
    private int loads;

    [SetUp]
    public void Create()
    {
        feed = new ManualFeed();
        cache = new StoreCache(feed, TimeSpan.FromMinutes(5), 1000, NullLogger<StoreCache>.Instance);
        feed.Sink!.SetLive(true);
        loads = 0;
    }

    [TearDown]
    public void Dispose() => cache.Dispose();

    [Test]
    public async Task ASecondRead_IsServedFromMemory()
    {
        Assert.That(await ReadAsync("a", "v1"), Is.EqualTo("v1"));
        Assert.That(await ReadAsync("a", "v2"), Is.EqualTo("v1"), "cached");
        Assert.That(loads, Is.EqualTo(1));
    }

    [Test]
    public async Task AValueTheCallerDoesNotWantKept_IsLoadedEachTime()
    {
        await cache.GetOrLoadAsync("a", _ => Load<string?>(null), v => v is not null, CancellationToken.None);
        await cache.GetOrLoadAsync("a", _ => Load<string?>(null), v => v is not null, CancellationToken.None);

        Assert.That(loads, Is.EqualTo(2));
    }

    [Test]
    public async Task AnInvalidation_DropsTheEntry()
    {
        await ReadAsync("a", "v1");
        feed.Sink!.Invalidate("a");

        Assert.That(await ReadAsync("a", "v2"), Is.EqualTo("v2"));
    }

    [Test]
    public async Task InvalidatingEverything_DropsEveryEntry()
    {
        await ReadAsync("a", "v1");
        await ReadAsync("b", "v1");
        feed.Sink!.Invalidate(StoreCache.Everything);

        Assert.That(await ReadAsync("a", "v2"), Is.EqualTo("v2"));
        Assert.That(await ReadAsync("b", "v2"), Is.EqualTo("v2"));
    }

    [Test]
    public async Task AValueLoadedWhileAnInvalidationArrived_IsNotKept()
    {
        // The read saw the old value in the store, the write's invalidation arrived before the read finished.
        var store = new TaskCompletionSource<string>();
        var racing = cache.GetOrLoadAsync("a", _ => { loads++; return store.Task; }, _ => true, CancellationToken.None);
        feed.Sink!.Invalidate("a");
        store.SetResult("old");

        Assert.That(await racing, Is.EqualTo("old"), "the racing reader itself gets what it read");
        Assert.That(await ReadAsync("a", "new"), Is.EqualTo("new"), "but the old value was not kept");
    }

    [Test]
    public async Task WhileTheFeedIsNotLive_EveryReadGoesToTheStore_AndNothingIsKept()
    {
        await ReadAsync("a", "v1");
        feed.Sink!.SetLive(false);

        Assert.That(await ReadAsync("a", "v2"), Is.EqualTo("v2"), "not served from memory");
        Assert.That(await ReadAsync("a", "v3"), Is.EqualTo("v3"));
        Assert.That(cache.Count, Is.Zero);
    }

    [Test]
    public async Task WhileTheFeedsConnectionIsDown_BeforeItsFailureIsReported_NothingIsServedFromMemory()
    {
        await ReadAsync("a", "v1");
        feed.IsConnected = false;

        Assert.That(await ReadAsync("a", "v2"), Is.EqualTo("v2"));
    }

    [Test]
    public async Task WhenTheFeedComesBack_WhatWasCachedBeforeIsGone()
    {
        await ReadAsync("a", "v1");
        feed.Sink!.SetLive(false);
        feed.Sink!.SetLive(true);

        Assert.That(await ReadAsync("a", "v2"), Is.EqualTo("v2"));
    }

    [Test]
    public async Task AWrite_DropsTheEntry_AndTellsTheOtherInstances_EvenWhenItFails()
    {
        await ReadAsync("a", "v1");

        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.WriteAsync<bool>("a", () => throw new InvalidOperationException("store failed after writing")));

        Assert.That(feed.Published, Is.EqualTo(new[] { "a" }));
        Assert.That(await ReadAsync("a", "v2"), Is.EqualTo("v2"));
    }

    [Test]
    public async Task APublishThatFails_DoesNotFailTheWrite()
    {
        feed.FailPublish = true;

        Assert.That(await cache.WriteAsync("a", () => Task.FromResult(42)), Is.EqualTo(42));
    }

    [Test]
    public async Task EntriesExpire()
    {
        using var shortLived = new StoreCache(feed, TimeSpan.FromMilliseconds(50), 10, NullLogger<StoreCache>.Instance);
        feed.Sink!.SetLive(true);
        await shortLived.GetOrLoadAsync("a", _ => Load("v1"), _ => true, CancellationToken.None);
        await Task.Delay(200);

        Assert.That(await shortLived.GetOrLoadAsync("a", _ => Load("v2"), _ => true, CancellationToken.None), Is.EqualTo("v2"));
    }

    [Test]
    public async Task TheNumberOfEntries_IsBounded()
    {
        using var small = new StoreCache(feed, TimeSpan.FromMinutes(5), 10, NullLogger<StoreCache>.Instance);
        feed.Sink!.SetLive(true);
        for (var i = 0; i < 100; i++)
        {
            await small.GetOrLoadAsync("k" + i, _ => Load("v"), _ => true, CancellationToken.None);
        }

        Assert.That(small.Count, Is.LessThanOrEqualTo(10));
    }

    [Test]
    public void AMessageArrivingAfterShutdown_IsIgnored()
    {
        cache.Dispose();

        Assert.DoesNotThrow(() => feed.Sink!.Invalidate("a"));
        Assert.DoesNotThrow(() => feed.Sink!.SetLive(true));
        Assert.That(cache.IsLive, Is.False);
    }

    private Task<string> ReadAsync(string key, string storeValue) =>
        cache.GetOrLoadAsync(key, _ => Load(storeValue), _ => true, CancellationToken.None);

    private Task<T> Load<T>(T value)
    {
        loads++;
        return Task.FromResult(value);
    }

    private sealed class ManualFeed : IInvalidationFeed
    {
        public IInvalidationSink? Sink { get; private set; }

        public List<string> Published { get; } = [];

        public bool FailPublish { get; set; }

        public bool IsConnected { get; set; } = true;

        public void Start(IInvalidationSink receiver) => Sink = receiver;

        public Task PublishAsync(string key, CancellationToken cancellationToken)
        {
            Published.Add(key);
            return FailPublish ? Task.FromException(new InvalidOperationException("feed down")) : Task.CompletedTask;
        }
    }
}
