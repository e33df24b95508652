using Microsoft.Extensions.DependencyInjection;
using Moq;
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
}
