using Microsoft.Extensions.DependencyInjection;
using Moq;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections;
using Wearables.Application.Connections.Commands.HandleCallback;
using Wearables.Application.Credentials;
using Wearables.Application.Providers;
using Wearables.Application.Tests.Pipeline;
using Wearables.Domain.Credentials;

namespace Wearables.Application.Tests.Connections;

/// <summary>The callback's PKCE part: the verifier sealed at connect is opened for its flow and sent at the token exchange.</summary>
public sealed class HandleCallbackPkceTests
{
    private static readonly string State = OAuthState.NewToken(PipelineHarness.StateKeys);
    private const string Envelope = "sealed-verifier-envelope";
    private const string Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    private PipelineHarness harness = null!;
    private Mock<IOAuthProviderClient> providers = null!;
    private Mock<IOAuthStateStore> states = null!;
    private string? sentVerifier = "(not sent)";

    [SetUp]
    public void CreateHarness()
    {
        harness = new PipelineHarness();
        harness.SecretStore.Setup(s => s.GetAsync(PipelineHarness.ProjectId, "strava", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new StoredCredentials("sealed:client-1", "sealed:secret", null, DateTimeOffset.UnixEpoch));
        harness.ProtectorOpens(envelope => envelope.StartsWith("sealed:", StringComparison.Ordinal) ? envelope["sealed:".Length..] : Verifier);

        states = new Mock<IOAuthStateStore>();
        providers = new Mock<IOAuthProviderClient>();

        // The exchange is where this test ends: what reached it is the point, not what follows.
        providers.Setup(p => p.ExchangeCodeAsync(It.IsAny<ProviderDescriptor>(), It.IsAny<ProviderCredentials>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Callback((ProviderDescriptor _, ProviderCredentials _, string _, string _, string? verifier, CancellationToken _) => sentVerifier = verifier)
            .ThrowsAsync(new BadRequestException("code_rejected", "rejected by the test"));
        harness.Services.AddSingleton(states.Object);
        harness.Services.AddSingleton(providers.Object);
    }

    [TearDown]
    public void DisposeHarness() => harness.Dispose();

    [Test]
    public async Task Callback_OpensTheSealedVerifierForItsFlow_AndSendsItAtTheExchange()
    {
        Pending(Envelope);

        var thrown = await Assert.ThrowsAsync<BadRequestException>(() => harness.SendAsync(Callback()));

        Assert.That(thrown!.Error, Is.EqualTo("code_rejected"));
        Assert.That(sentVerifier, Is.EqualTo(Verifier));
        harness.Protector.Verify(p => p.TryUnprotect(Envelope, PkceVerifiers.PurposeOf(PipelineHarness.ProjectId, OAuthState.Hash(State)), out It.Ref<string>.IsAny), Times.Once);
    }

    [Test]
    public async Task Callback_WithAVerifierThatDoesNotOpen_Is401StateInvalid_AndNeverReachesTheProvider()
    {
        Pending(Envelope);
        harness.Protector.Setup(p => p.TryUnprotect(Envelope, It.IsAny<SecretPurpose>(), out It.Ref<string>.IsAny)).Returns(false);

        var thrown = await Assert.ThrowsAsync<UnauthorizedException>(() => harness.SendAsync(Callback()));

        Assert.That(thrown!.Error, Is.EqualTo("state_invalid"));
        Assert.That(thrown.Message, Does.Not.Contain(Envelope));
        providers.Verify(p => p.ExchangeCodeAsync(It.IsAny<ProviderDescriptor>(), It.IsAny<ProviderCredentials>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Test]
    public async Task Callback_OfAFlowWithoutPkce_SendsNoVerifier()
    {
        Pending(envelope: null);

        await Assert.ThrowsAsync<BadRequestException>(() => harness.SendAsync(Callback()));

        Assert.That(sentVerifier, Is.Null);
    }

    private static HandleCallbackCommand Callback() => new("strava", "the-code", State, null, null);

    private void Pending(string? envelope) =>
        states.Setup(s => s.TakeAsync(OAuthState.Hash(State), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new PendingAuthorization(PipelineHarness.ProjectId, "strava", "patient-1", null, "https://wearables.example/cb", envelope, harness.Time.GetUtcNow()));
}
