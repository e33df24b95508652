using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Wearables.Infrastructure.Configuration;

namespace Wearables.Infrastructure.Crypto;

/// <summary>
/// The active master key and older ones kept for decryption, by key id. Built once at start-up:
/// a missing or malformed key stops the service with a message that says what to set.
/// </summary>
public sealed partial class MasterKeyRing
{
    public const string GeneratedKeyFileName = "master.key";
    private readonly Dictionary<string, byte[]> keys;

    public MasterKeyRing(string activeKeyId, IReadOnlyDictionary<string, byte[]> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (!keys.ContainsKey(activeKeyId))
        {
            throw new ArgumentException("The active key id has no key.", nameof(activeKeyId));
        }

        ActiveKeyId = activeKeyId;
        this.keys = new Dictionary<string, byte[]>(keys, StringComparer.Ordinal);
    }

    public string ActiveKeyId { get; }

    /// <summary>Every key id of the ring, the active one included.</summary>
    public IReadOnlyCollection<string> KeyIds => keys.Keys;

    public byte[]? Get(string keyId) => keys.GetValueOrDefault(keyId);

    /// <summary>
    /// From configuration. In Development only, a missing master key is generated once into the
    /// data directory (with a warning); elsewhere it is a start-up error.
    /// </summary>
    public static MasterKeyRing Load(EncryptionOptions options, string dataDirectory, bool isDevelopment, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!KeyIdPattern().IsMatch(options.KeyId))
        {
            throw new InvalidOperationException("Wearables:Encryption:KeyId must match [A-Za-z0-9-]{1,16}.");
        }

        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (id, value) in options.PreviousKeys)
        {
            if (!KeyIdPattern().IsMatch(id))
            {
                throw new InvalidOperationException($"Wearables:Encryption:PreviousKeys: key id '{id}' must match [A-Za-z0-9-]{{1,16}}.");
            }

            keys[id] = Decode(value, $"Wearables:Encryption:PreviousKeys:{id}");
        }

        var master = options.MasterKey;
        if (string.IsNullOrWhiteSpace(master))
        {
            if (!isDevelopment)
            {
                throw new InvalidOperationException(
                    "Wearables:Encryption:MasterKey is not set. Set it to the base64 of 32 random bytes (for example `openssl rand -base64 32`) " +
                    "through the environment (Wearables__Encryption__MasterKey) or a secret store. The service refuses to start without it outside Development.");
            }

            master = LoadOrCreateDevelopmentKey(dataDirectory, logger);
        }

        keys[options.KeyId] = Decode(master, "Wearables:Encryption:MasterKey");
        return new MasterKeyRing(options.KeyId, keys);
    }

    private static string LoadOrCreateDevelopmentKey(string dataDirectory, ILogger logger)
    {
        PrivateFiles.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, GeneratedKeyFileName);
        if (!File.Exists(path))
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var stream = new FileStream(path, options);
            using var writer = new StreamWriter(stream);
            writer.Write(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        }

        LogDevelopmentKey(logger, Path.GetFullPath(path));
        return File.ReadAllText(path).Trim();
    }

    private static byte[] Decode(string value, string name)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(value.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{name} is not valid base64.");
        }

        return bytes.Length == 32 ? bytes : throw new InvalidOperationException($"{name} must be the base64 of exactly 32 bytes (it has {bytes.Length}).");
    }

    [GeneratedRegex(@"^[A-Za-z0-9-]{1,16}\z")]
    private static partial Regex KeyIdPattern();

    [LoggerMessage(LogLevel.Warning, "Development: using a generated encryption master key from {Path}. Never use this outside development; set Wearables:Encryption:MasterKey.")]
    private static partial void LogDevelopmentKey(ILogger logger, string path);
}
