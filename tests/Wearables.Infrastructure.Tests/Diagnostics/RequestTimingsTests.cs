using System.Diagnostics;
using System.Net;
using Wearables.Application.Connections;
using Wearables.Infrastructure.Diagnostics;

namespace Wearables.Infrastructure.Tests.Diagnostics;

/// <summary>The per-request accumulator behind Server-Timing, and what feeds it.</summary>
public sealed class RequestTimingsTests
{
    // Task.Delay may wake early on a coarse timer, so the tests compare with the time the slow part
    // measured itself (same monotonic clock), never with the nominal pause.
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);

    [Test]
    public async Task Begin_IsCurrentInItsFlowAndItsChildTasks_AndNotAfterItsMethodReturns()
    {
        RequestTimings? begun = null, later = null, child = null;
        async Task RequestAsync()
        {
            begun = RequestTimings.Begin();
            await Task.Yield();
            later = RequestTimings.Current;
            child = await Task.Run(() => RequestTimings.Current);
        }

        await RequestAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(later, Is.SameAs(begun));
            Assert.That(child, Is.SameAs(begun));
            Assert.That(RequestTimings.Current, Is.Null, "the caller's flow is untouched");
        }
    }

    [Test]
    public async Task Add_FromConcurrentCalls_CountsEveryOne()
    {
        var timings = RequestTimings.Begin();

        await Parallel.ForAsync(0, 1000, (_, _) =>
        {
            timings.AddProvider(TimeSpan.FromMilliseconds(1));
            timings.AddStore(TimeSpan.FromMilliseconds(2));
            return ValueTask.CompletedTask;
        });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(timings.Provider, Is.EqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(timings.Store, Is.EqualTo(TimeSpan.FromSeconds(2)));
        }
    }

    [Test]
    public async Task ServerTimingHeader_IsMillisecondsWithTwoDecimals_TotalAtLeastTheParts()
    {
        var timings = await Task.Run(() =>
        {
            var t = RequestTimings.Begin();
            t.AddProvider(TimeSpan.FromTicks(12_345));
            t.AddStore(TimeSpan.FromTicks(4_567));
            return t;
        });
        var waited = await PauseAsync(CancellationToken.None);

        var header = timings.ToServerTimingHeader();

        Assert.That(header, Does.Match(@"^provider;dur=1\.23, store;dur=0\.46, total;dur=\d+\.\d\d$"));
        Assert.That(timings.Total, Is.GreaterThanOrEqualTo(waited));
    }

    [Test]
    public async Task TimedStore_InARequest_AddsTheWholeAsyncCallToStore()
    {
        var slow = new SlowStateStore();
        var store = TimedStore.Wrap<IOAuthStateStore>(slow);
        RequestTimings? timings = null;
        async Task RequestAsync()
        {
            timings = RequestTimings.Begin();
            Assert.That(await store.TakeAsync("hash", CancellationToken.None), Is.Null);
        }

        await RequestAsync();

        // Timing only the synchronous part (up to the store's first await) would give microseconds.
        Assert.That(slow.Waited, Is.GreaterThan(TimeSpan.FromMilliseconds(5)));
        Assert.That(timings!.Store, Is.GreaterThanOrEqualTo(slow.Waited));
        Assert.That(timings.Provider, Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public async Task TimedStore_PassesTheStoresOwnExceptionThrough()
    {
        var store = TimedStore.Wrap<IOAuthStateStore>(new SlowStateStore());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveAsync("hash", null!, CancellationToken.None));
        Assert.That(ex.Message, Is.EqualTo("the store's own failure"));
    }

    [Test]
    public async Task ProviderTimingHandler_InARequest_AddsTheCallToProvider()
    {
        var slow = new SlowProvider();
        using var invoker = new HttpMessageInvoker(new ProviderTimingHandler { InnerHandler = slow });
        RequestTimings? timings = null;
        async Task RequestAsync()
        {
            timings = RequestTimings.Begin();
            using var request = new HttpRequestMessage(HttpMethod.Post, "http://provider.invalid/oauth/token");
            using var response = await invoker.SendAsync(request, CancellationToken.None);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        await RequestAsync();

        Assert.That(slow.Waited, Is.GreaterThan(TimeSpan.FromMilliseconds(5)));
        Assert.That(timings!.Provider, Is.GreaterThanOrEqualTo(slow.Waited));
        Assert.That(timings.Store, Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public async Task ProviderTimingHandler_OutsideARequest_OnlyPassesTheCallOn()
    {
        using var invoker = new HttpMessageInvoker(new ProviderTimingHandler { InnerHandler = new SlowProvider() });
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://provider.invalid/");

        using var response = await invoker.SendAsync(request, CancellationToken.None);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    /// <summary>Waits <see cref="Pause"/> and answers how long that really took, by the clock the timings use.</summary>
    private static async Task<TimeSpan> PauseAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(Pause, cancellationToken);
        return Stopwatch.GetElapsedTime(started);
    }

    private sealed class SlowStateStore : IOAuthStateStore
    {
        /// <summary>How long the last call really waited, by the clock the timings use.</summary>
        public TimeSpan Waited { get; private set; }

        // Thrown before any task exists: the proxy must not hand back its reflection wrapper instead.
        public Task SaveAsync(string stateHash, PendingAuthorization pending, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the store's own failure");

        public async Task<PendingAuthorization?> TakeAsync(string stateHash, CancellationToken cancellationToken)
        {
            Waited = await PauseAsync(cancellationToken);
            return null;
        }
    }

    private sealed class SlowProvider : HttpMessageHandler
    {
        /// <summary>How long the last call really waited, by the clock the timings use.</summary>
        public TimeSpan Waited { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Waited = await PauseAsync(cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") };
        }
    }
}
