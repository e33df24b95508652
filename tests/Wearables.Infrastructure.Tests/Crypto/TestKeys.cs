using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Wearables.Infrastructure.Configuration;
using Wearables.Infrastructure.Crypto;

namespace Wearables.Infrastructure.Tests.Crypto;

internal static class TestKeys
{
    public static string NewMasterKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>A key ring as production builds it: through <see cref="MasterKeyRing.Load"/>.</summary>
    public static MasterKeyRing Ring(string keyId, string masterKey, params (string Id, string Key)[] previous)
    {
        var options = new EncryptionOptions { KeyId = keyId, MasterKey = masterKey };
        foreach (var (id, key) in previous)
        {
            options.PreviousKeys[id] = key;
        }

        return MasterKeyRing.Load(options, Path.GetTempPath(), isDevelopment: false, NullLogger.Instance);
    }

    public static AesGcmSecretProtector Protector(string keyId = "k1", string? masterKey = null) =>
        new(Ring(keyId, masterKey ?? NewMasterKey()));
}
