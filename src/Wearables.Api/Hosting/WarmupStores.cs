using System.Collections.Concurrent;
using Wearables.Application.Common;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections;
using Wearables.Application.Credentials;
using Wearables.Application.Settings;
using Wearables.Domain.Projects;
using Wearables.Domain.Security;
using Wearables.Infrastructure.Hosting;

namespace Wearables.Api.Hosting;

/// <summary>
/// The stores as the start-up warm-up's made-up project sees them, around the real ones: with them, its connect
/// runs to its end (settings read, credentials opened, state minted and saved, authorization URL answered), so a
/// fresh instance's first connects run compiled code (README, Performance, "Warm-up").
/// <list type="bullet">
/// <item>settings: Strava enabled, nothing else;</item>
/// <item>credentials: a made-up client id and secret, sealed with the project's key here (the opening is the real one);</item>
/// <item>OAuth state: a save is dropped (no callback ever takes it: the warm-up's callbacks carry made-up states).</item>
/// </list>
/// Only inside a warm-up request (<see cref="WarmupScope.IsMadeUpProject"/>) and only for its project: every other
/// call goes to the real store unchanged. A write for the made-up project other than its state is refused: the
/// warm-up writes nothing.
/// </summary>
public static class WarmupStores
{
    /// <summary>The provider the warm-up's connect starts (the set's requests name it).</summary>
    public const string Provider = "strava";

    /// <summary>Puts each decorator around the registration that resolves its store; a store not registered stays so.</summary>
    public static void Install(IServiceCollection services)
    {
        ServiceDecoration.Decorate<IProjectSettingsStore>(services, (_, inner) => new Settings(inner));
        ServiceDecoration.Decorate<IProjectSecretStore>(services, (p, inner) => new Secrets(inner, p.GetRequiredService<ISecretProtector>()));
        ServiceDecoration.Decorate<IOAuthStateStore>(services, (_, inner) => new States(inner));
    }

    private static InvalidOperationException Refused(string what) =>
        new($"The start-up warm-up writes nothing: {what} of its made-up project refused.");

    public sealed class Settings(IProjectSettingsStore inner) : IProjectSettingsStore
    {
        private static readonly IReadOnlyDictionary<string, string> MadeUp =
            new Dictionary<string, string>(StringComparer.Ordinal) { [ProjectSettingKeys.EnabledToggle(Provider)] = "true" };

        public Task<IReadOnlyDictionary<string, string>> GetAllAsync(string projectId, CancellationToken cancellationToken) =>
            WarmupScope.IsMadeUpProject(projectId) ? Task.FromResult(MadeUp) : inner.GetAllAsync(projectId, cancellationToken);

        public Task<string?> GetAsync(string projectId, string key, CancellationToken cancellationToken) =>
            WarmupScope.IsMadeUpProject(projectId) ? Task.FromResult(MadeUp.GetValueOrDefault(key)) : inner.GetAsync(projectId, key, cancellationToken);

        public Task SetAsync(string projectId, string key, string value, CancellationToken cancellationToken) =>
            WarmupScope.IsMadeUpProject(projectId) ? throw Refused("a settings write") : inner.SetAsync(projectId, key, value, cancellationToken);
    }

    public sealed class Secrets(IProjectSecretStore inner, ISecretProtector protector) : IProjectSecretStore
    {
        private readonly ConcurrentDictionary<(string Project, string Provider), StoredCredentials> sealedFor = new();

        public Task<StoredCredentials?> GetAsync(string projectId, string provider, CancellationToken cancellationToken)
        {
            if (!WarmupScope.IsMadeUpProject(projectId))
            {
                return inner.GetAsync(projectId, provider, cancellationToken);
            }

            if (!string.Equals(provider, Provider, StringComparison.Ordinal))
            {
                return Task.FromResult<StoredCredentials?>(null);
            }

            return Task.FromResult<StoredCredentials?>(sealedFor.GetOrAdd((projectId, provider), key => new StoredCredentials(
                protector.Protect("warm-up-client", new SecretPurpose(key.Project, key.Provider, CredentialsFields.ClientId)),
                protector.Protect("warm-up-secret", new SecretPurpose(key.Project, key.Provider, CredentialsFields.ClientSecret)),
                null,
                DateTimeOffset.UnixEpoch)));
        }

        public Task SetAsync(string projectId, string provider, StoredCredentials credentials, CancellationToken cancellationToken) =>
            WarmupScope.IsMadeUpProject(projectId) ? throw Refused("a credentials write") : inner.SetAsync(projectId, provider, credentials, cancellationToken);

        public Task<bool> ReplaceIfUnchangedAsync(string projectId, string provider, StoredCredentials expected, StoredCredentials replacement, CancellationToken cancellationToken) =>
            WarmupScope.IsMadeUpProject(projectId)
                ? throw Refused("a credentials write")
                : inner.ReplaceIfUnchangedAsync(projectId, provider, expected, replacement, cancellationToken);

        public Task<bool> DeleteAsync(string projectId, string provider, CancellationToken cancellationToken) =>
            WarmupScope.IsMadeUpProject(projectId) ? throw Refused("a credentials delete") : inner.DeleteAsync(projectId, provider, cancellationToken);
    }

    public sealed class States(IOAuthStateStore inner) : IOAuthStateStore
    {
        public Task SaveAsync(string stateHash, PendingAuthorization pending, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(pending);
            return WarmupScope.IsMadeUpProject(pending.ProjectId) ? Task.CompletedTask : inner.SaveAsync(stateHash, pending, cancellationToken);
        }

        public Task<PendingAuthorization?> TakeAsync(string stateHash, CancellationToken cancellationToken) =>
            inner.TakeAsync(stateHash, cancellationToken);
    }
}
