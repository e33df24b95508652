namespace Wearables.Domain.Projects;

/// <summary>Names of project settings (the per-project settings contract: provider toggles and redirect origins).</summary>
public static class ProjectSettingKeys
{
    public const string RedirectOrigins = "WEARABLE_REDIRECT_ORIGINS";

    /// <summary><c>WEARABLE_&lt;PROVIDER&gt;_ENABLED</c> for a provider slug.</summary>
    public static string EnabledToggle(string providerSlug) =>
        $"WEARABLE_{providerSlug.ToUpperInvariant()}_ENABLED";
}
