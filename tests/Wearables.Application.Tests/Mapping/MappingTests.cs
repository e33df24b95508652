using AutoMapper;
using Microsoft.Extensions.Logging.Abstractions;
using Wearables.Application.ApiKeys;
using Wearables.Application.Connections;
using Wearables.Application.Connections.Queries.ListConnections;
using Wearables.Domain.Connections;
using Wearables.Domain.Security;

namespace Wearables.Application.Tests.Mapping;

public sealed class MappingTests
{
    private static readonly DateTimeOffset Created = new(2026, 3, 1, 9, 30, 0, TimeSpan.Zero);

    private MapperConfiguration configuration = null!;
    private IMapper mapper = null!;

    [OneTimeSetUp]
    public void CreateConfiguration()
    {
        configuration = DependencyInjection.CreateMapperConfiguration(null, NullLoggerFactory.Instance);
        mapper = configuration.CreateMapper();
    }

    [Test]
    public void ShouldHaveValidConfiguration() => configuration.AssertConfigurationIsValid();

    [Test]
    public void ApiKey_MapsToDto_WithRoleNameAndActiveFlag()
    {
        var key = new ApiKey("wk_abcdefgh", "proj-1", Role.Patient, "patient-7", "ward tablet", new string('a', 64), Created);

        var dto = mapper.Map<ApiKeyDto>(key);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.Id, Is.EqualTo("wk_abcdefgh"));
            Assert.That(dto.Name, Is.EqualTo("ward tablet"));
            Assert.That(dto.Role, Is.EqualTo("patient"));
            Assert.That(dto.PatientId, Is.EqualTo("patient-7"));
            Assert.That(dto.CreatedAt, Is.EqualTo(Created));
            Assert.That(dto.RevokedAt, Is.Null);
            Assert.That(dto.Active, Is.True);
        }
    }

    [Test]
    public void RevokedApiKey_MapsToInactiveDto_WithRevocationTime()
    {
        var key = new ApiKey("wk_abcdefgh", "proj-1", Role.Service, null, "backend", new string('b', 64), Created);
        key.Revoke(Created.AddDays(1));

        var dto = mapper.Map<ApiKeyDto>(key);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.Role, Is.EqualTo("service"));
            Assert.That(dto.Active, Is.False);
            Assert.That(dto.RevokedAt, Is.EqualTo(Created.AddDays(1)));
        }
    }

    [TestCase(ConnectionStatus.Active, null, "active")]
    [TestCase(ConnectionStatus.Revoked, null, "revoked")]
    [TestCase(ConnectionStatus.Expired, null, "expired")]
    [TestCase(ConnectionStatus.Active, LinkStatus.Connected, "active")]
    [TestCase(ConnectionStatus.Active, LinkStatus.Pending, "active")]
    [TestCase(ConnectionStatus.Active, LinkStatus.Disconnected, "revoked")]
    [TestCase(ConnectionStatus.Active, LinkStatus.Error, "expired")]
    [TestCase(ConnectionStatus.Revoked, LinkStatus.Connected, "revoked")]
    public void ConnectionSummary_MapsToTheConnectionShape(ConnectionStatus status, LinkStatus? linkStatus, string expectedStatus)
    {
        var id = Guid.NewGuid();
        var summary = new ConnectionSummary(id, "patient-7", "strava", status, linkStatus, "athlete-1", "john_runner", "read",
            Created.AddHours(2).AddMilliseconds(999), Created.AddMilliseconds(456), new DateTimeOffset(2026, 3, 1, 12, 0, 1, TimeSpan.FromHours(2)));

        var dto = mapper.Map<ConnectionDto>(summary);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.Id, Is.EqualTo(id));
            Assert.That(dto.UserId, Is.EqualTo("patient-7"));
            Assert.That(dto.Provider, Is.EqualTo("strava"));
            Assert.That(dto.ProviderUserId, Is.EqualTo("athlete-1"));
            Assert.That(dto.ProviderUsername, Is.EqualTo("john_runner"));
            Assert.That(dto.Scope, Is.EqualTo("read"));
            Assert.That(dto.Status, Is.EqualTo(expectedStatus));
            Assert.That(dto.LastSyncedAt, Is.EqualTo("2026-03-01T11:30:00Z"), "UTC, whole seconds");
            Assert.That(dto.CreatedAt, Is.EqualTo("2026-03-01T09:30:00Z"));
            Assert.That(dto.UpdatedAt, Is.EqualTo("2026-03-01T10:00:01Z"));
        }
    }

    [Test]
    public void ConnectionSummary_NeverSynced_MapsToNullLastSyncedAt()
    {
        var summary = new ConnectionSummary(Guid.NewGuid(), "patient-7", "polar", ConnectionStatus.Active, null, null, null, null, null, Created, Created);

        var dto = mapper.Map<ConnectionDto>(summary);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(dto.LastSyncedAt, Is.Null);
            Assert.That(dto.ProviderUserId, Is.Null);
            Assert.That(dto.ProviderUsername, Is.Null);
            Assert.That(dto.Scope, Is.Null);
        }
    }

    [Test]
    public void ApiKeyDto_HasNoPropertyThatCouldCarryTheKeyOrItsHash()
    {
        var names = typeof(ApiKeyDto).GetProperties().Select(p => p.Name).ToList();

        var leaky = names.Where(n => n.Contains("Hash", StringComparison.OrdinalIgnoreCase) || n == "Key").ToList();

        Assert.That(leaky, Is.Empty);
    }
}
