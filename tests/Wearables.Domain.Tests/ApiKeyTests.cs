using Wearables.Domain.Common;
using Wearables.Domain.Security;

namespace Wearables.Domain.Tests;

public sealed class ApiKeyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string Hash = new('f', 64);

    [TestCase("")]
    [TestCase("bad project")]
    [TestCase("a:b")]
    public void Constructor_WithInvalidProjectId_Throws(string projectId)
    {
        var ex = Assert.Throws<DomainRuleException>(() => new ApiKey("wk_abcdefgh", projectId, Role.Admin, null, "n", Hash, T0));

        Assert.That(ex.Code, Is.EqualTo("project_id_invalid"));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("not a fhir id")]
    public void PatientKey_WithoutValidPatientId_Throws(string? patientId)
    {
        var ex = Assert.Throws<DomainRuleException>(() => new ApiKey("wk_abcdefgh", "proj", Role.Patient, patientId, "n", Hash, T0));

        Assert.That(ex.Code, Is.EqualTo("patient_id_invalid"));
    }

    [TestCase(Role.Admin)]
    [TestCase(Role.Service)]
    public void NonPatientKey_WithPatientId_Throws(Role role)
    {
        var ex = Assert.Throws<DomainRuleException>(() => new ApiKey("wk_abcdefgh", "proj", role, "patient-1", "n", Hash, T0));

        Assert.That(ex.Code, Is.EqualTo("patient_id_not_allowed"));
    }

    [Test]
    public void Revoke_DeactivatesOnce_KeepingTheFirstRevocationTime()
    {
        var key = new ApiKey("wk_abcdefgh", "proj", Role.Service, null, "n", Hash, T0);

        key.Revoke(T0.AddDays(1));
        key.Revoke(T0.AddDays(2));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(key.IsActive, Is.False);
            Assert.That(key.RevokedAt, Is.EqualTo(T0.AddDays(1)));
        }
    }

    [Test]
    public void NewKey_IsActive()
    {
        Assert.That(new ApiKey("wk_abcdefgh", "proj", Role.Patient, "patient-1", "n", Hash, T0).IsActive, Is.True);
    }

    [Test]
    public void ToString_DoesNotShowTheHash()
    {
        var key = new ApiKey("wk_abcdefgh", "proj", Role.Admin, null, "n", Hash, T0);

        Assert.That(key.ToString(), Does.Not.Contain(Hash).And.Contain("wk_abcdefgh"));
    }

    [TestCase("admin", Role.Admin)]
    [TestCase("service", Role.Service)]
    [TestCase("patient", Role.Patient)]
    public void RoleNames_RoundTrip(string name, Role role)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Roles.Parse(name), Is.EqualTo(role));
            Assert.That(role.ToName(), Is.EqualTo(name));
        }
    }

    [TestCase("Admin")]
    [TestCase("")]
    [TestCase(null)]
    public void Roles_TryParse_RejectsUnknownNames(string? name) => Assert.That(Roles.TryParse(name, out _), Is.False);
}
