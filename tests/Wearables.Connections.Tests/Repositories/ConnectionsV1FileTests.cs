using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Connections.Tests.Support;
using Wearables.Infrastructure.Sqlite;

namespace Wearables.Connections.Tests.Repositories;

/// <summary>
/// An embedded database written by an earlier build still reads, row for row.
/// <c>Fixtures/connections-v1.db</c> was made once by <c>Fixtures/make-connections-v1.cs</c> (a
/// file-based program, its header says how) with the code of commit 84256a7: the hand-written
/// Endpoint model, schema <c>user_version</c> 1, list columns filled. It is never rewritten; each
/// test opens a copy with today's code and compares what it reads with what that build was given.
/// </summary>
[TestFixture]
public sealed class ConnectionsV1FileTests
{
    private const string Project = "proj-fixture-v1";
    private const string OtherProject = "proj-fixture-other";
    private static readonly DateTimeOffset T0 = new(2024, 1, 10, 8, 0, 0, 123, TimeSpan.Zero);
    private const string StravaApi = "https://www.strava.com/api/v3";
    private const string PolarApi = "https://www.polaraccesslink.com/v3";
    private const string JunctionApi = "https://api.tryvital.io/";

    /// <summary>What the generator saved, as it held each connection after its last save.</summary>
    public static IReadOnlyList<ConnectionSnapshot> Written { get; } =
    [
        new(Guid.Parse("54889f42-483b-8007-97a4-1dbf393c57c8"), Project, "pat-a", "strava", ConnectionSource.OAuth, ConnectionStatus.Active, null,
            "12345678", "john_runner", "read,activity:read_all", StravaApi, "wv1.k1.fixture-access-strava", "wv1.k1.fixture-refresh-strava",
            T0.AddHours(6), T0.AddDays(2).AddMilliseconds(456), T0.AddMinutes(1), T0, T0.AddDays(2).AddMilliseconds(456), "2"),
        new(Guid.Parse("161543e6-280f-8374-84ab-0771bf7f80d5"), Project, "pat-a", "polar", ConnectionSource.OAuth, ConnectionStatus.Active, null,
            "87654321", null, "accesslink.read_all", PolarApi, "wv1.k1.fixture-access-polar", null,
            T0.AddYears(1), null, T0.AddMinutes(2), T0, T0.AddMinutes(2), "1"),
        new(Guid.Parse("72cbe204-9032-84e7-b962-ca405b034be3"), Project, "pat-a", "oura", ConnectionSource.Junction, ConnectionStatus.Active, LinkStatus.Connected,
            "9f2c6f0e-1a2b-4c3d-8e9f-000000000001", null, null, JunctionApi, null, null,
            null, null, T0.AddMinutes(3), T0, T0.AddMinutes(3), "1"),
        new(Guid.Parse("15481c7c-8148-8ae1-8e4d-9ec4a941596f"), Project, "pat-b", "strava", ConnectionSource.OAuth, ConnectionStatus.Revoked, null,
            "11111111", "runner_b", "read", StravaApi, null, null,
            null, T0.AddDays(1), T0.AddMinutes(4), T0, T0.AddDays(3), "1"),
        new(Guid.Parse("8e560f8b-8455-89c6-ae56-0886edfe9034"), Project, "pat-b", "polar", ConnectionSource.OAuth, ConnectionStatus.Expired, null,
            "22222222", null, "accesslink.read_all", PolarApi, "wv1.k1.fixture-access-expired", "wv1.k1.fixture-refresh-expired",
            T0.AddHours(1), T0.AddHours(12), T0.AddMinutes(5), T0, T0.AddDays(4), "1"),
        new(Guid.Parse("e99dd4c0-9fd1-86f5-9d17-4d070f6d65f0"), Project, "pat-b", "garmin", ConnectionSource.Junction, ConnectionStatus.Active, LinkStatus.Error,
            "9f2c6f0e-1a2b-4c3d-8e9f-000000000002", null, null, JunctionApi, null, null,
            null, T0.AddHours(5), T0.AddMinutes(6), T0, T0.AddHours(5), "1"),
        new(Guid.Parse("f0c28cc5-c886-85d4-b873-6f4ba4834225"), Project, "pat-c", "strava", ConnectionSource.OAuth, ConnectionStatus.Active, null,
            null, null, null, StravaApi, "wv1.k1.fixture-access-bare", null,
            null, null, T0.AddMinutes(7), T0, T0.AddMinutes(7), "1"),
        new(Guid.Parse("008cd1a7-3b6f-8566-a141-41e46fff1e2c"), OtherProject, "pat-a", "strava", ConnectionSource.OAuth, ConnectionStatus.Active, null,
            "33333333", null, "read", StravaApi, "wv1.k1.fixture-access-other", null,
            null, null, T0.AddMinutes(8), T0, T0.AddMinutes(8), "1"),
    ];

    private TempDirectory directory = null!;
    private SqliteConnectionRepository repository = null!;

    [SetUp]
    public void OpenACopy()
    {
        directory = new TempDirectory("wearables-connections-tests");
        var path = directory.File(SqliteDatabase.FileName);
        File.Copy(Path.Combine(TestContext.CurrentContext.TestDirectory, "Repositories", "Fixtures", "connections-v1.db"), path);
        repository = new SqliteConnectionRepository(new SqliteDatabase(path), TestCodec.Instance, TimeProvider.System);
    }

    [TearDown]
    public void DeleteCopy() => directory.Dispose();

    [TestCaseSource(nameof(Written))]
    public async Task Find_EachRowOfTheV1File_ReadsEveryField(ConnectionSnapshot written)
    {
        var found = await repository.FindAsync(written.ProjectId, written.PatientId, written.Provider, CancellationToken.None);

        Assert.That(found, Is.Not.Null);
        AssertFields(ConnectionStates.Snapshot(found!), written);
    }

    [Test]
    public async Task ListByPatient_TheV1File_ListsEveryRowOfThatPatientAndProject_EveryField()
    {
        foreach (var patient in Written.GroupBy(w => (w.ProjectId, w.PatientId)))
        {
            var expected = patient.OrderBy(w => w.Provider, StringComparer.Ordinal).ToList();
            var listed = await repository.ListByPatientAsync(patient.Key.ProjectId, patient.Key.PatientId, CancellationToken.None);

            Assert.That(listed.Select(c => c.Provider), Is.EqualTo(expected.Select(w => w.Provider)), patient.Key.ToString());
            foreach (var (actual, written) in listed.Zip(expected))
            {
                AssertFields(ConnectionStates.Snapshot(actual), written);
            }
        }
    }

    [Test]
    public async Task ListSummaries_TheV1File_ShowEveryListedFieldAsWritten()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var patient in Written.GroupBy(w => (w.ProjectId, w.PatientId)))
            {
                var expected = patient.OrderBy(w => w.Provider, StringComparer.Ordinal).Select(w => ConnectionSummary.Of(Connection.Restore(w)));
                var listed = await repository.ListSummariesByPatientAsync(patient.Key.ProjectId, patient.Key.PatientId, CancellationToken.None);
                Assert.That(listed, Is.EqualTo(expected), patient.Key.ToString());
            }
        }
    }

    [Test]
    public async Task Save_ARowOfTheV1File_UpdatesItInPlace()
    {
        var loaded = (await repository.FindAsync(Project, "pat-a", "polar", CancellationToken.None))!;
        loaded = ConnectionStates.Synced(loaded, T0.AddDays(20));
        await repository.SaveAsync(loaded, CancellationToken.None);

        var reread = (await repository.FindAsync(Project, "pat-a", "polar", CancellationToken.None))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(reread.Version, Is.EqualTo("2"), "the row's version 1 was the current one");
            AssertFields(ConnectionStates.Snapshot(reread), ConnectionStates.Snapshot(loaded));
            Assert.That(
                (await repository.ListSummariesByPatientAsync(Project, "pat-a", CancellationToken.None)).Single(s => s.Provider == "polar"),
                Is.EqualTo(ConnectionSummary.Of(loaded)));
        }
    }

    /// <summary>Field by field, so that a failure names the field.</summary>
    private static void AssertFields(ConnectionSnapshot actual, ConnectionSnapshot expected)
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var property in typeof(ConnectionSnapshot).GetProperties())
            {
                Assert.That(property.GetValue(actual), Is.EqualTo(property.GetValue(expected)), $"{expected.ProjectId}/{expected.PatientId}/{expected.Provider}: {property.Name}");
            }
        }
    }
}
