using Microsoft.Extensions.DependencyInjection;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Connections;
using Wearables.Application.Connections.Tokens;
using Wearables.Domain.Connections;

namespace Wearables.Application.Tests.Connections;

/// <summary>The token path's shared reads: two reads per burst, and never an answer from a read begun before its caller asked.</summary>
public sealed class SharedConnectionReadsTests
{
    private const string Project = "proj-1";
    private const string Patient = "pat-1";
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task AStormOfCallers_CostsTwoReads_AndEveryCallerGetsTheConnection()
    {
        var (store, reads) = Build();
        var first = reads.FindAsync(store, Project, Patient, "strava", CancellationToken.None);
        var followers = Enumerable.Range(0, 200).Select(_ => reads.FindAsync(store, Project, Patient, "strava", CancellationToken.None)).ToArray();
        Assert.That(store.Started, Is.EqualTo(1), "the followers wait for the read after the one in flight");

        store.Release(2);
        var all = await Task.WhenAll(followers.Prepend(first));

        Assert.That(all, Has.All.Not.Null);
        Assert.That(store.Started, Is.EqualTo(2));
        Assert.That(reads.InFlight, Is.Zero);
    }

    [Test]
    public async Task ACallerArrivingAfterAWrite_WhileAnOlderReadIsInFlight_SeesTheWrite()
    {
        var (store, reads) = Build();
        var before = reads.FindAsync(store, Project, Patient, "strava", CancellationToken.None);
        store.Revoke(); // stored while the first read (begun earlier) is still in flight
        var after = reads.FindAsync(store, Project, Patient, "strava", CancellationToken.None);

        store.Release(2);
        Assert.That((await before)!.Status, Is.EqualTo(ConnectionStatus.Active), "the read begun before the revoke");
        Assert.That((await after)!.Status, Is.EqualTo(ConnectionStatus.Revoked), "a read begun after its caller asked");
    }

    [Test]
    public async Task AFailedSharedRead_IsEveryWaitersAnswer_AndTheNextCallerReadsAgain()
    {
        var (store, reads) = Build();
        var first = reads.FindAsync(store, Project, Patient, "strava", CancellationToken.None);
        var waiters = Enumerable.Range(0, 5).Select(_ => reads.FindAsync(store, Project, Patient, "strava", CancellationToken.None)).ToArray();
        store.Release(1);
        Assert.That(await first, Is.Not.Null);
        store.FailNext = true;
        store.Release(1);
        foreach (var waiter in waiters)
        {
            Assert.That(async () => await waiter, Throws.InstanceOf<DependencyUnavailableException>());
        }

        store.Release(1);
        Assert.That(await reads.FindAsync(store, Project, Patient, "strava", CancellationToken.None), Is.Not.Null);
        Assert.That(reads.InFlight, Is.Zero);
    }

    [Test]
    public async Task AWaiterThatGivesUp_DoesNotEndTheSharedRead()
    {
        var (store, reads) = Build();
        var first = reads.FindAsync(store, Project, Patient, "strava", CancellationToken.None);
        using var giveUp = new CancellationTokenSource();
        var leaving = reads.FindAsync(store, Project, Patient, "strava", giveUp.Token);
        var staying = reads.FindAsync(store, Project, Patient, "strava", CancellationToken.None);
        await giveUp.CancelAsync();
        Assert.That(async () => await leaving, Throws.InstanceOf<OperationCanceledException>());

        store.Release(2);
        Assert.That(await staying, Is.Not.Null);
        Assert.That(await first, Is.Not.Null);
    }

    [Test]
    public async Task OtherConnections_AreReadOnTheirOwn()
    {
        var (store, reads) = Build();
        var strava = reads.FindAsync(store, Project, Patient, "strava", CancellationToken.None);
        var polar = reads.FindAsync(store, Project, Patient, "polar", CancellationToken.None);
        Assert.That(store.Started, Is.EqualTo(2));
        store.Release(2);
        await Task.WhenAll(strava, polar);
        Assert.That(reads.InFlight, Is.Zero);
    }

    /// <summary>
    /// After a read that completed at once (the embedded store), callers read on their own instead of waiting for a
    /// read in flight; the first read that does not complete at once brings the sharing back.
    /// </summary>
    [Test]
    public async Task AfterAReadThatCompletedAtOnce_CallersReadOnTheirOwn_UntilAReadDoesNot()
    {
        var (store, reads) = Build();
        store.Instant = true;
        for (var i = 0; i < 3; i++)
        {
            var task = reads.FindAsync(store, Project, Patient, "strava", CancellationToken.None);
            Assert.That(task.IsCompletedSuccessfully, Is.True, "no wait, no hop");
            Assert.That(await task, Is.Not.Null);
        }

        Assert.That(store.Started, Is.EqualTo(3));
        Assert.That(reads.InFlight, Is.Zero, "no gate for reads that complete at once");

        // The store slows down: the caller that finds it so reads on its own, the next still does (no read is shared
        // yet), and from then on callers wait for the next shared read again.
        store.Instant = false;
        var slow = reads.FindAsync(store, Project, Patient, "strava", CancellationToken.None);
        var next = reads.FindAsync(store, Project, Patient, "strava", CancellationToken.None);
        Assert.That(store.Started, Is.EqualTo(5), "each read on its own");
        var followers = Enumerable.Range(0, 50).Select(_ => reads.FindAsync(store, Project, Patient, "strava", CancellationToken.None)).ToArray();
        Assert.That(store.Started, Is.EqualTo(5), "the followers wait for the read after the one in flight");
        Assert.That(reads.InFlight, Is.EqualTo(1), "one gate, the one the second caller's read opened");

        store.Release(3);
        var all = await Task.WhenAll(followers.Prepend(next).Prepend(slow));
        Assert.That(all, Has.All.Not.Null);
        Assert.That(store.Started, Is.EqualTo(6));
        Assert.That(reads.InFlight, Is.Zero);
    }

    private static (GatedStore Store, SharedConnectionReads Reads) Build()
    {
        var store = new GatedStore();
        var services = new ServiceCollection().AddSingleton<IConnectionRepository>(store).BuildServiceProvider();
        return (store, new SharedConnectionReads(services.GetRequiredService<IServiceScopeFactory>()));
    }

    /// <summary>A store whose reads see what is stored when they begin and end when the test releases them.</summary>
    private sealed class GatedStore : IConnectionRepository
    {
        private readonly SemaphoreSlim released = new(0);
        private int started;
        private bool revoked;

        public int Started => Volatile.Read(ref started);

        public bool FailNext { get; set; }

        /// <summary>Reads complete at once (as the embedded store's do) instead of when released.</summary>
        public bool Instant { get; set; }

        public void Release(int reads) => released.Release(reads);

        public void Revoke() => revoked = true;

        public async Task<Connection?> FindAsync(string projectId, string patientId, string provider, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref started);
            var connection = Connection.Create(projectId, patientId, provider, ConnectionSource.OAuth, T0);
            connection.Authorize(new OAuthGrant("wv1.k1.A", "wv1.k1.R", T0.AddHours(6), "read", "1", null), "https://www.strava.com/api/v3", T0);
            if (revoked)
            {
                connection.Revoke(T0);
            }

            if (!Instant)
            {
                await released.WaitAsync(CancellationToken.None);
            }

            if (FailNext)
            {
                FailNext = false;
                throw new DependencyUnavailableException("store_unavailable", "down");
            }

            return connection;
        }

        public Task<IReadOnlyList<Connection>> ListByPatientAsync(string projectId, string patientId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<ConnectionSummary>> ListSummariesByPatientAsync(string projectId, string patientId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<Connection>> FindByProviderUserAsync(string projectId, string provider, string providerUserId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task SaveAsync(Connection connection, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
