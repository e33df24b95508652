using FluentValidation.Results;
using Wearables.Application.Credentials.Commands.SetCredentials;

namespace Wearables.Application.Tests.Validators;

public sealed class SetCredentialsCommandValidatorTests
{
    private readonly SetCredentialsCommandValidator validator = new();

    private static readonly string TenKilobytes = new('a', 10 * 1024);

    [Test]
    public void ValidCommand_WithoutWebhookSecret_Passes()
    {
        var result = validator.Validate(new SetCredentialsCommand("strava", "12345", "abcdef0123456789", null));

        Assert.That(result.Errors, Is.Empty);
    }

    [Test]
    public void ValidCommand_WithWebhookSecret_AtTheLengthLimits_Passes()
    {
        var result = validator.Validate(new SetCredentialsCommand(
            "polar",
            new string('c', SetCredentialsCommandValidator.MaxClientIdLength),
            new string('s', SetCredentialsCommandValidator.MaxSecretLength),
            new string('w', SetCredentialsCommandValidator.MaxSecretLength)));

        Assert.That(result.Errors, Is.Empty);
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase(" ")]
    [TestCase("   ")]
    public void BlankClientId_FailsAsRequired(string? clientId)
    {
        var result = validator.Validate(new SetCredentialsCommand("strava", clientId, "secret", null));

        Assert.That(Codes(result, "ClientId"), Is.EqualTo(new[] { "field_required" }));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("\u00a0 ")]
    public void BlankClientSecret_FailsAsRequired(string? secret)
    {
        var result = validator.Validate(new SetCredentialsCommand("strava", "client", secret, null));

        Assert.That(Codes(result, "ClientSecret"), Is.EqualTo(new[] { "field_required" }));
    }

    [Test]
    public void BlankButPresentWebhookSecret_Fails()
    {
        var result = validator.Validate(new SetCredentialsCommand("strava", "client", "secret", "  "));

        Assert.That(Codes(result, "WebhookSecret"), Is.EqualTo(new[] { "field_blank" }));
    }

    [TestCase("ClientId")]
    [TestCase("ClientSecret")]
    [TestCase("WebhookSecret")]
    public void TenKilobyteValue_FailsAsTooLong(string field)
    {
        var result = validator.Validate(With(field, TenKilobytes));

        Assert.That(Codes(result, field), Is.EqualTo(new[] { "field_too_long" }));
    }

    [Test]
    public void ClientIdOneOverTheLimit_FailsAsTooLong()
    {
        var result = validator.Validate(With("ClientId", new string('c', SetCredentialsCommandValidator.MaxClientIdLength + 1)));

        Assert.That(Codes(result, "ClientId"), Is.EqualTo(new[] { "field_too_long" }));
    }

    [TestCase("ClientId", "abc\u0000def")]
    [TestCase("ClientId", "abc\ndef")]
    [TestCase("ClientId", "abc\u2028def")]
    [TestCase("ClientSecret", "abc\u0000def")]
    [TestCase("ClientSecret", "abc\r\ndef")]
    [TestCase("ClientSecret", "abc\u2029def")]
    [TestCase("ClientSecret", "abc\u007fdef")]
    [TestCase("WebhookSecret", "abc\tdef")]
    [TestCase("WebhookSecret", "abc\u2028def")]
    [TestCase("WebhookSecret", "\ufeffabc")]
    public void ControlCharacter_FailsAsInvalid(string field, string value)
    {
        var result = validator.Validate(With(field, value));

        Assert.That(Codes(result, field), Is.EqualTo(new[] { "field_invalid" }));
    }

    [Test]
    public void OnlyTheBadFieldIsReported()
    {
        var result = validator.Validate(new SetCredentialsCommand("strava", "ok-client", "bad\nsecret", null));

        Assert.That(result.Errors.Select(e => e.PropertyName), Is.EqualTo(new[] { "ClientSecret" }));
    }

    private static SetCredentialsCommand With(string field, string value) => field switch
    {
        "ClientId" => new SetCredentialsCommand("strava", value, "secret", null),
        "ClientSecret" => new SetCredentialsCommand("strava", "client", value, null),
        "WebhookSecret" => new SetCredentialsCommand("strava", "client", "secret", value),
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    private static List<string> Codes(ValidationResult result, string property) =>
        result.Errors.Where(e => e.PropertyName == property).Select(e => e.ErrorCode).ToList();
}
