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
        var stores = new Decorated(protector);
        var settings = stores.Settings;
        using var scope = WarmupScope.Enter(MadeUp);

        var all = await settings.GetAllAsync(MadeUp, CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(all, Is.EquivalentTo(new Dictionary<string, string> { ["WEARABLE_STRAVA_ENABLED"] = "true" }));
            Assert.That(await settings.GetAsync(MadeUp, "WEARABLE_STRAVA_ENABLED", CancellationToken.None), Is.EqualTo("true"));
            Assert.That(await settings.GetAsync(MadeUp, "WEARABLE_POLAR_ENABLED", CancellationToken.None), Is.Null);
            Assert.That(stores.InnerCalls, Is.Empty);
        }
    }

    [Test]
    public async Task MadeUpProject_InItsWarmupRequest_GetsStravaCredentialsSealedWithItsOwnKey_AndNoneForAnotherProvider()
    {
        var stores = new Decorated(protector);
        var secrets = stores.Secrets;
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
            Assert.That(stores.InnerCalls, Is.Empty);
        }
    }

    [Test]
    public async Task MadeUpProject_InItsWarmupRequest_ItsStateSaveGoesNowhere_AndEveryWriteIsRefused()
    {
        var stores = new Decorated(protector);
        using var scope = WarmupScope.Enter(MadeUp);

        await stores.States.SaveAsync("hash", Pending(MadeUp), CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => stores.Settings.SetAsync(MadeUp, "WEARABLE_STRAVA_ENABLED", "false", CancellationToken.None), Throws.InvalidOperationException.With.Message.EqualTo(RefusedMessage("a settings write")));
            Assert.That(() => stores.Secrets.SetAsync(MadeUp, "strava", Credentials, CancellationToken.None), Throws.InvalidOperationException.With.Message.EqualTo(RefusedMessage("a credentials write")));
            Assert.That(() => stores.Secrets.ReplaceIfUnchangedAsync(MadeUp, "strava", Credentials, Credentials, CancellationToken.None), Throws.InvalidOperationException.With.Message.EqualTo(RefusedMessage("a credentials write")));
            Assert.That(() => stores.Secrets.DeleteAsync(MadeUp, "strava", CancellationToken.None), Throws.InvalidOperationException.With.Message.EqualTo(RefusedMessage("a credentials delete")));
            Assert.That(() => stores.States.SaveAsync("hash", null!, CancellationToken.None), Throws.ArgumentNullException);
            Assert.That(stores.InnerCalls, Is.Empty);
        }
    }

    [Test]
    public async Task AnotherProject_EvenInAWarmupRequest_AndEveryCallOutsideOne_ReachTheRealStores()
    {
        foreach (var (inWarmup, project) in new[] { (true, Real), (false, Real), (false, MadeUp) })
        {
            var stores = new Decorated(protector);
            using (inWarmup ? WarmupScope.Enter(MadeUp) : null)
            {
                await stores.Settings.GetAllAsync(project, CancellationToken.None);
                await stores.Settings.GetAsync(project, "WEARABLE_STRAVA_ENABLED", CancellationToken.None);
                await stores.Settings.SetAsync(project, "WEARABLE_STRAVA_ENABLED", "true", CancellationToken.None);
                await stores.Secrets.GetAsync(project, "strava", CancellationToken.None);
                await stores.Secrets.SetAsync(project, "strava", Credentials, CancellationToken.None);
                await stores.Secrets.ReplaceIfUnchangedAsync(project, "strava", Credentials, Credentials, CancellationToken.None);
                await stores.Secrets.DeleteAsync(project, "strava", CancellationToken.None);
                await stores.States.SaveAsync("hash", Pending(project), CancellationToken.None);
                await stores.States.TakeAsync("hash", CancellationToken.None);
            }

            var because = $"{project}, {(inWarmup ? "in" : "outside")} a warm-up request";
            using (Assert.EnterMultipleScope())
            {
                Assert.That(stores.SettingsInner.Calls, Is.EqualTo(new[] { $"all {project}", $"get {project}", $"set {project}" }), because);
                Assert.That(stores.SecretsInner.Calls, Is.EqualTo(new[] { $"get {project}", $"set {project}", $"replace {project}", $"delete {project}" }), because);
                Assert.That(stores.StatesInner.Calls, Is.EqualTo(new[] { $"save {project}", "take" }), because);
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

    private static readonly StoredCredentials Credentials = new("id", "secret", null, DateTimeOffset.UnixEpoch);

    /// <summary>The three warm-up stores, each around a store that records what reaches it.</summary>
    private sealed class Decorated
    {
        public Decorated(ISecretProtector protector)
        {
            Settings = new WarmupStores.Settings(SettingsInner);
            Secrets = new WarmupStores.Secrets(SecretsInner, protector);
            States = new WarmupStores.States(StatesInner);
        }

        public RecordingSettings SettingsInner { get; } = new();

        public RecordingSecrets SecretsInner { get; } = new();

        public RecordingStates StatesInner { get; } = new();

        public WarmupStores.Settings Settings { get; }

        public WarmupStores.Secrets Secrets { get; }

        public WarmupStores.States States { get; }

        public IEnumerable<string> InnerCalls => SettingsInner.Calls.Concat(SecretsInner.Calls).Concat(StatesInner.Calls);
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
