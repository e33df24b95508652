using System.Text.Json;
using FluentValidation;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using Wearables.Application.ApiKeys.Commands.RevokeApiKey;
using Wearables.Application.ApiKeys.Queries.ListApiKeys;
using Wearables.Application.Common.Behaviors;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Common.Security;
using Wearables.Application.Connections.Commands.StartConnect;
using Wearables.Application.Credentials;
using Wearables.Application.Credentials.Commands.DeleteCredentials;
using Wearables.Application.Credentials.Commands.SetCredentials;
using Wearables.Application.Settings.Commands.SetProjectSetting;
using Wearables.Domain.Security;

namespace Wearables.Application.Tests.Pipeline;

/// <summary>
/// The order of the behaviors is part of the contract: unknown provider (404) before the
/// patient check (403) before validation (422/400) before the handler touches a store.
/// </summary>
public sealed class PipelineOrderTests
{
    private PipelineHarness harness = null!;
    private ProbeLog probeLog = null!;

    [SetUp]
    public void CreateHarness()
    {
        harness = new PipelineHarness();
        probeLog = new ProbeLog();
        harness.Services.AddSingleton(probeLog);
        harness.Services.AddScoped<IRequestHandler<ProbeRequest, string>, ProbeHandler>();
        harness.Services.AddScoped<IValidator<ProbeRequest>, ProbeValidator>();
        harness.Services.AddScoped<IRequestHandler<ProbeBadRequest, string>, ProbeBadRequestHandler>();
        harness.Services.AddScoped<IValidator<ProbeBadRequest>, ProbeBadRequestValidator>();
    }

    [TearDown]
    public void DisposeHarness() => harness.Dispose();

    [Test]
    public async Task SetCredentials_ForUnknownProvider_WithInvalidBody_ThrowsNotFound()
    {
        var ex = await Assert.ThrowsAsync<NotFoundException>(() => harness.SendAsync(new SetCredentialsCommand("fitbitz", null, "", "\n")));

        Assert.That(ex.Error, Is.EqualTo("provider_not_found"));
        harness.SecretStore.VerifyNoOtherCalls();
        harness.Protector.Verify(p => p.Protect(It.IsAny<string>(), It.IsAny<SecretPurpose>()), Times.Never);
    }

    [Test]
    public async Task SetCredentials_WithMissingClientId_ThrowsValidation_WithFirstErrorCodeAndCamelCaseFields_AndStoresNothing()
    {
        var ex = await Assert.ThrowsAsync<RequestValidationException>(() =>
            harness.SendAsync(new SetCredentialsCommand("strava", null, "secret", "bad\u0000hook")));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ex.Error, Is.EqualTo("field_required"));
            Assert.That(ex.AsBadRequest, Is.False, "credentials validation is a 422");
            Assert.That(ex.Errors.Keys, Is.EquivalentTo(new[] { "clientId", "webhookSecret" }));
            Assert.That(ex.Message, Does.Contain("clientId"));
            Assert.That(ex.Message, Does.Not.Contain("ClientId"));
        }

        harness.SecretStore.Verify(s => s.SetAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<StoredCredentials>(), It.IsAny<CancellationToken>()), Times.Never);
        harness.Protector.Verify(p => p.Protect(It.IsAny<string>(), It.IsAny<SecretPurpose>()), Times.Never);
    }

    [Test]
    public async Task SetCredentials_WithValuesThatWouldLeak_DoesNotEchoThemInTheValidationError()
    {
        var secret = "s3cr3t-" + new string('x', 2000);

        var ex = await Assert.ThrowsAsync<RequestValidationException>(() =>
            harness.SendAsync(new SetCredentialsCommand("strava", "client-1", secret, null)));

        Assert.That(ex.Message + string.Join(" ", ex.Errors.SelectMany(e => e.Value)), Does.Not.Contain("s3cr3t"));
    }

    [Test]
    public async Task SetCredentials_WhenValid_StoresOnlySealedValuesForTheCallersProject()
    {
        StoredCredentials? stored = null;
        harness.SecretStore
            .Setup(s => s.SetAsync(PipelineHarness.ProjectId, "strava", It.IsAny<StoredCredentials>(), It.IsAny<CancellationToken>()))
            .Callback((string _, string _, StoredCredentials c, CancellationToken _) => stored = c)
            .Returns(Task.CompletedTask);
        harness.SecretStore
            .Setup(s => s.GetAsync(PipelineHarness.ProjectId, "strava", It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => stored);
        harness.ProtectorOpens(_ => "client-ABCD1234");

        var status = await harness.SendAsync(new SetCredentialsCommand("strava", "client-ABCD1234", "the-secret", null));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(status.Configured, Is.True);
            Assert.That(status.ClientIdLast4, Is.EqualTo("1234"));
            Assert.That(status.HasWebhookSecret, Is.False);
            Assert.That(stored, Is.Not.Null);
            Assert.That(stored!.ClientIdEnvelope, Does.Not.Contain("client-ABCD1234"));
            Assert.That(stored.ClientSecretEnvelope, Does.Not.Contain("the-secret"));
            Assert.That(stored.UpdatedAt, Is.EqualTo(harness.Time.GetUtcNow()));
        }

        harness.Protector.Verify(p => p.Protect("the-secret", new SecretPurpose(PipelineHarness.ProjectId, "strava", "client_secret")), Times.Once);
    }

    [Test]
    public async Task DeleteCredentials_ForUnknownProvider_ThrowsNotFound_WithoutTouchingTheStore()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => harness.SendAsync(new DeleteCredentialsCommand("nope")));

        harness.SecretStore.VerifyNoOtherCalls();
    }

    [Test]
    public async Task PatientCaller_ActingForAnotherPatient_WithInvalidBody_ThrowsForbidden()
    {
        harness.Caller = new CallerIdentity(PipelineHarness.ProjectId, Role.Patient, "patient-1", "wk_patient1");

        var ex = await Assert.ThrowsAsync<ForbiddenException>(() => harness.SendAsync(new ProbeRequest("strava", "patient-2", Note: null)));

        Assert.That(ex.Error, Is.EqualTo("patient_forbidden"));
        Assert.That(probeLog.Calls, Is.Zero);
    }

    [Test]
    public async Task StartConnect_ByPatientForAnotherPatient_WithInvalidRedirect_ThrowsForbidden_BeforeAnyStoreIsRead()
    {
        harness.Caller = new CallerIdentity(PipelineHarness.ProjectId, Role.Patient, "patient-1", "wk_patient1");

        var ex = await Assert.ThrowsAsync<ForbiddenException>(() => harness.SendAsync(new StartConnectCommand("strava", "patient-2", "javascript:alert(1)")));

        Assert.That(ex.Error, Is.EqualTo("patient_forbidden"));
        harness.SettingsStore.VerifyNoOtherCalls();
        harness.SecretStore.VerifyNoOtherCalls();
    }

    [Test]
    public async Task StartConnect_ByPatientForItself_ReachesValidation_ProviderDisabledFirst()
    {
        harness.Caller = new CallerIdentity(PipelineHarness.ProjectId, Role.Patient, "patient-1", "wk_patient1");

        var ex = await Assert.ThrowsAsync<RequestValidationException>(() => harness.SendAsync(new StartConnectCommand("strava", "patient-1", "javascript:alert(1)")));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ex.Error, Is.EqualTo("provider_disabled"));
            Assert.That(ex.AsBadRequest, Is.False);
        }
    }

    [Test]
    public async Task StartConnect_ForUnknownProvider_ByPatientForAnotherPatient_ThrowsNotFound()
    {
        harness.Caller = new CallerIdentity(PipelineHarness.ProjectId, Role.Patient, "patient-1", "wk_patient1");

        await Assert.ThrowsAsync<NotFoundException>(() => harness.SendAsync(new StartConnectCommand("nope", "patient-2", null)));
    }

    [Test]
    public async Task PatientCaller_ActingForAnotherPatient_OnUnknownProvider_ThrowsNotFound()
    {
        harness.Caller = new CallerIdentity(PipelineHarness.ProjectId, Role.Patient, "patient-1", "wk_patient1");

        await Assert.ThrowsAsync<NotFoundException>(() => harness.SendAsync(new ProbeRequest("unknown", "patient-2", Note: null)));
    }

    [Test]
    public async Task PatientCaller_ActingForItself_WithInvalidBody_ReachesValidation()
    {
        harness.Caller = new CallerIdentity(PipelineHarness.ProjectId, Role.Patient, "patient-1", "wk_patient1");

        var ex = await Assert.ThrowsAsync<RequestValidationException>(() => harness.SendAsync(new ProbeRequest("strava", "patient-1", Note: null)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ex.Error, Is.EqualTo("note_required"));
            Assert.That(ex.Errors.Keys, Is.EquivalentTo(new[] { "note" }));
            Assert.That(probeLog.Calls, Is.Zero);
        }
    }

    [TestCase(Role.Admin)]
    [TestCase(Role.Service)]
    public async Task NonPatientCaller_ActingForAnyPatient_ReachesTheHandler(Role role)
    {
        harness.Caller = new CallerIdentity(PipelineHarness.ProjectId, role, null, "wk_backend1");

        var answer = await harness.SendAsync(new ProbeRequest("strava", "patient-9", "ok"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(answer, Is.EqualTo("handled patient-9"));
            Assert.That(probeLog.Calls, Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Validation_OfARequestThatReportsAsBadRequest_IsFlaggedAsBadRequest_WithGenericCode()
    {
        var ex = await Assert.ThrowsAsync<RequestValidationException>(() => harness.SendAsync(new ProbeBadRequest(LinkToken: "")));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ex.AsBadRequest, Is.True);
            Assert.That(ex.Error, Is.EqualTo("validation_failed"), "a FluentValidation built-in code is not a stable machine code");
            Assert.That(ex.Errors.Keys, Is.EquivalentTo(new[] { "linkToken" }));
        }
    }

    [Test]
    public async Task SetProjectSetting_WithUnknownKey_ThrowsNotFound_AndStoresNothing()
    {
        using var doc = JsonDocument.Parse("true");

        var ex = await Assert.ThrowsAsync<NotFoundException>(() => harness.SendAsync(new SetProjectSettingCommand("WEARABLE_NOPE_ENABLED", doc.RootElement)));

        Assert.That(ex.Error, Is.EqualTo("setting_not_found"));
        harness.SettingsStore.VerifyNoOtherCalls();
    }

    [Test]
    public async Task SetProjectSetting_WithBadValue_ThrowsValidation_AndStoresNothing()
    {
        using var doc = JsonDocument.Parse("\"yes\"");

        var ex = await Assert.ThrowsAsync<RequestValidationException>(() => harness.SendAsync(new SetProjectSettingCommand("WEARABLE_STRAVA_ENABLED", doc.RootElement)));

        Assert.That(ex.Error, Is.EqualTo("setting_value_invalid"));
        harness.SettingsStore.VerifyNoOtherCalls();
    }

    [Test]
    public async Task SetProjectSetting_WithStringTrue_StoresNormalizedValueInCallersProject()
    {
        using var doc = JsonDocument.Parse("\"TRUE\"");

        var dto = await harness.SendAsync(new SetProjectSettingCommand("WEARABLE_STRAVA_ENABLED", doc.RootElement));

        Assert.That(dto.Value, Is.EqualTo(true));
        harness.SettingsStore.Verify(s => s.SetAsync(PipelineHarness.ProjectId, "WEARABLE_STRAVA_ENABLED", "true", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test]
    public async Task RevokeApiKey_ThatTheStoreDoesNotRevoke_ThrowsNotFound_ScopedToCallersProject()
    {
        harness.ApiKeyStore
            .Setup(s => s.RevokeAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(false);

        var ex = await Assert.ThrowsAsync<NotFoundException>(() => harness.SendAsync(new RevokeApiKeyCommand("wk_other01")));

        Assert.That(ex.Error, Is.EqualTo("api_key_not_found"));
        harness.ApiKeyStore.Verify(s => s.RevokeAsync(PipelineHarness.ProjectId, "wk_other01", harness.Time.GetUtcNow(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test]
    public async Task ListApiKeys_MapsTheCallersKeysInCreationOrder()
    {
        var t0 = harness.Time.GetUtcNow();
        harness.ApiKeyStore
            .Setup(s => s.ListAsync(PipelineHarness.ProjectId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(
            [
                new ApiKey("wk_second2", PipelineHarness.ProjectId, Role.Service, null, "second", new string('2', 64), t0.AddMinutes(1)),
                new ApiKey("wk_first01", PipelineHarness.ProjectId, Role.Admin, null, "first", new string('1', 64), t0),
            ]);

        var keys = await harness.SendAsync(new ListApiKeysQuery());

        Assert.That(keys.Select(k => (k.Id, k.Role)), Is.EqualTo(new[] { ("wk_first01", "admin"), ("wk_second2", "service") }));
    }
}

public sealed record ProbeRequest(string Provider, string? PatientId, string? Note) : IRequest<string>, IProviderRequest, IPatientScopedRequest;

public sealed class ProbeValidator : AbstractValidator<ProbeRequest>
{
    public ProbeValidator() => RuleFor(r => r.Note).NotEmpty().WithErrorCode("note_required");
}

/// <summary>Counts handler runs (a singleton per harness, so the count survives the async pipeline).</summary>
public sealed class ProbeLog
{
    public int Calls { get; set; }
}

public sealed class ProbeHandler(ProbeLog log) : IRequestHandler<ProbeRequest, string>
{
    public Task<string> Handle(ProbeRequest request, CancellationToken cancellationToken)
    {
        log.Calls++;
        return Task.FromResult($"handled {request.PatientId}");
    }
}

public sealed record ProbeBadRequest(string? LinkToken) : IRequest<string>, IReportsValidationAsBadRequest;

public sealed class ProbeBadRequestValidator : AbstractValidator<ProbeBadRequest>
{
    public ProbeBadRequestValidator() => RuleFor(r => r.LinkToken).NotEmpty();
}

public sealed class ProbeBadRequestHandler : IRequestHandler<ProbeBadRequest, string>
{
    public Task<string> Handle(ProbeBadRequest request, CancellationToken cancellationToken) => Task.FromResult("handled");
}
