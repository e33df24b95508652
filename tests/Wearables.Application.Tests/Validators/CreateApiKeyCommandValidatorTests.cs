using FluentValidation.Results;
using Wearables.Application.ApiKeys.Commands.CreateApiKey;

namespace Wearables.Application.Tests.Validators;

public sealed class CreateApiKeyCommandValidatorTests
{
    private readonly CreateApiKeyCommandValidator validator = new();

    [TestCase("admin")]
    [TestCase("service")]
    public void NonPatientRole_WithoutPatientId_Passes(string role)
    {
        var result = validator.Validate(new CreateApiKeyCommand("backend", role, null));

        Assert.That(result.Errors, Is.Empty);
    }

    [Test]
    public void PatientRole_WithFhirId_Passes()
    {
        var result = validator.Validate(new CreateApiKeyCommand("tablet", "patient", "Patient-1.a"));

        Assert.That(result.Errors, Is.Empty);
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("Admin")]
    [TestCase("root")]
    [TestCase(" admin")]
    public void UnknownRole_FailsWithRoleInvalid(string? role)
    {
        var result = validator.Validate(new CreateApiKeyCommand("key", role, null));

        Assert.That(Codes(result, "Role"), Is.EqualTo(new[] { "role_invalid" }));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("has space")]
    [TestCase("slash/id")]
    [TestCase("ünïcode")]
    [TestCase("patient-1\n")]
    public void PatientRole_WithoutValidFhirId_FailsWithPatientIdInvalid(string? patientId)
    {
        var result = validator.Validate(new CreateApiKeyCommand("tablet", "patient", patientId));

        Assert.That(Codes(result, "PatientId"), Is.EqualTo(new[] { "patient_id_invalid" }));
    }

    [Test]
    public void PatientRole_WithSixtyFiveCharacterId_Fails()
    {
        var result = validator.Validate(new CreateApiKeyCommand("tablet", "patient", new string('p', 65)));

        Assert.That(Codes(result, "PatientId"), Is.EqualTo(new[] { "patient_id_invalid" }));
    }

    [TestCase("admin")]
    [TestCase("service")]
    public void NonPatientRole_WithPatientId_FailsWithPatientIdNotAllowed(string role)
    {
        var result = validator.Validate(new CreateApiKeyCommand("backend", role, "patient-1"));

        Assert.That(Codes(result, "PatientId"), Is.EqualTo(new[] { "patient_id_not_allowed" }));
    }

    [TestCase(null, "field_required")]
    [TestCase("  ", "field_required")]
    [TestCase("line\nbreak", "field_invalid")]
    public void BadName_Fails(string? name, string code)
    {
        var result = validator.Validate(new CreateApiKeyCommand(name, "admin", null));

        Assert.That(Codes(result, "Name"), Is.EqualTo(new[] { code }));
    }

    [Test]
    public void NameOverOneHundredCharacters_FailsAsTooLong()
    {
        var result = validator.Validate(new CreateApiKeyCommand(new string('n', 101), "admin", null));

        Assert.That(Codes(result, "Name"), Is.EqualTo(new[] { "field_too_long" }));
    }

    private static List<string> Codes(ValidationResult result, string property) =>
        result.Errors.Where(e => e.PropertyName == property).Select(e => e.ErrorCode).ToList();
}
