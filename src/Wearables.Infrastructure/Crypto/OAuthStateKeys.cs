using System.Security.Cryptography;
using System.Text;
using Wearables.Application.Connections;

namespace Wearables.Infrastructure.Crypto;

/// <summary>
/// The MAC keys of OAuth states: HKDF-SHA256 of each master key of the ring, info <c>oauth-state</c>
/// (so they are never the keys that seal secrets). Derived once at start-up.
/// </summary>
public sealed class OAuthStateKeys : IOAuthStateKeys
{
    public const string Purpose = "oauth-state";

    public OAuthStateKeys(MasterKeyRing ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        Active = Derive(ring.Get(ring.ActiveKeyId)!);
        All = [Active, .. ring.KeyIds.Where(id => id != ring.ActiveKeyId).Select(id => Derive(ring.Get(id)!))];
    }

    public byte[] Active { get; }

    public IReadOnlyList<byte[]> All { get; }

    private static byte[] Derive(byte[] master) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, salt: [], info: Encoding.UTF8.GetBytes(Purpose));
}
