namespace Wearables.Domain.Connections;

/// <summary>Lifecycle of a connection as seen by clients (the Open Wearables connection shape: active, revoked, expired).</summary>
public enum ConnectionStatus
{
    /// <summary>Valid and usable for data sync.</summary>
    Active,

    /// <summary>The user revoked access (or we disconnected).</summary>
    Revoked,

    /// <summary>The tokens expired and could not be refreshed; the user must re-authorize.</summary>
    Expired,
}

/// <summary>How the connection was made.</summary>
public enum ConnectionSource
{
    /// <summary>Our own OAuth authorization-code flow with the provider.</summary>
    OAuth,

    /// <summary>Reached through Junction Link: Junction holds the provider tokens.</summary>
    Junction,
}

/// <summary>Junction's view of a linked provider (the Junction Link exchange answer).</summary>
public enum LinkStatus
{
    Connected,
    Disconnected,
    Error,
    Pending,
}
