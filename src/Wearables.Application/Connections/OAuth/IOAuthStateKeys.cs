namespace Wearables.Application.Connections;

/// <summary>
/// The keys that authenticate OAuth states (<see cref="OAuthState"/>): derived by the host from its
/// master keys for this one purpose. New states use <see cref="Active"/>; a state checks under any of
/// <see cref="All"/>, so a key rotation does not refuse the flows (at most ten minutes old) begun before it.
/// </summary>
public interface IOAuthStateKeys
{
    byte[] Active { get; }

    /// <summary>Every key a state may carry the MAC of, the active one included.</summary>
    IReadOnlyList<byte[]> All { get; }
}
