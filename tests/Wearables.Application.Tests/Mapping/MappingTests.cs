using AutoMapper;
using Microsoft.Extensions.Logging.Abstractions;
using Wearables.Application.ApiKeys;
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

    [Test]
    public void ApiKeyDto_HasNoPropertyThatCouldCarryTheKeyOrItsHash()
    {
        var names = typeof(ApiKeyDto).GetProperties().Select(p => p.Name).ToList();

        var leaky = names.Where(n => n.Contains("Hash", StringComparison.OrdinalIgnoreCase) || n == "Key").ToList();

        Assert.That(leaky, Is.Empty);
    }
}
