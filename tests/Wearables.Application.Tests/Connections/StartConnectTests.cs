using Microsoft.Extensions.DependencyInjection;
using Moq;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections;
using Wearables.Application.Connections.Commands.StartConnect;
using Wearables.Application.Credentials;
using Wearables.Application.Providers;
using Wearables.Application.Tests.Pipeline;

namespace Wearables.Application.Tests.Connections;

/// <summary>A connect that passes every check: what it remembers for the callback, and what it asks of its ports.</summary>
public sealed class StartConnectTests
{
    private const string CallbackUri = "https://wearables.example/the/host/decides/strava";

    private PipelineHarness harness = null!;
    private PendingAuthorization? saved;

    [SetUp]
    public void CreateHarness()
    {
        harness = new PipelineHarness();
        harness.SettingsStore.Setup(s => s.GetAllAsync(PipelineHarness.ProjectId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new Dictionary<string, string> { ["WEARABLE_STRAVA_ENABLED"] = "true" });
        harness.SecretStore.Setup(s => s.GetAsync(PipelineHarness.ProjectId, "strava", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new StoredCredentials("sealed:client-1", "sealed:secret", null, DateTimeOffset.UnixEpoch));
        harness.ProtectorOpens(envelope => envelope["sealed:".Length..]);

        var callbacks = new Mock<IOAuthCallbackUri>();
        callbacks.Setup(c => c.ForProvider("strava")).Returns(CallbackUri);
        var states = new Mock<IOAuthStateStore>();
        states.Setup(s => s.SaveAsync(It.IsAny<string>(), It.IsAny<PendingAuthorization>(), It.IsAny<CancellationToken>()))
            .Callback((string _, PendingAuthorization p, CancellationToken _) => saved = p)
            .Returns(Task.CompletedTask);
        harness.Services.AddSingleton(callbacks.Object);
        harness.Services.AddSingleton(states.Object);
    }

    [TearDown]
    public void DisposeHarness() => harness.Dispose();

    [Test]
    public async Task Connect_UsesTheCallbackUriTheHostGives_AtConnectAndForTheCallback()
    {
        var result = await harness.SendAsync(new StartConnectCommand("strava", "patient-1", null));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.AuthorizationUrl, Does.Contain("redirect_uri=" + Uri.EscapeDataString(CallbackUri)));
            Assert.That(saved?.CallbackUri, Is.EqualTo(CallbackUri));
        }
    }

    [Test]
    public async Task Connect_RemembersTheFlowForExactlyTheStatesTimeToLive()
    {
        await harness.SendAsync(new StartConnectCommand("strava", "patient-1", null));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(saved?.CreatedAt, Is.EqualTo(harness.Time.GetUtcNow()));
            Assert.That(saved?.ExpiresAt, Is.EqualTo(harness.Time.GetUtcNow() + OAuthState.TimeToLive));
        }
    }

    [Test]
    public async Task Connect_LooksTheProviderUpOnce_AndReadsTheCredentialsOnce()
    {
        await harness.SendAsync(new StartConnectCommand("strava", "patient-1", null));

        harness.Catalog.Verify(c => c.TryGet(It.IsAny<string?>(), out It.Ref<ProviderDescriptor>.IsAny), Times.Once);
        harness.SecretStore.Verify(s => s.GetAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test]
    public async Task Connect_WithPkce_PutsTheS256ChallengeOfTheVerifierOnTheUrl_AndStoresTheVerifierOnlySealed()
    {
        UseStrava(usePkce: true);
        string? verifier = null;
        SecretPurpose? purpose = null;
        harness.Protector.Setup(p => p.Protect(It.IsAny<string>(), It.Is<SecretPurpose>(x => x.Field == PkceVerifiers.Field)))
            .Callback((string plain, SecretPurpose p) => (verifier, purpose) = (plain, p))
            .Returns("sealed-verifier-envelope");

        var result = await harness.SendAsync(new StartConnectCommand("strava", "patient-1", null));
        var query = Query(result.AuthorizationUrl);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(verifier, Does.Match("^[A-Za-z0-9_-]{43,128}$"));
            Assert.That(query["code_challenge"], Is.EqualTo(PkceVerifiers.ChallengeOf(verifier!)));
            Assert.That(query["code_challenge_method"], Is.EqualTo("S256"));
            Assert.That(result.AuthorizationUrl, Does.Not.Contain(verifier!), "the verifier itself never leaves");
            Assert.That(saved?.PkceVerifierEnvelope, Is.EqualTo("sealed-verifier-envelope"), "the state store gets the envelope, not the verifier");
            Assert.That(purpose, Is.EqualTo(PkceVerifiers.PurposeOf(PipelineHarness.ProjectId, OAuthState.Hash(result.State))), "sealed for this project and this flow");
        }
    }

    [Test]
    public async Task Connect_WithPkce_MintsAVerifierPerFlow()
    {
        UseStrava(usePkce: true);

        var first = Query((await harness.SendAsync(new StartConnectCommand("strava", "patient-1", null))).AuthorizationUrl);
        var second = Query((await harness.SendAsync(new StartConnectCommand("strava", "patient-1", null))).AuthorizationUrl);

        Assert.That(second["code_challenge"], Is.Not.EqualTo(first["code_challenge"]));
    }

    [Test]
    public async Task Connect_WithoutPkce_SendsNoChallenge_AndStoresNoVerifier()
    {
        UseStrava(usePkce: false);

        var result = await harness.SendAsync(new StartConnectCommand("strava", "patient-1", null));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Query(result.AuthorizationUrl).Keys, Has.None.StartsWith("code_challenge"));
            Assert.That(saved, Is.Not.Null);
            Assert.That(saved?.PkceVerifierEnvelope, Is.Null);
        }

        harness.Protector.Verify(p => p.Protect(It.IsAny<string>(), It.Is<SecretPurpose>(x => x.Field == PkceVerifiers.Field)), Times.Never);
    }

    private void UseStrava(bool usePkce)
    {
        var strava = PipelineHarness.Strava with { UsePkce = usePkce };
        harness.Catalog.Setup(c => c.TryGet("strava", out strava)).Returns(true);
    }

    private static Dictionary<string, string> Query(string url) =>
        new Uri(url).Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(kv => Uri.UnescapeDataString(kv[0]), kv => Uri.UnescapeDataString(kv.Length > 1 ? kv[1] : string.Empty), StringComparer.Ordinal);
}
