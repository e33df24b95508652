namespace Wearables.Application.Settings;

/// <summary>Per-project settings (feature toggles, redirect origins) as normalized strings.</summary>
public interface IProjectSettingsStore
{
    Task<IReadOnlyDictionary<string, string>> GetAllAsync(string projectId, CancellationToken cancellationToken);

    Task<string?> GetAsync(string projectId, string key, CancellationToken cancellationToken);

    Task SetAsync(string projectId, string key, string value, CancellationToken cancellationToken);
}
