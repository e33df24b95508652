using Wearables.Application.Common.Exceptions;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Fhir;
using Wearables.Connections.Tests.Support;

namespace Wearables.Connections.Tests.Repositories;

/// <summary>
/// What every <see cref="IConnectionRepository"/> must do, whichever store is behind it. Each
/// subclass supplies the store; every test works in a project and patients of its own.
/// </summary>
public abstract class ConnectionRepositoryContract
{
    protected IConnectionRepository Repository { get; private set; } = null!;

    protected string Project { get; private set; } = null!;

    /// <summary>The store under test, ready to use.</summary>
    protected abstract Task<IConnectionRepository> CreateRepositoryAsync();

    /// <summary>The resource JSON the store holds for <paramref name="saved"/>, as it holds it.</summary>
    protected abstract Task<string> StoredResourceAsync(Connection saved);

    [OneTimeSetUp]
    public async Task CreateRepository() => Repository = await CreateRepositoryAsync();

    [SetUp]
    public void NewProject() => Project = NewId("proj");

    protected static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    protected static CancellationToken None => CancellationToken.None;

    [Test]
    public async Task Save_NewConnection_SetsVersion()
    {
        var connection = ConnectionVariants.Build("oauth-active", Project, NewId("pat"));
        Assert.That(connection.Version, Is.Null, "not stored yet");

        await Repository.SaveAsync(connection, None);

        Assert.That(connection.Version, Is.Not.Null.And.Not.Empty);
        var found = await Repository.FindAsync(Project, connection.PatientId, connection.Provider, None);
        Assert.That(found?.Version, Is.EqualTo(connection.Version), "the version set on save is the stored one");
    }

    [Test]
    public async Task Find_ByProjectPatientAndProvider_ReturnsOnlyThatConnection()
    {
        var patient = NewId("pat");
        var connection = ConnectionVariants.Build("oauth-active", Project, patient);
        await Repository.SaveAsync(connection, None);

        var found = await Repository.FindAsync(Project, patient, "strava", None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(found, Is.Not.Null);
            Assert.That(found?.Id, Is.EqualTo(connection.Id));
            Assert.That(await Repository.FindAsync(Project, patient, "polar", None), Is.Null, "other provider");
            Assert.That(await Repository.FindAsync(Project, NewId("pat"), "strava", None), Is.Null, "other patient");
            Assert.That(await Repository.FindAsync(NewId("proj"), patient, "strava", None), Is.Null, "other project");
        }
    }

    [Test]
    public async Task ListByPatient_ReturnsOnlyThatPatientsConnectionsOfThatProject()
    {
        var patient = NewId("pat");
        var otherProject = NewId("proj");
        var mine = new[] { "strava", "polar", "oura" };
        foreach (var provider in mine)
        {
            await SaveNewAsync(Project, patient, provider);
        }

        await SaveNewAsync(Project, NewId("pat"), "strava");        // another patient of the project
        await SaveNewAsync(otherProject, NewId("pat"), "strava");   // another project
        await SaveNewAsync(otherProject, patient, "strava");        // the same patient id in another project
        await SaveNewAsync(otherProject, patient, "whoop");

        var listed = await Repository.ListByPatientAsync(Project, patient, None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(listed.Select(c => c.Provider), Is.EquivalentTo(mine));
            Assert.That(listed.Select(c => c.ProjectId), Is.All.EqualTo(Project));
            Assert.That(listed.Select(c => c.PatientId), Is.All.EqualTo(patient));
            Assert.That(listed.Select(c => c.Version), Is.All.Not.Null, "listed connections can be updated");
        }

        var theirs = await Repository.ListByPatientAsync(otherProject, patient, None);
        Assert.That(theirs.Select(c => c.Provider), Is.EquivalentTo(new[] { "strava", "whoop" }));
        Assert.That(await Repository.ListByPatientAsync(Project, NewId("pat"), None), Is.Empty, "unknown patient");
    }

    [Test]
    public async Task ListByPatient_MoreConnectionsThanOneSearchPage_ListsThemAll()
    {
        // More than one page of the FHIR store's search; the embedded store has no pages.
        var patient = NewId("pat");
        var providers = Enumerable.Range(0, FhirConnectionRepository.PageSize + 5).Select(i => $"provider_{i:D3}").ToList();
        foreach (var provider in providers)
        {
            await SaveNewAsync(Project, patient, provider);
        }

        var listed = await Repository.ListByPatientAsync(Project, patient, None);
        var summaries = await Repository.ListSummariesByPatientAsync(Project, patient, None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(listed.Select(c => c.Provider), Is.EqualTo(providers), "every connection, once, ordered by provider");
            Assert.That(summaries.Select(c => c.Provider), Is.EqualTo(providers), "every summary, once, ordered by provider");
        }
    }

    [TestCaseSource(typeof(ConnectionVariants), nameof(ConnectionVariants.All))]
    public async Task Save_ThenListSummaries_ShowsEveryListedField(string variant)
    {
        var connection = ConnectionVariants.Build(variant, Project, NewId("pat"));
        await Repository.SaveAsync(connection, None);

        var listed = await Repository.ListSummariesByPatientAsync(Project, connection.PatientId, None);
        Assert.That(listed, Is.EqualTo(new[] { ConnectionSummary.Of(connection) }));
    }

    [Test]
    public async Task ListSummaries_ShowWhatListByPatientLists_InTheSameOrder_OnlyForThatPatientAndProject()
    {
        var patient = NewId("pat");
        var otherProject = NewId("proj");
        await SaveNewAsync(Project, patient, "strava");
        var revoked = await SaveNewAsync(Project, patient, "polar");
        revoked = ConnectionStates.Revoked(revoked, ConnectionVariants.T0.AddDays(1));
        await Repository.SaveAsync(revoked, None);
        var linked = Connection.Create(Project, patient, "oura", ConnectionSource.Junction, ConnectionVariants.T0);
        linked.LinkThroughJunction("junction-user-1", LinkStatus.Error, "https://api.tryvital.io/", ConnectionVariants.T0.AddMinutes(1));
        await Repository.SaveAsync(linked, None);
        await SaveNewAsync(Project, NewId("pat"), "strava");     // another patient of the project
        await SaveNewAsync(otherProject, patient, "whoop");      // the same patient id in another project

        var full = await Repository.ListByPatientAsync(Project, patient, None);
        var summaries = await Repository.ListSummariesByPatientAsync(Project, patient, None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(summaries.Select(c => c.Provider), Is.EqualTo(new[] { "oura", "polar", "strava" }), "ordered by provider");
            Assert.That(summaries, Is.EqualTo(full.Select(ConnectionSummary.Of)));
            Assert.That((await Repository.ListSummariesByPatientAsync(otherProject, patient, None)).Select(c => c.Provider), Is.EqualTo(new[] { "whoop" }));
            Assert.That(await Repository.ListSummariesByPatientAsync(Project, NewId("pat"), None), Is.Empty, "unknown patient");
        }
    }

    [Test]
    public async Task ListSummaries_AfterUpdates_ShowTheStoredValues()
    {
        var patient = NewId("pat");
        await SaveNewAsync(Project, patient, "strava");
        var loaded = (await Repository.FindAsync(Project, patient, "strava", None))!;
        loaded = ConnectionStates.Synced(loaded, ConnectionVariants.T0.AddDays(10));
        await Repository.SaveAsync(loaded, None);
        loaded = ConnectionStates.Expired(loaded, ConnectionVariants.T0.AddDays(11));
        await Repository.SaveAsync(loaded, None);

        var summary = (await Repository.ListSummariesByPatientAsync(Project, patient, None)).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(summary, Is.EqualTo(ConnectionSummary.Of(loaded)));
            Assert.That(summary.Status, Is.EqualTo(ConnectionStatus.Expired));
            Assert.That(summary.LastSyncedAt, Is.EqualTo(ConnectionVariants.T0.AddDays(10)));
            Assert.That(summary.UpdatedAt, Is.EqualTo(ConnectionVariants.T0.AddDays(11)));
        }
    }

    [Test]
    public async Task Save_WithCurrentVersion_UpdatesAndBumpsVersion()
    {
        var patient = NewId("pat");
        var created = await SaveNewAsync(Project, patient, "strava");
        var firstVersion = created.Version;

        var loaded = ConnectionStates.Synced((await Repository.FindAsync(Project, patient, "strava", None))!, ConnectionVariants.T0.AddDays(10));
        await Repository.SaveAsync(loaded, None);

        var reloaded = (await Repository.FindAsync(Project, patient, "strava", None))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(loaded.Version, Is.Not.Null.And.Not.EqualTo(firstVersion), "version bumped on the saved object");
            Assert.That(reloaded.Version, Is.EqualTo(loaded.Version), "stored version is the new one");
            Assert.That(reloaded.LastSyncedAt, Is.EqualTo(ConnectionVariants.T0.AddDays(10)), "the change was stored");
        }

        // And again with the version the last save returned.
        await Repository.SaveAsync(ConnectionStates.Revoked(reloaded, ConnectionVariants.T0.AddDays(11)), None);
        Assert.That((await Repository.FindAsync(Project, patient, "strava", None))!.Status, Is.EqualTo(ConnectionStatus.Revoked));
    }

    [Test]
    public async Task Save_WithStaleVersion_ThrowsConflictAndKeepsTheWinner()
    {
        var patient = NewId("pat");
        await SaveNewAsync(Project, patient, "strava");
        var first = (await Repository.FindAsync(Project, patient, "strava", None))!;
        var second = (await Repository.FindAsync(Project, patient, "strava", None))!;

        first = ConnectionStates.Revoked(first, ConnectionVariants.T0.AddDays(1));
        await Repository.SaveAsync(first, None);
        second = ConnectionStates.Expired(second, ConnectionVariants.T0.AddDays(2));

        await Assert.ThrowsAsync<ConflictException>(() => Repository.SaveAsync(second, None));
        Assert.That((await Repository.FindAsync(Project, patient, "strava", None))!.Status, Is.EqualTo(ConnectionStatus.Revoked), "the stale write changed nothing");
    }

    [Test]
    public async Task Save_RefreshedPairFromAStaleCopy_CannotReplaceTheNewerPair()
    {
        // Two refreshers loaded the same version; the first stored its pair, the second's is older news.
        var patient = NewId("pat");
        await SaveNewAsync(Project, patient, "strava");
        var first = (await Repository.FindAsync(Project, patient, "strava", None))!;
        var stale = (await Repository.FindAsync(Project, patient, "strava", None))!;
        var newer = new OAuthGrant(ServiceFixture.DummyEnvelope(), ServiceFixture.DummyEnvelope(), ConnectionVariants.T0.AddHours(12), null, null, null);
        var older = new OAuthGrant(ServiceFixture.DummyEnvelope(), ServiceFixture.DummyEnvelope(), ConnectionVariants.T0.AddHours(11), null, null, null);

        first.Refreshed(newer, ConnectionVariants.T0.AddHours(6));
        await Repository.SaveAsync(first, None);
        stale.Refreshed(older, ConnectionVariants.T0.AddHours(5));

        await Assert.ThrowsAsync<ConflictException>(() => Repository.SaveAsync(stale, None));
        var stored = (await Repository.FindAsync(Project, patient, "strava", None))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored.AccessTokenEnvelope, Is.EqualTo(newer.AccessTokenEnvelope));
            Assert.That(stored.RefreshTokenEnvelope, Is.EqualTo(newer.RefreshTokenEnvelope), "the newer refresh token is kept");
            Assert.That(stored.TokenExpiresAt, Is.EqualTo(newer.ExpiresAt));
            Assert.That(stored.Version, Is.EqualTo(first.Version));
        }
    }

    [Test]
    public async Task Save_MarkExpired_IsStoredAsExpiredWithoutTokens()
    {
        var patient = NewId("pat");
        await SaveNewAsync(Project, patient, "strava");
        var found = (await Repository.FindAsync(Project, patient, "strava", None))!;

        found.MarkExpired(ConnectionVariants.T0.AddDays(1));
        await Repository.SaveAsync(found, None);

        var stored = (await Repository.FindAsync(Project, patient, "strava", None))!;
        var listed = (await Repository.ListSummariesByPatientAsync(Project, patient, None)).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored.Status, Is.EqualTo(ConnectionStatus.Expired));
            Assert.That(listed.Status, Is.EqualTo(ConnectionStatus.Expired));
            Assert.That(stored.AccessTokenEnvelope, Is.Null);
            Assert.That(stored.RefreshTokenEnvelope, Is.Null);
        }
    }

    [Test]
    public async Task Save_NewConnectionWhenOneIsAlreadyStored_ThrowsConflict()
    {
        // A second "new" object for the same key has no version: it must not silently overwrite.
        var patient = NewId("pat");
        var stored = await SaveNewAsync(Project, patient, "strava");
        var duplicate = ConnectionVariants.Build("oauth-expired", Project, patient);

        await Assert.ThrowsAsync<ConflictException>(() => Repository.SaveAsync(duplicate, None));
        var found = (await Repository.FindAsync(Project, patient, "strava", None))!;
        Assert.That(found.AccessTokenEnvelope, Is.EqualTo(stored.AccessTokenEnvelope), "the first record is intact");
    }

    [Test]
    public async Task Save_ConcurrentCreatesOfTheSameKey_AtMostOneSucceedsAndNeverTwoRecords()
    {
        var patient = NewId("pat");
        var candidates = Enumerable.Range(0, 8).Select(_ => ConnectionVariants.Build("oauth-active", Project, patient)).ToArray();

        var outcomes = await Task.WhenAll(candidates.Select(async c =>
        {
            await Task.Yield();
            try
            {
                await Repository.SaveAsync(c, None);
                return "saved";
            }
            catch (ConflictException)
            {
                return "conflict";
            }
        }));

        var listed = await Repository.ListByPatientAsync(Project, patient, None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(listed, Has.Count.EqualTo(1), "never two records for one project + patient + provider");
            Assert.That(outcomes.Count(o => o == "saved"), Is.EqualTo(1), "exactly one create wins; the others get a conflict: " + string.Join(",", outcomes));
        }

        var winner = candidates[Array.IndexOf(outcomes, "saved")];
        Assert.That(listed[0].AccessTokenEnvelope, Is.EqualTo(winner.AccessTokenEnvelope), "the stored record is the winner's");
    }

    [TestCaseSource(typeof(ConnectionVariants), nameof(ConnectionVariants.All))]
    public async Task Save_ThenFind_RoundTripsEveryField(string variant)
    {
        var connection = ConnectionVariants.Build(variant, Project, NewId("pat"));
        await Repository.SaveAsync(connection, None);

        var found = await Repository.FindAsync(Project, connection.PatientId, connection.Provider, None);
        Assert.That(found, Is.Not.Null);
        ConnectionVariants.AssertSameFields(found!, connection);
        Assert.That(found!.Version, Is.EqualTo(connection.Version));
    }

    [TestCaseSource(typeof(ConnectionVariants), nameof(ConnectionVariants.All))]
    public async Task Save_ThenList_RoundTripsEveryField(string variant)
    {
        var connection = ConnectionVariants.Build(variant, Project, NewId("pat"));
        await Repository.SaveAsync(connection, None);

        var listed = await Repository.ListByPatientAsync(Project, connection.PatientId, None);
        Assert.That(listed, Has.Count.EqualTo(1));
        ConnectionVariants.AssertSameFields(listed[0], connection);
    }

    [Test]
    public async Task Save_UpdateFromOAuthToJunctionAndBack_RoundTripsEveryField()
    {
        var patient = NewId("pat");
        var connection = Connection.Create(Project, patient, "garmin", ConnectionSource.OAuth, ConnectionVariants.T0);
        connection.Authorize(new OAuthGrant("wv1.k1.A", "wv1.k1.R", ConnectionVariants.T0.AddHours(1), "ACTIVITY_EXPORT", "g-1", "garmin_user"), "https://apis.garmin.com", ConnectionVariants.T0);
        await Repository.SaveAsync(connection, None);
        await AssertStoredEndpointIsValidAsync(connection);

        var loaded = (await Repository.FindAsync(Project, patient, "garmin", None))!;
        loaded.LinkThroughJunction("junction-user-1", LinkStatus.Pending, "https://api.tryvital.io/", ConnectionVariants.T0.AddDays(1));
        await Repository.SaveAsync(loaded, None);
        await AssertStoredEndpointIsValidAsync(loaded);
        var junction = (await Repository.FindAsync(Project, patient, "garmin", None))!;
        using (Assert.EnterMultipleScope())
        {
            ConnectionVariants.AssertSameFields(junction, loaded);
            Assert.That(junction.AccessTokenEnvelope, Is.Null, "a Junction link keeps no tokens");
            Assert.That(junction.RefreshTokenEnvelope, Is.Null);
        }

        junction.Authorize(new OAuthGrant("wv1.k1.B", null, null, null, null, null), "https://apis.garmin.com", ConnectionVariants.T0.AddDays(2));
        await Repository.SaveAsync(junction, None);
        await AssertStoredEndpointIsValidAsync(junction);
        ConnectionVariants.AssertSameFields((await Repository.FindAsync(Project, patient, "garmin", None))!, junction);
    }

    [TestCaseSource(typeof(ConnectionVariants), nameof(ConnectionVariants.All))]
    public async Task Save_StoresAnEndpointTheFirelyValidatorAccepts(string variant)
    {
        var connection = ConnectionVariants.Build(variant, Project, NewId("pat"));
        await Repository.SaveAsync(connection, None);

        await AssertStoredEndpointIsValidAsync(connection);
    }

    [Test]
    public async Task Save_TimesFinerThanAMillisecondAndEmptyTexts_ReadBackAsSaved_AndListAsListByPatient()
    {
        // Clocks give ticks; a provider may answer an empty scope or username. The list columns of
        // the embedded store are taken from the connection, the full reads from its resource: they
        // must agree.
        var patient = NewId("pat");
        var at = ConnectionVariants.T0.AddTicks(1_234);
        var connection = Connection.Create(Project, patient, "strava", ConnectionSource.OAuth, at);
        connection.Authorize(new OAuthGrant("wv1.k1.A", null, at.AddHours(6).AddTicks(1), string.Empty, string.Empty, string.Empty), "https://www.strava.com/api/v3", at.AddTicks(5_678));
        connection = ConnectionStates.Synced(connection, at.AddDays(1).AddTicks(4_321));
        await Repository.SaveAsync(connection, None);

        var found = (await Repository.FindAsync(Project, patient, "strava", None))!;
        var full = await Repository.ListByPatientAsync(Project, patient, None);
        var summaries = await Repository.ListSummariesByPatientAsync(Project, patient, None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(found.LastSyncedAt, Is.EqualTo(connection.LastSyncedAt), "every tick kept");
            Assert.That(found.TokenExpiresAt, Is.EqualTo(connection.TokenExpiresAt), "every tick kept");
            Assert.That(found.ConnectedAt, Is.EqualTo(connection.ConnectedAt), "every tick kept");
            Assert.That(found.Scope, Is.Null, "an empty text is stored as none");
            Assert.That(summaries, Is.EqualTo(full.Select(ConnectionSummary.Of)));
        }
    }

    /// <summary>The stored resource is valid R4 for the Firely validator too (the FHIR engine checked it on write).</summary>
    private async Task AssertStoredEndpointIsValidAsync(Connection saved)
    {
        var stored = await StoredResourceAsync(saved);
        Assert.That(FirelyValidator.Errors(stored), Is.Empty, stored);
    }

    private async Task<Connection> SaveNewAsync(string projectId, string patientId, string provider)
    {
        var connection = Connection.Create(projectId, patientId, provider, ConnectionSource.OAuth, ConnectionVariants.T0);
        connection.Authorize(new OAuthGrant("wv1.k1.A" + Guid.NewGuid().ToString("N"), null, null, "read", "u-" + provider, null), "https://example.test/" + provider, ConnectionVariants.T0);
        await Repository.SaveAsync(connection, None);
        return connection;
    }
}
