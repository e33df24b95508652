using Microsoft.Extensions.Time.Testing;
using Moq;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;

namespace Wearables.Application.Tests.Connections;

/// <summary>The save loop reads again after a lost concurrent write, and only then.</summary>
public sealed class ConnectionWriterTests
{
    private const string Project = "project-a";
    private const string Patient = "patient-1";

    private static readonly SaveRetry TwoRetries = new([TimeSpan.Zero, TimeSpan.Zero], WhenStoreDown: false);

    private readonly FakeTimeProvider time = new(DateTimeOffset.Parse("2026-12-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private Mock<IConnectionRepository> repository = null!;

    [SetUp]
    public void CreateRepository()
    {
        repository = new Mock<IConnectionRepository>(MockBehavior.Strict);
        repository.Setup(r => r.FindAsync(Project, Patient, "oura", It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => Connection.Create(Project, Patient, "oura", ConnectionSource.OAuth, time.GetUtcNow()));
    }

    [Test]
    public async Task A_LostConcurrentWrite_IsReadAgainAndApplied()
    {
        var saves = 0;
        repository.Setup(r => r.SaveAsync(It.IsAny<Connection>(), It.IsAny<CancellationToken>()))
            .Returns(() => ++saves == 1 ? Task.FromException(ConflictException.Concurrent()) : Task.CompletedTask);

        var saved = await new ConnectionWriter(repository.Object, time).UpsertAsync(
            Project, Patient, "oura", ConnectionSource.OAuth, (_, _) => { }, TwoRetries, CancellationToken.None);

        Assert.That(saved, Is.Not.Null);
        repository.Verify(r => r.FindAsync(Project, Patient, "oura", It.IsAny<CancellationToken>()), Times.Exactly(2));
        repository.Verify(r => r.SaveAsync(It.IsAny<Connection>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Test]
    public async Task A_BusinessConflictThrownByTheChange_IsAnsweredAtOnce_WithoutReadingAgain()
    {
        var writer = new ConnectionWriter(repository.Object, time);

        var thrown = await Assert.ThrowsAsync<ConflictException>(() => writer.UpsertAsync(
            Project, Patient, "oura", ConnectionSource.Junction,
            (_, _) => throw new ConflictException("connected_directly", "connected directly"),
            TwoRetries, CancellationToken.None));

        Assert.That(thrown!.Error, Is.EqualTo("connected_directly"));
        repository.Verify(r => r.FindAsync(Project, Patient, "oura", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test]
    public async Task ConcurrentWritesLoseTheirRetriesAfterTheLastDelay()
    {
        repository.Setup(r => r.SaveAsync(It.IsAny<Connection>(), It.IsAny<CancellationToken>())).ThrowsAsync(ConflictException.Concurrent());
        var writer = new ConnectionWriter(repository.Object, time);

        var thrown = await Assert.ThrowsAsync<ConflictException>(() => writer.UpsertAsync(
            Project, Patient, "oura", ConnectionSource.OAuth, (_, _) => { }, TwoRetries, CancellationToken.None));

        Assert.That(thrown!.IsConcurrentWrite, Is.True);
        repository.Verify(r => r.FindAsync(Project, Patient, "oura", It.IsAny<CancellationToken>()), Times.Exactly(3));
    }
}
