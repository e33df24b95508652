namespace Wearables.TestSupport;

/// <summary><c>Wearables:Storage</c>: where settings, credentials, API keys and OAuth state live.</summary>
public enum StorageMode
{
    Embedded,
    Redis,
}

/// <summary><c>Wearables:Connections</c>: where the FHIR Endpoint resources live.</summary>
public enum ConnectionsMode
{
    Embedded,
    Fhir,
}
