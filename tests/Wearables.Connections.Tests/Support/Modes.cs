namespace Wearables.Connections.Tests.Support;

/// <summary><c>Wearables:Storage</c>: settings, credentials, API keys and OAuth state.</summary>
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
