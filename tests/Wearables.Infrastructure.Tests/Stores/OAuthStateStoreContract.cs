using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Connections;
using Wearables.Infrastructure.Redis;
using Wearables.Infrastructure.Sqlite;

namespace Wearables.Infrastructure.Tests.Stores;

/// <summary>What every <see cref="IOAuthStateStore"/> adapter must do: a state is taken at most once.</summary>
public abstract class OAuthStateStoreContract
{
    private static readonly TimeSpan Ttl = OAuthState.TimeToLive;

    /// <summary>The bound the fixtures give their store: three flows per patient and provider, five per project.</summary>
    protected static readonly OAuthStateLimits Limits = new(PendingFlowsPerPatient: 3, PendingStatesPerProject: 5);

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero));

    protected IOAuthStateStore Store { get; set; } = null!;

    [Test]
    public async Task Save_ThenTake_ReturnsThePendingAuthorization()
    {
        var hash = NewStateHash();
        var pending = NewPending();

        await Store.SaveAsync(hash, pending, CancellationToken.None);

        Assert.That(await Store.TakeAsync(hash, CancellationToken.None), Is.EqualTo(pending));
    }

    [Test]
    public async Task Take_OfUnknownState_ReturnsNull()
    {
        Assert.That(await Store.TakeAsync(NewStateHash(), CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task Take_Twice_ReturnsNullTheSecondTime()
    {
        var hash = NewStateHash();
        await Store.SaveAsync(hash, NewPending(), CancellationToken.None);

        var first = await Store.TakeAsync(hash, CancellationToken.None);
        var second = await Store.TakeAsync(hash, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.Not.Null);
            Assert.That(second, Is.Null);
        }
    }

    [Test]
    public async Task Take_OfOneState_LeavesOtherStatesAlone()
    {
        var a = NewStateHash();
        var b = NewStateHash();
        var pendingB = NewPending("patient-b");
        await Store.SaveAsync(a, NewPending("patient-a"), CancellationToken.None);
        await Store.SaveAsync(b, pendingB, CancellationToken.None);

        await Store.TakeAsync(a, CancellationToken.None);

        Assert.That(await Store.TakeAsync(b, CancellationToken.None), Is.EqualTo(pendingB));
    }

    [Test]
    public async Task Take_JustBeforeExpiry_ReturnsTheState()
    {
        var hash = NewStateHash();
        await Store.SaveAsync(hash, NewPending(), CancellationToken.None);

        Time.Advance(Ttl - TimeSpan.FromSeconds(1));

        Assert.That(await Store.TakeAsync(hash, CancellationToken.None), Is.Not.Null);
    }

    [Test]
    public async Task Take_AtTheExpiryInstant_ReturnsNull()
    {
        var hash = NewStateHash();
        await Store.SaveAsync(hash, NewPending(), CancellationToken.None);

        Time.Advance(Ttl);

        Assert.That(await Store.TakeAsync(hash, CancellationToken.None), Is.Null, "a flow lives until its expiry, not at it");
    }

    [Test]
    public async Task Save_OfAFlowAtItsExpiryInstant_IsAccepted_AndKeepsNothingTakeable()
    {
        var hash = NewStateHash();
        var pending = NewPending();
        Time.Advance(Ttl);

        await Store.SaveAsync(hash, pending, CancellationToken.None);

        Assert.That(await Store.TakeAsync(hash, CancellationToken.None), Is.Null);
    }

    [Test]
    public void Save_OfNoFlow_IsAnArgumentError()
    {
        Assert.That(() => Store.SaveAsync(NewStateHash(), null!, CancellationToken.None), Throws.ArgumentNullException);
    }

    [Test]
    public async Task Take_AfterTheTimeToLive_ReturnsNull()
    {
        var hash = NewStateHash();
        await Store.SaveAsync(hash, NewPending(), CancellationToken.None);

        Time.Advance(Ttl + TimeSpan.FromSeconds(1));

        Assert.That(await Store.TakeAsync(hash, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task Take_ByFiftyConcurrentCallers_GivesTheStateToExactlyOne()
    {
        for (var round = 0; round < 5; round++)
        {
            var hash = NewStateHash();
            await Store.SaveAsync(hash, NewPending(), CancellationToken.None);
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var takers = Enumerable.Range(0, 50)
                .Select(_ => Task.Run(async () =>
                {
                    await start.Task;
                    return await Store.TakeAsync(hash, CancellationToken.None);
                }))
                .ToArray();

            start.SetResult();
            var results = await Task.WhenAll(takers);

            Assert.That(results.Count(r => r is not null), Is.EqualTo(1), $"round {round}");
        }
    }

    [Test]
    public async Task Save_OfAFourthFlowOfAPatientAndProvider_DropsTheOldest()
    {
        var project = Ids.Project();
        var hashes = Enumerable.Range(0, 4).Select(_ => NewStateHash()).ToArray();
        foreach (var hash in hashes)
        {
            await Store.SaveAsync(hash, NewPending("patient-1", project), CancellationToken.None);
            Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Store.TakeAsync(hashes[0], CancellationToken.None), Is.Null, "the oldest is dropped");
            Assert.That(await Store.TakeAsync(hashes[1], CancellationToken.None), Is.Not.Null);
            Assert.That(await Store.TakeAsync(hashes[2], CancellationToken.None), Is.Not.Null);
            Assert.That(await Store.TakeAsync(hashes[3], CancellationToken.None), Is.Not.Null);
        }
    }

    [Test]
    public async Task Save_OfFlowsBegunInTheSameInstant_DropsTheOneSavedFirst()
    {
        var project = Ids.Project();
        var hashes = Enumerable.Range(0, 5).Select(_ => NewStateHash()).ToArray();
        foreach (var hash in hashes)
        {
            await Store.SaveAsync(hash, NewPending("patient-1", project), CancellationToken.None);
        }

        var taken = new List<bool>();
        foreach (var hash in hashes)
        {
            taken.Add(await Store.TakeAsync(hash, CancellationToken.None) is not null);
        }

        Assert.That(taken, Is.EqualTo(new[] { false, false, true, true, true }));
    }

    [Test]
    public async Task Save_OfMoreFlows_LeavesOtherPatientsAndProvidersAlone()
    {
        var project = Ids.Project();
        var other = NewStateHash();
        var otherProvider = NewStateHash();
        await Store.SaveAsync(other, NewPending("patient-2", project), CancellationToken.None);
        await Store.SaveAsync(otherProvider, NewPending("patient-1", project) with { Provider = "polar" }, CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            await Store.SaveAsync(NewStateHash(), NewPending("patient-1", project), CancellationToken.None);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Store.TakeAsync(other, CancellationToken.None), Is.Not.Null);
            Assert.That(await Store.TakeAsync(otherProvider, CancellationToken.None), Is.Not.Null);
        }
    }

    [Test]
    public async Task Save_BeyondTheProjectsCeiling_IsRefused_AndChangesNothing()
    {
        var project = Ids.Project();
        var hashes = Enumerable.Range(0, Limits.PendingStatesPerProject).Select(_ => NewStateHash()).ToArray();
        for (var i = 0; i < hashes.Length; i++)
        {
            await Store.SaveAsync(hashes[i], NewPending($"patient-{i}", project), CancellationToken.None);
        }

        var refused = NewStateHash();
        var thrown = await Assert.ThrowsAsync<TooManyRequestsException>(() => Store.SaveAsync(refused, NewPending("patient-0", project), CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(thrown!.Error, Is.EqualTo("pending_flows_exhausted"));
            Assert.That(thrown.RetryAfter, Is.EqualTo(Ttl), "until the earliest pending flow expires: all were saved at this instant");
            Assert.That(await Store.TakeAsync(refused, CancellationToken.None), Is.Null, "the refused flow is not stored");
            Assert.That(await Store.TakeAsync(hashes[0], CancellationToken.None), Is.Not.Null, "and patient-0's flow not dropped for it");
        }

        // Taking one made room; another project never had a ceiling problem.
        await Store.SaveAsync(refused, NewPending("patient-0", project), CancellationToken.None);
        await Store.SaveAsync(NewStateHash(), NewPending("patient-0"), CancellationToken.None);
        Assert.That(await Store.TakeAsync(refused, CancellationToken.None), Is.Not.Null);
    }

    [Test]
    public async Task Save_AfterTheProjectsFlowsExpired_IsAccepted()
    {
        var project = Ids.Project();
        for (var i = 0; i < Limits.PendingStatesPerProject; i++)
        {
            await Store.SaveAsync(NewStateHash(), NewPending($"patient-{i}", project), CancellationToken.None);
        }

        Time.Advance(Ttl + TimeSpan.FromSeconds(1));
        var hash = NewStateHash();
        await Store.SaveAsync(hash, NewPending("patient-0", project), CancellationToken.None);

        Assert.That(await Store.TakeAsync(hash, CancellationToken.None), Is.Not.Null);
    }

    [Test]
    public async Task CountPending_CountsSavedFlows_NotTakenOrExpiredOnes()
    {
        var census = (Infrastructure.Diagnostics.IPendingStateCensus)Store;
        var before = await census.CountPendingAsync(long.MaxValue, CancellationToken.None);
        var project = Ids.Project();
        var hashes = new[] { NewStateHash(), NewStateHash(), NewStateHash() };
        for (var i = 0; i < hashes.Length; i++)
        {
            await Store.SaveAsync(hashes[i], NewPending($"patient-{i}", project), CancellationToken.None);
        }

        var saved = await census.CountPendingAsync(long.MaxValue, CancellationToken.None);
        await Store.TakeAsync(hashes[0], CancellationToken.None);
        var taken = await census.CountPendingAsync(long.MaxValue, CancellationToken.None);
        var bounded = await census.CountPendingAsync(1, CancellationToken.None);
        Time.Advance(Ttl + TimeSpan.FromSeconds(1));
        var expired = await census.CountPendingAsync(long.MaxValue, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(saved - before, Is.EqualTo(3));
            Assert.That(taken - before, Is.EqualTo(2));
            Assert.That(bounded, Is.EqualTo(1), "never more than asked for");
            Assert.That(expired, Is.Zero, "everything saved before the advance has expired");
        }
    }

    private static string NewStateHash() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    protected PendingAuthorization NewPending(string patientId = "patient-1", string? projectId = null)
    {
        var now = Time.GetUtcNow();
        return new PendingAuthorization(
            projectId ?? Ids.Project(), "strava", patientId, "https://my.dashboard/done", "https://api.example/v1/wearables/strava/callback",
            "wv1.k1.sealed-pkce-verifier-" + Guid.NewGuid().ToString("N"), now);
    }
}

[TestFixture]
public sealed class SqliteOAuthStateStoreTests : OAuthStateStoreContract
{
    private SqliteBackend backend = null!;
    private SqliteOAuthStateStore store = null!;

    [OneTimeSetUp]
    public void CreateStore()
    {
        backend = new SqliteBackend();
        store = new SqliteOAuthStateStore(backend.Database, Time, Limits);
        Store = store;
    }

    [OneTimeTearDown]
    public void DeleteStore() => backend.Dispose();

    [Test]
    public async Task RemoveExpired_DeletesTheExpiredRows_AndKeepsTheLiveOnes()
    {
        var project = Ids.Project();
        for (var i = 0; i < 3; i++)
        {
            await Store.SaveAsync(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), NewPending($"patient-{i}", project), CancellationToken.None);
        }

        Time.Advance(OAuthState.TimeToLive + TimeSpan.FromSeconds(1));
        var live = Ids.Project();
        await Store.SaveAsync(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), NewPending("patient-0", live), CancellationToken.None);
        Time.Advance(TimeSpan.FromSeconds(1));
        await store.RemoveExpiredAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await RowsOfAsync(project), Is.Zero, "expired rows are gone from the file");
            Assert.That(await RowsOfAsync(live), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task StoredCount_FollowsSavesDropsTakesAndSweeps()
    {
        var project = Ids.Project();
        var hashes = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            // Five flows of one patient: the bound of three drops the two oldest.
            var hash = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            hashes.Add(hash);
            await Store.SaveAsync(hash, NewPending("patient-0", project), CancellationToken.None);
        }

        await Store.TakeAsync(hashes[^1], CancellationToken.None);
        await Store.SaveAsync(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), NewPending("patient-1", project), CancellationToken.None);
        var afterWrites = (await RowsOfAsync(project), await StoredCountOfAsync(project));
        Time.Advance(OAuthState.TimeToLive + TimeSpan.FromSeconds(1));
        await store.RemoveExpiredAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(afterWrites, Is.EqualTo((3L, 3L)), "two left after the drop and the take, one more patient");
            Assert.That(await StoredCountOfAsync(project), Is.Zero, "the sweep counted down too");
        }
    }

    [Test]
    public async Task Save_ReadsTheFlowThroughItsOwnIndex_NotEveryLiveStateOfTheProject()
    {
        // Live flows of several patients in one project (below its ceiling of 5): without statistics the planner
        // chooses the same way at 4 rows as at 6,000, and it once chose the (project, expiry) index.
        var project = Ids.Project();
        for (var i = 0; i < 4; i++)
        {
            await Store.SaveAsync(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), NewPending($"patient-{i}", project), CancellationToken.None);
        }

        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={backend.FilePath}");
        await connection.OpenAsync();
        foreach (var statement in new[] { SqliteOAuthStateStore.CountSql }.Concat(SqliteOAuthStateStore.WriteSql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "EXPLAIN QUERY PLAN " + statement;
            foreach (var name in new[] { "$p", "$f", "$now", "$drop", "$h", "$payload", "$exp" })
            {
                command.Parameters.AddWithValue(name, name == "$drop" || name == "$now" || name == "$exp" ? 1L : project);
            }

            var plan = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    plan.Add(reader.GetString(3));
                }
            }

            var searches = plan.Where(step => step.Contains("oauth_states ", StringComparison.Ordinal) && !step.Contains("PRIMARY KEY", StringComparison.Ordinal)).ToList();
            Assert.That(searches, Is.Not.Empty.And.All.Contains("oauth_states_flow"), statement + "\n" + string.Join("\n", plan));
        }
    }

    private Task<long> StoredCountOfAsync(string projectId) =>
        ScalarOfAsync("SELECT coalesce((SELECT states FROM oauth_state_counts WHERE project_id = $p), 0)", projectId);

    private Task<long> RowsOfAsync(string projectId) => ScalarOfAsync("SELECT count(*) FROM oauth_states WHERE project_id = $p", projectId);

    private async Task<long> ScalarOfAsync(string sql, string projectId)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={backend.FilePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$p", projectId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

[TestFixture]
public sealed class RedisOAuthStateStoreTests : OAuthStateStoreContract
{
    private RedisConnection redis = null!;

    [OneTimeSetUp]
    public async Task CreateStore()
    {
        redis = await RedisBackend.ConnectAsync();
        Store = new RedisOAuthStateStore(redis, Time, Limits);
    }

    [OneTimeTearDown]
    public void CloseStore() => redis.Dispose();
}
