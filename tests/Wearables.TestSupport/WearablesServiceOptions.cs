namespace Wearables.TestSupport;

/// <summary>
/// How one test instance of the service is wired: its stores, its secrets and what it shares with
/// other instances. Everything not given is made up fresh for each instance.
/// </summary>
public record WearablesServiceOptions
{
    public StorageMode Storage { get; init; } = StorageMode.Embedded;

    public ConnectionsMode Connections { get; init; } = ConnectionsMode.Embedded;

    /// <summary><c>ConnectionStrings:Redis</c> when <see cref="Storage"/> is Redis.</summary>
    public string? RedisConnectionString { get; init; }

    /// <summary><c>Wearables:Fhir:BaseUrl</c> when <see cref="Connections"/> is Fhir.</summary>
    public Uri? FhirBaseUrl { get; init; }

    /// <summary>Instances that share stores must share the master key (credentials and tokens are encrypted with it).</summary>
    public string MasterKey { get; init; } = WearablesServiceFactory.NewMasterKey();

    public string BootstrapProject { get; init; } = WearablesServiceFactory.NewProjectId();

    /// <summary>The configured bootstrap admin key (only created when the key store is empty); null configures none.</summary>
    public string? BootstrapAdminKey { get; init; } = WearablesServiceFactory.NewApiKey();

    /// <summary>Another instance's data directory to share; null makes a fresh one that the instance deletes when disposed.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Extra configuration, applied last; a null value sets the key to empty.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();
}
