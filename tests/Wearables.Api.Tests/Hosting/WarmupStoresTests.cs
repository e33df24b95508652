using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Wearables.Api.Hosting;
using Wearables.Application.Common;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections;
using Wearables.Application.Credentials;
using Wearables.Application.Settings;
using Wearables.Infrastructure.Configuration;
using Wearables.Infrastructure.Crypto;

namespace Wearables.Api.Tests.Hosting;

/// <summary>
/// The warm-up's stores: the made-up project of a warm-up request gets Strava enabled, sealed made-up credentials and
/// a state save that goes nowhere; any other project, and any call outside a warm-up request, reaches the real store.
/// </summary>
public sealed class WarmupStoresTests
{
    private const string MadeUp = "warm-up.0123456789abcdef0123456789abcdef";
    private const string Real = "acme";

    private readonly AesGcmSecretProtector protector = new(MasterKeyRing.Load(
        new EncryptionOptions { KeyId = "k1", MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) },
        Path.GetTempPath(), isDevelopment: false, NullLogger.Instance));

    [Test]
    public async Task MadeUpProject_InItsWarmupRequest_HasStravaEnabled_AndNoOtherSetting()
    {
        var inner = new RecordingSettings();
        var settings = new WarmupStores.Settings(inner);
        using var scope = WarmupScope.Enter(MadeUp);

        var all = await settings.GetAllAsync(MadeUp, CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(all, Is.EquivalentTo(new Dictionary<string, string> { ["WEARABLE_STRAVA_ENABLED"] = "true" }));
            Assert.That(await settings.GetAsync(MadeUp, "WEARABLE_STRAVA_ENABLED", CancellationToken.None), Is.EqualTo("true"));
            Assert.That(await settings.GetAsync(MadeUp, "WEARABLE_POLAR_ENABLED", CancellationToken.None), Is.Null);
            Assert.That(inner.Calls, Is.Empty);
        }
    }

    [Test]
    public async Task MadeUpProject_InItsWarmupRequest_GetsStravaCredentialsSealedWithItsOwnKey_AndNoneForAnotherProvider()
    {
        var inner = new RecordingSecrets();
        var secrets = new WarmupStores.Secrets(inner, protector);
        using var scope = WarmupScope.Enter(MadeUp);

        var stored = await secrets.GetAsync(MadeUp, "strava", CancellationToken.None);
        Assert.That(stored, Is.Not.Null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(protector.TryUnprotect(stored!.ClientIdEnvelope, new SecretPurpose(MadeUp, "strava", CredentialsFields.ClientId), out var clientId), Is.True);
            Assert.That(clientId, Is.EqualTo("warm-up-client"));
            Assert.That(protector.TryUnprotect(stored.ClientSecretEnvelope, new SecretPurpose(MadeUp, "strava", CredentialsFields.ClientSecret), out var secret), Is.True);
            Assert.That(secret, Is.EqualTo("warm-up-secret"));
            Assert.That(protector.TryUnprotect(stored.ClientIdEnvelope, new SecretPurpose(Real, "strava", CredentialsFields.ClientId), out _), Is.False, "sealed for the made-up project only");
            Assert.That(stored.WebhookSecretEnvelope, Is.Null);
            Assert.That(await secrets.GetAsync(MadeUp, "strava", CancellationToken.None), Is.SameAs(stored), "sealed once");
            Assert.That(await secrets.GetAsync(MadeUp, "polar", CancellationToken.None), Is.Null);
            Assert.That(inner.Calls, Is.Empty);
        }
    }

    [Test]
    public async Task MadeUpProject_InItsWarmupRequest_ItsStateSaveGoesNowhere_AndEveryWriteIsRefused()
    {
        var settingsInner = new RecordingSettings();
        var secretsInner = new RecordingSecrets();
        var statesInner = new RecordingStates();
        var settings = new WarmupStores.Settings(settingsInner);
        var secrets = new WarmupStores.Secrets(secretsInner, protector);
        var states = new WarmupStores.States(statesInner);
        var credentials = new StoredCredentials("id", "secret", null, DateTimeOffset.UnixEpoch);
        using var scope = WarmupScope.Enter(MadeUp);

        await states.SaveAsync("hash", Pending(MadeUp), CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => settings.SetAsync(MadeUp, "WEARABLE_STRAVA_ENABLED", "false", CancellationToken.None), Throws.InvalidOperationException.With.Message.EqualTo(RefusedMessage("a settings write")));
            Assert.That(() => secrets.SetAsync(MadeUp, "strava", credentials, CancellationToken.None), Throws.InvalidOperationException.With.Message.EqualTo(RefusedMessage("a credentials write")));
            Assert.That(() => secrets.ReplaceIfUnchangedAsync(MadeUp, "strava", credentials, credentials, CancellationToken.None), Throws.InvalidOperationException.With.Message.EqualTo(RefusedMessage("a credentials write")));
            Assert.That(() => secrets.DeleteAsync(MadeUp, "strava", CancellationToken.None), Throws.InvalidOperationException.With.Message.EqualTo(RefusedMessage("a credentials delete")));
            Assert.That(() => states.SaveAsync("hash", null!, CancellationToken.None), Throws.ArgumentNullException);
            Assert.That(settingsInner.Calls.Concat(secretsInner.Calls).Concat(statesInner.Calls), Is.Empty);
        }
    }

    [Test]
    public async Task AnotherProject_EvenInAWarmupRequest_AndEveryCallOutsideOne_ReachTheRealStores()
    {
        foreach (var (inWarmup, project) in new[] { (true, Real), (false, Real), (false, MadeUp) })
        {
            var settingsInner = new RecordingSettings();
            var secretsInner = new RecordingSecrets();
            var statesInner = new RecordingStates();
            var settings = new WarmupStores.Settings(settingsInner);
            var secrets = new WarmupStores.Secrets(secretsInner, protector);
            var states = new WarmupStores.States(statesInner);
            var credentials = new StoredCredentials("id", "secret", null, DateTimeOffset.UnixEpoch);
            using (inWarmup ? WarmupScope.Enter(MadeUp) : null)
            {
                await settings.GetAllAsync(project, CancellationToken.None);
                await settings.GetAsync(project, "WEARABLE_STRAVA_ENABLED", CancellationToken.None);
                await settings.SetAsync(project, "WEARABLE_STRAVA_ENABLED", "true", CancellationToken.None);
                await secrets.GetAsync(project, "strava", CancellationToken.None);
                await secrets.SetAsync(project, "strava", credentials, CancellationToken.None);
                await secrets.ReplaceIfUnchangedAsync(project, "strava", credentials, credentials, CancellationToken.None);
                await secrets.DeleteAsync(project, "strava", CancellationToken.None);
                await states.SaveAsync("hash", Pending(project), CancellationToken.None);
                await states.TakeAsync("hash", CancellationToken.None);
            }

            var because = $"{project}, {(inWarmup ? "in" : "outside")} a warm-up request";
            using (Assert.EnterMultipleScope())
            {
                Assert.That(settingsInner.Calls, Is.EqualTo(new[] { $"all {project}", $"get {project}", $"set {project}" }), because);
                Assert.That(secretsInner.Calls, Is.EqualTo(new[] { $"get {project}", $"set {project}", $"replace {project}", $"delete {project}" }), because);
                Assert.That(statesInner.Calls, Is.EqualTo(new[] { $"save {project}", "take" }), because);
            }
        }
    }

    [Test]
    public void Install_PutsEachAroundTheStoreThatResolves()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ISecretProtector>(protector);
        services.AddSingleton<IProjectSettingsStore, RecordingSettings>();
        services.AddSingleton<IProjectSecretStore, RecordingSecrets>();
        services.AddScoped<IOAuthStateStore, RecordingStates>();

        WarmupStores.Install(services);
        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(scope.ServiceProvider.GetRequiredService<IProjectSettingsStore>(), Is.InstanceOf<WarmupStores.Settings>());
            Assert.That(scope.ServiceProvider.GetRequiredService<IProjectSecretStore>(), Is.InstanceOf<WarmupStores.Secrets>());
            Assert.That(scope.ServiceProvider.GetRequiredService<IOAuthStateStore>(), Is.InstanceOf<WarmupStores.States>());
            Assert.That(services.Single(d => d.ServiceType == typeof(IOAuthStateStore)).Lifetime, Is.EqualTo(ServiceLifetime.Scoped));
        }
    }

    [Test]
    public void WarmupScope_NamesOnlyItsMadeUpProject_AndEndsWithTheScope()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(WarmupScope.Active, Is.False);
            Assert.That(WarmupScope.IsMadeUpProject(MadeUp), Is.False);
            using (WarmupScope.Enter(MadeUp))
            {
                Assert.That(WarmupScope.Active, Is.True);
                Assert.That(WarmupScope.IsMadeUpProject(MadeUp), Is.True);
                Assert.That(WarmupScope.IsMadeUpProject(Real), Is.False);
                Assert.That(WarmupScope.IsMadeUpProject(MadeUp.ToUpperInvariant()), Is.False);
            }

            Assert.That(WarmupScope.Active, Is.False);
            Assert.That(WarmupScope.IsMadeUpProject(MadeUp), Is.False);
            Assert.That(() => WarmupScope.Enter(""), Throws.ArgumentException);
        }
    }

    private static string RefusedMessage(string what) => $"The start-up warm-up writes nothing: {what} of its made-up project refused.";

    private static PendingAuthorization Pending(string project) =>
        new(project, "strava", "warm-up", null, "https://wearables.example/v1/wearables/strava/callback", null, DateTimeOffset.UnixEpoch);

    private sealed class RecordingSettings : IProjectSettingsStore
    {
        public List<string> Calls { get; } = [];

        public Task<IReadOnlyDictionary<string, string>> GetAllAsync(string projectId, CancellationToken cancellationToken)
        {
            Calls.Add($"all {projectId}");
            return Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());
        }

        public Task<string?> GetAsync(string projectId, string key, CancellationToken cancellationToken)
        {
            Calls.Add($"get {projectId}");
            return Task.FromResult<string?>(null);
        }

        public Task SetAsync(string projectId, string key, string value, CancellationToken cancellationToken)
        {
            Calls.Add($"set {projectId}");
            return Task.CompletedTask;
        }
    }

    private sealed class RecordingSecrets : IProjectSecretStore
    {
        public List<string> Calls { get; } = [];

        public Task<StoredCredentials?> GetAsync(string projectId, string provider, CancellationToken cancellationToken)
        {
            Calls.Add($"get {projectId}");
            return Task.FromResult<StoredCredentials?>(null);
        }

        public Task SetAsync(string projectId, string provider, StoredCredentials credentials, CancellationToken cancellationToken)
        {
            Calls.Add($"set {projectId}");
            return Task.CompletedTask;
        }

        public Task<bool> ReplaceIfUnchangedAsync(string projectId, string provider, StoredCredentials expected, StoredCredentials replacement, CancellationToken cancellationToken)
        {
            Calls.Add($"replace {projectId}");
            return Task.FromResult(true);
        }

        public Task<bool> DeleteAsync(string projectId, string provider, CancellationToken cancellationToken)
        {
            Calls.Add($"delete {projectId}");
            return Task.FromResult(true);
        }
    }

    private sealed class RecordingStates : IOAuthStateStore
    {
        public List<string> Calls { get; } = [];

        public Task SaveAsync(string stateHash, PendingAuthorization pending, CancellationToken cancellationToken)
        {
            Calls.Add($"save {pending.ProjectId}");
            return Task.CompletedTask;
        }

        public Task<PendingAuthorization?> TakeAsync(string stateHash, CancellationToken cancellationToken)
        {
            Calls.Add("take");
            return Task.FromResult<PendingAuthorization?>(null);
        }
    }
}
