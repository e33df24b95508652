namespace Wearables.Api.Tests.Infrastructure;

/// <summary>Where the service keeps settings, credentials, API keys and OAuth state (<c>Wearables:Storage</c>).</summary>
public enum StorageMode
{
    Embedded,
    Redis,
}
